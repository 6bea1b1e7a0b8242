/**
 * ICMP (net/ipv4/icmp.c): answering echo requests, handing errors to the sockets they concern, and
 * sending errors — host unreachable when a neighbour never answered, time exceeded on a router.
 */
import { internetChecksum, internetChecksumRange } from '../wire/checksum.js';
import { IP_PROTO_ICMP } from '../wire/ipv4.js';
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { addrAt, buildDatagram, ip_output, nextIpId } from './ipv4-output.js';
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

/** raw_local_deliver: every ICMP packet delivered locally is offered to the raw ICMP sockets. */
export function raw_local_deliver(ns: Namespace, datagram: Uint8Array, info: RawDelivery): void {
  if (ns.rawSockets.size === 0) return;
  const daddr = addrAt(datagram, 16);
  for (const s of ns.rawSockets) {
    if (s.boundDev !== 0 && s.boundDev !== info.iif) continue;
    if (s.boundAddr !== 0 && s.boundAddr !== daddr) continue;
    s.onPacket(datagram, info);
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
  for (const s of ns.rawSockets) {
    if (s.boundDev !== 0 && s.boundDev !== info.dev) continue;
    if (s.boundAddr !== 0 && s.boundAddr !== innerSrc) continue;
    s.onError(addrAt(errorDatagram, 12), type, code, inner);
  }
}

/** icmp_rcv: a locally delivered ICMP message. */
export function icmp_rcv(w: World, ns: Namespace, dev: DeviceState, datagram: Uint8Array, info: RawDelivery, broadcast: boolean): void {
  const ihl = ((datagram[0] as number) & 0xf) * 4;
  if (datagram.length < ihl + 8 || internetChecksumRange(datagram, ihl, datagram.length) !== 0) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'icmp_rcv', 'NOT_SPECIFIED', 'bad ICMP checksum');
    return;
  }
  const type = datagram[ihl] as number;
  const code = datagram[ihl + 1] as number;
  if (type === ICMP_ECHO) return icmp_echo(w, ns, dev, datagram, broadcast);
  if (type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED) {
    if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'icmp_unreach', `ICMP type ${type} code ${code} from ${fmt(addrAt(datagram, 12))}`);
    raw_icmp_error(ns, datagram, type, code, info);
  }
}

/** icmp_echo → icmp_reply: answer with the same id, sequence and data, from the address asked. */
function icmp_echo(w: World, ns: Namespace, dev: DeviceState, datagram: Uint8Array, broadcast: boolean): void {
  const st = ns.state;
  if ((st.sysctl.icmp_echo_ignore_all ?? 0) !== 0) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'icmp_echo', 'NOT_SPECIFIED', 'icmp_echo_ignore_all=1');
    return;
  }
  if (broadcast && (st.sysctl.icmp_echo_ignore_broadcasts ?? 1) !== 0) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'icmp_echo', 'ICMP_IGNORED_BROADCAST', 'echo request to a broadcast address ignored (icmp_echo_ignore_broadcasts=1)');
    return;
  }
  const ihl = ((datagram[0] as number) & 0xf) * 4;
  const src = addrAt(datagram, 12);
  const dst = addrAt(datagram, 16);
  // fib_compute_spec_dst: the address asked, or for a broadcast, one of the receiving device's.
  const spec = broadcast ? (st.addrs.find((a) => a.ifindex === dev.ifindex && !a.secondary)?.local ?? 0) : dst;
  const route = ip_route_output(st, { daddr: src, saddr: spec, oif: 0 });
  if (!route.ok) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'icmp_reply', 'IP_OUTNOROUTES', `no route back to ${fmt(src)}`);
    return;
  }
  const reply = datagram.slice(ihl);
  reply[0] = ICMP_ECHOREPLY;
  reply[2] = 0;
  reply[3] = 0;
  const c = internetChecksum(reply);
  reply[2] = c >>> 8;
  reply[3] = c & 0xff;
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'icmp_echo', `echo request from ${fmt(src)}: replying from ${fmt(spec)}`);
  const out = buildDatagram({ src: route.saddr, dst: src, protocol: IP_PROTO_ICMP, ttl: st.sysctl.ip_default_ttl ?? 64, id: nextIpId(ns), df: false }, reply);
  ip_output(w, ns, route, out);
}

/**
 * icmp_send: an error about `offending` back to its source. Never about an ICMP error, a non-first
 * fragment, or a broadcast; the source address comes from the route back (saddr 0).
 */
export function icmp_send(w: World, ns: Namespace, offending: Uint8Array, type: number, code: number, rest = 0): void {
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
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, route.dev.name, 'icmp_send', `ICMP type ${type} code ${code} to ${fmt(src)} about ${fmt(dst)}`);
  const out = buildDatagram({ src: route.saddr, dst: src, protocol: IP_PROTO_ICMP, ttl: st.sysctl.ip_default_ttl ?? 64, id: nextIpId(ns), df: false, tos: 0xc0 }, msg);
  ip_output(w, ns, route, out);
}

/** arp_error_report → ipv4_link_failure: a packet whose next hop never answered. */
export function icmp_send_unreach_for_local(w: World, ns: Namespace, datagram: Uint8Array): void {
  icmp_send(w, ns, datagram, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH);
}
