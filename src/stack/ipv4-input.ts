/**
 * The IPv4 input path (net/ipv4/ip_input.c, ip_forward.c, ip_fragment.c): ip_rcv checks the header,
 * ip_route_input decides, then ip_local_deliver (reassembling fragments first) or ip_forward.
 */
import { internetChecksumRange } from '../wire/checksum.js';
import { IP_PROTO_ICMP } from '../wire/ipv4.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import type { PktType } from '../devices/frame.js';
import { addrAt, buildDatagram, ip_finish_output2, ip_fragment, setTtl } from './ipv4-output.js';
import { fmt, ip_route_input } from './route.js';
import { icmp_rcv, icmp_send, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_TIME_EXCEEDED, raw_local_deliver } from './icmp.js';

/** ipfrag_time: how long fragments wait for the rest (30 s). */
const IPFRAG_TIME = 30 * NS_PER_SEC;

export function ip_rcv(w: World, ns: Namespace, dev: DeviceState, frame: Uint8Array, pkt: PktType, rtIif: number): void {
  if (pkt === 'otherhost') {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_rcv', 'OTHERHOST', 'frame for another host');
    return;
  }
  const d = new Uint8Array(frame.buffer, frame.byteOffset + 14, frame.length - 14);
  const ihl = ((d[0] as number) & 0xf) * 4;
  if (d.length < 20 || (d[0] as number) >>> 4 !== 4 || ihl < 20 || d.length < ihl) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_rcv', 'IP_INHDR', 'bad IPv4 header');
    return;
  }
  const total = ((d[2] as number) << 8) | (d[3] as number);
  if (total < ihl || total > d.length) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_rcv', 'IP_INHDR', `bad total length ${total}`);
    return;
  }
  if (internetChecksumRange(d, 0, ihl) !== 0) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_rcv', 'IP_CSUM', 'bad header checksum');
    return;
  }
  const datagram = total === d.length ? d : new Uint8Array(d.buffer, d.byteOffset, total);
  const saddr = addrAt(datagram, 12);
  const daddr = addrAt(datagram, 16);
  if (rtIif !== 0) return ip_local_deliver(w, ns, dev, datagram, { iif: rtIif, dev: dev.ifindex }, false);
  const rt = ip_route_input(ns.state, dev, saddr, daddr);
  switch (rt.kind) {
    case 'local':
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_route_input', `${fmt(saddr)} > ${fmt(daddr)}: local`);
      return ip_local_deliver(w, ns, dev, datagram, { iif: dev.ifindex, dev: dev.ifindex }, false);
    case 'broadcast':
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_route_input', `${fmt(saddr)} > ${fmt(daddr)}: broadcast`);
      return ip_local_deliver(w, ns, dev, datagram, { iif: dev.ifindex, dev: dev.ifindex }, true);
    case 'forward':
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_route_input', `${fmt(saddr)} > ${fmt(daddr)}: forward via ${rt.outDev.name}`);
      return ip_forward(w, ns, dev, datagram, rt.outDev, rt.nexthop);
    case 'drop':
      w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_route_input', rt.reason, `${fmt(saddr)} > ${fmt(daddr)}: ${rt.why}`);
      if (rt.icmpUnreach) icmp_send(w, ns, datagram, ICMP_DEST_UNREACH, rt.icmpUnreach === 'host' ? ICMP_HOST_UNREACH : ICMP_NET_UNREACH);
  }
}

/** ip_forward: TTL, MTU, then out through the neighbour of the next hop. */
function ip_forward(w: World, ns: Namespace, inDev: DeviceState, datagram: Uint8Array, outDev: DeviceState, nexthop: number): void {
  const ttl = datagram[8] as number;
  if (ttl <= 1) {
    w.trace.drop(w.loop.now, ns.name, inDev.name, 'ip_forward', 'TTL_EXPIRED', `TTL ${ttl} would reach 0: ICMP time exceeded to ${fmt(addrAt(datagram, 12))}`);
    icmp_send(w, ns, datagram, ICMP_TIME_EXCEEDED, 0);
    return;
  }
  const copy = datagram.slice();
  setTtl(copy, ttl - 1);
  if (copy.length > outDev.mtu) {
    if (((copy[6] as number) & 0x40) !== 0) {
      w.trace.drop(w.loop.now, ns.name, outDev.name, 'ip_forward', 'PKT_TOO_BIG', `${copy.length} bytes with DF exceed ${outDev.name}'s mtu ${outDev.mtu}: ICMP fragmentation needed`);
      icmp_send(w, ns, datagram, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, outDev.mtu);
      return;
    }
    if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, outDev.name, 'ip_forward', `forwarding ${fmt(addrAt(copy, 12))} > ${fmt(addrAt(copy, 16))}, fragmented for mtu ${outDev.mtu}`);
    for (const p of ip_fragment(copy, outDev.mtu)) void ip_finish_output2(w, ns, outDev, { type: 'unicast', nexthop }, p);
    return;
  }
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, outDev.name, 'ip_forward', `forwarding ${fmt(addrAt(copy, 12))} > ${fmt(addrAt(copy, 16))} ttl ${ttl - 1}`);
  void ip_finish_output2(w, ns, outDev, { type: 'unicast', nexthop }, copy);
}

/** A looped-back copy of our own broadcast: it keeps its output route, so it is delivered as a broadcast. */
export function ip_local_deliver_looped(w: World, ns: Namespace, dev: DeviceState, datagram: Uint8Array): void {
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_mc_output', `looped copy of a broadcast from ${fmt(addrAt(datagram, 12))}`);
  ip_local_deliver(w, ns, dev, datagram, { iif: dev.ifindex, dev: dev.ifindex }, true);
}

/** ip_local_deliver: reassemble, then offer to raw sockets and the protocol handler. */
function ip_local_deliver(w: World, ns: Namespace, dev: DeviceState, datagram: Uint8Array, info: { iif: number; dev: number }, broadcast: boolean): void {
  const flags = ((datagram[6] as number) << 8) | (datagram[7] as number);
  let whole = datagram;
  if ((flags & 0x2000) !== 0 || (flags & 0x1fff) !== 0) {
    const done = ip_defrag(w, ns, dev, datagram);
    if (!done) return;
    whole = done;
  }
  const proto = whole[9] as number;
  if (proto === IP_PROTO_ICMP) {
    raw_local_deliver(ns, whole, info);
    return icmp_rcv(w, ns, dev, whole, info, broadcast);
  }
  w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_local_deliver', 'IP_NOPROTO', `no handler for IP protocol ${proto}`);
}

/** ip_defrag: collect fragments by (src, dst, id, protocol); the whole datagram once all are in. */
function ip_defrag(w: World, ns: Namespace, dev: DeviceState, frag: Uint8Array): Uint8Array | undefined {
  const ihl = ((frag[0] as number) & 0xf) * 4;
  const key = `${addrAt(frag, 12)}/${addrAt(frag, 16)}/${((frag[4] as number) << 8) | (frag[5] as number)}/${frag[9]}`;
  const flags = ((frag[6] as number) << 8) | (frag[7] as number);
  const offset = (flags & 0x1fff) * 8;
  let q = ns.defrag.get(key);
  if (!q) {
    const timer = w.loop.after(
      IPFRAG_TIME,
      () => {
        ns.defrag.delete(key);
        w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_expire', 'FRAG_REASM_TIMEOUT', 'fragments of an incomplete datagram expired');
      },
      true,
    );
    q = { parts: [], header: frag.slice(0, ihl), timer };
    ns.defrag.set(key, q);
  }
  q.parts.push({ offset, data: frag.slice(ihl), last: (flags & 0x2000) === 0 });
  if (offset === 0) q.header = frag.slice(0, ihl);
  const last = q.parts.find((p) => p.last);
  if (!last) return undefined;
  const size = last.offset + last.data.length;
  const sorted = [...q.parts].sort((a, b) => a.offset - b.offset);
  let covered = 0;
  for (const p of sorted) {
    if (p.offset > covered) return undefined;
    covered = Math.max(covered, p.offset + p.data.length);
  }
  if (covered < size) return undefined;
  w.loop.cancel(q.timer);
  ns.defrag.delete(key);
  const payload = new Uint8Array(size);
  for (const p of sorted) payload.set(p.data.subarray(0, Math.min(p.data.length, size - p.offset)), p.offset);
  const h = q.header;
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_defrag', `reassembled ${q.parts.length} fragments into ${20 + size} bytes`);
  return buildDatagram(
    { src: addrAt(h, 12), dst: addrAt(h, 16), protocol: h[9] as number, ttl: h[8] as number, id: ((h[4] as number) << 8) | (h[5] as number), df: false, tos: h[1] as number },
    payload,
  );
}
