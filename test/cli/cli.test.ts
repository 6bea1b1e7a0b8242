/** The simulator's CLI: exit codes, file:line errors for what it cannot run, diffs for what differs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/kernel.js';

function scenario(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vethsim-cli-')), 'x.yaml');
  writeFileSync(file, `name: x\ntitle: x\n${body}`);
  return file;
}

describe('vethsim run / check', () => {
  it('refuses, before running anything, a line the simulator cannot run — naming file and line', async () => {
    const file = scenario('script: |\n  ip l a veth0 type veth peer name veth1\n  iptables -L\n  ping -f 10.1.1.3 -c 1\n');
    const r = await runCli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5: 'iptables' is not simulated`);
    expect(r.stderr).toContain(`${file}:6: ping option -f is not simulated`);
    expect(r.stdout).toBe('');
  });

  it('check reports a wrong expectation with a diff and exit 1', async () => {
    const file = scenario('script: |\n  echo hello\nexpect:\n  output: |\n    goodbye\n');
    const r = await runCli(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DIFF   output');
    expect(r.stdout).toContain('    -goodbye\n    +hello\n');
  });

  it('check passes a right one', async () => {
    const file = scenario('script: |\n  echo hello\n  cat /proc/sys/net/ipv4/conf/all/rp_filter\nexpect:\n  output: |\n    hello\n    0\n');
    const r = await runCli(['check', file]);
    expect(r.stdout).toContain('match  output');
    expect(r.code).toBe(0);
  });

  it('run --json prints the report as JSON', async () => {
    const file = scenario('script: |\n  echo hi\n');
    const r = await runCli(['run', '--json', file]);
    expect(JSON.parse(r.stdout)).toEqual([{ scenario: 'x', file, mode: 'sim', captures: {}, output: 'hi\n' }]);
  });
});
