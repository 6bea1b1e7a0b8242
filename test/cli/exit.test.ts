/**
 * Exit statuses: each failure has its own, documented in --help (the kernel-mode ones — 3 a capture
 * killed mid-run, 5 a timeout, 130 interrupted — are driven in test/kernel/kernel.test.ts). Options
 * reject what they cannot represent instead of wrapping or ignoring it.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/kernel.js';
import { EXIT } from '../../src/cli/main.js';

const GOOD = join(ROOT, 'scenarios/ping-self.yaml');

/** Three links between two bridges: every broadcast doubles at each hop. */
const LOOP = `name: loop
title: two bridges joined three times
script: |
  ip link add br0 type bridge
  ip link add br1 type bridge
  ip link set br0 up
  ip link set br1 up
  ip link add a0 type veth peer name a1
  ip link add b0 type veth peer name b1
  ip link add c0 type veth peer name c1
  ip link set a0 master br0
  ip link set b0 master br0
  ip link set c0 master br0
  ip link set a1 master br1
  ip link set b1 master br1
  ip link set c1 master br1
  ip link set a0 up
  ip link set a1 up
  ip link set b0 up
  ip link set b1 up
  ip link set c0 up
  ip link set c1 up
  ip addr add 10.1.1.1/24 dev br0
  ping -c 1 10.1.1.9
`;

describe('exit statuses', () => {
  it('--help documents every status', async () => {
    const r = await runCli(['--help']);
    for (const code of Object.values(EXIT)) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(r.code).toBe(0);
  });

  it('a storm is exit 4, and the other files still run', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vethsim-exit-')), 'loop.yaml');
    writeFileSync(file, LOOP);
    const r = await runCli(['run', file, GOOD]);
    expect(r.stderr).toContain(`vethsim: ${file}:24: storm guard:`);
    expect(r.stdout).toContain(`### ${file} — failed\n`);
    expect(r.stdout).toContain(`### ping-self (${GOOD}) — simulator\n`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('1 ran, 0 refused, 1 failed');
    expect(r.code).toBe(EXIT.storm);
  });

  it.each(['-1', '1.5', '4294967296', '0x10', '1e3', '', ' 7'])('--seed=%j is a usage error, not a seed wrapped at 2^32', async (seed) => {
    const r = await runCli(['run', `--seed=${seed}`, GOOD]);
    expect(r.stderr).toContain(`vethsim: --seed takes a whole number from 0 to 4294967295, not '${seed}'`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(EXIT.usage);
  });

  it('--seed takes the whole 32-bit range, and different seeds give different MACs', async () => {
    const [lo, hi] = await Promise.all([runCli(['run', '--seed=0', GOOD]), runCli(['run', '--seed=4294967295', GOOD])]);
    expect([lo.code, hi.code]).toEqual([0, 0]);
    expect(lo.stdout).not.toBe(hi.stdout);
  });

  it.each(['0', '-5', 'abc', 'Infinity', '1e9', '3000000'])('--timeout %s is a usage error (setTimeout would fire at once past 2^31 ms)', async (t) => {
    const r = await runCli(['kernel', `--timeout=${t}`, GOOD]);
    expect(r.stderr).toContain(`vethsim: --timeout takes a number of seconds above 0, at most 2147483, not '${t}'`);
    expect(r.code).toBe(EXIT.usage);
  });

  it.each([
    [['check', '--pcap', '/tmp/x', GOOD], "--pcap does not apply to 'check' (only to: run, tui)"],
    [['validate', '--seed', '3', GOOD], "--seed does not apply to 'validate' (only to: run, check, conform, tui)"],
    [['run', '--timeout', '3', GOOD], "--timeout does not apply to 'run' (only to: kernel, record, conform)"],
    // record would write into the file if it ran: it is given a copy, never a bundled scenario.
    [['record', '--json', 'COPY'], "--json does not apply to 'record'"],
  ])('an option given to a command it means nothing to is refused: %j', async (args, says) => {
    const copy = join(mkdtempSync(join(tmpdir(), 'vethsim-exit-')), 'copy.yaml');
    copyFileSync(GOOD, copy);
    const r = await runCli(args.map((a) => (a === 'COPY' ? copy : a)));
    expect(r.stderr).toContain(`vethsim: ${says}`);
    expect(r.code).toBe(EXIT.usage);
  });
});
