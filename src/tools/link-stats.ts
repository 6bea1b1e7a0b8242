/**
 * A device's counters as the kernel reports them (dev_get_stats: the driver's ndo_get_stats64 plus the
 * core's drops), from what the simulator counts per device: what reaches netif_receive_skb and what
 * veth_xmit sends or drops. /proc/net/dev, ifconfig and the like print these.
 *
 * Exact for lo and veth only, and only while no frame met a noop qdisc:
 * - veth (veth_get_stats64): tx is the device's own; rx is its peer's tx — veth counts both ends at
 *   the sender — and a frame the peer could not take (down, or longer than its MTU) is the sender's
 *   tx_dropped and, through __dev_forward_skb, the peer's rx_dropped. Bytes include the Ethernet header.
 * - lo (loopback_get_stats64): one counter serves as both rx and tx, and loopback_xmit counts after
 *   eth_type_trans has pulled the Ethernet header, so each frame counts 14 bytes less.
 * - A device that is down, or has no carrier, has the noop qdisc, which counts each frame it drops as
 *   tx_dropped (noop_enqueue). The simulator drops those frames without counting them, so when one was
 *   dropped in the namespace the counters cannot be given exactly (measured: a ping to a veth whose
 *   peer is down adds 1 to TX dropped; an ICMP error sent to ourselves through a lo that is down adds
 *   1 to lo's).
 * - Bridges and Open vSwitch devices count in their own drivers (br_dev_xmit, br_pass_frame_up, tun),
 *   which the simulator does not.
 * Multicast, errors, fifo, frame, compressed, collisions and carrier errors stay 0 for these drivers.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { NotSimulated } from './tool.js';

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

/** Why `dev`'s counters cannot be given exactly, or undefined when they can. */
export function linkStatsUnknown(w: World, ns: Namespace, dev: DeviceState): string | undefined {
  if (dev.kind !== 'veth' && dev.kind !== 'loopback') {
    return `the counters of ${dev.name} (${dev.kind === 'bridge' ? 'a bridge: br_dev_xmit and br_pass_frame_up count them' : 'an Open vSwitch device'}) are not simulated`;
  }
  const noop = w.trace.drops.find((e) => e.ns === ns.name && e.stage === 'dev_queue_xmit' && (e.drop === 'DEV_READY' || e.drop === 'NOCARRIER'));
  if (noop) {
    return `${noop.dev ?? 'a device'} dropped a frame at its noop qdisc (down or without carrier), which the kernel counts as TX dropped and the simulator does not`;
  }
  return undefined;
}

/** dev_get_stats for `dev`; throws NotSimulated when linkStatsUnknown says why it cannot. */
export function linkStats(w: World, ns: Namespace, dev: DeviceState): LinkStats {
  const why = linkStatsUnknown(w, ns, dev);
  if (why !== undefined) throw new NotSimulated(why);
  const own = w.statsOf(dev.id);
  if (dev.kind === 'loopback') {
    const bytes = own.rx_bytes - ETH_HLEN * own.rx_packets;
    return { rx_packets: own.rx_packets, rx_bytes: bytes, rx_dropped: 0, tx_packets: own.rx_packets, tx_bytes: bytes, tx_dropped: 0 };
  }
  const peer = dev.peer === undefined ? undefined : w.statsOf(dev.peer);
  return {
    rx_packets: peer?.tx_packets ?? 0,
    rx_bytes: peer?.tx_bytes ?? 0,
    rx_dropped: peer?.tx_dropped ?? 0,
    tx_packets: own.tx_packets,
    tx_bytes: own.tx_bytes,
    tx_dropped: own.tx_dropped,
  };
}
