/**
 * ICMP redirects a host receives (net/ipv4/route.c ipv4_redirect → __ip_do_redirect): a Redirect
 * from the gateway our route uses, for a destination we sent to, names a better next hop on the same
 * link. If we accept it (accept_redirects, and the new gateway passes the checks) and already know
 * that gateway's link-layer address, the destination gets a next-hop exception for ip_rt_gc_timeout
 * (300 s); if we do not, we only start resolving it — the next redirect then takes effect.
 */
import { inSubnet, ipv4Dst, ipv4HeaderLength, ipv4Src, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import type { RouteException } from '../sim/state.js';
import type { World } from '../sim/world.js';
import { neigh_event_send, neigh_lookup } from '../core/neighbour.js';
import { skb_trace, type Skb } from '../core/skbuff.js';
import { devConf, forwarding } from './devconf.js';
import { fibLookup } from './fib.js';
import { fibInfoKey, fmt, ip_route_output } from './route.js';

/** ip_rt_gc_timeout: how long a next-hop exception lives. */
export const IP_RT_GC_TIMEOUT = 300 * NS_PER_SEC;

const VALID = new Set(['REACHABLE', 'PERMANENT', 'NOARP', 'STALE', 'DELAY', 'PROBE']);

/** ipv4_redirect for the redirect in skb.data (an IPv4 datagram carrying the ICMP message). */
export function ipv4_redirect(w: World, skb: Skb): void {
  const ns = skb.ns;
  const st = ns.state;
  const outer = skb.data;
  const m = outer.subarray(ipv4HeaderLength(outer));
  const code = (m[1] as number) & 7;
  const newGw = (((m[4] as number) << 24) | ((m[5] as number) << 16) | ((m[6] as number) << 8) | (m[7] as number)) >>> 0;
  const inner = m.subarray(8);
  if (inner.length < 20) return;
  const oldGw = ipv4Src(outer);
  const daddr = ipv4Dst(inner);
  const say = (why: string) => {
    if (w.trace.detailed) skb_trace(w, skb, '__ip_do_redirect', `redirect for ${fmt(daddr)} to ${fmt(newGw)}: ${why}`);
  };
  if (code > 3) return;
  const rt = ip_route_output(st, { daddr, saddr: ipv4Src(inner), oif: 0 });
  // Only a redirect from the gateway the route uses now counts.
  if (!rt.ok || rt.type !== 'unicast' || rt.route === undefined || rt.nexthop === daddr || rt.nexthop !== oldGw) return say(`${fmt(oldGw)} is not our gateway for it`);
  const dev = rt.dev;
  const all = st.confAll.accept_redirects ?? 0;
  const own = dev.conf.accept_redirects ?? 0;
  // IN_DEV_RX_REDIRECTS: a forwarding device needs all and its own, a host either.
  const rx = forwarding(dev) ? all !== 0 && own !== 0 : all !== 0 || own !== 0;
  if (newGw === oldGw || !rx || newGw >>> 28 === 0xe || newGw === 0xffffffff || newGw >>> 24 === 0) return say('rejected (accept_redirects, or not a usable gateway)');
  if (devConf(st, dev, 'shared_media') === 0) {
    const onlink = st.addrs.some((a) => a.ifindex === dev.ifindex && inSubnet(newGw, networkOf(a.local, a.prefixlen), a.prefixlen) && inSubnet(oldGw, networkOf(a.local, a.prefixlen), a.prefixlen));
    if (!onlink) return say('rejected: the new gateway is not on the link');
    // secure_redirects: only to a gateway of one of our default routes (ip_fib_check_default).
    if (devConf(st, dev, 'secure_redirects') !== 0 && !st.routes.some((r) => r.dstLen === 0 && r.dev === dev.ifindex && r.gateway === newGw)) return say('rejected: secure_redirects and not a default gateway');
  } else {
    const t = fibLookup(st, { daddr: newGw, saddr: 0, oif: 0, iif: 0 });
    if ('error' in t || t.type !== 'unicast') return say('rejected: the new gateway is not a unicast address');
  }
  const n = neigh_lookup(ns, dev.ifindex, newGw);
  if (!n || !VALID.has(n.state)) {
    say(`${fmt(newGw)} is not resolved yet: resolving it`);
    neigh_event_send(w, ns, dev, newGw);
    return;
  }
  const gw = rt.redirected?.oldGw ?? oldGw;
  const ex: RouteException = { dev: dev.ifindex, oldGw: gw, daddr, gw: newGw, expires: w.loop.now + IP_RT_GC_TIMEOUT, fi: fibInfoKey(rt.route) };
  say(`accepted: ${fmt(daddr)} now goes via ${fmt(newGw)} (next-hop exception)`);
  ns.update((d) => {
    d.fnhe = [...(d.fnhe ?? []).filter((e) => !(e.dev === ex.dev && e.oldGw === ex.oldGw && e.daddr === daddr && e.fi === ex.fi)), ex];
  });
  w.loop.at(ex.expires, () => {
    if (!ns.state.fnhe?.includes(ex)) return;
    ns.update((d) => {
      d.fnhe = (d.fnhe ?? []).filter((e) => !(e.dev === ex.dev && e.oldGw === ex.oldGw && e.daddr === ex.daddr && e.expires === ex.expires));
    });
  }, true);
}
