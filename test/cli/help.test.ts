/**
 * What the CLI says about itself: --version from package.json, `help COMMAND` with only the options
 * that command takes, and one table of exit statuses — the one --help prints, which the README's
 * table must say word for word.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/kernel.js';
import { EXIT, EXIT_MEANING } from '../../src/cli/main.js';

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The README's exit-status table, as status → meaning (markdown's backticks dropped). */
function readmeExitTable(): Map<number, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('| status | meaning |');
  expect(start, 'the README has an exit-status table').toBeGreaterThan(0);
  const rows = readme.slice(start).split('\n').slice(2);
  const table = new Map<number, string>();
  for (const row of rows) {
    const m = /^\| (\d+) \| (.*) \|$/.exec(row);
    if (!m) break;
    table.set(Number(m[1]), (m[2] as string).replaceAll('`', ''));
  }
  return table;
}

describe('vethsim --version, help', () => {
  it("--version prints package.json's version", async () => {
    const r = await runCli(['--version']);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout).toBe(`vethsim ${version}\n`);
    expect(r.code).toBe(EXIT.ok);
  });

  it('--version with a command is refused', async () => {
    const r = await runCli(['run', '--version', 'x.yaml']);
    expect(r.stderr).toContain('vethsim: --version takes no command');
    expect(r.code).toBe(EXIT.usage);
  });

  it('help COMMAND lists what the command does and only the options it takes; the same as COMMAND --help', async () => {
    const r = await runCli(['help', 'run']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^usage: vethsim run \[options\] FILE\.\.\.\n\nrun each scenario in the simulator/);
    for (const o of ['--json', '--explain', '--by-packet', '--pcap DIR', '--seed N']) expect(r.stdout).toMatch(new RegExp(`^  ${o} `, 'm'));
    const options = r.stdout.slice(r.stdout.indexOf('options:'), r.stdout.indexOf('exit status'));
    for (const o of ['--timeout', '--check']) expect(options).not.toContain(o);
    expect((await runCli(['run', '--help'])).stdout).toBe(r.stdout);
    const kernel = await runCli(['help', 'kernel']);
    expect(kernel.stdout).toMatch(/^  --check /m);
    expect(kernel.stdout).toMatch(/^  --timeout SEC /m);
    expect(kernel.stdout).not.toContain('--explain');
  });

  it('help alone is the whole usage; help of an unknown command is a usage error', async () => {
    const all = await runCli(['help']);
    expect(all.code).toBe(EXIT.ok);
    expect(all.stdout).toBe((await runCli(['--help'])).stdout);
    for (const c of ['run', 'check', 'conform', 'kernel', 'record', 'validate', 'help']) expect(all.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const bad = await runCli(['help', 'frobnicate']);
    expect(bad.stderr).toContain("vethsim: unknown command 'frobnicate'");
    expect(bad.code).toBe(EXIT.usage);
  });

  it("--help's exit statuses are the README's table, word for word", async () => {
    const readme = readmeExitTable();
    expect([...readme.keys()]).toEqual(Object.values(EXIT).sort((a, b) => a - b));
    for (const [key, status] of Object.entries(EXIT)) expect(readme.get(status), `status ${status}`).toBe(EXIT_MEANING[key as keyof typeof EXIT]);
    const help = (await runCli(['--help'])).stdout;
    const table = help.slice(help.indexOf('exit status'));
    for (const [status, meaning] of readme) expect(squash(table)).toContain(`${status} ${meaning}`);
  });
});
