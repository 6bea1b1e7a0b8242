/**
 * The device layer (net/core/dev.c): dev_queue_xmit on the way out, netif_receive_skb on the way in,
 * and the packet taps tcpdump listens on in both directions. Device behaviour is per kind, as the
 * kernel's ndo_start_xmit: veth_xmit, loopback_xmit.
 */
import type { Namespace, World } from '../sim/world.js';
import type { DeviceState } from '../sim/state.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../wire/ethernet.js';
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
export function tap(w: World, dev: DeviceState, data: Uint8Array): void {
  const taps = w.taps;
  for (let i = 0; i < taps.length; i++) {
    const t = taps[i]!;
    if (t.deviceId === dev.id && !t.gone) t.frames.push({ t: w.loop.now, data });
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
  tap(w, dev, data);
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'dev_queue_xmit', `${data.length} bytes out`);
  if (dev.kind === 'veth') return veth_xmit(w, ns, dev, data);
  if (dev.kind === 'bridge') return br_dev_xmit(w, ns, dev, data);
  if (dev.kind === 'ovs-internal') {
    const b = ovsBridgeOf(w, dev.id);
    return b ? ovs_dp_process_packet(w, ns, b, dev.id, data) : 'ok';
  }
  w.trace.drop(w.loop.now, ns.name, dev.name, 'dev_queue_xmit', 'NOT_SPECIFIED', `no driver for ${dev.kind}`);
  return 'ENOBUFS';
}

/** netif_receive_skb: a frame arrives on `dev`; taps see it, then its protocol handler takes it. */
export function netif_receive_skb(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array, rtIif: number, fromDatapath = false): void {
  const looped = rtIif !== 0;
  tap(w, dev, data);
  // An OVS port is read by ovs-vswitchd's packet socket; the frame also goes on up the port's own stack.
  if (dev.promisc && !fromDatapath) {
    const b = ovsBridgeOf(w, dev.id);
    if (b && b.internal !== dev.id) void ovs_dp_process_packet(w, ns, b, dev.id, data);
  }
  // A bridge port's rx_handler takes every frame before any protocol sees it.
  if (dev.master !== undefined) return br_handle_frame(w, ns, dev, data);
  const type = ethertypeOf(data);
  const pkt = looped ? 'host' : ethPktType(data, dev.mac);
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'netif_receive_skb', `${data.length} bytes in, ${pkt}`);
  if (type === ETHERTYPE_ARP) return arp_rcv(w, ns, dev, data, pkt);
  if (type === ETHERTYPE_IPV4) return ip_rcv(w, ns, dev, data, pkt, rtIif);
  w.trace.drop(w.loop.now, ns.name, dev.name, 'netif_receive_skb', 'UNHANDLED_PROTO', `ethertype 0x${type.toString(16).padStart(4, '0')} has no handler`);
}
