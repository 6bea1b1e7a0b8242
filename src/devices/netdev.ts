/**
 * The device layer (net/core/dev.c): dev_queue_xmit on the way out, netif_receive_skb on the way in,
 * and the packet taps tcpdump listens on in both directions. Device behaviour is per kind, as the
 * kernel's ndo_start_xmit: veth_xmit, loopback_xmit.
 */
import type { Namespace, World } from '../sim/world.js';
import type { DeviceState } from '../sim/state.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { popVlanTag } from '../wire/vlan.js';
import { ethertypeOf, ethPktType } from './frame.js';
import { veth_xmit } from './veth.js';
import { loopback_xmit } from './loopback.js';
import { br_dev_xmit, br_handle_frame } from './bridge.js';
import { ovs_dp_process_packet, ovsBridgeOf } from './ovs.js';
import { arp_rcv } from '../stack/arp.js';
import { ip_rcv } from '../stack/ipv4-input.js';

/** What a send reports back: NET_XMIT_DROP from the driver surfaces as ENOBUFS in sendmsg. */
export type XmitResult = 'ok' | 'ENOBUFS';

/** dev_queue_xmit_nit / packet taps: every capture on this device sees the frame. */
export function tap(w: World, dev: DeviceState, data: Uint8Array, dir: 'in' | 'out'): void {
  const taps = w.taps;
  for (let i = 0; i < taps.length; i++) {
    const t = taps[i]!;
    if (t.deviceId === dev.id && !t.gone) t.frames.push({ t: w.loop.now, data, dir });
  }
}

/**
 * dev_queue_xmit: hand a frame to a device's driver. `rtIif` travels with frames looped back through
 * lo: the device the route named (rt_iif), which raw sockets bound to a device match against.
 */
export function dev_queue_xmit(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array, rtIif = 0): XmitResult {
  // A device that is down has the noop qdisc: it drops the frame and reports nothing to the sender.
  if (!dev.up) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'dev_queue_xmit', 'DEV_READY', `${dev.name} is down (its qdisc is noop)`);
    return 'ok';
  }
  if (dev.kind === 'loopback') {
    loopback_xmit(w, ns, dev, data, rtIif);
    return 'ok';
  }
  // Without carrier the device's queue is the noop qdisc (dev_deactivate): the frame is dropped
  // before the taps see it.
  if (!dev.carrier) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'dev_queue_xmit', 'NOCARRIER', `${dev.name} has no carrier (its qdisc is noop)`);
    return 'ok';
  }
  tap(w, dev, data, 'out');
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'dev_queue_xmit', `${data.length} bytes out`);
  if (dev.kind === 'veth') return veth_xmit(w, ns, dev, data);
  if (dev.kind === 'bridge') return br_dev_xmit(w, ns, dev, data);
  if (dev.kind === 'ovs-internal') {
    ovs_upcall(w, dev.id, data, OVS_TAP_READ_NS);
    return 'ok';
  }
  w.trace.drop(w.loop.now, ns.name, dev.name, 'dev_queue_xmit', 'NOT_SPECIFIED', `no driver for ${dev.kind}`);
  return 'ENOBUFS';
}

/**
 * ovs-vswitchd reads its ports from a thread of its own, so the kernel's stack has answered a frame
 * before the switch forwards it: a port in the bridge's namespace replies to a flooded ARP request
 * ahead of every host behind the switch. Measured (tcpdump -tt on every port): a port's packet socket
 * is read some 60 µs after the frame arrives, the internal port's tap some 190 µs after its stack sent
 * — so a host's reply through a port overtakes the bridge's own reply sent a little earlier.
 */
export const OVS_PORT_READ_NS = 50_000;
export const OVS_TAP_READ_NS = 150_000;

function ovs_upcall(w: World, devId: number, data: Uint8Array, delay: number): void {
  w.loop.after(delay, () => {
    const b = ovsBridgeOf(w, devId);
    const d = w.device(devId);
    if (b && d) void ovs_dp_process_packet(w, d.ns, b, devId, data);
  });
}

/** netif_receive_skb: a frame arrives on `dev`; taps see it, then its protocol handler takes it. */
export function netif_receive_skb(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array, rtIif: number, fromDatapath = false): void {
  const looped = rtIif !== 0;
  const st = w.statsOf(dev.id);
  st.rx_packets++;
  st.rx_bytes += data.length;
  tap(w, dev, data, 'in');
  // An OVS port is read by ovs-vswitchd's packet socket; the frame also goes on up the port's own stack.
  if (dev.promisc && !fromDatapath) {
    const b = ovsBridgeOf(w, dev.id);
    if (b && b.internal !== dev.id) ovs_upcall(w, dev.id, data, OVS_PORT_READ_NS);
  }
  // A bridge port's rx_handler takes every frame before any protocol sees it.
  if (dev.master !== undefined) return br_handle_frame(w, ns, dev, data);
  let frame = data;
  let otherhost = false;
  if (ethertypeOf(data) === ETHERTYPE_VLAN) ({ frame, otherhost } = vlan_untag_rx(w, ns, dev, data));
  const type = ethertypeOf(frame);
  const pkt = looped ? 'host' : otherhost ? 'otherhost' : ethPktType(frame, dev.mac);
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'netif_receive_skb', `${data.length} bytes in, ${pkt}`);
  if (type === ETHERTYPE_ARP) return arp_rcv(w, ns, dev, frame, pkt);
  if (type === ETHERTYPE_IPV4) return ip_rcv(w, ns, dev, frame, pkt, rtIif);
  w.trace.drop(w.loop.now, ns.name, dev.name, 'netif_receive_skb', 'UNHANDLED_PROTO', `ethertype 0x${type.toString(16).padStart(4, '0')} has no handler`);
}

/**
 * __netif_receive_skb_core's 802.1Q step, after the taps (tcpdump shows the tag): skb_vlan_untag moves
 * the tag out of the frame. No VLAN device can take it — this kernel has no 802.1Q — so a VID other
 * than 0 marks the frame PACKET_OTHERHOST (arp_rcv then ignores it, ip_rcv drops it as OTHERHOST and
 * counts it in rx_otherhost_dropped); a priority tag (VID 0) is only taken off.
 */
function vlan_untag_rx(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array): { frame: Uint8Array; otherhost: boolean } {
  let frame = data;
  while (ethertypeOf(frame) === ETHERTYPE_VLAN) {
    const r = popVlanTag(frame);
    if (!r.ok) break;
    frame = r.value.frame;
    if (r.value.tag.vid !== 0) {
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'netif_receive_skb', `vlan ${r.value.tag.vid} tag and no VLAN device for it: PACKET_OTHERHOST`);
      return { frame, otherhost: true };
    }
  }
  return { frame, otherhost: false };
}
