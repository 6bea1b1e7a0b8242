/**
 * ICMP redirects a router sends (net/ipv4/route.c): __mkroute_input marks a forwarded packet
 * IPSKB_DOREDIRECT when it leaves by the device it came in on and its sender is on that link, and
 * ip_forward then has ip_rt_send_redirect tell the sender the better next hop — rate limited per
 * sender (its inet_peer): the first at once, then with a back-off of 20 ms << n, at most 9, forgotten
 * after 20.48 s without redirects.
 */
import { ipv4Dst, ipv4Src, inSubnet, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import { ICMP_REDIRECT } from '../wire/icmp.js';
import type { DeviceState, NsState } from '../sim/state.js';
import { pernetSlot, type World } from '../sim/world.js';
import { JIFFY_NS } from '../core/neighbour.js';
import { skb_trace, type Skb } from '../core/skbuff.js';
import { devConf } from './devconf.js';
import { fibLookup } from './fib.js';
import { icmp_send } from './icmp.js';
import { fmt } from './route.js';

/** ICMP_REDIR_HOST. */
const REDIRECT_HOST = 1;

/** ip_rt_redirect_number, ip_rt_redirect_load (HZ/50), ip_rt_redirect_silence ((HZ/50) << 10), in jiffies. */
const REDIRECT_NUMBER = 9;
const REDIRECT_LOAD = 5;
const REDIRECT_SILENCE = REDIRECT_LOAD << 10;

interface Peer {
  rateLast: number;
  nRedirects: number;
}

/** The inet_peer fields the redirect limit uses, by sender address. */
const peers = pernetSlot(() => new Map<Ipv4Address, Peer>());

/**
 * The IPSKB_DOREDIRECT decision of __mkroute_input: out by the arrival device, send_redirects (OR of
 * all and the device), the sender on-link (fib_validate_source's answer 1: the route back to it has
 * no gateway and leaves by this device), and shared_media (OR) or the sender in the next hop's subnet.
 */
export function ip_do_redirect(skb: Skb, inDev: DeviceState, outDev: DeviceState, gateway: Ipv4Address | undefined): boolean {
  return mkroute_input_redirect(skb.ns.state, ipv4Src(skb.data), ipv4Dst(skb.data), inDev, outDev, gateway);
}

/** The same decision for a flow (`ip route get ... iif` prints it as `<redirect>`), with its TOS and mark for the way back. */
export function mkroute_input_redirect(st: NsState, saddr: Ipv4Address, daddr: Ipv4Address, inDev: DeviceState, outDev: DeviceState, gateway: Ipv4Address | undefined, keys: { readonly tos?: number; readonly mark?: number } = {}): boolean {
  if (outDev.ifindex !== inDev.ifindex) return false;
  if (devConf(st, outDev, 'send_redirects') === 0) return false;
  // fib_validate_source's reversed flow: the packet's TOS, its mark only under src_valid_mark.
  const mark = devConf(st, inDev, 'src_valid_mark') !== 0 ? keys.mark : undefined;
  const back = fibLookup(st, { daddr: saddr, saddr: daddr, oif: 0, iif: inDev.ifindex, ...(keys.tos !== undefined ? { tos: keys.tos } : {}), ...(mark !== undefined ? { mark } : {}) });
  if ('error' in back || back.type !== 'unicast' || back.route.dev !== inDev.ifindex || back.route.gateway !== undefined) return false;
  if (devConf(st, outDev, 'shared_media') !== 0) return true;
  // inet_addr_onlink: a subnet of the device holding the sender and the gateway (if any).
  return st.addrs.some((a) => a.ifindex === outDev.ifindex && inSubnet(saddr, networkOf(a.local, a.prefixlen), a.prefixlen) && (gateway === undefined || inSubnet(gateway, networkOf(a.local, a.prefixlen), a.prefixlen)));
}

/** ip_rt_send_redirect: "Redirect Host" to the sender, naming the next hop the packet was sent to. */
export function ip_rt_send_redirect(w: World, skb: Skb, outDev: DeviceState, nexthop: Ipv4Address): void {
  if (devConf(skb.ns.state, outDev, 'send_redirects') === 0) return;
  const now = Math.floor(w.loop.now / JIFFY_NS);
  const saddr = ipv4Src(skb.data);
  const map = peers(skb.ns);
  // inet_getpeer: a new peer's rate_last is 60 s back, so its first redirect goes out.
  let p = map.get(saddr);
  if (!p) {
    p = { rateLast: now - 60 * 250, nRedirects: 0 };
    map.set(saddr, p);
  }
  if (now > p.rateLast + REDIRECT_SILENCE) p.nRedirects = 0;
  if (p.nRedirects >= REDIRECT_NUMBER) {
    p.rateLast = now;
    if (w.trace.detailed) skb_trace(w, skb, 'ip_rt_send_redirect', `no redirect to ${fmt(saddr)}: ${REDIRECT_NUMBER} ignored already`);
    return;
  }
  if (p.nRedirects === 0 || now > p.rateLast + (REDIRECT_LOAD << p.nRedirects)) {
    if (w.trace.detailed) skb_trace(w, skb, 'ip_rt_send_redirect', `${fmt(ipv4Dst(skb.data))} leaves by ${outDev.name}, where it came from: redirect ${fmt(saddr)} to ${fmt(nexthop)}`);
    icmp_send(w, skb, ICMP_REDIRECT, REDIRECT_HOST, nexthop);
    p.rateLast = now;
    p.nRedirects++;
  }
}
