/**
 * print_route (ip/iproute.c) for the FIB's routes, and the order a dump returns them in. Every field is
 * printed followed by a space, so each line ends with one.
 */
import type { NsState, Route } from '../../sim/state.js';
import { ipString } from './parse.js';
import { scopeN2a, SCOPE_NUMBER, tableN2a } from './names.js';

/** What the listing leaves out because it filtered on it. */
export interface RoutePrintFilter {
  /** A table was asked for (not "all"): "table X" is not printed. */
  readonly table: boolean;
  readonly dev: boolean;
  readonly proto: boolean;
  readonly scope: boolean;
}

export function dstString(r: { readonly dst: number; readonly dstLen: number }): string {
  if (r.dstLen === 0 && r.dst === 0) return 'default';
  return r.dstLen === 32 ? ipString(r.dst) : `${ipString(r.dst)}/${r.dstLen}`;
}

/** RTNH_F_LINKDOWN: the nexthop's device has no carrier (host-scope nexthops are never marked). */
export function linkdown(ns: NsState, r: Route): boolean {
  if (r.dev === undefined || r.scope === 'host') return false;
  const dev = ns.devices[r.dev];
  return dev !== undefined && !dev.carrier;
}

export function printRoute(ns: NsState, r: Route, f: RoutePrintFilter): string {
  let s = '';
  if (r.type !== 'unicast') s += `${r.type} `;
  s += `${dstString(r)} `;
  if (r.gateway !== undefined) s += `via ${ipString(r.gateway)} `;
  if (r.dev !== undefined && !f.dev) s += `dev ${ns.devices[r.dev]?.name ?? `if${r.dev}`} `;
  if (r.table !== 254 && !f.table) s += `table ${tableN2a(r.table)} `;
  if (r.proto !== 'boot' && !f.proto) s += `proto ${r.proto} `;
  if (r.scope !== 'global' && !f.scope) s += `scope ${scopeN2a(SCOPE_NUMBER[r.scope])} `;
  if (r.prefsrc !== undefined) s += `src ${ipString(r.prefsrc)} `;
  if (r.metric) s += `metric ${r.metric} `;
  if (r.onlink) s += 'onlink ';
  if (linkdown(ns, r)) s += 'linkdown ';
  return `${s}\n`;
}

/**
 * The tables a full dump walks: fib_table_hash's buckets (id & 255) in order, and in a bucket the
 * table created last first.
 */
export function tablesInDumpOrder(ns: NsState): number[] {
  const created = ns.fibTables ?? [];
  return created
    .map((id, i) => ({ id, i }))
    .sort((a, b) => (a.id & 255) - (b.id & 255) || b.i - a.i)
    .map((t) => t.id);
}

/**
 * A table's routes in trie order: by destination, a longer prefix before a shorter one with the same
 * key, then by metric; routes equal in all that stay in the order they were added.
 */
export function routesInTrieOrder(ns: NsState, table: number): Route[] {
  return ns.routes
    .map((r, i) => ({ r, i }))
    .filter((x) => x.r.table === table)
    .sort((a, b) => a.r.dst - b.r.dst || b.r.dstLen - a.r.dstLen || (a.r.metric ?? 0) - (b.r.metric ?? 0) || a.i - b.i)
    .map((x) => x.r);
}
