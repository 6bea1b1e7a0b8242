/**
 * A device's counters as the kernel reports them (dev_get_stats: the driver's ndo_get_stats64 plus the
 * core's drops), from what the simulator counts per device: what reaches netif_receive_skb and what
 * veth_xmit sends or drops. /proc/net/dev, ifconfig and the like print these.
 *
 * Exact for lo and veth only, and only while no frame met a noop qdisc:
 * - veth (veth_get_stats64): tx is the device's own; rx is its peer's tx — veth counts both ends at
 *   the sender — and a frame the peer could not take (down, or longer than its MTU) is the sender's
 *   tx_dropped and, through __dev_forward_skb, the peer's rx_dropped. Bytes include the Ethernet header.
 *   What the core drops for it adds to rx_dropped (a macvlan lower's full broadcast queue); what its
 *   bridge-mode macvlans hand it (dev_forward_skb) is in none of its counters.
 * - lo (loopback_get_stats64): one counter serves as both rx and tx, and loopback_xmit counts after
 *   eth_type_trans has pulled the Ethernet header, so each frame counts 14 bytes less.
 * - A device that is down, or has no carrier, has the noop qdisc, whose drops the kernel counts as
 *   tx_dropped. The simulator knows the device dropped them (DevStats.noop_dropped) but not how each
 *   counts, so its counters are then refused (measured: a ping to a veth whose
 *   peer is down adds 1 to TX dropped; an ICMP error sent to ourselves through a lo that is down adds
 *   1 to lo's).
 * - Bridges and Open vSwitch devices count in their own drivers (br_dev_xmit, br_pass_frame_up, tun),
 *   which the simulator does not; a bridge that comes up also sends IGMP reports for 224.0.0.106 out of
 *   every port into every port's peer, so those devices' counters are refused too (DevStats.inexact).
 * - IFLA_CARRIER_CHANGES counts carrier transitions: a new veth starts with one (veth_newlink turns
 *   each end's carrier off once registered); each end counts every on and off after that; lo has none.
 * Multicast, errors, fifo, frame, compressed, collisions and carrier errors stay 0 for these drivers.
 */
import type { DeviceState } from '../sim/state.js';
import type { DevStats, Namespace, World } from '../sim/world.js';
import { isLoopback } from '../core/netdevice.js';
import { BRIDGE_KIND } from '../devices/bridge.js';
import { OVS_INTERNAL_KIND, ovsPortOf } from '../devices/ovs.js';
import { NotSimulated } from './tool.js';
import { vxlanOf } from '../devices/vxlan.js';

/** The fields of rtnl_link_stats64 that can be non-zero here. */
export interface LinkStats {
  readonly rx_packets: number;
  readonly rx_bytes: number;
  readonly rx_dropped: number;
  readonly tx_packets: number;
  readonly tx_bytes: number;
  readonly tx_dropped: number;
}

const ETH_HLEN = 14;

const ZERO: DevStats = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, tx_dropped: 0, noop_dropped: 0, core_rx_dropped: 0, inexact: false };

/** Open vSwitch's devices: its internal ports, its ports, their peers (never measured). */
function ovsReached(w: World, dev: DeviceState): boolean {
  return dev.kind === OVS_INTERNAL_KIND || ovsPortOf(w, dev.id) !== undefined || (dev.peer !== undefined && ovsPortOf(w, dev.peer) !== undefined);
}

/** Why `dev`'s counters cannot be given exactly, or undefined when they can. */
export function linkStatsUnknown(w: World, _ns: Namespace, dev: DeviceState): string | undefined {
  const own = w.stats.get(dev.id) ?? ZERO;
  if (dev.kind === BRIDGE_KIND || own.inexact) return `the counters of ${dev.name} (a bridge, its ports and their peers: the bridge's own IGMP reports and br_dev_xmit's counting are not modelled) are not simulated`;
  if (ovsReached(w, dev)) return `the counters of ${dev.name} (an Open vSwitch device, its ports or their peers) are not simulated`;
  const vx = vxlanOf(w, dev.id);
  if (vx) {
    const e = vx.errors;
    if (e.tx_errors || e.tx_carrier_errors || e.collisions || e.tx_aborted_errors) return `the error counters of ${dev.name} (tx_errors ${e.tx_errors}, tx_carrier_errors ${e.tx_carrier_errors}, collisions ${e.collisions}) are not printed by the simulator`;
  } else if (dev.kind !== 'veth' && !isLoopback(dev)) return `the counters of ${dev.name} (a ${dev.kind} device) are not simulated`;
  if (own.noop_dropped > 0) return `${dev.name} dropped a frame at its noop qdisc (down or without carrier), which the kernel counts in TX dropped and the simulator does not`;
  return undefined;
}

/** dev_get_stats for `dev`; throws NotSimulated when linkStatsUnknown says why it cannot. */
export function linkStats(w: World, ns: Namespace, dev: DeviceState): LinkStats {
  const why = linkStatsUnknown(w, ns, dev);
  if (why !== undefined) throw new NotSimulated(why);
  const own = w.stats.get(dev.id) ?? ZERO;
  if (isLoopback(dev)) {
    const bytes = own.rx_bytes - ETH_HLEN * own.rx_packets;
    return { rx_packets: own.rx_packets, rx_bytes: bytes, rx_dropped: 0, tx_packets: own.rx_packets, tx_bytes: bytes, tx_dropped: 0 };
  }
  const vx = vxlanOf(w, dev.id);
  // A vxlan counts what it sends and receives itself, without the inner Ethernet header.
  if (vx) return { rx_packets: vx.rx_packets, rx_bytes: vx.rx_bytes, rx_dropped: own.core_rx_dropped, tx_packets: own.tx_packets, tx_bytes: own.tx_bytes, tx_dropped: own.tx_dropped };
  const peer = (dev.peer === undefined ? undefined : w.stats.get(dev.peer)) ?? ZERO;
  return { rx_packets: peer.tx_packets, rx_bytes: peer.tx_bytes, rx_dropped: peer.tx_dropped + own.core_rx_dropped, tx_packets: own.tx_packets, tx_bytes: own.tx_bytes, tx_dropped: own.tx_dropped };
}

/** IFLA_CARRIER_CHANGES. */
export function carrierChanges(w: World, dev: DeviceState): number {
  return w.carrierChanges.get(dev.id) ?? 0;
}
