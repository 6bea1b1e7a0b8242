/**
 * Routes asked for by hand (net/ipv4/fib_semantics.c, fib_trie.c): inet_rtm_newroute's checks in
 * fib_create_info and fib_check_nh, then fib_table_insert or fib_table_delete.
 */
import { inSubnet, type Ipv4Address } from '../wire/ipv4.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, type NsState, type Route } from '../sim/state.js';
import type { Namespace } from '../sim/world.js';
import { fail, OK, type Result } from '../core/errno.js';
import { fibTableLookup, SCOPE_VALUE } from './fib.js';
import { fib_rule_match } from './fib_rules.js';
import { fib_new_table, fib_table_exists } from './fib_tables.js';

/**
 * fib_check_nh_v4_gw without onlink: the gateway must be reached by a route of at least link scope —
 * looked up in the route's own table first (when it is not main), else through the rules — and only a
 * unicast or local route will do. The nexthop's device is that route's.
 */
function gatewayRoute(ns: NsState, table: number, gw: Ipv4Address, oif: number | undefined): Route | undefined {
  const flow = { daddr: gw, saddr: 0, oif: oif ?? 0, iif: 1 };
  const inTable = (t: number) => fibTableLookup(ns, t, flow, SCOPE_VALUE.link);
  if (table !== RT_TABLE_MAIN && fib_table_exists(ns, table)) {
    const r = inTable(table);
    if (r) return r;
  }
  for (const rule of ns.rules) {
    if (!fib_rule_match(ns, rule, flow)) continue;
    if (rule.action !== 'lookup') return undefined;
    const r = inTable(rule.table);
    if (r && r.type !== 'throw') return r;
  }
  return undefined;
}

/** fib_valid_prefsrc: a preferred source must be one of our addresses (the local table says so). */
function validPrefsrc(ns: NsState, src: Ipv4Address): boolean {
  return ns.routes.some((r) => r.table === RT_TABLE_LOCAL && r.type === 'local' && inSubnet(src, r.dst, r.dstLen));
}

/** fib_create_info's checks; the returned route has its nexthop device resolved. */
function fib_create_info(ns: NsState, r: Route): Route | Result {
  if (r.type === 'unreachable' || r.type === 'blackhole' || r.type === 'prohibit' || r.type === 'throw') {
    if (r.gateway !== undefined || r.dev !== undefined) return fail('EINVAL', 'Gateway, device and multipath can not be specified for this route type');
    return r;
  }
  const dev = r.dev === undefined ? undefined : ns.devices[r.dev];
  if (r.dev !== undefined && !dev) return fail('ENODEV');
  let resolved = r;
  if (r.scope === 'nowhere') return fail('EINVAL', 'Invalid scope');
  if (r.scope === 'host') {
    if (r.gateway !== undefined) return fail('EINVAL', 'Route with host scope can not have a gateway');
    if (!dev) return fail('ENODEV');
  } else if (r.gateway !== undefined && r.onlink) {
    if (SCOPE_VALUE[r.scope] >= SCOPE_VALUE.link) return fail('EINVAL', 'Nexthop has invalid scope');
    if (!dev) return fail('ENODEV', 'Nexthop device required for onlink');
    if (!dev.up) return fail('ENETDOWN', 'Nexthop device is not up');
    const t = ns.routes.find((x) => x.table === RT_TABLE_LOCAL && inSubnet(r.gateway as number, x.dst, x.dstLen) && (x.type === 'local' || x.type === 'broadcast'));
    if (t) return fail('EINVAL', 'Nexthop has invalid gateway');
  } else if (r.gateway !== undefined) {
    const via = gatewayRoute(ns, r.table, r.gateway, r.dev);
    if (!via) return fail('ENETUNREACH', 'Nexthop has invalid gateway');
    if (via.type !== 'unicast' && via.type !== 'local') return fail('EINVAL', 'Nexthop has invalid gateway');
    const out = via.dev === undefined ? undefined : ns.devices[via.dev];
    if (!out) return fail('EINVAL', 'No egress device for nexthop gateway');
    if (!out.up) return fail('ENETDOWN');
    resolved = { ...r, dev: out.ifindex, ...(via.type === 'local' ? { gatewayLocal: true } : {}) };
  } else {
    if (r.onlink) return fail('EINVAL', 'Invalid flags for nexthop - PERVASIVE and ONLINK can not be set');
    if (!dev) return fail('ENODEV');
    if (!dev.up) return fail('ENETDOWN', 'Device for nexthop is not up');
  }
  if (r.prefsrc !== undefined && !validPrefsrc(ns, r.prefsrc)) return fail('EINVAL', 'Invalid prefsrc address');
  return resolved;
}

/**
 * inet_rtm_newroute → fib_table_insert: `ip route add` (create, exclusive), `replace` (create or replace)
 * and `change` (replace only: create=false). The table is created first, even when the route is then
 * refused. A route with the same table, prefix and metric is "the same" (TOS is not modelled).
 */
export function inet_rtm_newroute(ns: Namespace, r: Route, replace: boolean, create = true, alias?: 'append' | 'prepend'): Result {
  const table = r.table === 0 ? RT_TABLE_MAIN : r.table;
  fib_new_table(ns, table);
  if (r.dstLen < 32 && (r.dst & ~(r.dstLen === 0 ? 0 : (0xffffffff << (32 - r.dstLen)) >>> 0)) !== 0) return fail('EINVAL', 'Invalid prefix for given prefix length');
  const info = fib_create_info(ns.state, { ...r, table });
  if ('ok' in info) return info;
  const sameKey = (x: Route): boolean => x.table === table && x.dst === r.dst && x.dstLen === r.dstLen && (x.metric ?? 0) === (r.metric ?? 0);
  if (alias) return fib_insert_alias(ns, info, sameKey, alias);
  const same = ns.state.routes.findIndex(sameKey);
  if (same >= 0 && !replace) return fail('EEXIST');
  // NLM_F_REPLACE with the very route in the group: nothing to do if it is the first, EEXIST if not.
  const match = same >= 0 ? ns.state.routes.findIndex((x) => sameKey(x) && identicalRoute(x, info)) : -1;
  if (match >= 0) return match === same ? OK : fail('EEXIST');
  if (same < 0 && !create) return fail('ENOENT');
  ns.update((d) => {
    if (same >= 0) d.routes.splice(same, 1, info);
    else d.routes.push(info);
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, undefined, 'fib_table_insert', `route ${fmtPrefix(r)} in table ${table}${same >= 0 ? ' replaced' : ' added'}`);
  return OK;
}

/** fa_match: the same type and fib_info (nexthop, source, protocol, scope). */
function identicalRoute(x: Route, info: Route): boolean {
  return x.type === info.type && x.dev === info.dev && x.gateway === info.gateway && x.prefsrc === info.prefsrc && x.proto === info.proto && x.scope === info.scope && (x.onlink ?? false) === (info.onlink ?? false);
}

/**
 * fib_table_insert without NLM_F_EXCL or NLM_F_REPLACE: a new alias of the prefix, before the routes of
 * the same prefix and metric (prepend) or after them (append) — unless one of them is the same route
 * (type and fib_info: nexthop, source, protocol, scope), which is EEXIST.
 */
function fib_insert_alias(ns: Namespace, info: Route, sameKey: (x: Route) => boolean, alias: 'append' | 'prepend'): Result {
  const routes = ns.state.routes;
  if (routes.some((x) => sameKey(x) && identicalRoute(x, info))) return fail('EEXIST');
  let at = -1;
  routes.forEach((x, i) => {
    if (sameKey(x) && (alias === 'append' || at < 0)) at = alias === 'append' ? i + 1 : i;
  });
  ns.update((d) => {
    if (at < 0) d.routes.push(info);
    else d.routes.splice(at, 0, info);
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, undefined, 'fib_table_insert', `route ${fmtPrefix(info)} in table ${info.table} ${alias === 'append' ? 'appended' : 'prepended'}`);
  return OK;
}

export interface RouteSelector {
  readonly table: number;
  readonly dst: Ipv4Address;
  readonly dstLen: number;
  readonly dev?: number;
  readonly gateway?: Ipv4Address;
  readonly type?: Route['type'];
  readonly metric?: number;
  readonly proto?: string;
  readonly scope?: Route['scope'];
  readonly prefsrc?: Ipv4Address;
}

/** inet_rtm_delroute → fib_table_delete: the first route matching what was given. */
export function inet_rtm_delroute(ns: Namespace, sel: RouteSelector): Result {
  const table = sel.table === 0 ? RT_TABLE_MAIN : sel.table;
  if (!fib_table_exists(ns.state, table)) return fail('ESRCH', 'FIB table does not exist');
  const i = ns.state.routes.findIndex(
    (x) =>
      x.table === table &&
      x.dst === sel.dst &&
      x.dstLen === sel.dstLen &&
      (sel.dev === undefined || x.dev === sel.dev) &&
      (sel.gateway === undefined || x.gateway === sel.gateway) &&
      (sel.type === undefined || x.type === sel.type) &&
      (sel.metric === undefined || (x.metric ?? 0) === sel.metric) &&
      (sel.proto === undefined || x.proto === sel.proto) &&
      (sel.scope === undefined || x.scope === sel.scope) &&
      (sel.prefsrc === undefined || x.prefsrc === sel.prefsrc),
  );
  if (i < 0) return fail('ESRCH');
  ns.update((d) => {
    d.routes.splice(i, 1);
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, undefined, 'fib_table_delete', `route ${fmtPrefix(sel)} in table ${table} deleted`);
  return OK;
}

function fmtPrefix(r: { readonly dst: number; readonly dstLen: number }): string {
  const a = r.dst;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}/${r.dstLen}`;
}
