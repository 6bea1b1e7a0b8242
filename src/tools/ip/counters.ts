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
 *   measured). The bridge marks the devices its reports reach (DevStats.inexact).
 * - IFLA_CARRIER_CHANGES counts carrier transitions: a new veth starts with one (veth_newlink turns
 *   each end's carrier off once registered); each end counts every on and off after that (both ends up,
 *   either down, a move to another namespace); lo has none. The core counts them (netif_carrier_set).
 */
import type { DeviceState } from '../../sim/state.js';
import type { DevStats, World } from '../../sim/world.js';
import { isLoopback } from '../../core/netdevice.js';
import { OVS_INTERNAL_KIND, ovsPortOf } from '../../devices/ovs.js';
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

/** IFLA_CARRIER_CHANGES. */
export function carrierChanges(w: World, dev: DeviceState): number {
  return w.stats.get(dev.id)?.carrier_changes ?? 0;
}

const ZERO: DevStats = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, tx_dropped: 0, carrier_changes: 0, inexact: false };

/** Open vSwitch's devices: its internal ports, its ports, their peers (never measured). */
function ovsReached(w: World, dev: DeviceState): boolean {
  return dev.kind === OVS_INTERNAL_KIND || ovsPortOf(w, dev.id) !== undefined || (dev.peer !== undefined && ovsPortOf(w, dev.peer) !== undefined);
}

/** dev_get_stats for a device the model counts exactly; refused for the others. */
export function linkStats(w: World, dev: DeviceState): LinkStats64 {
  const own = w.stats.get(dev.id) ?? ZERO;
  if (own.inexact || dev.kind === 'bridge' || ovsReached(w, dev)) {
    unsupported(`ip -s for ${dev.name} (the counters of bridges, their ports and the ports' peers: a bridge's own IGMP reports are not modelled)`);
  }
  if (isLoopback(dev)) {
    const bytes = own.rx_bytes - ETH_HLEN * own.rx_packets;
    return { rx_packets: own.rx_packets, rx_bytes: bytes, rx_dropped: 0, tx_packets: own.rx_packets, tx_bytes: bytes, tx_dropped: 0 };
  }
  const peer = (dev.peer === undefined ? undefined : w.stats.get(dev.peer)) ?? ZERO;
  return { rx_packets: peer.tx_packets, rx_bytes: peer.tx_bytes, rx_dropped: peer.tx_dropped, tx_packets: own.tx_packets, tx_bytes: own.tx_bytes, tx_dropped: own.tx_dropped };
}
