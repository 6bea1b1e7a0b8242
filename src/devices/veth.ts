/**
 * veth (drivers/net/veth.c): a pair of devices where what one end transmits, the other receives.
 * veth_xmit forwards to the peer through dev_forward_skb, which refuses a peer that is down or a frame
 * longer than the peer's MTU allows (is_skb_forwardable); the kernel counts those as the peer's rx_dropped.
 */
import type { Namespace, World } from '../sim/world.js';
import type { DeviceState } from '../sim/state.js';
import { netif_receive_skb, type XmitResult } from './netdev.js';

/** Ethernet header plus one VLAN tag: what is_skb_forwardable allows beyond the MTU. */
const FORWARDABLE_OVERHEAD = 14 + 4;

export function veth_xmit(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array): XmitResult {
  const peer = dev.peer === undefined ? undefined : w.device(dev.peer);
  const st = w.statsOf(dev.id);
  // A frame the peer cannot take is the sender's tx_dropped, as veth's own counter keeps it.
  if (!peer || !peer.dev.up || data.length > peer.dev.mtu + FORWARDABLE_OVERHEAD) st.tx_dropped++;
  else {
    st.tx_packets++;
    st.tx_bytes += data.length;
  }
  if (!peer) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'veth_xmit', 'DEV_READY', `${dev.name} has no peer`);
    return 'ENOBUFS';
  }
  if (!peer.dev.up) {
    w.trace.drop(w.loop.now, peer.ns.name, peer.dev.name, 'veth_xmit', 'DEV_READY', `peer ${peer.dev.name} is down`);
    return 'ENOBUFS';
  }
  if (data.length > peer.dev.mtu + FORWARDABLE_OVERHEAD) {
    w.trace.drop(w.loop.now, peer.ns.name, peer.dev.name, 'veth_xmit', 'PKT_TOO_BIG', `${data.length}-byte frame exceeds ${peer.dev.name}'s mtu ${peer.dev.mtu} (rx_dropped)`);
    return 'ENOBUFS';
  }
  const target = peer.dev.id;
  // The peer receives in softirq context, after the sender's stack has returned.
  w.loop.after(VETH_HOP_NS, () => {
    const p = w.device(target);
    if (p && p.dev.up) {
      w.recordHop(p.dev.id);
      netif_receive_skb(w, p.ns, p.dev, data, 0);
    }
    else w.trace.drop(w.loop.now, p?.ns.name ?? ns.name, p?.dev.name, 'veth_xmit', 'DEV_READY', 'peer went away before the frame arrived');
  });
  return 'ok';
}

/** Virtual time a frame spends crossing a pair. */
export const VETH_HOP_NS = 2_000;
