/**
 * lo (drivers/net/loopback.c): what is sent is received again by the same device. Packets to local
 * addresses take this way, so `tcpdump -i lo` sees them — once: libpcap skips lo's outgoing copy.
 */
import type { Namespace, World } from '../sim/world.js';
import type { DeviceState } from '../sim/state.js';
import { netif_receive_skb } from './netdev.js';

export const LOOPBACK_HOP_NS = 1_000;

export function loopback_xmit(w: World, ns: Namespace, dev: DeviceState, data: Uint8Array, rtIif: number): void {
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'loopback_xmit', `${data.length} bytes looped back`);
  w.loop.after(LOOPBACK_HOP_NS, () => {
    const lo = ns.state.devices[dev.ifindex];
    if (lo && lo.id === dev.id && lo.up) {
      w.recordHop(lo.id);
      netif_receive_skb(w, ns, lo, data, rtIif || lo.ifindex);
    }
    else w.trace.drop(w.loop.now, ns.name, dev.name, 'loopback_xmit', 'DEV_READY', 'lo went down');
  });
}
