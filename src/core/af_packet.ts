/**
 * Packet sockets (net/packet/af_packet.c), SOCK_DGRAM, bound to one device and one protocol — what
 * arping opens: `socket(PF_PACKET, SOCK_DGRAM, 0)` then `bind(sll_ifindex, sll_protocol)`.
 *
 * - packet_bind hooks the socket onto the device's ptype_specific list (dev_add_pack_specific): it
 *   then gets every frame of its protocol the device *receives*, beside the stack's own handler, but
 *   not what the host sends (only ETH_P_ALL sockets see outgoing frames) nor what an rx_handler took.
 * - packet_rcv queues the frame without its link header, with sll_pkttype: PACKET_LOOPBACK copies are
 *   dropped, PACKET_OTHERHOST ones kept (the reader filters).
 * - packet_snd (sendto with an sll_addr): dev_hard_header puts the device's own MAC as the source and
 *   the given address as the destination, then dev_queue_xmit — no route, no neighbour, no ARP.
 */
import type { Namespace, World } from '../sim/world.js';
import type { DeviceState } from '../sim/state.js';
import { ETHERNET_HEADER_LEN, macAt } from '../wire/ethernet.js';
import { alloc_skb, consume_skb, eth_header, kfree_skb, skb_trace, type PktType, type Skb } from './skbuff.js';
import { dev_add_pack_specific, dev_queue_xmit, dev_remove_pack_specific, type PacketTypeHook } from './dev.js';
import { fail, OK, type Result } from './errno.js';
import { register_netdevice_notifier, type NetdevNotification } from './notifier.js';

/** What recvfrom's sockaddr_ll says about a frame. */
export interface SockaddrLl {
  readonly pktType: Exclude<PktType, 'loopback'>;
  /** The frame's source MAC (sll_addr). */
  readonly addr: string;
  readonly ifindex: number;
}

export interface PacketSocket {
  readonly ns: Namespace;
  readonly protocol: number;
  /** The bound device (world-wide id); 0 until packet_bind. */
  devId: number;
  hook: PacketTypeHook | undefined;
  /** Where packet_rcv hands each frame (its payload, after the link header), as recvfrom would return it. */
  readonly recv: (payload: Uint8Array, from: SockaddrLl) => void;
  /** Who the socket is, in the trace ("arping's packet socket"). */
  readonly owner: string;
}

/** packet_create: a socket in `ns`, bound to nothing yet. */
export function packet_create(ns: Namespace, protocol: number, owner: string, recv: PacketSocket['recv']): PacketSocket {
  return { ns, protocol, devId: 0, hook: undefined, recv, owner };
}

/** packet_do_bind: hook onto `dev` for the socket's protocol. A device that is down only sets ENETDOWN on the socket. */
export function packet_bind(w: World, sk: PacketSocket, dev: DeviceState): Result {
  if (sk.ns.state.devices[dev.ifindex]?.id !== dev.id) return fail('ENODEV');
  unhook(w, sk);
  sk.devId = dev.id;
  if (!dev.up) return fail('ENETDOWN');
  sk.hook = { type: sk.protocol, devId: dev.id, func: (ww, skb) => packet_rcv(ww, sk, skb) };
  dev_add_pack_specific(w, sk.hook);
  return OK;
}

function unhook(w: World, sk: PacketSocket): void {
  if (sk.hook) dev_remove_pack_specific(w, sk.hook);
  sk.hook = undefined;
}

/** packet_rcv: the socket's share of a received frame, queued for its reader (who reads it at once). */
function packet_rcv(w: World, sk: PacketSocket, skb: Skb): void {
  if (skb.pktType === 'loopback') {
    if (w.trace.detailed) consume_skb(w, skb, 'packet_rcv', `a looped copy is not for ${sk.owner}`);
    return;
  }
  if (skb.data.length < ETHERNET_HEADER_LEN) {
    kfree_skb(w, skb, 'packet_rcv', 'PKT_TOO_SMALL', 'shorter than its Ethernet header');
    return;
  }
  if (w.trace.detailed) consume_skb(w, skb, 'packet_rcv', `queued on ${sk.owner}`);
  sk.recv(skb.data.subarray(ETHERNET_HEADER_LEN), { pktType: skb.pktType, addr: macAt(skb.data, 6), ifindex: skb.dev.ifindex });
}

/**
 * packet_snd (SOCK_DGRAM): `payload` out of the bound device to `dstMac`. Fails with ENETDOWN when the
 * device is down, EMSGSIZE past its MTU; what the device's queue does with the frame is not the
 * sender's business (a device without carrier drops it, and sendto still succeeds).
 */
export function packet_snd(w: World, sk: PacketSocket, dstMac: string, payload: Uint8Array): Result {
  const here = w.device(sk.devId);
  if (!here || here.ns !== sk.ns) return fail('ENXIO');
  const dev = here.dev;
  if (!dev.up) return fail('ENETDOWN');
  if (payload.length > dev.mtu) return fail('EMSGSIZE');
  const skb = alloc_skb(w, sk.ns, dev, eth_header(dstMac, dev.mac, sk.protocol, payload));
  if (w.trace.detailed) skb_trace(w, skb, 'packet_snd', `${payload.length} bytes from ${sk.owner} to ${dstMac}`);
  dev_queue_xmit(w, skb);
  return OK;
}

/** packet_release: the socket is closed; nothing more reaches it. */
export function packet_release(w: World, sk: PacketSocket): void {
  unhook(w, sk);
  sk.devId = 0;
}

/**
 * packet_notifier: a device that goes down takes the hooks of the captures bound to it off; they are
 * hooked again at NETDEV_UP — in af_packet's own turn on the chain, after the protocols' (the module
 * registers late), so what inetdev_event sends as the device comes up (arp_notify's announcement) is
 * not seen by a capture on the device itself.
 */
function packet_notifier(n: NetdevNotification): void {
  if (n.event !== 'NETDEV_DOWN' && n.event !== 'NETDEV_UP') return;
  for (const t of n.w.taps) if (t.deviceId === n.dev.id) t.unhooked = n.event === 'NETDEV_DOWN';
}

/** packet_init: af_packet on the notifier chain, after everything registered before it. */
export function packet_init(): void {
  register_netdevice_notifier(packet_notifier);
}
