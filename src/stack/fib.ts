/**
 * The FIB: routing tables and the lookups the IPv4 path makes through them (net/ipv4/fib_frontend.c,
 * fib_trie.c). Tables live in NsState.routes tagged with their table id; the policy rules
 * (fib_rules.ts) decide which tables are consulted and in which order. The routes an address brings,
 * and what a device going down or away takes along, follow the netdevice notifier (fib_netdev_event).
 */
import { isDraft, type Draft } from 'immer';
import { shared } from '../sim/cow.js';
import { broadcastOf, inSubnet, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import { devListOrder, RT_TABLE_LOCAL, RT_TABLE_MAIN, type AddrScope, type DeviceState, type IfAddr, type NsState, type Route, type RouteType, type Rule } from '../sim/state.js';
import { isLoopback } from '../core/netdevice.js';
import { devConf } from './devconf.js';
import { fib4_has_custom_rules, fib_rule_match, type Flow } from './fib_rules.js';
import { fib_new_table_draft } from './fib_tables.js';
import type { TopDraft } from '../sim/world.js';

export type { Flow } from './fib_rules.js';

/** Numeric scopes (rtnetlink.h): smaller is wider. */
export const SCOPE_VALUE: Readonly<Record<AddrScope | 'nowhere', number>> = { global: 0, link: 253, host: 254, nowhere: 255 };

function isUp(dev: DeviceState | undefined): boolean {
  return dev !== undefined && dev.up;
}

/**
 * What the FIB's own changes touch — routes and tables, reading devices and addresses: an immer draft of
 * the state, or the plain copy Namespace.updateTop makes.
 */
export type FibDraft = Draft<NsState> | TopDraft;

/**
 * The routes of lo's loopback addresses (127.0.0.1/8 and its like), the same in every namespace, made
 * once and shared: states are never changed in place. Only 127/8 addresses on ifindex 1, so the table
 * stays as small as the loopback addresses scenarios use.
 */
const loopbackRoutes = new Map<string, Route>();

function kernelRoute(table: number, type: RouteType, dst: Ipv4Address, dstLen: number, ifindex: number, scope: Route['scope'], prefsrc: Ipv4Address, metric?: number): Route {
  const loopback = ifindex === 1 && dst >>> 24 === 127 && prefsrc >>> 24 === 127;
  const key = loopback ? `${table} ${type} ${dst} ${dstLen} ${scope} ${prefsrc} ${metric || 0}` : '';
  const shared = loopback ? loopbackRoutes.get(key) : undefined;
  if (shared !== undefined) return shared;
  // No gateway, and mostly no metric: left out rather than stored as undefined (8 bytes a field, six
  // kernel routes an idle namespace with two addresses).
  const r: Route = metric ? { table, type, dst, dstLen, dev: ifindex, proto: 'kernel', scope, prefsrc, metric } : { table, type, dst, dstLen, dev: ifindex, proto: 'kernel', scope, prefsrc };
  if (loopback) loopbackRoutes.set(key, r);
  return r;
}

/**
 * fib_table_insert for a kernel route: none if the table has the same one. The list is searched as it
 * is without the draft's proxies (cow.ts's shared): through the draft, every address added cost as
 * much as the routes its namespace already had.
 */
function addRoute(ns: FibDraft, r: Route): void {
  fib_new_table_draft(ns, r.table);
  const list = shared(ns.routes) as readonly Route[];
  if (list.some((x) => x.table === r.table && x.type === r.type && x.dst === r.dst && x.dstLen === r.dstLen && x.dev === r.dev && x.metric === r.metric)) return;
  // A new array the change owns: later searches in the same change read it directly.
  if (isDraft(ns.routes)) ns.routes = [...list, r];
  else (ns.routes as Route[]).push(r);
}

/** fib_add_ifaddr: the routes an address brings — local always; broadcast and prefix once the device is up. */
export function fibAddIfaddr(ns: FibDraft, ifa: IfAddr): void {
  const dev = (shared(ns.devices) as NsState['devices'])[ifa.ifindex];
  // A secondary address's routes name its primary as their source (fib_add_ifaddr's `prim`).
  const primary = ifa.secondary ? (shared(ns.addrs) as readonly IfAddr[]).find((a) => a.ifindex === ifa.ifindex && !a.secondary && a.prefixlen === ifa.prefixlen && inSubnet(ifa.local, networkOf(a.local, a.prefixlen), a.prefixlen)) : undefined;
  const src = primary?.local ?? ifa.local;
  addRoute(ns, kernelRoute(RT_TABLE_LOCAL, 'local', ifa.local, 32, ifa.ifindex, 'host', src));
  if (!isUp(dev as DeviceState | undefined)) return;
  if (ifa.broadcast !== undefined && ifa.broadcast !== 0xffffffff) addRoute(ns, kernelRoute(RT_TABLE_LOCAL, 'broadcast', ifa.broadcast, 32, ifa.ifindex, 'link', src));
  const prefix = networkOf(ifa.local, ifa.prefixlen);
  if (prefix !== 0 && !ifa.secondary && (prefix !== ifa.local || ifa.prefixlen < 32)) {
    const loopback = dev !== undefined && isLoopback(dev as DeviceState);
    // The prefix route alone has the address's metric (IFA_RT_PRIORITY).
    addRoute(ns, kernelRoute(loopback ? RT_TABLE_LOCAL : RT_TABLE_MAIN, loopback ? 'local' : 'unicast', prefix, ifa.prefixlen, ifa.ifindex, loopback ? 'host' : 'link', src, ifa.metric));
    if (ifa.prefixlen < 31) addRoute(ns, kernelRoute(RT_TABLE_LOCAL, 'broadcast', broadcastOf(ifa.local, ifa.prefixlen), 32, ifa.ifindex, 'link', src));
  }
}

/** fib_modify_prefix_metric: the address's prefix route (if it has one) takes its new metric. */
export function fibModifyPrefixMetric(ns: Draft<NsState>, ifa: IfAddr, oldMetric: number): void {
  const prefix = networkOf(ifa.local, ifa.prefixlen);
  const i = ns.routes.findIndex((r) => r.proto === 'kernel' && r.table === RT_TABLE_MAIN && r.type === 'unicast' && r.dev === ifa.ifindex && r.dst === prefix && r.dstLen === ifa.prefixlen && (r.metric ?? 0) === oldMetric);
  if (i < 0) return;
  const r = ns.routes[i] as Route;
  ns.routes.splice(i, 1);
  ns.routes.push({ ...r, metric: ifa.metric || undefined } as Draft<Route>);
}

/** fib_del_ifaddr: the routes that came with an address go with it (those another address still needs stay). */
export function fibDelIfaddr(ns: Draft<NsState>, ifa: IfAddr): void {
  const prefix = networkOf(ifa.local, ifa.prefixlen);
  const brd = broadcastOf(ifa.local, ifa.prefixlen);
  const stillUsed = (type: RouteType, dst: Ipv4Address) =>
    ns.addrs.some((a) => a.ifindex === ifa.ifindex && a !== ifa && ((type === 'local' && a.local === dst) || (type === 'broadcast' && (a.broadcast === dst || broadcastOf(a.local, a.prefixlen) === dst))));
  ns.routes = ns.routes.filter((r) => {
    if (r.proto !== 'kernel' || r.dev !== ifa.ifindex) return true;
    if (r.type === 'local' && r.dst === ifa.local && r.dstLen === 32) return stillUsed('local', r.dst);
    if (r.type === 'broadcast' && (r.dst === brd || r.dst === ifa.broadcast)) return stillUsed('broadcast', r.dst);
    if (!ifa.secondary && r.dst === prefix && r.dstLen === ifa.prefixlen && r.table !== RT_TABLE_LOCAL) return false;
    if (!ifa.secondary && r.dst === prefix && r.dstLen === ifa.prefixlen && r.type === 'local') return false;
    return true;
  });
}

/**
 * fib_disable_ip on NETDEV_DOWN: routes through the device go. Host-scope routes stay — the local routes
 * of its addresses and any `scope host` route — because their nexthop scope is RT_SCOPE_NOWHERE, which
 * fib_sync_down_dev leaves alone.
 */
export function fibDeviceDown(ns: FibDraft, ifindex: number): void {
  ns.routes = ns.routes.filter((r) => r.dev !== ifindex || r.scope === 'host');
}

/** NETDEV_UP: each address's routes come back. */
export function fibDeviceUp(ns: FibDraft, ifindex: number): void {
  for (const ifa of shared(ns.addrs) as readonly IfAddr[]) if (ifa.ifindex === ifindex) fibAddIfaddr(ns, ifa);
}

export type FibError = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL';

export interface FibResult {
  readonly route: Route;
  readonly type: RouteType;
  readonly table: number;
  readonly rule: Rule;
}

/** RTNH_F_LINKDOWN: the nexthop's device has no carrier (host-scope nexthops are never marked). */
export function fib_nh_linkdown(ns: NsState, r: Route): boolean {
  if (r.dev === undefined || r.scope === 'host') return false;
  const dev = ns.devices[r.dev];
  return dev !== undefined && !dev.carrier;
}

/** ip_ignore_linkdown: ignore_routes_with_linkdown (conf/all OR the device's). */
function ip_ignore_linkdown(ns: NsState, dev: DeviceState): boolean {
  return devConf(ns, dev, 'ignore_routes_with_linkdown') !== 0;
}

const linkdownIgnored = new WeakMap<NsState['devices'], boolean>();

/** Does any device of the namespace skip its routes while without carrier? Then lookups depend on carrier. */
function anyIgnoresLinkdown(ns: NsState): boolean {
  if ((ns.confAll.ignore_routes_with_linkdown ?? 0) !== 0) return true;
  let v = linkdownIgnored.get(ns.devices);
  if (v === undefined) {
    v = Object.values(ns.devices).some((d) => (d.conf.ignore_routes_with_linkdown ?? 0) !== 0);
    linkdownIgnored.set(ns.devices, v);
  }
  return v;
}

/**
 * fib_table_lookup: longest prefix first; among equals the lowest metric; nexthops bound by oif. With
 * `minScope` (or the flow's scope), only routes of at least that scope (fib_check_nh's lookup for a
 * gateway: RT_SCOPE_LINK). With `skipLinkdown`, a nexthop flagged linkdown whose device ignores such
 * routes is passed over (fib_check_nh's own lookups set FIB_LOOKUP_IGNORE_LINKSTATE and keep them).
 */
export function fibTableLookup(ns: NsState, table: number, flow: Flow, minScope = flow.scope ?? 0, skipLinkdown = false): Route | undefined {
  // While the rules are the default ones local is an alias of main: one trie holds both (fib_unmerge
  // splits them when a rule is added), so the longest prefix of either wins — main's 127.25.3.0/24
  // over local's 127.0.0.0/8 (measured) — and at equal prefixes local's aliases come first (higher tb_id).
  const merged = (table === RT_TABLE_LOCAL || table === RT_TABLE_MAIN) && !fib4_has_custom_rules(ns);
  let best: Route | undefined;
  for (const r of ns.routes) {
    if (r.table !== table && !(merged && (r.table === RT_TABLE_LOCAL || r.table === RT_TABLE_MAIN))) continue;
    if (!inSubnet(flow.daddr, r.dst, r.dstLen)) continue;
    if (flow.oif !== 0 && r.dev !== undefined && r.dev !== flow.oif) continue;
    if (minScope !== 0 && SCOPE_VALUE[r.scope] < minScope) continue;
    if (skipLinkdown && fib_nh_linkdown(ns, r) && ip_ignore_linkdown(ns, ns.devices[r.dev as number] as DeviceState)) continue;
    if (best === undefined || r.dstLen > best.dstLen) best = r;
    else if (r.dstLen === best.dstLen) {
      if (r.table !== best.table) {
        if (r.table > best.table) best = r;
      } else if ((r.metric ?? 0) < (best.metric ?? 0)) best = r;
    }
  }
  return best;
}

/**
 * Lookups of namespaces with only the default rules depend on the destination and bound device alone;
 * they are remembered per routes list (which is immutable, so a change of routes starts afresh) — the
 * simulator's counterpart of the kernel's route cache.
 */
const ROUTE_CACHE_SIZE = 256;
const lookupCache = new WeakMap<readonly Route[], Map<number, FibResult | { error: FibError }>>();

/** fib_lookup through the policy rules. */
export function fibLookup(ns: NsState, flow: Flow): FibResult | { error: FibError } {
  // A route skipped for its device's carrier comes back with the carrier, routes unchanged: no caching then.
  if (fib4_has_custom_rules(ns) || flow.oif > 0x1fffff || flow.scope || anyIgnoresLinkdown(ns)) return fibLookupRules(ns, flow);
  let cache = lookupCache.get(ns.routes);
  if (!cache) {
    cache = new Map();
    lookupCache.set(ns.routes, cache);
  }
  const key = flow.daddr + flow.oif * 0x1_0000_0000;
  let r = cache.get(key);
  if (r === undefined) {
    r = fibLookupRules(ns, flow);
    // Bounded, as the kernel's is: a namespace that sees many destinations starts its cache afresh.
    if (cache.size >= ROUTE_CACHE_SIZE) cache.clear();
    cache.set(key, r);
  }
  return r;
}

function fibLookupRules(ns: NsState, flow: Flow): FibResult | { error: FibError } {
  const skipLinkdown = anyIgnoresLinkdown(ns);
  for (const rule of ns.rules) {
    if (!fib_rule_match(ns, rule, flow)) continue;
    // fib4_rule_action: an unreachable rule is ENETUNREACH (an unreachable route is EHOSTUNREACH).
    if (rule.action === 'unreachable') return { error: 'ENETUNREACH' };
    if (rule.action === 'prohibit') return { error: 'EACCES' };
    if (rule.action === 'blackhole') return { error: 'EINVAL' };
    const route = fibTableLookup(ns, rule.table, flow, flow.scope ?? 0, skipLinkdown);
    if (!route) continue;
    if (route.type === 'throw') continue;
    if (route.type === 'unreachable') return { error: 'EHOSTUNREACH' };
    if (route.type === 'prohibit') return { error: 'EACCES' };
    if (route.type === 'blackhole') return { error: 'EINVAL' };
    return { route, type: route.type, table: route.table, rule };
  }
  return { error: 'ENETUNREACH' };
}

const localAddrs = new WeakMap<readonly IfAddr[], Set<Ipv4Address>>();

/** Is `addr` one of this namespace's own addresses (inet_lookup_ifaddr)? */
export function isLocalAddress(ns: NsState, addr: Ipv4Address): boolean {
  let set = localAddrs.get(ns.addrs);
  if (!set) {
    set = new Set(ns.addrs.map((a) => a.local));
    localAddrs.set(ns.addrs, set);
  }
  return set.has(addr);
}

/** inet_addr_type: what the local table says an address is to this namespace. */
export function inetAddrType(ns: NsState, addr: Ipv4Address): RouteType | 'unspec' {
  const r = fibTableLookup(ns, RT_TABLE_LOCAL, { daddr: addr, saddr: 0, oif: 0, iif: 0 });
  if (r && (r.type === 'local' || r.type === 'broadcast')) return r.type;
  const m = fibLookup(ns, { daddr: addr, saddr: 0, oif: 0, iif: 0 });
  return 'error' in m ? 'unspec' : m.type;
}

/**
 * inet_select_addr: a source address on `dev` for talking to `dst` within `scope` — a primary in the
 * same subnet if there is one, else the first primary; failing that, any other device's address.
 */
export function inetSelectAddr(ns: NsState, ifindex: number, dst: Ipv4Address, scope: number): Ipv4Address {
  let first: Ipv4Address | undefined;
  const own = ns.devices[ifindex];
  const ownLocalnet = own ? localnetScope(ns, own) : SCOPE_VALUE.host;
  for (const a of ns.addrs) {
    if (a.ifindex !== ifindex || a.secondary || Math.min(SCOPE_VALUE[a.scope], ownLocalnet) > scope) continue;
    if (dst === 0 || inSubnet(dst, networkOf(a.local, a.prefixlen), a.prefixlen)) return a.local;
    first ??= a.local;
  }
  if (first !== undefined) return first;
  // Then the first device, in the namespace's device list, with a primary address of a wide enough scope.
  for (const dev of Object.values(ns.devices).sort((a, b) => devListOrder(a) - devListOrder(b))) {
    const localnet = localnetScope(ns, dev);
    for (const a of ns.addrs) {
      if (a.ifindex !== dev.ifindex || a.secondary) continue;
      if (a.scope !== 'link' && Math.min(SCOPE_VALUE[a.scope], localnet) <= scope) return a.local;
    }
  }
  return 0;
}

/**
 * localnet_scope (inet_select_addr, confirm_addr_indev): with route_localnet a host-scope address —
 * 127/8 on a veth, as iproute2 makes it by default — counts as link scope, so it can be a source.
 */
export function localnetScope(ns: NsState, dev: DeviceState): number {
  return devConf(ns, dev, 'route_localnet') !== 0 ? SCOPE_VALUE.link : SCOPE_VALUE.host;
}

export type SourceVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: 'IP_LOCAL_SOURCE' | 'IP_RPFILTER' | 'IP_INVALID_SOURCE'; readonly why: string };

/**
 * fib_validate_source: may a packet from `src` to `dst` arrive on `dev`? With rp_filter 0 and no custom
 * rules, only one question: is the source one of our own addresses (refused unless accept_local)?
 * Otherwise the full check reverses the flow and looks it up: strict mode (1) wants the way back to
 * leave through `dev`, loose mode (2) only wants a way back.
 */
export function fibValidateSource(ns: NsState, src: Ipv4Address, dst: Ipv4Address, dev: DeviceState, keys: { readonly oif?: number; readonly tos?: number; readonly mark?: number } = {}): SourceVerdict {
  const rpf = devConf(ns, dev, 'rp_filter');
  const acceptLocal = devConf(ns, dev, 'accept_local') !== 0;
  const customRules = fib4_has_custom_rules(ns);
  if (rpf === 0 && !customRules) {
    if (acceptLocal || !isLocalAddress(ns, src)) return { ok: true };
    return { ok: false, reason: 'IP_LOCAL_SOURCE', why: `its source ${fmt(src)} is a local address and accept_local is 0` };
  }
  // The reversed flow arrives from the forward route's device (lo for local delivery), with the
  // packet's TOS, and its mark only with src_valid_mark.
  const back = fibLookup(ns, { daddr: src, saddr: dst, oif: 0, iif: keys.oif || 1, tos: keys.tos ?? 0, mark: devConf(ns, dev, 'src_valid_mark') ? (keys.mark ?? 0) : 0, uid: 0 });
  if ('error' in back) return rpf ? { ok: false, reason: 'IP_RPFILTER', why: `rp_filter=${rpf}: no route back to ${fmt(src)}` } : { ok: true };
  if (back.type !== 'unicast' && !(back.type === 'local' && acceptLocal)) {
    return back.type === 'local'
      ? { ok: false, reason: 'IP_LOCAL_SOURCE', why: `its source ${fmt(src)} is a local address and accept_local is 0` }
      : { ok: false, reason: 'IP_INVALID_SOURCE', why: `the route back to ${fmt(src)} is ${back.type}` };
  }
  const devMatch = back.route.dev === dev.ifindex || (back.type === 'local' && isLoopback(dev));
  if (devMatch) return { ok: true };
  const hasAddr = ns.addrs.some((a) => a.ifindex === dev.ifindex);
  if (!hasAddr) return rpf ? { ok: false, reason: 'IP_RPFILTER', why: `rp_filter=${rpf} and ${dev.name} has no address` } : { ok: true };
  if (rpf === 1) return { ok: false, reason: 'IP_RPFILTER', why: `rp_filter=1 (strict): the route back to ${fmt(src)} leaves through ${ns.devices[back.route.dev ?? -1]?.name ?? 'another device'}, not ${dev.name}` };
  // Loose mode (2), or rp_filter 0 with custom rules: a way back through any device is enough.
  return { ok: true };
}

function fmt(a: Ipv4Address): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

