/**
 * veth (drivers/net/veth.c): a pair of devices where what one end transmits, the other receives.
 * veth_xmit forwards to the peer through dev_forward_skb, which refuses a peer that is down or a frame
 * longer than the peer's MTU allows (is_skb_forwardable); the kernel counts those as the peer's
 * rx_dropped. Carrier: veth_open turns it on for both ends only if the peer is up, veth_close off for
 * both.
 */
import type { DeviceState } from '../sim/state.js';
import { findByName, type Namespace, type World } from '../sim/world.js';
import { register_netdev_ops, type NetDeviceOps, type XmitResult } from '../core/netdevice.js';
import { dev_alloc_name, isValidEtherAddr, netif_carrier_set, netif_receive_skb } from '../core/dev.js';
import { kfree_skb, type Skb } from '../core/skbuff.js';
import { fail, OK, type Result } from '../core/errno.js';

/** Ethernet header plus one VLAN tag: what is_skb_forwardable allows beyond the MTU. */
const FORWARDABLE_OVERHEAD = 14 + 4;

/** Virtual time a frame spends crossing a pair. */
export const VETH_HOP_NS = 2_000;

function veth_xmit(w: World, skb: Skb): XmitResult {
  const dev = skb.dev;
  const peerNs = dev.peer === undefined ? undefined : w.deviceHome.get(dev.peer);
  const peer = peerNs === undefined ? undefined : w.deviceIn(peerNs, dev.peer as number);
  const st = w.statsOf(dev.id);
  const len = skb.data.length;
  // A frame the peer cannot take is the sender's tx_dropped, as veth's own counter keeps it.
  if (!peer || !peer.up || len > peer.mtu + FORWARDABLE_OVERHEAD) st.tx_dropped++;
  else {
    st.tx_packets++;
    st.tx_bytes += len;
  }
  if (!peer) {
    kfree_skb(w, skb, 'veth_xmit', 'DEV_READY', `${dev.name} has no peer`);
    return 'ENOBUFS';
  }
  if (!peer.up) {
    kfree_skb(w, skb, 'veth_xmit', 'DEV_READY', `peer ${peer.name} is down`, peer, peerNs);
    return 'ENOBUFS';
  }
  if (len > peer.mtu + FORWARDABLE_OVERHEAD) {
    kfree_skb(w, skb, 'veth_xmit', 'PKT_TOO_BIG', `${len}-byte frame exceeds ${peer.name}'s mtu ${peer.mtu} (rx_dropped)`, peer, peerNs);
    return 'ENOBUFS';
  }
  // The peer receives in softirq context, after the sender's stack has returned.
  w.loop.afterCall(VETH_HOP_NS, veth_rx, w, skb);
  return 'ok';
}

/** The peer's side of a crossing: skb.dev is still the sender, whose peer (ids are never reused) receives. */
function veth_rx(w: World, skb: Skb): void {
  const target = skb.dev.peer as number;
  const ns = w.deviceHome.get(target);
  const p = ns === undefined ? undefined : w.deviceIn(ns, target);
  if (p && p.up) {
    w.recordHop(p.id);
    skb.ns = ns as Namespace;
    skb.dev = p;
    skb.rtIif = 0;
    netif_receive_skb(w, skb);
  } else kfree_skb(w, skb, 'veth_xmit', 'DEV_READY', 'peer went away before the frame arrived', p, p === undefined ? skb.ns : (ns as Namespace));
}

function peerOf(w: World, dev: DeviceState): { ns: Namespace; dev: DeviceState } | undefined {
  return dev.peer === undefined ? undefined : w.device(dev.peer);
}

export const vethOps: NetDeviceOps = {
  kind: 'veth',
  infoKind: 'veth',
  type: 'ether',
  minMtu: 68,
  maxMtu: 65535,
  start_xmit: veth_xmit,
  // veth_open: carrier on both ends once both are up.
  open: (w, ns, dev) => {
    const peer = peerOf(w, dev);
    if (!peer || !peer.dev.up) return;
    netif_carrier_set(w, ns, dev, true);
    netif_carrier_set(w, peer.ns, peer.dev, true);
  },
  // veth_close: carrier off on both.
  stop: (w, ns, dev) => {
    netif_carrier_set(w, ns, dev, false);
    const peer = peerOf(w, dev);
    if (peer) netif_carrier_set(w, peer.ns, peer.dev, false);
  },
  iflink: peerOf,
  dellinkWith: (_w, dev) => (dev.peer === undefined ? [] : [dev.peer]),
};

export interface VethLinkOptions {
  readonly mtu?: number;
  readonly mac?: string;
  readonly peerMac?: string;
  readonly peerMtu?: number;
  readonly peerUp?: boolean;
}

/**
 * veth_newlink: the peer is registered first, so it gets the lower ifindex. A name with "%d" (what the
 * kernel uses when none is given: "veth%d") takes the first free number — the peer's is chosen first,
 * so `ip link add veth0 type veth` names the peer veth0 too and fails with EEXIST when the device itself
 * is registered, after the peer had taken (and kept) an ifindex.
 */
export function veth_newlink(w: World, ns: Namespace, name: string, peerName: string, peerNs: Namespace = ns, opts: VethLinkOptions = {}): Result {
  if (!name.includes('%d') && findByName(ns.state, name)) return fail('EEXIST');
  // veth_validate: an MTU out of range is refused before anything is created (no extack).
  for (const mtu of [opts.mtu, opts.peerMtu]) if (mtu !== undefined && (mtu < 68 || mtu > 65535)) return fail('EINVAL');
  for (const mac of [opts.mac, opts.peerMac]) if (mac !== undefined && !isValidEtherAddr(mac)) return fail('EADDRNOTAVAIL');
  const pName = dev_alloc_name(peerNs.state, peerName);
  if (findByName(peerNs.state, pName)) return fail('EEXIST');
  const macA = opts.mac ?? w.rng.mac();
  const macB = opts.peerMac ?? w.rng.mac();
  let peerId = 0;
  let peerIndex = 0;
  peerNs.updateTop((d) => {
    const p = w.newDevice(d, 'veth', pName, macB, opts.peerMtu !== undefined ? { mtu: opts.peerMtu } : {});
    peerId = p.id;
    peerIndex = p.ifindex;
  });
  w.deviceHome.set(peerId, peerNs);
  const mName = dev_alloc_name(ns.state, name);
  // Bringing the peer up happens before the two ends are joined: veth_open has no peer yet.
  if (findByName(ns.state, mName) || opts.peerUp) {
    // register_netdevice(dev) fails: the peer is unregistered again; its ifindex stays used.
    peerNs.update((d) => {
      delete d.devices[peerIndex];
    });
    w.deviceHome.delete(peerId);
    return fail(opts.peerUp && !findByName(ns.state, mName) ? 'ENOTCONN' : 'EEXIST');
  }
  let id = 0;
  ns.updateTop((d) => {
    id = w.newDevice(d, 'veth', mName, macA, { peer: peerId, ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}) }).id;
  });
  w.deviceHome.set(id, ns);
  // By its ifindex: searching the draft made a proxy of every device there (set-up grew quadratic).
  peerNs.updateDevice(peerIndex, (p) => {
    p.peer = id;
  });
  // veth_newlink turns each end's carrier off once it is registered: one change each from the start.
  w.carrierChanges.set(id, 1);
  w.carrierChanges.set(peerId, 1);
  w.trace.state(w.loop.now, ns.name, mName, 'veth_newlink', `${mName} and its peer ${pName}${peerNs === ns ? '' : ` (in ${peerNs.name || 'the script namespace'})`} registered`);
  return OK;
}

export function veth_init(): void {
  register_netdev_ops(vethOps);
}
