/**
 * The IPv4 output path (net/ipv4/ip_output.c): build the header, fragment what is larger than the
 * device's MTU (ip_fragment), and hand each datagram to ip_finish_output2 — lo for local
 * destinations, a broadcast MAC for broadcast routes, the neighbour table for the rest.
 */
import { ETHERTYPE_IPV4 } from '../wire/ethernet.js';
import { internetChecksumRange } from '../wire/checksum.js';
import { get32, set32 } from '../wire/bytes.js';
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { allocWithHeadroom, ethFrame } from '../devices/frame.js';
import { dev_queue_xmit, type XmitResult } from '../devices/netdev.js';
import { neigh_output } from './neighbour.js';
import { ip_local_deliver_looped } from './ipv4-input.js';
import { LOOPBACK_HOP_NS } from '../devices/loopback.js';
import { fmt, type OutputRoute } from './route.js';

export const IPV4_HEADER_LEN = 20;
/** Room left before a datagram for the Ethernet header. */
export const LL_HEADROOM = 14;
const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const ZERO_MAC = '00:00:00:00:00:00';

export interface IpHeaderFields {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly ttl: number;
  readonly id: number;
  readonly df: boolean;
  readonly tos?: number;
}

/**
 * A whole datagram: a 20-byte header (checksummed) and the payload — in a buffer with room for the
 * Ethernet header in front (the skb's headroom), so the link layer can prepend without copying.
 */
export function buildDatagram(h: IpHeaderFields, payload: Uint8Array, fragOffset = 0, mf = false): Uint8Array {
  const d = allocWithHeadroom(IPV4_HEADER_LEN + payload.length);
  const total = d.length;
  d[0] = 0x45;
  d[1] = h.tos ?? 0;
  d[2] = total >>> 8;
  d[3] = total & 0xff;
  d[4] = (h.id >>> 8) & 0xff;
  d[5] = h.id & 0xff;
  const flags = (h.df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | (fragOffset >>> 3);
  d[6] = flags >>> 8;
  d[7] = flags & 0xff;
  d[8] = h.ttl;
  d[9] = h.protocol;
  set32(d, 12, h.src);
  set32(d, 16, h.dst);
  const c = internetChecksumRange(d, 0, IPV4_HEADER_LEN);
  d[10] = c >>> 8;
  d[11] = c & 0xff;
  d.set(payload, IPV4_HEADER_LEN);
  return d;
}


/** An IPv4 address read at byte offset `o`. */
export const addrAt = get32;

/** Rewrites the TTL and the header checksum in place (ip_decrease_ttl). */
export function setTtl(d: Uint8Array, ttl: number): void {
  d[8] = ttl;
  d[10] = 0;
  d[11] = 0;
  const c = internetChecksumRange(d, 0, ((d[0] as number) & 0xf) * 4);
  d[10] = c >>> 8;
  d[11] = c & 0xff;
}

/** The next IP id for a datagram of this namespace. */
export function nextIpId(ns: Namespace): number {
  ns.ipId = (ns.ipId + 1) & 0xffff;
  return ns.ipId;
}

/**
 * ip_fragment: split a datagram whose header has no DF into pieces that fit `mtu`; each piece's data
 * is a multiple of 8 bytes except the last.
 */
export function ip_fragment(datagram: Uint8Array, mtu: number): Uint8Array[] {
  const hlen = ((datagram[0] as number) & 0xf) * 4;
  const payload = datagram.subarray(hlen);
  const fields: IpHeaderFields = {
    src: addrAt(datagram, 12),
    dst: addrAt(datagram, 16),
    protocol: datagram[9] as number,
    ttl: datagram[8] as number,
    id: ((datagram[4] as number) << 8) | (datagram[5] as number),
    df: false,
    tos: datagram[1] as number,
  };
  const flags = ((datagram[6] as number) << 8) | (datagram[7] as number);
  const baseOffset = (flags & 0x1fff) * 8;
  const lastIsMf = (flags & 0x2000) !== 0;
  const chunk = Math.floor((mtu - hlen) / 8) * 8;
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += chunk) {
    const piece = payload.subarray(off, Math.min(off + chunk, payload.length));
    const last = off + chunk >= payload.length;
    out.push(buildDatagram(fields, piece, baseOffset + off, !last || lastIsMf));
  }
  return out;
}

/** ip_finish_output2: one datagram (already fitting the MTU) to its next hop. */
export function ip_finish_output2(w: World, ns: Namespace, dev: DeviceState, route: Extract<OutputRoute, { ok: true }> | { type: 'unicast'; nexthop: number; rtIif?: number }, datagram: Uint8Array): XmitResult {
  if (dev.kind === 'loopback') {
    const rtIif = 'route' in route ? (route.route?.dev ?? dev.ifindex) : (route.rtIif ?? dev.ifindex);
    return dev_queue_xmit(w, ns, dev, ethFrame(ZERO_MAC, ZERO_MAC, ETHERTYPE_IPV4, datagram), rtIif);
  }
  if (route.type === 'broadcast') {
    // ip_mc_output: a broadcast is also looped back into our own stack (dev_loopback_xmit), ahead of
    // the frame on the wire; the copy keeps its route and is not seen by packet taps.
    dev_loopback_xmit(w, ns, dev, datagram.slice());
    return dev_queue_xmit(w, ns, dev, ethFrame(BROADCAST_MAC, dev.mac, ETHERTYPE_IPV4, datagram));
  }
  if (route.type === 'multicast') {
    const dst = addrAt(datagram, 16);
    const mac = `01:00:5e:${hex((dst >>> 16) & 0x7f)}:${hex((dst >>> 8) & 0xff)}:${hex(dst & 0xff)}`;
    return dev_queue_xmit(w, ns, dev, ethFrame(mac, dev.mac, ETHERTYPE_IPV4, datagram));
  }
  return neigh_output(w, ns, dev, route.nexthop, datagram);
}

/** dev_loopback_xmit: a copy of an outgoing broadcast, delivered locally as received on `dev`. */
function dev_loopback_xmit(w: World, ns: Namespace, dev: DeviceState, datagram: Uint8Array): void {
  const id = dev.id;
  w.loop.after(LOOPBACK_HOP_NS, () => {
    const d = ns.state.devices[dev.ifindex];
    if (d && d.id === id) ip_local_deliver_looped(w, ns, d, datagram);
  });
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * ip_output → ip_finish_output: fragment if needed, then ip_finish_output2. Returns 'EMSGSIZE' when
 * the datagram has DF set and does not fit (the caller decides what that means).
 */
export function ip_output(w: World, ns: Namespace, route: Extract<OutputRoute, { ok: true }>, datagram: Uint8Array): XmitResult | 'EMSGSIZE' {
  const dev = route.dev;
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_output', `${fmt(addrAt(datagram, 12))} > ${fmt(addrAt(datagram, 16))} via ${dev.name}${route.type === 'local' ? ' (local)' : ''}`);
  if (datagram.length <= dev.mtu) return ip_finish_output2(w, ns, dev, route, datagram);
  if (((datagram[6] as number) & 0x40) !== 0) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'ip_finish_output', 'PKT_TOO_BIG', `${datagram.length}-byte datagram with DF exceeds ${dev.name}'s mtu ${dev.mtu}`);
    return 'EMSGSIZE';
  }
  const pieces = ip_fragment(datagram, dev.mtu);
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'ip_fragment', `${datagram.length} bytes into ${pieces.length} fragments for mtu ${dev.mtu}`);
  let result: XmitResult = 'ok';
  for (const p of pieces) if (ip_finish_output2(w, ns, dev, route, p) !== 'ok') result = 'ENOBUFS';
  return result;
}
