/**
 * The table of what each command accepts (src/tools/forms.ts) against the tools themselves, both ways,
 * and against the README, which prints it: none of the three can drift from the others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, loadScenario } from '../../src/scenario/load.js';
import { prepare } from '../../src/runner/simulate.js';
import { commandList, invocation, matches, programOf } from '../../src/scenario/command.js';
import { toWords } from '../../src/scenario/script.js';
import { ScenarioErrors } from '../../src/scenario/errors.js';
import { FORMS, formsMarkdown } from '../../src/tools/forms.js';
import { TOOLS } from '../../src/tools/index.js';
import { README_BEGIN, README_END } from '../../scripts/readme-forms.js';

const ROOT = join(import.meta.dirname, '../..');

function refusal(line: string): string | undefined {
  const text = `name: form\ntitle: form\nscript: |\n  ${line}\n`;
  try {
    prepare(parseScenario(text, 'form.yaml'));
    return undefined;
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.errors.map((x) => x.detail).join('; ');
    throw e;
  }
}

/** A form's leading keywords after the program: each word a set of choices, up to the first placeholder or option. */
function keys(form: string): { program: string; words: string[][] }[] {
  return form.split(', ').map((alt) => {
    const [program, ...rest] = alt.replace(/^\[?(-[^\s\]]*\]?\s*)*/, '').split(/\s+/);
    const words: string[][] = [];
    for (const w of rest) {
      if (w.startsWith('-') || (w.startsWith('[') && w.includes('-'))) continue;
      if (!/^[a-z][a-z0-9_/|-]*$/.test(w)) break;
      words.push(w.split('|'));
    }
    return { program: program as string, words };
  });
}

/** ip's global options that take a value; every other leading '-word' stands alone. */
const IP_VALUED = ['-netns', '-n', '-family', '-f', '-batch', '-b', '-rcvbuf'];

function leadingWords(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i] as string;
    if (out.length === 0 && w.startsWith('-') && w !== '-') {
      if (argv[0] === 'ip' && IP_VALUED.includes(w)) i++;
      continue;
    }
    // ovsdb's table names are matched without regard to case (`set Port p0 ...`).
    out.push(argv[0]?.startsWith('ovs-') ? w.toLowerCase() : w);
  }
  return out;
}

describe('what each command accepts (src/tools/forms.ts)', () => {
  it('names every program the simulator runs, and only those', () => {
    expect(FORMS.map((p) => p.program).sort()).toEqual([...Object.keys(TOOLS), 'bash', 'nsenter', 'sh', 'tcpdump'].sort());
  });

  for (const p of FORMS)
    for (const f of p.forms)
      it(`${f.form}: every example is accepted`, () => {
        expect(f.examples.length).toBeGreaterThan(0);
        for (const e of f.examples) {
          expect(e.split(/\s+/)[0], e).toBe(p.program);
          expect(refusal(e), e).toBeUndefined();
        }
      });

  it('covers every line of every bundled scenario by some form', () => {
    const dir = join(ROOT, 'scenarios');
    const missing: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const s = loadScenario(join(dir, file));
      for (const line of s.script) {
        // Each command of a list, and of the list inside `sh -c '...'`.
        const commands = commandList(line.words).flatMap((c) => {
          const inv = invocation(c.words);
          const script = inv.argv[2];
          return ['sh', 'bash'].includes(programOf(inv) ?? '') && typeof script === 'string' ? [c, ...commandList(toWords(script))] : [c];
        });
        for (const c of commands) {
          const inv = invocation(c.words);
          const program = programOf(inv);
          const argv = inv.argv.filter((w): w is string => typeof w === 'string');
          const forms = FORMS.find((x) => x.program === program);
          if (!forms) {
            missing.push(`${file}:${line.line} ${line.text}`);
            continue;
          }
          const words = leadingWords(argv);
          const covered = forms.forms.some((f) => keys(f.form).some((k) => k.words.every((choices, i) => choices.some((c) => matches(words[i], c)))));
          if (!covered) missing.push(`${file}:${line.line} ${line.text}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('is what the README prints (npm run readme rewrites the section)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const from = readme.indexOf(README_BEGIN);
    const to = readme.indexOf(README_END);
    expect(from).toBeGreaterThan(0);
    expect(readme.slice(from + README_BEGIN.length + 1, to)).toBe(formsMarkdown());
  });

  it('a refused line is refused: the examples check means something', () => {
    expect(refusal('ip link add d0 type dummy')).toBeDefined();
    expect(refusal('ping -R 10.1.1.3')).toBeDefined();
  });
});
