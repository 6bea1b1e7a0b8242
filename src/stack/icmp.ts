/**
 * ICMP (net/ipv4/icmp.c): answering echo requests, handing errors to the sockets they concern, and
 * sending errors — host unreachable when a neighbour never answered, time exceeded on a router, what
 * ip_error answers for a reject route — each limited by its destination's inet_peer bucket.
 */
import { IP_PROTO_ICMP, ipv4Dst, ipv4HeaderLength, ipv4FragmentOffset, ipv4Protocol, ipv4Src, ipv4Tos } from '../wire/ipv4.js';
import {
  emitIcmp,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_REDIRECT,
  ICMP_TIME_EXCEEDED,
  icmpChecksumValidAt,
  icmpType,
  quoteOriginal,
  turnIntoEchoReply,
  UNREACH_HOST,
  UNREACH_NEED_FRAG,
} from '../wire/icmp.js';
import { inet_getpeer_v4, inet_peer_xrlim_allow, msecsToJiffies } from './inetpeer.js';
import type { Namespace, World } from '../sim/world.js';
import type { DeviceState } from '../sim/state.js';
import { isLoopback } from '../core/netdevice.js';
import { alloc_skb, consume_skb, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { allocDatagram, buildDatagram, ip_output, IPV4_HEADER_LEN, nextIpId } from './ipv4-output.js';
import { copyBytes } from '../wire/bytes.js';
import { rawSockets } from './netns_ipv4.js';
import { fmt, ip_route_output, ip_route_output_cached } from './route.js';
import { ipv4_redirect } from './route-redirect.js';

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
  const daddr = ipv4Dst(skb.data);
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
  const inner = errorDatagram.subarray(ipv4HeaderLength(errorDatagram) + 8);
  if (inner.length < 20 || ipv4Protocol(inner) !== IP_PROTO_ICMP) return;
  const innerSrc = ipv4Src(inner);
  for (const s of rawSockets(ns)) {
    if (s.boundDev !== 0 && s.boundDev !== info.dev) continue;
    if (s.boundAddr !== 0 && s.boundAddr !== innerSrc) continue;
    s.onError(ipv4Src(errorDatagram), type, code, inner);
  }
}

/** icmp_rcv: a locally delivered ICMP message in skb.data. */
export function icmp_rcv(w: World, skb: Skb, info: RawDelivery, broadcast: boolean): void {
  const datagram = skb.data;
  // The message read where it is, at the end of the IP header: no view made of it.
  const off = ipv4HeaderLength(datagram);
  const len = datagram.length - off;
  if (len < 8) {
    kfree_skb(w, skb, 'icmp_rcv', 'PKT_TOO_SMALL', `${len} bytes are too few for an ICMP header`);
    return;
  }
  if (!skb.checksumsKnownGood && !icmpChecksumValidAt(datagram, off)) {
    kfree_skb(w, skb, 'icmp_rcv', 'ICMP_CSUM', 'bad ICMP checksum');
    return;
  }
  const type = datagram[off] as number;
  const code = datagram[off + 1] as number;
  if (type === ICMP_ECHO_REQUEST) return icmp_echo(w, skb, broadcast);
  if (type === ICMP_DEST_UNREACHABLE || type === ICMP_TIME_EXCEEDED) {
    if (w.trace.detailed) skb_trace(w, skb, 'icmp_unreach', `ICMP type ${type} code ${code} from ${fmt(ipv4Src(datagram))}`);
    raw_icmp_error(skb.ns, datagram, type, code, info);
    consume_skb(w, skb, 'icmp_unreach', 'handed to the sockets it concerns');
    return;
  }
  if (type === ICMP_REDIRECT) {
    ipv4_redirect(w, skb);
    consume_skb(w, skb, 'icmp_redirect', 'redirect handled');
    return;
  }
  if (w.trace.detailed) consume_skb(w, skb, 'icmp_rcv', type === ICMP_ECHO_REPLY ? 'echo reply: for the raw sockets only' : `ICMP type ${type}: nothing more to do`);
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
  const src = ipv4Src(datagram);
  const dst = ipv4Dst(datagram);
  // fib_compute_spec_dst: the address asked, or for a broadcast, one of the receiving device's.
  const spec = broadcast ? (st.addrs.find((a) => a.ifindex === dev.ifindex && !a.secondary)?.local ?? 0) : dst;
  // icmp_reply: the reply keeps the request's TOS, in its header and its flow (the echo reply's type 0 as the port).
  const tos = ipv4Tos(datagram);
  const route = ip_route_output_cached(ns, { daddr: src, saddr: spec, oif: 0, keys: { tos, proto: IP_PROTO_ICMP } });
  if (!route.ok) {
    kfree_skb(w, skb, 'icmp_reply', 'IP_OUTNOROUTES', `no route back to ${fmt(src)}`);
    return;
  }
  if (w.trace.detailed) consume_skb(w, skb, 'icmp_echo', `echo request from ${fmt(src)}: replying from ${fmt(spec)}`);
  // The request's message copied once, into the reply's own bytes, and turned into the reply there.
  const ihl = ipv4HeaderLength(datagram);
  const out = allocDatagram({ src: route.saddr, dst: src, protocol: IP_PROTO_ICMP, ttl: st.sysctl.ip_default_ttl ?? 64, ident: nextIpId(ns), dontFragment: false, tos }, datagram.length - ihl);
  copyBytes(out, IPV4_HEADER_LEN, datagram, ihl, datagram.length);
  turnIntoEchoReply(out, IPV4_HEADER_LEN);
  const r = alloc_skb(w, ns, route.dev, out, true);
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
  const src = ipv4Src(offending);
  const dst = ipv4Dst(offending);
  if (ipv4FragmentOffset(offending) !== 0) return;
  if (dst === 0xffffffff || dst >>> 28 === 0xe || src === 0) return;
  if (ipv4Protocol(offending) === IP_PROTO_ICMP) {
    const t = icmpType(offending.subarray(ipv4HeaderLength(offending)));
    if (t !== ICMP_ECHO_REQUEST && t !== ICMP_ECHO_REPLY && t !== 13 && t !== 14 && t !== 15 && t !== 16 && t !== 17 && t !== 18) return;
  }
  const st = ns.state;
  // icmp_route_lookup's flow: ICMP with the error's type and code as the port, the offending TOS bits.
  const keys = { proto: IP_PROTO_ICMP, dport: (type << 8) | code, tos: ipv4Tos(offending) & 0x1e };
  const route = ip_route_output(st, { daddr: src, saddr: 0, oif: 0, keys });
  if (!route.ok) {
    w.trace.drop(w.loop.now, ns.name, undefined, 'icmp_send', 'IP_OUTNOROUTES', `no route back to ${fmt(src)} for an ICMP error`);
    return;
  }
  if (!icmpv4_xrlim_allow(w, ns, route.dev, src, type, code)) {
    w.trace.drop(w.loop.now, ns.name, undefined, 'icmpv4_xrlim_allow', 'ICMP_RATELIMIT', `ICMP type ${type} code ${code} to ${fmt(src)} held back: its peer's bucket is below icmp_ratelimit`);
    return;
  }
  const quote = quoteOriginal(offending);
  const msg = emitIcmp({ kind: 'other', type, code, rest, data: quote });
  const out = buildDatagram({ src: route.saddr, dst: src, protocol: IP_PROTO_ICMP, ttl: st.sysctl.ip_default_ttl ?? 64, ident: nextIpId(ns), dontFragment: false, tos: 0xc0 }, msg);
  const e = alloc_skb(w, ns, route.dev, out, true);
  if (w.trace.detailed) skb_trace(w, e, 'icmp_send', `ICMP type ${type} code ${code} to ${fmt(src)} about ${fmt(dst)} (packet #${skb_in.id})`, route.dev);
  ip_output(w, e, route);
}

/** NR_ICMP_TYPES: types above it are never limited. */
const NR_ICMP_TYPES = 18;

/**
 * icmpv4_mask_allow and icmpv4_xrlim_allow: a type in icmp_ratemask (dest unreachable, source quench,
 * time exceeded, parameter problem by default) costs its destination's inet_peer icmp_ratelimit worth
 * of tokens — except fragmentation needed (path MTU discovery must not starve) and anything whose
 * route is through lo (errors about our own packets).
 */
function icmpv4_xrlim_allow(w: World, ns: Namespace, dev: DeviceState, daddr: number, type: number, code: number): boolean {
  if (type > NR_ICMP_TYPES) return true;
  if (type === ICMP_DEST_UNREACHABLE && code === UNREACH_NEED_FRAG) return true;
  const st = ns.state;
  if (((1 << type) & (st.sysctl.icmp_ratemask ?? 0)) === 0) return true;
  if (isLoopback(dev)) return true;
  return inet_peer_xrlim_allow(w, inet_getpeer_v4(w, ns, daddr), msecsToJiffies(st.sysctl.icmp_ratelimit ?? 1000));
}

/** arp_error_report → ipv4_link_failure: a packet whose next hop never answered. */
export function icmp_send_unreach_for_local(w: World, skb: Skb): void {
  icmp_send(w, skb, ICMP_DEST_UNREACHABLE, UNREACH_HOST);
}
