/**
 * Bad paths, every command: a clear error naming the path, exit 2, never a stack trace and never a
 * hang (Node's own `mkdir -p` never returns under /proc; `/dev/zero` never ends). The files are
 * refused at load, so the kernel commands never reach the kernel and need no root here.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type CliResult } from '../helpers/kernel.js';

let dir: string;
let bad: { path: string; says: string }[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vethsim-paths-'));
  mkdirSync(join(dir, 'a-dir.yaml'));
  writeFileSync(join(dir, 'empty.yaml'), '');
  writeFileSync(join(dir, 'garbage.yaml'), '{{{ [');
  writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
  bad = [
    { path: '/nonexistent/x.yaml', says: 'no such file' },
    { path: join(dir, 'a-dir.yaml'), says: 'is a directory, not a scenario file' },
    { path: '/proc/x.yaml', says: 'no such file' },
    { path: '/dev/zero', says: 'is not a regular file' },
    { path: '/etc/passwd/x.yaml', says: 'no such file (a part of the path is not a directory)' },
    { path: join(dir, 'empty.yaml'), says: 'a scenario is a YAML mapping' },
    { path: join(dir, 'garbage.yaml'), says: '' },
    { path: join(dir, 'latin1.yaml'), says: 'is not UTF-8' },
  ];
});

function expectNoStackTrace(r: CliResult): void {
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(r.stderr).not.toContain('node:internal');
  expect(r.stderr).not.toMatch(/^vethsim: internal error/m);
}

describe('bad paths, every command', () => {
  it.each(['run', 'check', 'conform', 'kernel', 'record', 'validate'])('%s: each bad file refused by name, a summary, exit 2, no stack trace', async (cmd) => {
    const r = await runCli([cmd, ...bad.map((b) => b.path)]);
    expectNoStackTrace(r);
    const lines = r.stderr.split('\n');
    for (const b of bad) expect(lines.find((l) => (l.startsWith(`${b.path}: `) || l.startsWith(`${b.path}:`)) && l.includes(b.says)), b.path).toBeDefined();
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(new RegExp(`\\b${bad.length} refused\\b`));
    expect(r.code).toBe(2);
  });

  it.each([
    ['a file', () => join(ROOT, 'package.json'), 'is a file, not a directory'],
    ['under a file', () => join(ROOT, 'package.json', 'x'), 'is a file, not a directory'],
    ['under /proc', () => '/proc/vethsim-x', 'cannot create the directory /proc/vethsim-x'],
    ['deep under /proc', () => '/proc/vethsim-x/y', 'cannot create the directory /proc/vethsim-x'],
    ['in /proc/self/fd, not a directory', () => '/proc/self/fd/0/x', ''],
  ])('run --pcap DIR with DIR %s: a clear error before anything runs, exit 2', async (_what, path, says) => {
    const r = await runCli(['run', '--pcap', path(), join(ROOT, 'scenarios/ping-self.yaml')]);
    expectNoStackTrace(r);
    expect(r.stderr).toMatch(/^vethsim: --pcap /m);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it.each([[['frobnicate', 'x.yaml']], [['run']], [['run', '--frob', 'x.yaml']], [['run', '--pcap']], [['check', '--pcap', '/tmp', 'x.yaml']]])('usage errors %j: exit 2, no stack trace', async (args) => {
    const r = await runCli(args);
    expectNoStackTrace(r);
    expect(r.stderr).toMatch(/^vethsim: /);
    expect(r.code).toBe(2);
  });
});
