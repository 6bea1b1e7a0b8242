/**
 * Records an `ip` transcript from the kernel: `npx tsx test/tools/ip/kernel/record.ts NAME LINES.txt`
 * (as root, where kernel mode runs) writes test/tools/ip/kernel/NAME.json.
 *
 * LINES.txt holds one command a line: `ip ...` (also `ip netns exec NS ip ...`) or `sleep N`. The lines
 * become a scenario run by `vethsim kernel` in its private namespaces, each ip line wrapped so that its
 * stdout, stderr and exit status come back apart (base64, so trailing spaces and newlines survive):
 *
 *   LINE >/run/vo 2>/run/ve; echo "@@@ $?"; base64 -w0 /run/vo; echo; base64 -w0 /run/ve; echo
 *
 * (/run is kernel mode's private tmpfs.) A sleep line is run as it is and recorded with no output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [name, linesFile] = process.argv.slice(2);
if (!name || !linesFile) {
  process.stderr.write('usage: record.ts NAME LINES.txt\n');
  process.exit(2);
}
const lines = readFileSync(linesFile, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const isSleep = (l: string) => /^sleep \d+(\.\d+)?$/.test(l);
const script = lines.map((l) => (isSleep(l) ? l : `${l} >/run/vo 2>/run/ve; echo "@@@ $?"; base64 -w0 /run/vo; echo; base64 -w0 /run/ve; echo`));
const yaml = `name: ${name}\ntitle: ip transcript ${name}\nscript: |\n${script.map((l) => `  ${l}\n`).join('')}`;

const dir = mkdtempSync(join(tmpdir(), 'ip-transcript-'));
const file = join(dir, `${name}.yaml`);
writeFileSync(file, yaml);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'kernel', '--json', file], { encoding: 'utf8', cwd: root });
rmSync(dir, { recursive: true });
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  process.exit(1);
}
const output = (JSON.parse(r.stdout) as { output: string }[])[0]?.output ?? '';
const blocks = output.split('\n');
const recorded: { cmd: string; stdout: string; stderr: string; status: number }[] = [];
let at = 0;
const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
for (const cmd of lines) {
  if (isSleep(cmd)) {
    recorded.push({ cmd, stdout: '', stderr: '', status: 0 });
    continue;
  }
  const m = /^@@@ (\d+)$/.exec(blocks[at] ?? '');
  if (!m) throw new Error(`no status for "${cmd}" at output line ${at + 1}: ${blocks[at]}`);
  recorded.push({ cmd, stdout: b64(blocks[at + 1]), stderr: b64(blocks[at + 2]), status: Number(m[1]) });
  at += 3;
}
const kernel = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
const version = spawnSync('ip', ['-V'], { encoding: 'utf8' }).stdout.trim();
const out = {
  scenario: name,
  recorded: `vethsim kernel (Linux ${kernel}, ${version.replace(/^ip utility, /, '').replace(/, libbpf.*$/, '')}); each line wrapped to keep its stdout, stderr and exit status apart (test/tools/ip/kernel/record.ts)`,
  lines: recorded,
};
writeFileSync(fileURLToPath(new URL(`./${name}.json`, import.meta.url)), `${JSON.stringify(out, null, 1)}\n`);
process.stdout.write(`wrote ${name}.json: ${recorded.length} lines\n`);
