/**
 * The names iproute2 gives numbers (lib/rt_names.c, ip/rtm_map.c), as /etc/iproute2 defines them on
 * the machine kernel mode runs on: route tables, protocols, scopes and route types.
 */
import { getUnsigned } from './parse.js';
import type { Route } from '../../sim/state.js';

const TABLES: ReadonlyArray<readonly [number, string]> = [
  [255, 'local'],
  [254, 'main'],
  [253, 'default'],
  [0, 'unspec'],
];

/** rtnl_rttable_a2n: a name from rt_tables, else a number. */
export function tableA2n(arg: string): number | undefined {
  const named = TABLES.find(([, n]) => n === arg);
  if (named) return named[0];
  return getUnsigned(arg);
}

export function tableN2a(id: number): string {
  return TABLES.find(([t]) => t === id)?.[1] ?? String(id);
}

/** /etc/iproute2/rt_protos. */
const PROTOS: ReadonlyArray<readonly [number, string]> = [
  [0, 'unspec'],
  [1, 'redirect'],
  [2, 'kernel'],
  [3, 'boot'],
  [4, 'static'],
  [8, 'gated'],
  [9, 'ra'],
  [10, 'mrt'],
  [11, 'zebra'],
  [12, 'bird'],
  [13, 'dnrouted'],
  [14, 'xorp'],
  [15, 'ntk'],
  [16, 'dhcp'],
  [18, 'keepalived'],
  [42, 'babel'],
  [99, 'openr'],
  [186, 'bgp'],
  [187, 'isis'],
  [188, 'ospf'],
  [189, 'rip'],
  [192, 'eigrp'],
];

/** rtnl_rtprot_a2n: a name, else a number up to 255. */
export function protoA2n(arg: string): number | undefined {
  const named = PROTOS.find(([, n]) => n === arg);
  if (named) return named[0];
  const v = getUnsigned(arg);
  return v === undefined || v > 255 ? undefined : v;
}

/** The protocol as routes carry it in the simulator: its name, as `ip route` prints it. */
export function protoN2a(id: number): string {
  return PROTOS.find(([p]) => p === id)?.[1] ?? String(id);
}

/** /etc/iproute2/rt_scopes. */
const SCOPES: ReadonlyArray<readonly [number, string]> = [
  [0, 'global'],
  [255, 'nowhere'],
  [254, 'host'],
  [253, 'link'],
  [200, 'site'],
];

export function scopeA2n(arg: string): number | undefined {
  const named = SCOPES.find(([, n]) => n === arg);
  if (named) return named[0];
  const v = getUnsigned(arg);
  return v === undefined || v > 255 ? undefined : v;
}

export function scopeN2a(id: number): string {
  return SCOPES.find(([s]) => s === id)?.[1] ?? String(id);
}

export const SCOPE_NUMBER: Readonly<Record<Route['scope'], number>> = { global: 0, link: 253, host: 254, nowhere: 255 };

/** The scopes the simulator's state can hold; others (site, numbers) are not modelled. */
export function scopeName(id: number): Route['scope'] | undefined {
  return id === 0 ? 'global' : id === 253 ? 'link' : id === 254 ? 'host' : id === 255 ? 'nowhere' : undefined;
}

export const RTN = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
  xresolve: 11,
} as const;

/** rtnl_rtntype_a2n, in its order: some names are exact, others may be abbreviated. */
export function rtntypeA2n(arg: string): number | undefined {
  const m = (k: string) => k.startsWith(arg);
  if (arg === 'local') return RTN.local;
  if (arg === 'nat') return RTN.nat;
  if (m('broadcast') || arg === 'brd') return RTN.broadcast;
  if (m('anycast')) return RTN.anycast;
  if (m('multicast')) return RTN.multicast;
  if (m('prohibit')) return RTN.prohibit;
  if (m('unreachable')) return RTN.unreachable;
  if (m('blackhole')) return RTN.blackhole;
  if (m('xresolve')) return RTN.xresolve;
  if (m('unicast')) return RTN.unicast;
  if (arg === 'throw') return RTN.throw;
  const v = getUnsigned(arg);
  return v === undefined || v > 255 ? undefined : v;
}

/** The route types the simulator models, by number. */
export function routeTypeName(id: number): Route['type'] | undefined {
  const names: Record<number, Route['type']> = { 1: 'unicast', 2: 'local', 3: 'broadcast', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit', 9: 'throw' };
  return names[id];
}
