/** Reading generated runs back: devices by capture point, frames by direction, ICMP fields. */
import type { SimRun } from '../../src/runner/simulate.js';
import { findByName, type Namespace } from '../../src/sim/world.js';
import type { DeviceState } from '../../src/sim/state.js';

export type Frame = SimRun['captures'][number]['frames'][number];

export const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');

export function deviceAt(run: SimRun, ns: string, name: string): { ns: Namespace; dev: DeviceState } | undefined {
  const n = run.world.namespaces.get(ns);
  const dev = n ? findByName(n.state, name) : undefined;
  return n && dev ? { ns: n, dev } : undefined;
}

/** The frames captured at a point, one direction. */
export function framesAt(run: SimRun, point: string, dir: 'in' | 'out'): Frame[] {
  return (run.captures.find((c) => c.point === point)?.frames ?? []).filter((f) => f.dir === dir);
}

export function macString(d: Uint8Array, at: number): string {
  return Array.from(d.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function ipString(d: Uint8Array, at: number): string {
  return Array.from(d.subarray(at, at + 4)).join('.');
}

/** An untagged IPv4 ICMP echo request or reply: its addresses. */
export function echoOf(d: Uint8Array): { type: 'request' | 'reply'; src: string; dst: string } | undefined {
  if (d.length < 14 + 20 + 8 || d[12] !== 0x08 || d[13] !== 0x00 || d[14 + 9] !== 1) return undefined;
  const ihl = ((d[14] as number) & 0x0f) * 4;
  const type = d[14 + ihl];
  if (type !== 0 && type !== 8) return undefined;
  return { type: type === 8 ? 'request' : 'reply', src: ipString(d, 14 + 12), dst: ipString(d, 14 + 16) };
}
