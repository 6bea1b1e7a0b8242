/**
 * Several files, some bad: every command goes through all of them, reports each (a refused file with
 * its file:line errors), ends with a summary line and exits with the worst status. And `validate`
 * refuses exactly what `run` refuses: they share the one load-time check.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/kernel.js';

let dir: string;
const f = (name: string) => join(dir, name);

/** Every kind of line `run` refuses before it runs anything. */
const UNRUNNABLE = `name: unrunnable
title: lines the simulator cannot run
ipv6: true
script: |
  iptables -L
  ip -batch cmds.txt
  echo a | cat
  tcpdump -nnt -i lo port 80 &
  tcpdump -t -i veth0 &
  ping -f -c 1 127.0.0.1
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vethsim-files-'));
  copyFileSync(join(ROOT, 'scenarios/ping-self.yaml'), f('a-good.yaml'));
  writeFileSync(f('b-unrunnable.yaml'), UNRUNNABLE);
  writeFileSync(f('c-differs.yaml'), 'name: c-differs\ntitle: t\nscript: |\n  echo hello\nexpect:\n  output: |\n    goodbye\n');
  writeFileSync(f('d-latin1.yaml'), Buffer.concat([Buffer.from('name: d\ntitle: t\nscript: |\n  echo caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
});

const files = () => [f('a-good.yaml'), f('b-unrunnable.yaml'), f('c-differs.yaml'), f('d-latin1.yaml'), f('e-missing.yaml')];

const REFUSALS = (file: string) => [
  `${file}: 'ipv6: true' is not simulated (IPv6 is off in every simulated namespace)`,
  `${file}:5: 'iptables' is not simulated`,
  `${file}:6: ip -batch is not simulated`,
  `${file}:7: shell operator '|' is not simulated`,
  `${file}:8: tcpdump filter: the filter primitive 'port' is not simulated`,
  `${file}:9: tcpdump without -n looks up names for addresses (DNS, /etc/hosts), which is not simulated`,
  `${file}:10: ping option -f is not simulated`,
];

describe('several files, some bad', () => {
  it('check checks every file, reports the refused ones with their errors, sums up and exits with the worst status', async () => {
    const r = await runCli(['check', ...files()]);
    expect(r.stdout).toContain(`match   ${f('a-good.yaml')}\n`);
    expect(r.stdout).toContain(`REFUSED ${f('b-unrunnable.yaml')}\n`);
    expect(r.stdout).toContain(`### c-differs (${f('c-differs.yaml')}) — simulator vs expect: DIFF\n`);
    expect(r.stdout).toContain(`REFUSED ${f('d-latin1.yaml')}\n`);
    expect(r.stdout).toContain(`REFUSED ${f('e-missing.yaml')}\n`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('1 match, 1 differ, 3 refused');
    for (const line of REFUSALS(f('b-unrunnable.yaml'))) expect(r.stderr).toContain(line);
    expect(r.stderr).toContain(`${f('d-latin1.yaml')}:4: byte 0xe9 at column 11 is not UTF-8`);
    expect(r.stderr).toContain(`${f('e-missing.yaml')}: no such file`);
    expect(r.code).toBe(2);
  });

  it('run runs every file it can and names the ones it cannot', async () => {
    const r = await runCli(['run', ...files()]);
    expect(r.stdout).toContain(`### ping-self (${f('a-good.yaml')}) — simulator\n`);
    expect(r.stdout).toContain(`### ${f('b-unrunnable.yaml')} — refused\n`);
    expect(r.stdout).toContain(`### c-differs (${f('c-differs.yaml')}) — simulator\n== output ==\nhello\n`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('2 ran, 3 refused');
    expect(r.code).toBe(2);
  });

  it('run --json reports every file in order, a refused one with its errors, and keeps stdout JSON', async () => {
    const r = await runCli(['run', '--json', ...files()]);
    const reports = JSON.parse(r.stdout) as { file: string; scenario?: string; refused?: string[] }[];
    expect(reports.map((x) => x.file)).toEqual(files());
    expect(reports.map((x) => x.scenario ?? 'refused')).toEqual(['ping-self', 'refused', 'c-differs', 'refused', 'refused']);
    expect(reports[1]?.refused?.length).toBe(7);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('2 ran, 3 refused');
    expect(r.code).toBe(2);
  });

  it('validate refuses every line run refuses, as file:line, and passes the rest', async () => {
    const [validate, run] = await Promise.all([runCli(['validate', ...files()]), runCli(['run', ...files()])]);
    for (const line of REFUSALS(f('b-unrunnable.yaml'))) expect(validate.stderr).toContain(line);
    expect(validate.stderr).toBe(run.stderr);
    expect(validate.stdout).toContain(`${f('a-good.yaml')}: ok (`);
    expect(validate.stdout).toContain(`${f('b-unrunnable.yaml')}: refused\n`);
    expect(validate.stdout.trimEnd().split('\n').pop()).toBe('2 ok, 3 refused');
    expect(validate.code).toBe(2);
  });

  it('a difference alone exits 1; all good exits 0', async () => {
    expect((await runCli(['check', f('a-good.yaml'), f('c-differs.yaml')])).code).toBe(1);
    const ok = await runCli(['check', f('a-good.yaml'), join(ROOT, 'scenarios/ping-self-lo-down.yaml')]);
    expect(ok.stdout.trimEnd().split('\n').pop()).toBe('2 match, 0 differ, 0 refused');
    expect(ok.code).toBe(0);
  });
});
