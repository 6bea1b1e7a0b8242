/**
 * Route decisions for one packet (net/ipv4/route.c): ip_route_input_slow for what arrives,
 * ip_route_output_key for what this namespace sends. Both consult the FIB through the policy rules;
 * input adds the martian checks and fib_validate_source.
 */
import { isMulticastIpv4, type Ipv4Address } from '../wire/ipv4.js';
import { routeGateway, type DeviceState, type NsState, type Route, type RouteException } from '../sim/state.js';
import type { DropReason } from '../sim/trace.js';
import { fibLookup, fibValidateSource, inetSelectAddr, SCOPE_VALUE, type FibError } from './fib.js';
import { devConf, forwarding } from './devconf.js';

export type InputRoute =
  | { readonly kind: 'local' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'forward'; readonly route: Route; readonly outDev: DeviceState; readonly nexthop: Ipv4Address }
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly why: string; readonly icmpUnreach?: 'net' | 'host' };

const LIMITED_BROADCAST = 0xffffffff;

function isLoopbackAddr(a: Ipv4Address): boolean {
  return a >>> 24 === 127;
}

export function ip_route_input(ns: NsState, dev: DeviceState, saddr: Ipv4Address, daddr: Ipv4Address): InputRoute {
  if (isMulticastIpv4(saddr) || saddr === LIMITED_BROADCAST) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source: multicast or broadcast' };
  if (daddr === LIMITED_BROADCAST || (saddr === 0 && daddr === 0)) return { kind: 'broadcast' };
  if (isMulticastIpv4(daddr)) return { kind: 'broadcast' };
  if (saddr >>> 24 === 0) return { kind: 'drop', reason: 'IP_INVALID_SOURCE', why: 'martian source: zero network' };
  if (daddr >>> 24 === 0) return { kind: 'drop', reason: 'IP_INVALID_DEST', why: 'martian destination: zero network' };
  if ((isLoopbackAddr(daddr) || isLoopbackAddr(saddr)) && devConf(ns, dev, 'route_localnet') === 0) {
    if (isLoopbackAddr(daddr)) return { kind: 'drop', reason: 'IP_LOCALNET', why: 'martian destination: 127/8 arriving on a device without route_localnet' };
    return { kind: 'drop', reason: 'IP_LOCALNET', why: 'martian source: 127/8 arriving on a device without route_localnet' };
  }

  const res = fibLookup(ns, { daddr, saddr, oif: 0, iif: dev.ifindex });
  if ('error' in res) {
    // No route: the kernel builds an "unreachable" route whose input is ip_error.
    if (!forwarding(dev)) return { kind: 'drop', reason: 'IP_INNOROUTES', why: `no route to ${fmt(daddr)}` };
    return { kind: 'drop', reason: 'IP_INNOROUTES', why: `no route to ${fmt(daddr)}`, icmpUnreach: res.error === 'EHOSTUNREACH' ? 'host' : 'net' };
  }
  if (res.type === 'broadcast') {
    if (saddr !== 0) {
      const v = fibValidateSource(ns, saddr, daddr, dev);
      if (!v.ok) return { kind: 'drop', reason: v.reason, why: `fib_validate_source: ${v.why}` };
    }
    return { kind: 'broadcast' };
  }
  if (res.type === 'local') {
    const v = fibValidateSource(ns, saddr, daddr, dev);
    if (!v.ok) return { kind: 'drop', reason: v.reason, why: `fib_validate_source: ${v.why}` };
    return { kind: 'local' };
  }
  if (!forwarding(dev)) return { kind: 'drop', reason: 'IP_INADDRERRORS', why: `${fmt(daddr)} is not local and ${dev.name} does not forward (ip_forward=0)` };
  if (res.type !== 'unicast') return { kind: 'drop', reason: 'IP_INVALID_DEST', why: `martian destination: route type ${res.type}` };
  const v = fibValidateSource(ns, saddr, daddr, dev);
  if (!v.ok) return { kind: 'drop', reason: v.reason, why: `fib_validate_source: ${v.why}` };
  const outDev = res.route.dev === undefined ? undefined : ns.devices[res.route.dev];
  if (!outDev) return { kind: 'drop', reason: 'IP_INNOROUTES', why: 'route has no device' };
  const gw = routeGateway(res.route);
  return { kind: 'forward', route: res.route, outDev, nexthop: (gw === undefined ? undefined : find_exception(ns, res.route, outDev.ifindex, gw, daddr)?.gw) ?? gw ?? daddr };
}

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
}

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
      return { ok: true, dev: devOut, saddr, nexthop: flow.daddr, type: flow.daddr === LIMITED_BROADCAST ? 'broadcast' : 'multicast', route: undefined };
    }
    if (saddr === 0 && isMulticastIpv4(flow.daddr)) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.global);
    // No destination: the bound device's own address, which the flow is then sent to through lo.
    else if (saddr === 0 && flow.daddr === 0) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.host);
  }
  if (flow.daddr === 0) {
    const a = saddr || 0x7f000001;
    return { ok: true, dev: lo, saddr: a, nexthop: a, type: 'local', route: undefined };
  }
  const res = fibLookup(ns, flow.scope ? { daddr: flow.daddr, saddr, oif: flow.oif, iif: 0, scope: flow.scope } : { daddr: flow.daddr, saddr, oif: flow.oif, iif: 0 });
  if ('error' in res) {
    if (devOut && flow.oif !== 0) {
      // "Apparently, routing tables are wrong. Assume that the destination is on link."
      if (saddr === 0) saddr = inetSelectAddr(ns, devOut.ifindex, 0, SCOPE_VALUE.link);
      return { ok: true, dev: devOut, saddr, nexthop: flow.daddr, type: 'unicast', route: undefined };
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
  if (ex) return { ok: true, dev, saddr, nexthop: ex.gw, type, route: res.route, redirected: ex };
  return { ok: true, dev, saddr, nexthop: gw ?? flow.daddr, type, route: res.route };
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
