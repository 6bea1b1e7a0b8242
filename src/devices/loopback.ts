/**
 * lo (drivers/net/loopback.c): what is sent is received again by the same device. Packets to local
 * addresses take this way, so `tcpdump -i lo` sees them — once: libpcap skips lo's outgoing copy.
 * Every namespace has one, made first (loopback_net_init), so it is ifindex 1.
 */
import type { DeviceState } from '../sim/state.js';
import { register_pernet_subsys, type World } from '../sim/world.js';
import { register_netdev_ops, type NetDeviceOps } from '../core/netdevice.js';
import { dev_change_flags, LOOPBACK_HOP_NS, netif_receive_skb } from '../core/dev.js';
import { kfree_skb, skb_trace, type Skb } from '../core/skbuff.js';

/** loopback_xmit: the frame comes back in on lo after a softirq's worth of time, keeping its route's device. */
function loopback_xmit(w: World, skb: Skb): 'ok' {
  const dev = skb.dev;
  const ns = skb.ns;
  if (w.trace.detailed) skb_trace(w, skb, 'loopback_xmit', `${skb.data.length} bytes looped back`);
  w.loop.after(LOOPBACK_HOP_NS, () => {
    const lo = ns.state.devices[dev.ifindex];
    if (lo && lo.id === dev.id && lo.up) {
      w.recordHop(lo.id);
      skb.dev = lo;
      if (skb.rtIif === 0) skb.rtIif = lo.ifindex;
      netif_receive_skb(w, skb);
    } else kfree_skb(w, skb, 'loopback_xmit', 'DEV_READY', 'lo went down');
  });
  return 'ok';
}

export const loopbackOps: NetDeviceOps = {
  kind: 'loopback',
  infoKind: undefined,
  type: 'loopback',
  minMtu: 0,
  maxMtu: 2 ** 31 - 1,
  start_xmit: loopback_xmit,
  // lo never reports an operational state of its own.
  operstateKnown: () => false,
};

export function loopback_init(): void {
  register_netdev_ops(loopbackOps);
  register_pernet_subsys({
    init: (w, ns) => {
      const lo: Partial<DeviceState> = { mtu: 65536, carrier: true };
      w.newDevice(ns, 'loopback', 'lo', '00:00:00:00:00:00', lo);
    },
    // The script's own namespace starts with lo UP, as a machine's does; `ip netns add` leaves it DOWN.
    ready: (w, ns, opts) => {
      if (opts.loUp) dev_change_flags(w, ns, 1, true);
    },
  });
}
