/**
 * The socket buffer (include/linux/skbuff.h): a packet's bytes with what the kernel keeps beside them —
 * where it is (device, namespace), who it is for (pkt_type), the input device a looped packet keeps
 * (rt_iif) — and an identity. Every packet gets an id when it is built; a clone (a bridge's flood, a
 * broadcast looped back, a copy for a raw socket, a fragment) gets a new id that names its parent. The
 * trace carries the id on every event about the packet, so a packet's journey can be followed from
 * where it was built to its one end: consumed (its normal end, consume_skb) or dropped with a reason
 * (kfree_skb_reason).
 *
 * `data` is the packet from its current layer's header on: the Ethernet frame on a device, the IPv4
 * datagram once ip_rcv has pulled the link header (or before neigh_output pushes one).
 */
import type { DeviceState } from '../sim/state.js';
import type { DropReason } from '../sim/trace.js';
import type { Namespace, World } from '../sim/world.js';
import { emitEthernetHeader, ETHERNET_HEADER_LEN } from '../wire/ethernet.js';

/** packet(7)'s sll_pkttype, set once by eth_type_trans when a frame arrives. */
export type PktType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'loopback';

export interface Skb {
  data: Uint8Array;
  ns: Namespace;
  dev: DeviceState;
  pktType: PktType;
  /** rt_iif: the device a route named, kept by a packet looped through lo (0: none). */
  rtIif: number;
  /** Delivered by Open vSwitch's datapath to its internal port: the datapath does not read it back. */
  fromDatapath: boolean;
  /**
   * The IPv4 header and ICMP checksums in the bytes are known right: built here (ip_build_and_send's
   * work, ping's, icmp_reply's) and not changed since but by code that keeps them right. ip_rcv and
   * icmp_rcv then skip summing them — what they would find is known, so no trace changes — like a
   * driver's CHECKSUM_UNNECESSARY. Bytes from elsewhere (a packet socket, a decapsulated frame) are
   * summed as the kernel sums them.
   */
  checksumsKnownGood: boolean;
  /**
   * skb->network_header: the datagram view the frame in `networkIn` was framed from. While `data` is
   * still that frame, ip_rcv takes the view back instead of making another (a view costs ~50 ns, a
   * tenth of a hop); any code that gives `data` other bytes leaves it behind by that alone.
   */
  network: Uint8Array | undefined;
  networkIn: Uint8Array | undefined;
  readonly id: number;
  /** The packet this one was cloned from; 0 for one built afresh. */
  readonly parent: number;
}

/** alloc_skb: a packet built here, with a new id. */
export function alloc_skb(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array, checksumsKnownGood = false): Skb {
  return { data, ns, dev, pktType: 'host', rtIif: 0, fromDatapath: false, checksumsKnownGood, network: undefined, networkIn: undefined, id: ++w.lastPacketId, parent: 0 };
}

/**
 * skb_clone: a copy that goes its own way (with its own bytes when `data` is given), named after its
 * parent in the trace: its first event says where it came from.
 */
export function skb_clone(w: World, skb: Skb, stage: string, what: string, data: Uint8Array = skb.data, at: DeviceState = skb.dev): Skb {
  const c: Skb = { data, ns: skb.ns, dev: skb.dev, pktType: skb.pktType, rtIif: skb.rtIif, fromDatapath: skb.fromDatapath, checksumsKnownGood: skb.checksumsKnownGood && data === skb.data, network: skb.network, networkIn: skb.networkIn, id: ++w.lastPacketId, parent: skb.id };
  if (w.trace.detailed) w.trace.step(w.loop.now, skb.ns.name, at.name, stage, what, c.id, skb.id);
  return c;
}

/** A step on the packet's way, at its current device (or `dev`). */
export function skb_trace(w: World, skb: Skb, stage: string, what: string, dev: DeviceState = skb.dev, ns: Namespace = skb.ns): void {
  w.trace.step(w.loop.now, ns.name, dev.name, stage, what, skb.id);
}

/** kfree_skb_reason: the packet is dropped, and why. */
export function kfree_skb(w: World, skb: Skb, stage: string, reason: DropReason, why: string, dev: DeviceState | undefined = skb.dev, ns: Namespace = skb.ns): void {
  w.trace.drop(w.loop.now, ns.name, dev?.name, stage, reason, why, skb.id);
}

/** consume_skb: the packet's normal end (delivered, answered, or processed and done with). */
export function consume_skb(w: World, skb: Skb, stage: string, what: string, dev: DeviceState = skb.dev, ns: Namespace = skb.ns): void {
  if (w.trace.detailed) w.trace.consume(w.loop.now, ns.name, dev.name, stage, what, skb.id);
}

/**
 * The last datagram alloc_skb_headroom made, whose 14 bytes in front are still free. Almost every
 * datagram is framed right after it is built; one that waits (for ARP, say) is copied instead.
 */
let withHeadroom: Uint8Array | undefined;

/** Packet bytes come from slabs: one ArrayBuffer per packet costs more than all the rest of a hop. */
const SLAB_SIZE = 256 * 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** `len` bytes with room for an Ethernet header in front (skb_reserve's headroom). */
export function alloc_headroom(len: number): Uint8Array {
  const need = ETHERNET_HEADER_LEN + len;
  if (need > SLAB_SIZE / 4) {
    withHeadroom = new Uint8Array(new ArrayBuffer(need), ETHERNET_HEADER_LEN, len);
    return withHeadroom;
  }
  if (slabUsed + need > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  withHeadroom = new Uint8Array(slab, slabUsed + ETHERNET_HEADER_LEN, len);
  slabUsed += (need + 7) & ~7;
  return withHeadroom;
}

/**
 * skb_push of 14 bytes: the frame around `payload`, its header still to be written. The datagram
 * alloc_headroom made last is framed in the bytes in front of it — once; any other payload, or a
 * second transmission, is copied. The frame's bytes are never changed after this, so a capture can
 * keep them.
 */
function skb_push(payload: Uint8Array): Uint8Array {
  if (payload !== withHeadroom) {
    const frame = new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
    frame.set(payload, ETHERNET_HEADER_LEN);
    return frame;
  }
  withHeadroom = undefined;
  return new Uint8Array(payload.buffer, payload.byteOffset - ETHERNET_HEADER_LEN, ETHERNET_HEADER_LEN + payload.length);
}

/**
 * neigh_hh_output's push: the header a neighbour keeps ready (its hh_cache, 14 bytes) copied in front
 * of the datagram in skb.data — and, framed in place, the datagram's view is then the frame's network
 * header, for ip_rcv to take back.
 */
export function skb_push_hh(skb: Skb, hh: Uint8Array): void {
  const payload = skb.data;
  const inPlace = payload === withHeadroom;
  const frame = skb_push(payload);
  for (let i = 0; i < ETHERNET_HEADER_LEN; i++) frame[i] = hh[i] as number;
  skb.data = frame;
  if (inPlace) {
    skb.network = payload;
    skb.networkIn = frame;
  }
}

/** dev_hard_header: an Ethernet header pushed in front of `payload` (see skb_push). */
export function eth_header(dst: string, src: string, ethertype: number, payload: Uint8Array): Uint8Array {
  const frame = skb_push(payload);
  emitEthernetHeader(frame, dst, src, ethertype);
  return frame;
}
