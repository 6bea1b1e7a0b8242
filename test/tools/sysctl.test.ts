// procps sysctl's texts and exit statuses, as the kernel machine's sysctl gave them (measured: a key the
// kernel has not, or a value it refuses, exits 1; -e ignores unknown keys and exits 0).
import { describe, expect, it } from 'vitest';
import { sysctl } from '../../src/tools/sysctl.js';
import type { ToolOutput } from '../../src/tools/tool.js';
import { world } from '../sim/helpers.js';

function run(line: string): ToolOutput {
  const { w, host } = world();
  const argv = line.split(' ');
  expect(sysctl.check(argv)).toBeUndefined();
  return sysctl.run({ world: w, ns: host }, argv) as ToolOutput;
}

describe('sysctl', () => {
  it('a key the kernel has not either: cannot stat, exit 1', () => {
    expect(run('sysctl -w net.ipv4.conf.lo.nosuch=1')).toEqual({ stdout: '', stderr: 'sysctl: cannot stat /proc/sys/net/ipv4/conf/lo/nosuch: No such file or directory\n', exit: 1 });
  });
  it('-e: unknown keys ignored without a word, exit 0', () => {
    expect(run('sysctl -e net.ipv4.nosuch')).toEqual({ stdout: '', stderr: '', exit: 0 });
  });
  it('a value the kernel refuses: Invalid argument, exit 1', () => {
    expect(run('sysctl -q -w net.ipv4.conf.lo.rp_filter=abc')).toEqual({ stdout: '', stderr: 'sysctl: setting key "net.ipv4.conf.lo.rp_filter": Invalid argument\n', exit: 1 });
  });
  it('a write is echoed back, a read printed', () => {
    expect(run('sysctl -w net.ipv4.ip_forward=1')).toEqual({ stdout: 'net.ipv4.ip_forward = 1\n', stderr: '', exit: 0 });
    expect(run('sysctl -n net.ipv4.ip_default_ttl')).toEqual({ stdout: '64\n', stderr: '', exit: 0 });
  });
});
