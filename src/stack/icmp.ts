/**
 * ICMP (net/ipv4/icmp.c): answering echo requests, handing errors to the sockets they concern, and
 * sending errors — host unreachable when a neighbour never answered, time exceeded on a router.
 */
import { internetChecksum, internetChecksumRange } from '../wire/checksum.js';
import { IP_PROTO_ICMP } from '../wire/ipv4.js';
import type { Namespace, World } from '../sim/world.js';
import { alloc_skb, consume_skb, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { addrAt, buildDatagram, ip_output, nextIpId } from './ipv4-output.js';
import { rawSockets } from './netns_ipv4.js';
import { fmt, ip_route_output } from './route.js';

export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_NET_UNREACH = 0;
export const ICMP_FRAG_NEEDED = 4;

/** The most of an offending datagram an error quotes: the error stays within 576 bytes. */
const QUOTE_LIMIT = 576 - 20 - 8;

export function icmpMessage(type: number, code: number, rest: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + body.length);
  m[0] = type;
  m[1] = code;
  m[4] = rest >>> 24;
  m[5] = (rest >>> 16) & 0xff;
  m[6] = (rest >>> 8) & 0xff;
  m[7] = rest & 0xff;
  m.set(body, 8);
  const c = internetChecksum(m);
  m[2] = c >>> 8;
  m[3] = c & 0xff;
  return m;
}

/** Information a raw socket receives with a delivered datagram. */
export interface RawDelivery {
  /** inet_iif: the device the socket's bound device is compared with (rt_iif for looped packets). */
  readonly iif: number;
  /** The device the packet really arrived on (lo for looped packets). */
  readonly dev: number;
}

/** raw_local_deliver: every ICMP packet delivered locally is offered to the raw ICMP sockets, each a copy of its own. */
export function raw_local_deliver(w: World, skb: Skb, info: RawDelivery): void {
  const socks = rawSockets(skb.ns);
  if (socks.size === 0) return;
  const daddr = addrAt(skb.data, 16);
  for (const s of socks) {
    if (s.boundDev !== 0 && s.boundDev !== info.iif) continue;
    if (s.boundAddr !== 0 && s.boundAddr !== daddr) continue;
    const c = skb_clone(w, skb, 'raw_local_deliver', 'a copy for a raw ICMP socket');
    s.onPacket(c.data, info);
    consume_skb(w, c, 'raw_rcv', 'queued on the raw socket');
  }
}

/**
 * raw_icmp_error: an error about a datagram one of our raw sockets sent goes to its error queue —
 * matched on the device the error really arrived on, which for lo is lo.
 */
function raw_icmp_error(ns: Namespace, errorDatagram: Uint8Array, type: number, code: number, info: RawDelivery): void {
  const ihl = ((errorDatagram[0] as number) & 0xf) * 4;
  const inner = errorDatagram.subarray(ihl + 8);
  if (inner.length < 20 || inner[9] !== IP_PROTO_ICMP) return;
  const innerSrc = addrAt(inner, 12);
  for (const s of rawSockets(ns)) {
    if (s.boundDev !== 0 && s.boundDev !== info.dev) continue;
    if (s.boundAddr !== 0 && s.boundAddr !== innerSrc) continue;
    s.onError(addrAt(errorDatagram, 12), type, code, inner);
  }
}

/** icmp_rcv: a locally delivered ICMP message in skb.data. */
export function icmp_rcv(w: World, skb: Skb, info: RawDelivery, broadcast: boolean): void {
  const datagram = skb.data;
  const ihl = ((datagram[0] as number) & 0xf) * 4;
  if (datagram.length < ihl + 8 || internetChecksumRange(datagram, ihl, datagram.length) !== 0) {
    kfree_skb(w, skb, 'icmp_rcv', 'ICMP_CSUM', 'bad ICMP checksum');
    return;
  }
  const type = datagram[ihl] as number;
  const code = datagram[ihl + 1] as number;
  if (type === ICMP_ECHO) return icmp_echo(w, skb, broadcast);
  if (type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED) {
    if (w.trace.detailed) skb_trace(w, skb, 'icmp_unreach', `ICMP type ${type} code ${code} from ${fmt(addrAt(datagram, 12))}`);
    raw_icmp_error(skb.ns, datagram, type, code, info);
    consume_skb(w, skb, 'icmp_unreach', 'handed to the sockets it concerns');
    return;
  }
  consume_skb(w, skb, 'icmp_rcv', type === ICMP_ECHOREPLY ? 'echo reply: for the raw sockets only' : `ICMP type ${type}: nothing more to do`);
}

/** icmp_echo → icmp_reply: answer with the same id, sequence and data, from the address asked. */
function icmp_echo(w: World, skb: Skb, broadcast: boolean): void {
  const ns = skb.ns;
  const dev = skb.dev;
  const datagram = skb.data;
  const st = ns.state;
  if ((st.sysctl.icmp_echo_ignore_all ?? 0) !== 0) {
    kfree_skb(w, skb, 'icmp_echo', 'ICMP_ECHO_IGNORE_ALL', 'icmp_echo_ignore_all=1');
    return;
  }
  if (broadcast && (st.sysctl.icmp_echo_ignore_broadcasts ?? 1) !== 0) {
    kfree_skb(w, skb, 'icmp_rcv', 'INVALID_PROTO', 'echo request to a broadcast address ignored (icmp_echo_ignore_broadcasts=1)');
    return;
  }
  const ihl = ((datagram[0] as number) & 0xf) * 4;
  const src = addrAt(datagram, 12);
  const dst = addrAt(datagram, 16);
  // fib_compute_spec_dst: the address asked, or for a broadcast, one of the receiving device's.
  const spec = broadcast ? (st.addrs.find((a) => a.ifindex === dev.ifindex && !a.secondary)?.local ?? 0) : dst;
  const route = ip_route_output(st, { daddr: src, saddr: spec, oif: 0 });
  if (!route.ok) {
    kfree_skb(w, skb, 'icmp_reply', 'IP_OUTNOROUTES', `no route back to ${fmt(src)}`);
    return;
  }
  const reply = datagram.slice(ihl);
  reply[0] = ICMP_ECHOREPLY;
  reply[2] = 0;
  reply[3] = 0;
  const c = internetChecksum(reply);
  reply[2] = c >>> 8;
  reply[3] = c & 0xff;
  consume_skb(w, skb, 'icmp_echo', `echo request from ${fmt(src)}: replying from ${fmt(spec)}`);
  const out = buildDatagram({ src: route.saddr, dst: src, protocol: IP_PROTO_ICMP, ttl: st.sysctl.ip_default_ttl ?? 64, id: nextIpId(ns), df: false }, reply);
  const r = alloc_skb(w, ns, route.dev, out);
  if (w.trace.detailed) skb_trace(w, r, 'icmp_reply', `echo reply to ${fmt(src)}, answering packet #${skb.id}`, dev);
  ip_output(w, r, route);
}

/**
 * icmp_send: an error about the datagram in skb_in.data back to its source. Never about an ICMP error,
 * a non-first fragment, or a broadcast; the source address comes from the route back (saddr 0).
 */
export function icmp_send(w: World, skb_in: Skb, type: number, code: number, rest = 0): void {
  const ns = skb_in.ns;
  const offending = skb_in.data;
  const src = addrAt(offending, 12);
  const dst = addrAt(offending, 16);
  const fragOff = (((offending[6] as number) & 0x1f) << 8) | (offending[7] as number);
  if (fragOff !== 0) return;
  if (dst === 0xffffffff || dst >>> 28 === 0xe || src === 0) return;
  if (offending[9] === IP_PROTO_ICMP) {
    const ihl = ((offending[0] as number) & 0xf) * 4;
    const t = offending[ihl] as number;
    if (t !== ICMP_ECHO && t !== ICMP_ECHOREPLY && t !== 13 && t !== 14 && t !== 15 && t !== 16 && t !== 17 && t !== 18) return;
  }
  const st = ns.state;
  const route = ip_route_output(st, { daddr: src, saddr: 0, oif: 0 });
  if (!route.ok) {
    w.trace.drop(w.loop.now, ns.name, undefined, 'icmp_send', 'IP_OUTNOROUTES', `no route back to ${fmt(src)} for an ICMP error`);
    return;
  }
  const quote = offending.subarray(0, Math.min(offending.length, QUOTE_LIMIT));
  const msg = icmpMessage(type, code, rest, quote);
  const out = buildDatagram({ src: route.saddr, dst: src, protocol: IP_PROTO_ICMP, ttl: st.sysctl.ip_default_ttl ?? 64, id: nextIpId(ns), df: false, tos: 0xc0 }, msg);
  const e = alloc_skb(w, ns, route.dev, out);
  if (w.trace.detailed) skb_trace(w, e, 'icmp_send', `ICMP type ${type} code ${code} to ${fmt(src)} about ${fmt(dst)} (packet #${skb_in.id})`, route.dev);
  ip_output(w, e, route);
}

/** arp_error_report → ipv4_link_failure: a packet whose next hop never answered. */
export function icmp_send_unreach_for_local(w: World, skb: Skb): void {
  icmp_send(w, skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH);
}
