/**
 * What `ip -s link` reports (IFLA_STATS64, IFLA_CARRIER_CHANGES), from the device layer's counters
 * (World.stats) read the way each driver's ndo_get_stats64 reports them. Kernel facts (Linux 6.18,
 * measured in kernel mode):
 * - veth (veth_get_stats64): a device counts what it sent; what it received is what its peer sent. A
 *   frame the peer cannot take (is_skb_forwardable: peer down, longer than its MTU allows) is the
 *   sender's tx dropped and, counted by __dev_forward_skb, the peer's rx dropped. Bytes are whole frames.
 * - lo (loopback_get_stats64): one count serves both directions, taken after eth_type_trans pulled the
 *   Ethernet header — bytes are IP packets' lengths.
 * - Every other counter (errors, missed, mcast, carrier, collisions and the -s -s detail) stays 0 on
 *   veth and lo: neither driver counts them, and no modelled path counts them in the core.
 * - A Linux bridge that comes up sends IGMPv3 reports for 224.0.0.106 (its multicast snooping joins the
 *   all-snoopers group) at random moments within its first second, out of every port, into every
 *   port's peer. The model sends none, and does not count what a bridge device itself sends: the
 *   counters of a bridge, of its ports and of their peers are refused (so are Open vSwitch's, never
 *   measured). Which devices those are is kept here, as `ip` sees them after each command.
 * - IFLA_CARRIER_CHANGES counts carrier transitions: a new veth starts with one (veth_newlink turns
 *   each end's carrier off once registered); each end counts every on and off after that (both ends up,
 *   either down, a move to another namespace); lo has none. The model keeps only the carrier, so the
 *   changes are counted here as `ip` sees them — `ip` is what raises and drops links, and one command
 *   changes a carrier at most once.
 */
import type { DeviceState } from '../../sim/state.js';
import type { DevStats, World } from '../../sim/world.js';
import { unsupported } from './errors.js';

const ETH_HLEN = 14;

/** rtnl_link_stats64, the fields the simulator can know (the others are 0). */
export interface LinkStats64 {
  readonly rx_packets: number;
  readonly rx_bytes: number;
  readonly rx_dropped: number;
  readonly tx_packets: number;
  readonly tx_bytes: number;
  readonly tx_dropped: number;
}

interface CarrierBook {
  carrier: boolean;
  changes: number;
}

interface Book {
  readonly carrier: Map<number, CarrierBook>;
  /** Devices a bridge's own traffic may have reached: a bridge, its ports, their veth peers. */
  readonly reached: Set<number>;
}

const books = new WeakMap<World, Book>();

function bookOf(w: World): Book {
  let b = books.get(w);
  if (!b) books.set(w, (b = { carrier: new Map(), reached: new Set() }));
  return b;
}

function markWithPeer(w: World, reached: Set<number>, id: number): void {
  reached.add(id);
  const peer = w.device(id)?.dev.peer;
  if (peer !== undefined) reached.add(peer);
}

/** Brings the book up to date with the world as it is now (before and after an `ip` command). */
export function observeLinks(w: World): void {
  const book = bookOf(w);
  const devices: DeviceState[] = [];
  for (const id of w.deviceHome.keys()) {
    const d = w.device(id)?.dev;
    if (d) devices.push(d);
  }
  for (const id of book.carrier.keys()) if (!w.deviceHome.has(id)) book.carrier.delete(id);
  for (const d of devices) {
    const c = book.carrier.get(d.id);
    if (!c) book.carrier.set(d.id, { carrier: d.carrier, changes: d.kind === 'veth' ? 1 + (d.carrier ? 1 : 0) : 0 });
    else if (c.carrier !== d.carrier) {
      c.carrier = d.carrier;
      c.changes++;
    }
  }
  const up = new Set(devices.filter((d) => d.kind === 'bridge' && d.up).map((d) => d.id));
  for (const d of devices) {
    if (d.kind === 'bridge' || d.kind === 'ovs-internal') book.reached.add(d.id);
    if (d.master !== undefined && up.has(d.master)) markWithPeer(w, book.reached, d.id);
  }
  for (const b of w.ovs.bridges) for (const p of b.ports) if (p.device !== undefined) markWithPeer(w, book.reached, p.device);
}

/** IFLA_CARRIER_CHANGES, as observed. */
export function carrierChanges(w: World, dev: DeviceState): number {
  return bookOf(w).carrier.get(dev.id)?.changes ?? 0;
}

const ZERO: DevStats = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, tx_dropped: 0 };

/** dev_get_stats for a device the model counts exactly; refused for the others. */
export function linkStats(w: World, dev: DeviceState): LinkStats64 {
  if (bookOf(w).reached.has(dev.id)) {
    unsupported(`ip -s for ${dev.name} (the counters of bridges, their ports and the ports' peers: a bridge's own IGMP reports are not modelled)`);
  }
  const own = w.stats.get(dev.id) ?? ZERO;
  if (dev.kind === 'loopback') {
    const bytes = own.rx_bytes - ETH_HLEN * own.rx_packets;
    return { rx_packets: own.rx_packets, rx_bytes: bytes, rx_dropped: 0, tx_packets: own.rx_packets, tx_bytes: bytes, tx_dropped: 0 };
  }
  const peer = (dev.peer === undefined ? undefined : w.stats.get(dev.peer)) ?? ZERO;
  return { rx_packets: peer.tx_packets, rx_bytes: peer.tx_bytes, rx_dropped: peer.tx_dropped, tx_packets: own.tx_packets, tx_bytes: own.tx_bytes, tx_dropped: own.tx_dropped };
}
