/**
 * The IPv4 output path (net/ipv4/ip_output.c): build the header, fragment what is larger than the
 * device's MTU (ip_fragment), and hand each datagram to ip_finish_output2 — lo for local
 * destinations, a broadcast MAC for broadcast routes, the neighbour table for the rest.
 */
import { BROADCAST_MAC, ETHERTYPE_IPV4, ZERO_MAC } from '../wire/ethernet.js';
import {
  emitIpv4Header,
  IPV4_MIN_HEADER_LEN,
  ipv4DontFragment,
  ipv4Dst,
  ipv4FragmentOffset,
  ipv4HeaderLength,
  ipv4Ident,
  ipv4MoreFragments,
  ipv4Protocol,
  ipv4Src,
  ipv4Tos,
  ipv4Ttl,
  type Ipv4HeaderFields,
} from '../wire/ipv4.js';
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { alloc_headroom, consume_skb, eth_header, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { dev_loopback_xmit, dev_queue_xmit, type XmitResult } from '../core/dev.js';
import { isLoopback } from '../core/netdevice.js';
import { neigh_output } from '../core/neighbour.js';
import { NF_HOOK } from '../core/netfilter.js';
import { netnsIpv4 } from './netns_ipv4.js';
import { fmt, type OutputRoute } from './route.js';

export const IPV4_HEADER_LEN = IPV4_MIN_HEADER_LEN;

/**
 * A whole datagram: a 20-byte header (checksummed) and the payload — in a buffer with room for the
 * Ethernet header in front (the skb's headroom), so the link layer can prepend without copying.
 */
export function buildDatagram(h: Ipv4HeaderFields, payload: Uint8Array): Uint8Array {
  const d = allocDatagram(h, payload.length);
  d.set(payload, IPV4_HEADER_LEN);
  return d;
}

/**
 * A datagram's buffer with its header written (the checksum covers the header alone) and room for
 * `payloadLen` bytes after it, which the caller writes in place.
 */
export function allocDatagram(h: Ipv4HeaderFields, payloadLen: number): Uint8Array {
  const d = alloc_headroom(IPV4_HEADER_LEN + payloadLen);
  emitIpv4Header(d, h, d.length);
  return d;
}

/** The next IP id for a datagram of this namespace. */
export function nextIpId(ns: Namespace): number {
  const n = netnsIpv4(ns);
  n.ipId = (n.ipId + 1) & 0xffff;
  return n.ipId;
}

/** The header fields a datagram's pieces share (ip_fragment copies them into each). */
export function headerFieldsOf(d: Uint8Array): Ipv4HeaderFields {
  return { src: ipv4Src(d), dst: ipv4Dst(d), protocol: ipv4Protocol(d), ttl: ipv4Ttl(d), ident: ipv4Ident(d), dontFragment: false, tos: ipv4Tos(d) };
}

/**
 * ip_fragment: split a datagram whose header has no DF into pieces that fit `mtu`; each piece's data
 * is a multiple of 8 bytes except the last.
 */
export function ip_fragment(datagram: Uint8Array, mtu: number): Uint8Array[] {
  const hlen = ipv4HeaderLength(datagram);
  const payload = datagram.subarray(hlen);
  const fields = headerFieldsOf(datagram);
  const baseOffset = ipv4FragmentOffset(datagram);
  const lastIsMf = ipv4MoreFragments(datagram);
  const chunk = Math.floor((mtu - hlen) / 8) * 8;
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += chunk) {
    const piece = payload.subarray(off, Math.min(off + chunk, payload.length));
    const last = off + chunk >= payload.length;
    out.push(buildDatagram({ ...fields, fragmentOffset: baseOffset + off, moreFragments: !last || lastIsMf }, piece));
  }
  return out;
}

/** A route as ip_finish_output2 needs it: what ip_route_output gave, or the forwarding path's next hop. */
export type NextHop = Extract<OutputRoute, { ok: true }> | { readonly type: 'unicast'; readonly nexthop: number; readonly rtIif?: number };

/** ip_finish_output2: one datagram (already fitting the MTU) in skb.data to its next hop through `dev`. */
export function ip_finish_output2(w: World, skb: Skb, dev: DeviceState, route: NextHop): XmitResult {
  skb.dev = dev;
  if (isLoopback(dev)) {
    skb.rtIif = 'route' in route ? (route.route?.dev ?? dev.ifindex) : (route.rtIif ?? dev.ifindex);
    skb.data = eth_header(ZERO_MAC, ZERO_MAC, ETHERTYPE_IPV4, skb.data);
    return dev_queue_xmit(w, skb);
  }
  if (route.type === 'broadcast') {
    // ip_mc_output: a broadcast is also looped back into our own stack (dev_loopback_xmit), ahead of
    // the frame on the wire; the copy keeps its route and is not seen by packet taps.
    // arp_constructor: on a device without ARP even a broadcast's neighbour holds the device's own address.
    const to = dev.noarp ? dev.mac : BROADCAST_MAC;
    const copy = skb_clone(w, skb, 'ip_mc_output', `looped copy of a broadcast from ${fmt(ipv4Src(skb.data))}`, eth_header(to, dev.mac, ETHERTYPE_IPV4, skb.data.slice()));
    dev_loopback_xmit(w, copy);
    skb.data = eth_header(to, dev.mac, ETHERTYPE_IPV4, skb.data);
    return dev_queue_xmit(w, skb);
  }
  if (route.type === 'multicast') {
    const dst = ipv4Dst(skb.data);
    const mac = `01:00:5e:${hex((dst >>> 16) & 0x7f)}:${hex((dst >>> 8) & 0xff)}:${hex(dst & 0xff)}`;
    skb.data = eth_header(mac, dev.mac, ETHERTYPE_IPV4, skb.data);
    return dev_queue_xmit(w, skb);
  }
  return neigh_output(w, skb, dev, route.nexthop);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * ip_output → ip_finish_output: the datagram in skb.data out along `route`, fragmented if need be.
 * Returns 'EMSGSIZE' when it has DF set and does not fit (the caller decides what that means).
 */
export function ip_output(w: World, skb: Skb, route: Extract<OutputRoute, { ok: true }>): XmitResult | 'EMSGSIZE' {
  return NF_HOOK(w, 'LOCAL_OUT', skb, ip_output_post, route, 'ok');
}

function ip_output_post(w: World, skb: Skb, route: Extract<OutputRoute, { ok: true }>): XmitResult | 'EMSGSIZE' {
  return NF_HOOK(w, 'POST_ROUTING', skb, ip_finish_output, route, 'ok');
}

function ip_finish_output(w: World, skb: Skb, route: Extract<OutputRoute, { ok: true }>): XmitResult | 'EMSGSIZE' {
  const dev = route.dev;
  const datagram = skb.data;
  if (w.trace.detailed) skb_trace(w, skb, 'ip_output', `${fmt(ipv4Src(datagram))} > ${fmt(ipv4Dst(datagram))} via ${dev.name}${route.type === 'local' ? ' (local)' : ''}`, dev);
  if (datagram.length <= dev.mtu) return ip_finish_output2(w, skb, dev, route);
  if (ipv4DontFragment(datagram)) {
    kfree_skb(w, skb, 'ip_finish_output', 'PKT_TOO_BIG', `${datagram.length}-byte datagram with DF exceeds ${dev.name}'s mtu ${dev.mtu}`, dev);
    return 'EMSGSIZE';
  }
  const pieces = ip_fragment(datagram, dev.mtu);
  if (w.trace.detailed) skb_trace(w, skb, 'ip_fragment', `${datagram.length} bytes into ${pieces.length} fragments for mtu ${dev.mtu}`, dev);
  let result: XmitResult = 'ok';
  for (const [i, p] of pieces.entries()) {
    const frag = skb_clone(w, skb, 'ip_fragment', `fragment ${i + 1} of ${pieces.length}`, p);
    if (ip_finish_output2(w, frag, dev, route) !== 'ok') result = 'ENOBUFS';
  }
  consume_skb(w, skb, 'ip_fragment', `sent as ${pieces.length} fragments`, dev);
  return result;
}
