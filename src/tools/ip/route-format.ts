/**
 * print_route (ip/iproute.c) for the FIB's routes, and the order a dump returns them in. Every field is
 * printed followed by a space, so each line ends with one.
 */
import type { NsState, Route } from '../../sim/state.js';
import { ipString } from './parse.js';
import { scopeN2a, SCOPE_NUMBER, tableN2a } from './names.js';
import type { Printer } from './print.js';
import { fib_nh_linkdown } from '../../stack/fib.js';

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

/** RTNH_F_LINKDOWN, as the FIB keeps it. */
export const linkdown = fib_nh_linkdown;

/**
 * print_route for a FIB route (RTM_NEWROUTE of a dump, or a fibmatch answer, whose rtm_type is the
 * type of the route the lookup made: `type`).
 */
export function printRoute(p: Printer, ns: NsState, r: Route, f: RoutePrintFilter, details: boolean, type: string = r.type): void {
  p.openObject();
  if (type !== 'unicast' || details) p.str('type', `${type} `, type);
  const dst = dstString(r);
  // Without RTA_DST (a /0) the destination is the word "default", uncoloured.
  p.str('dst', `${dst} `, dst, r.dstLen === 0 ? undefined : 'inet');
  if (r.gateway !== undefined) printGateway(p, r.gateway);
  if (r.dev !== undefined && !f.dev) printIfidx(p, 'dev', ns.devices[r.dev]?.name ?? `if${r.dev}`);
  if ((r.table !== 254 || details) && !f.table) p.str('table', `table ${tableN2a(r.table)} `, tableN2a(r.table));
  if ((r.proto !== 'boot' || details) && !f.proto) p.str('protocol', `proto ${r.proto} `, r.proto);
  if ((r.scope !== 'global' || details) && !f.scope) {
    const scope = scopeN2a(SCOPE_NUMBER[r.scope]);
    p.str('scope', `scope ${scope} `, scope);
  }
  if (r.prefsrc !== undefined) printPrefsrc(p, r.prefsrc);
  if (r.metric) p.num('metric', `metric ${r.metric} `, r.metric);
  const flags: string[] = [];
  if (r.onlink) flags.push('onlink');
  if (linkdown(ns, r)) flags.push('linkdown');
  printRtFlags(p, flags);
  p.fp('\n');
  p.closeObject();
}

/** print_rta_gateway: "via ADDR " (JSON "gateway"). */
export function printGateway(p: Printer, gw: number): void {
  p.jstr('gateway', ipString(gw));
  p.fp('via ');
  p.fp(`${ipString(gw)} `, 'inet');
}

/** print_rta_ifidx: "dev NAME " (JSON "dev" or "iif"). */
export function printIfidx(p: Printer, key: string, name: string): void {
  p.jstr(key, name);
  p.fp(`${key} `);
  p.fp(`${name} `, 'ifname');
}

/** RTA_PREFSRC: "src ADDR " (JSON "prefsrc"). */
export function printPrefsrc(p: Printer, a: number): void {
  p.jstr('prefsrc', ipString(a));
  p.fp('src ');
  p.fp(`${ipString(a)} `, 'inet');
}

/** print_rt_flags: each nexthop/route flag as a word, and the JSON array "flags" (empty too). */
export function printRtFlags(p: Printer, flags: readonly string[]): void {
  p.openArray('flags');
  for (const f of flags) p.str(null, `${f} `, f);
  p.closeArray();
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
