/**
 * Route decisions for one packet (net/ipv4/route.c): ip_route_input_slow for what arrives,
 * ip_route_output_key for what this namespace sends. Both consult the FIB through the policy rules;
 * input adds the martian checks and fib_validate_source.
 */
import { isMulticastIpv4, type Ipv4Address } from '../wire/ipv4.js';
import { routeGateway, type DeviceState, type NsState, type Route, type RouteException } from '../sim/state.js';
import type { DropReason } from '../sim/trace.js';
import { fibLookup, fibValidateSource, inetSelectAddr, SCOPE_VALUE, type FibError, type Flow } from './fib.js';
import { devConf, forwarding } from './devconf.js';
import { isLoopback } from '../core/netdevice.js';
import { pernetSlot, type Namespace } from '../sim/world.js';

export type InputRoute =
  | { readonly kind: 'local'; readonly table?: number }
  | { readonly kind: 'broadcast'; readonly table?: number }
  | { readonly kind: 'forward'; readonly route: Route; readonly outDev: DeviceState; readonly nexthop: Ipv4Address }
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly why: string; readonly errno?: FibError }
  /** No route on a forwarding device: the RTN_UNREACHABLE input route, dst.error the lookup's errno, its input ip_error. */
  | { readonly kind: 'error'; readonly error: FibError; readonly why: string };

/**
 * What a lookup keys on besides the addresses and devices: the mark, the TOS, the owner and the
 * protocol with its ports (flowi4_mark, flowi4_tos, flowi4_uid, flowi4_proto, fl4_sport/dport).
 */
export type FlowKeys = Pick<Flow, 'mark' | 'tos' | 'uid' | 'proto' | 'sport' | 'dport'>;

/**
 * The error inet_rtm_getroute reports for an input route that fails: the route's dst.error where one
 * was built (no route, a reject route, no forwarding); every martian and fib_validate_source refusal is
 * EINVAL on this kernel (measured: route-get-iif-martians, an rp_filter failure included).
 */
export function inputRouteErrno(rt: Extract<InputRoute, { kind: 'drop' | 'error' }>): FibError {
  return rt.kind === 'error' ? rt.error : (rt.errno ?? 'EINVAL');
}

const LIMITED_BROADCAST = 0xffffffff;

function isLoopbackAddr(a: Ipv4Address): boolean {
  return a >>> 24 === 127;
}

export function ip_route_input(ns: NsState, dev: DeviceState, saddr: Ipv4Address, daddr: Ipv4Address, keys: FlowKeys = {}): InputRoute {
  if (isMulticastIpv4(saddr) || saddr === LIMITED_BROADCAST) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source: multicast or broadcast' };
  if (daddr === LIMITED_BROADCAST || (saddr === 0 && daddr === 0)) return { kind: 'broadcast' };
  if (isMulticastIpv4(daddr)) return { kind: 'broadcast' };
  // ipv4_is_zeronet is 0.0.0.0 alone since 0/8 became usable (measured: ip route get 0.1.2.3 ... iif is
  // ENETUNREACH, no route; 0.0.0.0 is EINVAL, a martian).
  if (saddr === 0) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source: 0.0.0.0' };
  if (daddr === 0) return { kind: 'drop', reason: 'IP_INVALID_DEST', why: 'martian destination: 0.0.0.0' };
  if ((isLoopbackAddr(daddr) || isLoopbackAddr(saddr)) && devConf(ns, dev, 'route_localnet') === 0) {
    if (isLoopbackAddr(daddr)) return { kind: 'drop', reason: 'IP_LOCALNET', why: 'martian destination: 127/8 arriving on a device without route_localnet' };
    return { kind: 'drop', reason: 'IP_LOCALNET', why: 'martian source: 127/8 arriving on a device without route_localnet' };
  }

  // The input path's flow: the packet's mark and TOS, uid 0 (sock_net_uid without a socket).
  const res = fibLookup(ns, { daddr, saddr, oif: 0, iif: dev.ifindex, ...keys, uid: 0 });
  if ('error' in res) {
    // no_route: an "unreachable" input route whose input is ip_error. A device that does not forward
    // makes it EHOSTUNREACH, which ip_error counts (InAddrErrors) and drops without a word.
    if (!forwarding(dev)) return { kind: 'drop', reason: 'IP_INADDRERRORS', why: `no route to ${fmt(daddr)} (${FIB_ERROR_WHY[res.error]}), and ${dev.name} does not forward`, errno: 'EHOSTUNREACH' };
    return { kind: 'error', error: res.error, why: `no route to ${fmt(daddr)}: ${FIB_ERROR_WHY[res.error]}` };
  }
  if (res.type === 'broadcast') {
    if (saddr !== 0) {
      const v = fibValidateSource(ns, saddr, daddr, dev, keys);
      if (!v.ok) return { kind: 'drop', reason: v.reason, why: `fib_validate_source: ${v.why}` };
    }
    return { kind: 'broadcast', table: res.table };
  }
  if (res.type === 'local') {
    const v = fibValidateSource(ns, saddr, daddr, dev, keys);
    if (!v.ok) return { kind: 'drop', reason: v.reason, why: `fib_validate_source: ${v.why}` };
    return { kind: 'local', table: res.table };
  }
  if (!forwarding(dev)) return { kind: 'drop', reason: 'IP_INADDRERRORS', why: `${fmt(daddr)} is not local and ${dev.name} does not forward (ip_forward=0)`, errno: 'EHOSTUNREACH' };
  if (res.type !== 'unicast') return { kind: 'drop', reason: 'IP_INVALID_DEST', why: `martian destination: route type ${res.type}` };
  const v = fibValidateSource(ns, saddr, daddr, dev, { ...keys, oif: res.route.dev ?? 0 });
  if (!v.ok) return { kind: 'drop', reason: v.reason, why: `fib_validate_source: ${v.why}` };
  const outDev = res.route.dev === undefined ? undefined : ns.devices[res.route.dev];
  if (!outDev) return { kind: 'drop', reason: 'IP_INNOROUTES', why: 'route has no device' };
  const gw = routeGateway(res.route);
  return { kind: 'forward', route: res.route, outDev, nexthop: (gw === undefined ? undefined : find_exception(ns, res.route, outDev.ifindex, gw, daddr)?.gw) ?? gw ?? daddr };
}

/**
 * ip_route_input for a datagram that arrived (ip_rcv_finish): the same answer, remembered.
 * The answer is a function of the namespace's state, the device and the flow alone — routes, rules,
 * addresses, devconf and next-hop exceptions all live in the immutable NsState — so the answers are
 * kept for the namespace's current state only and start afresh with a new one, as the kernel's cached
 * input routes go with a new fib generation (nh_rth_input, rt_genid). Kept per namespace, not per state:
 * with history on every past state stays alive, and answers kept beside each of them did too (a
 * 1,000-port bridge's run doubled its peak RSS, measured). Bounded, small, so a namespace that sees
 * many flows starts again; arp_process asks afresh each time (a flood's requests are a thousand flows).
 */
export function ip_route_input_noref(ns: Namespace, dev: DeviceState, saddr: Ipv4Address, daddr: Ipv4Address, tos: number, proto: number): InputRoute {
  const state = ns.state;
  const cache = inputCache(ns);
  let e = cache.head(state, daddr);
  while (e !== undefined && (e.saddr !== saddr || e.dev !== dev || e.tos !== tos || e.proto !== proto)) e = e.next;
  if (e !== undefined) return e.route;
  const route = ip_route_input(state, dev, saddr, daddr, proto === 0 && tos === 0 ? {} : { tos, proto });
  cache.add(daddr, (next) => ({ saddr, dev, tos, proto, route, next }));
  return route;
}

/**
 * Answers kept for a namespace's current state only — a new state is a new fib generation — by
 * destination, each destination's answers chained. Bounded, small: one that sees many flows starts again.
 */
class StateCache<E extends { readonly next: E | undefined }> {
  private state: NsState | undefined = undefined;
  /** By destination as a 32-bit integer: a small integer to the Map, never a boxed number to hash. */
  private readonly heads = new Map<number, E>();

  /** The first answer kept for `daddr` in `state` (none kept for an older state survive). */
  head(state: NsState, daddr: Ipv4Address): E | undefined {
    if (this.state !== state) {
      this.state = state;
      this.heads.clear();
    }
    return this.heads.get(daddr | 0);
  }

  /** A new first answer for `daddr`, made with the answers it goes before (none once the cache starts again). */
  add(daddr: Ipv4Address, make: (next: E | undefined) => E): void {
    if (this.heads.size >= STATE_CACHE_SIZE) this.heads.clear();
    this.heads.set(daddr | 0, make(this.heads.get(daddr | 0)));
  }
}

const STATE_CACHE_SIZE = 64;

interface InputCacheEntry {
  readonly saddr: Ipv4Address;
  readonly dev: DeviceState;
  readonly tos: number;
  readonly proto: number;
  readonly route: InputRoute;
  /** Another source or device with the same destination and keys. */
  readonly next: InputCacheEntry | undefined;
}

const inputCache = pernetSlot(() => new StateCache<InputCacheEntry>());

/** What each failed lookup met. */
const FIB_ERROR_WHY: Readonly<Record<FibError, string>> = {
  EINVAL: 'blackhole route or rule',
  EHOSTUNREACH: 'unreachable route',
  EACCES: 'prohibit route or rule',
  ENETUNREACH: 'no route, a throw or an unreachable rule',
};

export type OutputRoute =
  | { readonly ok: true; readonly dev: DeviceState; readonly saddr: Ipv4Address; readonly nexthop: Ipv4Address; readonly type: 'unicast' | 'local' | 'broadcast' | 'multicast'; readonly route: Route | undefined; readonly redirected?: RouteException }
  | { readonly ok: false; readonly error: FibError | 'ENETDOWN'; readonly why: string };

export interface OutputFlow {
  readonly daddr: Ipv4Address;
  /** 0: let the kernel choose (source address selection). */
  readonly saddr: Ipv4Address;
  /** Bound device (SO_BINDTODEVICE), 0 for none. */
  readonly oif: number;
  /** flowi4_scope: RT_SCOPE_LINK for a socket with SO_DONTROUTE (RTO_ONLINK), which skips gateway routes. */
  readonly scope?: number;
  /** The socket's mark, TOS, owner and protocol/ports (see FlowKeys). */
  readonly keys?: FlowKeys;
}

/**
 * ip_route_output for a namespace's own traffic (a ping's requests, icmp_echo's replies): the same
 * answer, remembered — like the route the kernel caches on a next hop (nh_pcpu_rth_output), gone with
 * a new fib generation. The answer is a function of the namespace's state and the flow alone, so it is
 * kept for the current state only, as the input routes are.
 */
export function ip_route_output_cached(ns: Namespace, flow: OutputFlow): OutputRoute {
  const state = ns.state;
  const cache = outputCache(ns);
  for (let e = cache.head(state, flow.daddr); e !== undefined; e = e.next) if (sameFlow(e.flow, flow)) return e.route;
  const route = ip_route_output(state, flow);
  // Copied: a caller may build its flow in a reused object.
  const keys = flow.keys;
  const kept: OutputFlow = { daddr: flow.daddr, saddr: flow.saddr, oif: flow.oif, scope: flow.scope, keys: keys === undefined ? undefined : { mark: keys.mark, tos: keys.tos, uid: keys.uid, proto: keys.proto, sport: keys.sport, dport: keys.dport } };
  cache.add(flow.daddr, (next) => ({ flow: kept, route, next }));
  return route;
}

function sameFlow(a: OutputFlow, b: OutputFlow): boolean {
  if (a.saddr !== b.saddr || a.oif !== b.oif || a.scope !== b.scope) return false;
  const x = a.keys;
  const y = b.keys;
  if (x === undefined || y === undefined) return x === y;
  return x.mark === y.mark && x.tos === y.tos && x.uid === y.uid && x.proto === y.proto && x.sport === y.sport && x.dport === y.dport;
}

interface OutputCacheEntry {
  readonly flow: OutputFlow;
  readonly route: OutputRoute;
  /** Another flow to the same destination. */
  readonly next: OutputCacheEntry | undefined;
}

const outputCache = pernetSlot(() => new StateCache<OutputCacheEntry>());

/** ip_route_output_key_hash_rcu, for the cases a script can reach. */
export function ip_route_output(ns: NsState, flow: OutputFlow): OutputRoute {
  let saddr = flow.saddr;
  const lo = ns.devices[1] as DeviceState;
  let devOut: DeviceState | undefined;
  if (flow.oif !== 0) {
    devOut = ns.devices[flow.oif];
    if (!devOut || !devOut.up) return { ok: false, error: 'ENETUNREACH', why: `${devOut?.name ?? 'device'} is down` };
    if (flow.daddr === LIMITED_BROADCAST || isLocalMulticast(flow.daddr)) {
      if (saddr === 0) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.link);
      return mkrouteOutput(ns, { ok: true, dev: devOut, saddr, nexthop: flow.daddr, type: flow.daddr === LIMITED_BROADCAST ? 'broadcast' : 'multicast', route: undefined });
    }
    if (saddr === 0 && isMulticastIpv4(flow.daddr)) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.global);
    // No destination: the bound device's own address, which the flow is then sent to through lo.
    else if (saddr === 0 && flow.daddr === 0) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.host);
  }
  if (flow.daddr === 0) {
    const a = saddr || 0x7f000001;
    return { ok: true, dev: lo, saddr: a, nexthop: a, type: 'local', route: undefined };
  }
  const k = flow.keys;
  // Fields named, not spread: the spread was 3% of a hop (measured).
  const key: Flow = k === undefined ? { daddr: flow.daddr, saddr, oif: flow.oif, iif: 0 } : { daddr: flow.daddr, saddr, oif: flow.oif, iif: 0, mark: k.mark, tos: k.tos, uid: k.uid, proto: k.proto, sport: k.sport, dport: k.dport };
  const res = fibLookup(ns, flow.scope ? { ...key, scope: flow.scope } : key);
  if ('error' in res) {
    if (devOut && flow.oif !== 0) {
      // "Apparently, routing tables are wrong. Assume that the destination is on link."
      if (saddr === 0) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.link);
      return mkrouteOutput(ns, { ok: true, dev: devOut, saddr, nexthop: flow.daddr, type: 'unicast', route: undefined });
    }
    return { ok: false, error: res.error, why: `no route to ${fmt(flow.daddr)}` };
  }
  if (res.type === 'local') {
    if (saddr === 0) saddr = res.route.prefsrc ?? flow.daddr;
    return { ok: true, dev: lo, saddr, nexthop: flow.daddr, type: 'local', route: res.route };
  }
  const dev = res.route.dev === undefined ? undefined : ns.devices[res.route.dev];
  if (!dev) return { ok: false, error: 'ENETUNREACH', why: 'route without a device' };
  if (saddr === 0) {
    // FIB_RES_PREFSRC: the route's src, else an address on its device toward its gateway, in its scope.
    saddr = res.route.prefsrc ?? inetSelectAddr(ns, dev.ifindex, res.route.gateway ?? 0, SCOPE_VALUE[res.route.scope]);
  }
  const type = res.type === 'broadcast' ? 'broadcast' : isMulticastIpv4(flow.daddr) ? 'multicast' : 'unicast';
  const gw = routeGateway(res.route);
  // find_exception: a redirect accepted for this destination and next hop sends it to the new gateway.
  const ex = gw === undefined || type !== 'unicast' ? undefined : find_exception(ns, res.route, dev.ifindex, gw, flow.daddr);
  if (ex) return mkrouteOutput(ns, { ok: true, dev, saddr, nexthop: ex.gw, type, route: res.route, redirected: ex });
  return mkrouteOutput(ns, { ok: true, dev, saddr, nexthop: gw ?? flow.daddr, type, route: res.route });
}

/**
 * __mkroute_output: a loopback source may leave only through a loopback device, or one with
 * route_localnet (measured: `ip route get 127.25.3.14` out of veth0 is EINVAL until it is set).
 */
function mkrouteOutput(ns: NsState, r: Extract<OutputRoute, { ok: true }>): OutputRoute {
  if (isLoopbackAddr(r.saddr) && !isLoopback(r.dev) && devConf(ns, r.dev, 'route_localnet') === 0) {
    return { ok: false, error: 'EINVAL', why: `source ${fmt(r.saddr)} is a loopback address and ${r.dev.name} has no route_localnet` };
  }
  return r;
}

function isLocalMulticast(a: Ipv4Address): boolean {
  return a >>> 8 === 0xe00000;
}

/**
 * The fib_info key of a route: routes alike in these share one fib_info (fib_find_info), and with
 * it the next-hop exceptions hanging on its nexthop.
 */
export function fibInfoKey(r: Route): string {
  return `${r.metric ?? 0}/${r.proto}/${r.prefsrc ?? 0}`;
}

/** find_exception: the next-hop exception for a destination through the route's nexthop, if any. */
export function find_exception(ns: NsState, r: Route, dev: number, gw: Ipv4Address, daddr: Ipv4Address): RouteException | undefined {
  const fi = fibInfoKey(r);
  return ns.fnhe?.find((e) => e.dev === dev && e.oldGw === gw && e.daddr === daddr && e.fi === fi);
}

export function fmt(a: Ipv4Address): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}
