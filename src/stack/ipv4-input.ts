/**
 * The IPv4 input path (net/ipv4/ip_input.c, ip_forward.c, ip_fragment.c): ip_rcv checks the header,
 * ip_route_input decides, then ip_local_deliver (reassembling fragments first) or ip_forward. The
 * netfilter hooks sit where the kernel has them (PRE_ROUTING, LOCAL_IN, FORWARD).
 */
import { ETHERNET_HEADER_LEN } from '../wire/ethernet.js';
import {
  IP_PROTO_ICMP,
  IPV4_MIN_HEADER_LEN,
  ipv4DontFragment,
  ipv4Dst,
  ipv4FragmentOffset,
  ipv4HeaderChecksumValid,
  ipv4HeaderLength,
  ipv4Ident,
  ipv4IsFragment,
  ipv4MoreFragments,
  ipv4Protocol,
  ipv4Src,
  ipv4TotalLength,
  ipv4Tos,
  ipv4Ttl,
  setIpv4Ttl,
} from '../wire/ipv4.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import type { DeviceState } from '../sim/state.js';
import type { World } from '../sim/world.js';
import { consume_skb, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { buildDatagram, headerFieldsOf, ip_finish_output2, ip_fragment } from './ipv4-output.js';
import { fmt, ip_route_input_noref, type InputRoute } from './route.js';

type ForwardRoute = Extract<InputRoute, { kind: 'forward' }>;
import { ICMP_DEST_UNREACHABLE, ICMP_TIME_EXCEEDED, TIME_EXCEEDED_TTL, UNREACH_NEED_FRAG } from '../wire/icmp.js';
import { icmp_rcv, icmp_send, raw_local_deliver, type RawDelivery } from './icmp.js';
import { netnsIpv4 } from './netns_ipv4.js';
import { ip_error } from './ip_error.js';
import { NF_HOOK } from '../core/netfilter.js';
import { ip_do_redirect, ip_rt_send_redirect } from './redirect.js';
import { routeGateway } from '../sim/state.js';

/** ipfrag_time: how long fragments wait for the rest (30 s). */
const IPFRAG_TIME = 30 * NS_PER_SEC;

/** ip_rcv: the frame in skb.data becomes the datagram it carries, checked. */
export function ip_rcv(w: World, skb: Skb): void {
  if (skb.pktType === 'otherhost') {
    kfree_skb(w, skb, 'ip_rcv', 'OTHERHOST', 'frame for another host');
    return;
  }
  const frame = skb.data;
  const d = skb.networkIn === frame ? (skb.network as Uint8Array) : new Uint8Array(frame.buffer, frame.byteOffset + ETHERNET_HEADER_LEN, frame.length - ETHERNET_HEADER_LEN);
  const ihl = ipv4HeaderLength(d);
  if (d.length < IPV4_MIN_HEADER_LEN || (d[0] as number) >>> 4 !== 4 || ihl < IPV4_MIN_HEADER_LEN || d.length < ihl) {
    kfree_skb(w, skb, 'ip_rcv', 'IP_INHDR', 'bad IPv4 header');
    return;
  }
  const total = ipv4TotalLength(d);
  if (total < ihl || total > d.length) {
    kfree_skb(w, skb, 'ip_rcv', 'IP_INHDR', `bad total length ${total}`);
    return;
  }
  if (!skb.checksumsKnownGood && !ipv4HeaderChecksumValid(d, ihl)) {
    kfree_skb(w, skb, 'ip_rcv', 'IP_CSUM', 'bad header checksum');
    return;
  }
  skb.data = total === d.length ? d : new Uint8Array(d.buffer, d.byteOffset, total);
  NF_HOOK(w, 'PRE_ROUTING', skb, ip_rcv_finish, undefined, undefined);
}

/** ip_rcv_finish: the route decides, unless the packet kept the one it was sent with (looped through lo). */
function ip_rcv_finish(w: World, skb: Skb): void {
  const dev = skb.dev;
  const datagram = skb.data;
  const saddr = ipv4Src(datagram);
  const daddr = ipv4Dst(datagram);
  if (skb.pktType === 'loopback') {
    if (w.trace.detailed) skb_trace(w, skb, 'ip_mc_output', `looped copy of a broadcast from ${fmt(saddr)}`);
    return ip_local_deliver(w, skb, { iif: dev.ifindex, dev: dev.ifindex }, true);
  }
  if (skb.rtIif !== 0) return ip_local_deliver(w, skb, { iif: skb.rtIif, dev: dev.ifindex }, false);
  // The flow's TOS from the header; its protocol for ipproto rules (fib4_rules_early_flow_dissect: ports only for TCP/UDP, which are not simulated).
  const rt = ip_route_input_noref(skb.ns, dev, saddr, daddr, ipv4Tos(datagram), ipv4Protocol(datagram));
  switch (rt.kind) {
    case 'local':
      if (w.trace.detailed) skb_trace(w, skb, 'ip_route_input', `${fmt(saddr)} > ${fmt(daddr)}: local`);
      return ip_local_deliver(w, skb, { iif: dev.ifindex, dev: dev.ifindex }, false);
    case 'broadcast':
      if (w.trace.detailed) skb_trace(w, skb, 'ip_route_input', `${fmt(saddr)} > ${fmt(daddr)}: broadcast`);
      return ip_local_deliver(w, skb, { iif: dev.ifindex, dev: dev.ifindex }, true);
    case 'forward':
      if (w.trace.detailed) skb_trace(w, skb, 'ip_route_input', `${fmt(saddr)} > ${fmt(daddr)}: forward via ${rt.outDev.name}`);
      return ip_forward(w, skb, rt);
    case 'drop':
      kfree_skb(w, skb, 'ip_route_input', rt.reason, `${fmt(saddr)} > ${fmt(daddr)}: ${rt.why}`);
      return;
    case 'error':
      return ip_error(w, skb, rt.error, `${fmt(saddr)} > ${fmt(daddr)}: ${rt.why}`);
  }
}

/** ip_forward: TTL, MTU, then out through the neighbour of the next hop. */
function ip_forward(w: World, skb: Skb, rt: ForwardRoute): void {
  const outDev = rt.outDev;
  const datagram = skb.data;
  const ttl = ipv4Ttl(datagram);
  if (ttl <= 1) {
    kfree_skb(w, skb, 'ip_forward', 'TTL_EXPIRED', `TTL ${ttl} would reach 0: ICMP time exceeded to ${fmt(ipv4Src(datagram))}`);
    icmp_send(w, skb, ICMP_TIME_EXCEEDED, TIME_EXCEEDED_TTL);
    return;
  }
  // skb_cow: what the taps saw stays as it was.
  const copy = datagram.slice();
  setIpv4Ttl(copy, ttl - 1);
  if (copy.length > outDev.mtu && ipv4DontFragment(copy)) {
    kfree_skb(w, skb, 'ip_forward', 'PKT_TOO_BIG', `${copy.length} bytes with DF exceed ${outDev.name}'s mtu ${outDev.mtu}: ICMP fragmentation needed`, outDev);
    icmp_send(w, skb, ICMP_DEST_UNREACHABLE, UNREACH_NEED_FRAG, outDev.mtu);
    return;
  }
  skb.data = copy;
  if (ip_do_redirect(skb, skb.dev, outDev, routeGateway(rt.route))) ip_rt_send_redirect(w, skb, outDev, rt.nexthop);
  NF_HOOK(w, 'FORWARD', skb, ip_forward_finish, rt, undefined);
}

/** ip_forward_finish → ip_output: fragmented for the output device if it must be. */
function ip_forward_finish(w: World, skb: Skb, rt: ForwardRoute): void {
  const outDev = rt.outDev;
  const nexthop = rt.nexthop;
  const copy = skb.data;
  if (copy.length > outDev.mtu) {
    if (w.trace.detailed) skb_trace(w, skb, 'ip_forward', `forwarding ${fmt(ipv4Src(copy))} > ${fmt(ipv4Dst(copy))}, fragmented for mtu ${outDev.mtu}`, outDev);
    const pieces = ip_fragment(copy, outDev.mtu);
    for (const [i, p] of pieces.entries()) void ip_finish_output2(w, skb_clone(w, skb, 'ip_fragment', `fragment ${i + 1} of ${pieces.length}`, p), outDev, { type: 'unicast', nexthop });
    consume_skb(w, skb, 'ip_fragment', `forwarded as ${pieces.length} fragments`, outDev);
    return;
  }
  if (w.trace.detailed) skb_trace(w, skb, 'ip_forward', `forwarding ${fmt(ipv4Src(copy))} > ${fmt(ipv4Dst(copy))} ttl ${ipv4Ttl(copy)}`, outDev);
  NF_HOOK(w, 'POST_ROUTING', skb, ip_forward_output, rt, undefined);
}

function ip_forward_output(w: World, skb: Skb, rt: ForwardRoute): void {
  void ip_finish_output2(w, skb, rt.outDev, { type: 'unicast', nexthop: rt.nexthop });
}

/** ip_local_deliver: reassemble, then LOCAL_IN, then the raw sockets and the protocol handler. */
function ip_local_deliver(w: World, skb: Skb, info: RawDelivery, broadcast: boolean): void {
  if (ipv4IsFragment(skb.data)) {
    const whole = ip_defrag(w, skb);
    if (!whole) return;
    skb = whole;
  }
  NF_HOOK(w, 'LOCAL_IN', skb, broadcast ? ip_local_deliver_broadcast : ip_local_deliver_finish, info, undefined);
}

function ip_local_deliver_broadcast(w: World, skb: Skb, info: RawDelivery): void {
  ip_local_deliver_finish(w, skb, info, true);
}

/** A transport protocol's receive function (net_protocol.handler): the datagram in skb.data, header and all. */
export type InetProtocolHandler = (w: World, skb: Skb, info: RawDelivery, broadcast: boolean) => void;

const inetProtos = new Map<number, InetProtocolHandler>();

/** inet_add_protocol: the handler for one IP protocol number (UDP registers here; ICMP is built in). */
export function inet_add_protocol(proto: number, handler: InetProtocolHandler): void {
  inetProtos.set(proto, handler);
}

function ip_local_deliver_finish(w: World, skb: Skb, info: RawDelivery, broadcast = false): void {
  const proto = ipv4Protocol(skb.data);
  if (proto === IP_PROTO_ICMP) {
    raw_local_deliver(w, skb, info);
    return icmp_rcv(w, skb, info, broadcast);
  }
  const handler = inetProtos.get(proto);
  if (handler) return handler(w, skb, info, broadcast);
  kfree_skb(w, skb, 'ip_local_deliver', 'IP_NOPROTO', `no handler for IP protocol ${proto}`);
}

/**
 * ip_defrag: collect fragments by (src, dst, id, protocol); once all are in, the first fragment's
 * packet goes on as the whole datagram and the others end here.
 */
function ip_defrag(w: World, skb: Skb): Skb | undefined {
  const ns = skb.ns;
  const dev = skb.dev;
  const frag = skb.data;
  const ihl = ipv4HeaderLength(frag);
  const key = `${ipv4Src(frag)}/${ipv4Dst(frag)}/${ipv4Ident(frag)}/${ipv4Protocol(frag)}`;
  const offset = ipv4FragmentOffset(frag);
  const queues = netnsIpv4(ns).defrag;
  let q = queues.get(key);
  if (!q) {
    const timer = w.loop.after(
      IPFRAG_TIME,
      () => {
        const gone = queues.get(key);
        queues.delete(key);
        for (const p of gone?.parts ?? []) kfree_skb(w, p.skb, 'ip_expire', 'FRAG_REASM_TIMEOUT', 'fragments of an incomplete datagram expired', dev, ns);
      },
      true,
    );
    q = { parts: [], header: frag.slice(0, ihl), timer };
    queues.set(key, q);
  }
  q.parts.push({ offset, data: frag.slice(ihl), last: !ipv4MoreFragments(frag), skb });
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
  queues.delete(key);
  const payload = new Uint8Array(size);
  for (const p of sorted) payload.set(p.data.subarray(0, Math.min(p.data.length, size - p.offset)), p.offset);
  const h = q.header;
  const head = (sorted[0] as (typeof sorted)[number]).skb;
  for (const p of sorted) if (p.skb !== head) consume_skb(w, p.skb, 'ip_defrag', `reassembled into packet #${head.id}`, dev, ns);
  if (w.trace.detailed) skb_trace(w, head, 'ip_defrag', `reassembled ${q.parts.length} fragments into ${20 + size} bytes`, dev, ns);
  head.data = buildDatagram(headerFieldsOf(h), payload);
  head.dev = dev;
  return head;
}
