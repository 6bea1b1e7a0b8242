/**
 * macvlan (drivers/net/macvlan.c): devices with MAC addresses of their own stacked on one lower
 * device (its "port"), each usually moved into a namespace of its own — Docker's macvlan network
 * driver, and the tutorials' `ip link add M link PARENT type macvlan mode bridge`.
 *
 * Sending (macvlan_queue_xmit): a bridge-mode macvlan hands a frame for another bridge-mode macvlan of
 * its port straight over — through the lower device's receive path, so the lower's captures see it
 * come in (dev_forward_skb) — and copies a broadcast to the other bridge-mode macvlans itself
 * (macvlan_broadcast) before it goes out; everything else, and everything of the other modes, leaves
 * through the lower device (xmit_world).
 *
 * Receiving (macvlan_handle_frame, the lower device's rx_handler): a unicast goes to the macvlan with
 * that destination MAC (RX_HANDLER_ANOTHER, as PACKET_HOST), or to the lower's own stack if none has
 * it; a passthru macvlan takes every unicast. A broadcast or multicast is the lower's own too
 * (RX_HANDLER_PASS), and a copy is queued for the port's broadcast work (macvlan_broadcast_enqueue,
 * run later from a workqueue: macvlan_process_broadcast), which floods it to the macvlans as each
 * mode allows: from outside to every one; one that a VEPA macvlan sent, reflected back by something
 * outside (a bridge port in hairpin mode), to the VEPA and bridge ones but the sender; one a bridge
 * macvlan sent, to the VEPA ones only (the bridge ones had it on the way out); one a private or
 * passthru macvlan sent comes back to that macvlan alone ("forward to original port"). So two VEPA
 * macvlans of one port talk only through a hairpin outside, two private ones never.
 *
 * The lower device's carrier is its macvlans' (netif_stacked_transfer_operstate on its NETDEV_UP,
 * DOWN and CHANGE); its MTU bounds theirs; deleting it deletes them, wherever they live. A port's
 * first macvlan makes the lower device promiscuous once it is up (its unicast list is not empty and
 * these devices have no unicast filter: uc_promisc) — a bridge as lower device then passes every frame
 * it switches up to its own stack, and so to its macvlans; a passthru macvlan does it itself unless
 * `nopromisc`, takes the lower device's MAC, and is the port's only one.
 *
 * Kernel facts (Linux 6.18, iproute2 6.1, measured in kernel mode):
 * - A macvlan is created with its lower device's MTU and carrier, a random MAC (passthru: the lower's),
 *   mode vepa unless told, bcqueuelen 1000; `ip -d link` shows "macvlan mode M [nopromisc] [nodst]
 *   bcqueuelen N usedbcqueuelen U", U the largest bcqueuelen of the port's macvlans.
 * - EINVAL: no `link`, a loopback lower, an MTU above the lower's, a second macvlan on a passthru port
 *   or a passthru one on a port that has macvlans; EBUSY: a lower that is a bridge port (and a lower
 *   cannot become one); EADDRINUSE: bringing up a macvlan whose MAC the lower or an up macvlan of the
 *   port has, or setting such a MAC.
 * - The lower's MTU going below a macvlan's lowers the macvlan's; going up leaves it.
 * - Changing a passthru macvlan's MAC changes the lower's; deleting the macvlan gives the lower its own
 *   back (macvlan_port_destroy).
 * - A macvlan's tso_max_size is its lower device's at creation (netif_inherit_tso_max): 65536 on a
 *   bridge that never had a port, and it stays so after the bridge gets one.
 * - With bcqueuelen 0 on every macvlan of a port, no broadcast from outside reaches them (the lower
 *   counts each as rx_dropped); a bridge-mode macvlan's own broadcasts still reach its siblings.
 *
 * Not modelled: mode source (its `macaddr` lists; refused when parsed), `ip link set ... type macvlan`
 * (changelink), IP fragments to a group address (reassembled by ip_check_defrag before the flood), and
 * multicast groups the simulated stack never joins (the kernel's per-device filter is a 256-bit hash:
 * broadcast, 01:00:5e:00:00:01 and 33:33:00:00:00:01 are what its devices listen to here).
 */
import type { DeviceState } from '../sim/state.js';
import { findByName, worldSlot, type Namespace, type World } from '../sim/world.js';
import { dstIsBroadcast, dstIsGroup, macAt } from '../wire/ethernet.js';
import { netdev_ops, register_netdev_ops, type NetDeviceOps, type XmitResult } from '../core/netdevice.js';
import {
  dev_alloc_name,
  dev_queue_xmit,
  dev_set_mac_address,
  dev_set_mtu,
  dev_set_promiscuity,
  isValidEtherAddr,
  linkwatch_fire_event,
  LOOPBACK_HOP_NS,
  netdev_is_rx_handler_busy,
  netdev_rx_handler_register,
  netdev_rx_handler_unregister,
  netif_carrier_set,
  netif_receive_skb,
  register_netdevice,
  rtnl_dellink,
  type RxHandlerResult,
} from '../core/dev.js';
import { register_netdevice_notifier, type NetdevNotification } from '../core/notifier.js';
import { consume_skb, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { fail, OK, type Result } from '../core/errno.js';

export const MACVLAN_KIND = 'macvlan';

/** enum macvlan_mode: the bits macvlan_broadcast's mode masks are made of. */
export const MACVLAN_MODE = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODE;

/** MACVLAN_DEFAULT_BC_QUEUE_LEN. */
export const MACVLAN_DEFAULT_BC_QUEUE_LEN = 1000;

/** netif_rx: a frame handed from one device to another waits for the receive softirq. */
const MACVLAN_RX_NS = LOOPBACK_HOP_NS;
/**
 * queue_work on system_dfl_wq: the broadcast work runs in a kworker, tens of microseconds after the
 * frame arrived — after the lower device's own stack has seen it.
 */
export const MACVLAN_BC_WORK_NS = 20_000;

/** Ethernet header plus one VLAN tag: what is_skb_forwardable allows beyond the MTU. */
const FORWARDABLE_OVERHEAD = 14 + 4;

/** What one macvlan is (struct macvlan_dev), by its device id. */
export interface MacvlanDev {
  readonly id: number;
  /** vlan->lowerdev: the device id of the port's lower device. */
  readonly lower: number;
  readonly mode: MacvlanMode;
  /** MACVLAN_FLAG_NOPROMISC: a passthru macvlan leaves its lower device's promiscuity alone. */
  readonly nopromisc: boolean;
  /** MACVLAN_FLAG_NODST: only source mode reads it; shown by `ip -d link`. */
  readonly nodst: boolean;
  /** vlan->bc_queue_len_req (bcqueuelen). */
  readonly bcQueueLenReq: number;
  /** netif_inherit_tso_max: the lower device as it was when the macvlan was made. */
  readonly tsoFrom: DeviceState;
  /** While up, when it was added to the port's hash (macvlan_hash_add); undefined while down. */
  hashedAt: number | undefined;
}

/** A frame waiting in the port's broadcast queue, and the macvlan of the port that sent it, if one did. */
interface Queued {
  readonly skb: Skb;
  readonly src: MacvlanDev | undefined;
}

/** struct macvlan_port: what a lower device with macvlans has, by the lower's device id. */
interface MacvlanPort {
  readonly lower: number;
  /** port->vlans: creation order (list_add_tail). */
  readonly vlans: number[];
  passthru: boolean;
  /** port->perm_addr: the lower device's own MAC, given back when the port goes. */
  readonly permAddr: string;
  readonly bcQueue: Queued[];
  bcWorkQueued: boolean;
  /** The lower device's uc_promisc (one promiscuity count while its unicast list is not empty). */
  ucPromisc: boolean;
}

interface MacvlanRuntime {
  readonly ports: Map<number, MacvlanPort>;
  readonly vlans: Map<number, MacvlanDev>;
  hashSeq: number;
}

const runtime = worldSlot<MacvlanRuntime>(() => ({ ports: new Map(), vlans: new Map(), hashSeq: 0 }));

/** A macvlan's own data (mode, flags, queue length), for `ip -d link`; undefined for other devices. */
export function macvlanOf(w: World, devId: number): MacvlanDev | undefined {
  return runtime(w).vlans.get(devId);
}

/** port->bc_queue_len_used: the largest bcqueuelen of the port's macvlans. */
export function macvlan_bc_queue_len_used(w: World, vlan: MacvlanDev): number {
  const port = runtime(w).ports.get(vlan.lower);
  let used = 0;
  for (const id of port?.vlans ?? []) used = Math.max(used, runtime(w).vlans.get(id)?.bcQueueLenReq ?? 0);
  return used;
}

// ---------------------------------------------------------------------------------------------
// The port's hash of up macvlans

const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;
const U64 = (1n << 64n) - 1n;

/**
 * macvlan_eth_hash: the six bytes read as a little-endian u64 shifted left by 16 (on x86), then
 * hash_64 to MACVLAN_HASH_BITS (8). It decides the order macvlan_broadcast walks the macvlans in.
 */
export function macvlan_eth_hash(mac: string): number {
  const b = mac.split(':').map((x) => BigInt(parseInt(x, 16)));
  let v = 0n;
  for (let i = 0; i < 6; i++) v |= (b[i] as bigint) << BigInt(16 + 8 * i);
  return Number((((v & U64) * GOLDEN_RATIO_64) & U64) >> 56n);
}

/** The port's up macvlans with their current state, in hash_for_each order: bucket by bucket, newest first in each. */
function hashed(w: World, port: MacvlanPort): { vlan: MacvlanDev; ns: Namespace; dev: DeviceState }[] {
  const out: { vlan: MacvlanDev; ns: Namespace; dev: DeviceState; bucket: number }[] = [];
  for (const id of port.vlans) {
    const vlan = runtime(w).vlans.get(id);
    const here = w.device(id);
    if (!vlan || vlan.hashedAt === undefined || !here) continue;
    out.push({ vlan, ns: here.ns, dev: here.dev, bucket: macvlan_eth_hash(here.dev.mac) });
  }
  return out.sort((a, b) => a.bucket - b.bucket || (b.vlan.hashedAt as number) - (a.vlan.hashedAt as number));
}

/** macvlan_hash_lookup: the up macvlan of the port with this MAC. */
function macvlan_hash_lookup(w: World, port: MacvlanPort, mac: string): { vlan: MacvlanDev; ns: Namespace; dev: DeviceState } | undefined {
  for (const id of port.vlans) {
    const vlan = runtime(w).vlans.get(id);
    if (!vlan || vlan.hashedAt === undefined) continue;
    const here = w.device(id);
    if (here && here.dev.mac === mac) return { vlan, ns: here.ns, dev: here.dev };
  }
  return undefined;
}

/** macvlan_addr_busy: the lower device's MAC (unless the port is passthru) or an up macvlan's. */
function macvlan_addr_busy(w: World, port: MacvlanPort, mac: string): boolean {
  if (!port.passthru && w.device(port.lower)?.dev.mac === mac) return true;
  return macvlan_hash_lookup(w, port, mac) !== undefined;
}

/**
 * The groups a device listens to here (mc_hash's filter bits that are set): broadcast always, and
 * the all-hosts and all-nodes groups every device of the simulated stack joins.
 */
function listensTo(frame: Uint8Array): boolean {
  if (dstIsBroadcast(frame)) return true;
  const dst = macAt(frame, 0);
  return dst === '01:00:5e:00:00:01' || dst === '33:33:00:00:00:01';
}

// ---------------------------------------------------------------------------------------------
// Receiving

/**
 * netif_rx: `skb` arrives on `dev` of `ns` once the receive softirq runs (if the device is still up).
 * `counted`: whether `dev`'s own rx counters see it (a macvlan's do, macvlan_count_rx; its lower
 * device's do not see what dev_forward_skb hands it from above).
 */
function netif_rx(w: World, skb: Skb, ns: Namespace, dev: DeviceState, stage: string, counted = true): void {
  const id = dev.id;
  w.loop.after(MACVLAN_RX_NS, () => {
    const here = w.device(id);
    if (!here || !here.dev.up) {
      kfree_skb(w, skb, stage, 'DEV_READY', `${dev.name} went down before the frame arrived`, here?.dev ?? dev, here?.ns ?? ns);
      return;
    }
    w.recordHop(id);
    skb.ns = here.ns;
    skb.dev = here.dev;
    skb.rtIif = 0;
    netif_receive_skb(w, skb, counted);
  });
}

/**
 * dev_forward_skb: the frame is received by `to` as if it had come in on the wire — refused when `to`
 * is down or the frame longer than its MTU allows (is_skb_forwardable, counted as `to`'s rx_dropped).
 */
function dev_forward_skb(w: World, skb: Skb, to: { ns: Namespace; dev: DeviceState }, stage: string, counted = true): void {
  if (!to.dev.up) {
    kfree_skb(w, skb, stage, 'DEV_READY', `${to.dev.name} is down`, to.dev, to.ns);
    return;
  }
  if (skb.data.length > to.dev.mtu + FORWARDABLE_OVERHEAD) {
    kfree_skb(w, skb, stage, 'PKT_TOO_BIG', `${skb.data.length}-byte frame exceeds ${to.dev.name}'s mtu ${to.dev.mtu}`, to.dev, to.ns);
    return;
  }
  netif_rx(w, skb, to.ns, to.dev, stage, counted);
}

/**
 * macvlan_broadcast: a copy for every up macvlan of the port whose mode is in `mask`, but `src`, that
 * listens to the frame's destination. `local` (a bridge-mode macvlan's own broadcast on its way out):
 * each copy goes through __dev_forward_skb, as received from the wire.
 */
function macvlan_broadcast(w: World, skb: Skb, port: MacvlanPort, src: number | undefined, mask: number, local: boolean): void {
  if (!listensTo(skb.data)) return;
  for (const { vlan, ns, dev } of hashed(w, port)) {
    if (vlan.id === src || (MACVLAN_MODE[vlan.mode] & mask) === 0) continue;
    const c = skb_clone(w, skb, 'macvlan_broadcast', `copy for ${dev.name} (${vlan.mode})`);
    if (local) dev_forward_skb(w, c, { ns, dev }, 'macvlan_broadcast');
    else netif_rx(w, c, ns, dev, 'macvlan_broadcast');
  }
}

const ALL_MODES = MACVLAN_MODE.private | MACVLAN_MODE.vepa | MACVLAN_MODE.passthru | MACVLAN_MODE.bridge;

/** macvlan_multicast_rx: who gets a group frame that arrived on the lower device, by who sent it. */
function macvlan_multicast_rx(w: World, port: MacvlanPort, src: MacvlanDev | undefined, skb: Skb): void {
  // From an external address: every macvlan.
  if (!src) macvlan_broadcast(w, skb, port, undefined, ALL_MODES, false);
  // A VEPA macvlan's, reflected: everyone but the sender.
  else if (src.mode === 'vepa') macvlan_broadcast(w, skb, port, src.id, MACVLAN_MODE.vepa | MACVLAN_MODE.bridge, false);
  // A bridge macvlan's: the bridge ones saw it on the way out; only the VEPA ones get it.
  else macvlan_broadcast(w, skb, port, src.id, MACVLAN_MODE.vepa, false);
}

/** macvlan_process_broadcast: the workqueue's turn — every queued frame flooded, then done with. */
function macvlan_process_broadcast(w: World, port: MacvlanPort): void {
  port.bcWorkQueued = false;
  const list = port.bcQueue.splice(0);
  for (const q of list) {
    macvlan_multicast_rx(w, port, q.src, q.skb);
    consume_skb(w, q.skb, 'macvlan_process_broadcast', 'flooded to the macvlans');
  }
}

/**
 * macvlan_broadcast_enqueue: a copy waits for the broadcast work, unless the queue already holds
 * bc_queue_len_used frames (then it goes, as the lower device's rx_dropped).
 */
function macvlan_broadcast_enqueue(w: World, port: MacvlanPort, src: MacvlanDev | undefined, skb: Skb): void {
  const c = skb_clone(w, skb, 'macvlan_broadcast_enqueue', 'copy for the broadcast work');
  const any = port.vlans.map((id) => runtime(w).vlans.get(id)).find((v) => v !== undefined);
  const used = any ? macvlan_bc_queue_len_used(w, any) : 0;
  if (port.bcQueue.length < used) port.bcQueue.push({ skb: c, src });
  else {
    w.statsOf(skb.dev.id).core_rx_dropped++;
    kfree_skb(w, c, 'macvlan_broadcast_enqueue', 'MACVLAN_BROADCAST_QUEUE', `the broadcast queue holds ${used} frames at most (bcqueuelen)`);
  }
  if (port.bcWorkQueued) return;
  port.bcWorkQueued = true;
  w.loop.after(MACVLAN_BC_WORK_NS, () => {
    if (runtime(w).ports.get(port.lower) === port) macvlan_process_broadcast(w, port);
  });
}

/** macvlan_handle_frame: the lower device's rx_handler. */
function macvlan_handle_frame(w: World, skb: Skb): RxHandlerResult {
  const port = runtime(w).ports.get(skb.dev.id);
  if (!port) return 'pass';
  const frame = skb.data;
  if (dstIsGroup(frame)) {
    const from = macvlan_hash_lookup(w, port, macAt(frame, 6));
    if (from && from.vlan.mode !== 'vepa' && from.vlan.mode !== 'bridge') {
      // A private or passthru macvlan's own frame, reflected: back to it, and to no one else.
      if (w.trace.detailed) skb_trace(w, skb, 'macvlan_handle_frame', `${from.dev.name}'s own ${from.vlan.mode} frame, back to it alone`);
      netif_rx(w, skb, from.ns, from.dev, 'macvlan_handle_frame');
      return 'consumed';
    }
    // bc_cutoff 1: broadcast, and a group more than one macvlan listens to, go through the queue;
    // a group only one listens to is flooded at once.
    const listeners = hashed(w, port).length;
    if (dstIsBroadcast(frame) || (listensTo(frame) && listeners > 1)) macvlan_broadcast_enqueue(w, port, from?.vlan, skb);
    else if (listensTo(frame) && listeners === 1) macvlan_multicast_rx(w, port, from?.vlan, skb);
    return 'pass';
  }
  let to: { vlan: MacvlanDev; ns: Namespace; dev: DeviceState } | undefined;
  if (port.passthru) {
    // The port's one macvlan takes every unicast, up or not.
    const id = port.vlans[0];
    const vlan = id === undefined ? undefined : runtime(w).vlans.get(id);
    const here = id === undefined ? undefined : w.device(id);
    to = vlan && here ? { vlan, ns: here.ns, dev: here.dev } : undefined;
  } else to = macvlan_hash_lookup(w, port, macAt(frame, 0));
  if (!to) return 'pass';
  if (!to.dev.up) {
    kfree_skb(w, skb, 'macvlan_handle_frame', 'DEV_READY', `${to.dev.name} is down`, to.dev, to.ns);
    return 'consumed';
  }
  if (w.trace.detailed) skb_trace(w, skb, 'macvlan_handle_frame', `for ${to.dev.name}`);
  w.recordHop(to.dev.id);
  skb.dev = to.dev;
  skb.ns = to.ns;
  skb.pktType = 'host';
  return 'another';
}

// ---------------------------------------------------------------------------------------------
// Sending

/** macvlan_start_xmit → macvlan_queue_xmit. */
function macvlan_queue_xmit(w: World, skb: Skb): XmitResult {
  const dev = skb.dev;
  const vlan = runtime(w).vlans.get(dev.id);
  const port = vlan === undefined ? undefined : runtime(w).ports.get(vlan.lower);
  const lower = vlan === undefined ? undefined : w.device(vlan.lower);
  const st = w.statsOf(dev.id);
  if (!vlan || !port || !lower) {
    st.tx_dropped++;
    kfree_skb(w, skb, 'macvlan_queue_xmit', 'DEV_READY', `${dev.name} has no lower device`);
    return 'ENOBUFS';
  }
  st.tx_packets++;
  st.tx_bytes += skb.data.length;
  if (vlan.mode === 'bridge') {
    if (dstIsGroup(skb.data)) macvlan_broadcast(w, skb, port, vlan.id, MACVLAN_MODE.bridge, true);
    else {
      const dest = macvlan_hash_lookup(w, port, macAt(skb.data, 0));
      if (dest && dest.vlan.mode === 'bridge') {
        // "send to lowerdev first for its network taps": the lower receives it, and hands it on.
        if (w.trace.detailed) skb_trace(w, skb, 'macvlan_queue_xmit', `to ${dest.dev.name} through ${lower.dev.name}'s receive path (bridge mode)`);
        dev_forward_skb(w, skb, lower, 'macvlan_queue_xmit', false);
        return 'ok';
      }
    }
  }
  // xmit_world
  if (w.trace.detailed) skb_trace(w, skb, 'macvlan_queue_xmit', `out through ${lower.dev.name}`);
  skb.dev = lower.dev;
  skb.ns = lower.ns;
  return dev_queue_xmit(w, skb);
}

// ---------------------------------------------------------------------------------------------
// Device operations

function portOf(w: World, dev: DeviceState): { vlan: MacvlanDev; port: MacvlanPort; lower: { ns: Namespace; dev: DeviceState } } | undefined {
  const vlan = runtime(w).vlans.get(dev.id);
  const port = vlan === undefined ? undefined : runtime(w).ports.get(vlan.lower);
  const lower = vlan === undefined ? undefined : w.device(vlan.lower);
  return vlan && port && lower ? { vlan, port, lower } : undefined;
}

/**
 * __dev_set_rx_mode on the lower device: while it is up, a unicast list that is not empty (an up
 * macvlan's address, dev_uc_add) makes it promiscuous once; an empty one ends that.
 */
function lower_set_rx_mode(w: World, port: MacvlanPort): void {
  const lower = w.device(port.lower);
  if (!lower || !lower.dev.up) return;
  const uc = !port.passthru && hashed(w, port).length > 0;
  if (uc === port.ucPromisc) return;
  port.ucPromisc = uc;
  dev_set_promiscuity(w, lower.ns, lower.dev, uc ? 1 : -1);
}

/** macvlan_open: refused (EADDRINUSE) for an address the port has in use; then hashed, so frames find it. */
function macvlan_open(w: World, _ns: Namespace, dev: DeviceState): Result {
  const p = portOf(w, dev);
  if (!p) return fail('ENODEV');
  const { vlan, port, lower } = p;
  if (port.passthru) {
    if (!vlan.nopromisc) dev_set_promiscuity(w, lower.ns, lower.dev, 1);
  } else if (macvlan_addr_busy(w, port, dev.mac)) return fail('EADDRINUSE');
  vlan.hashedAt = ++runtime(w).hashSeq;
  lower_set_rx_mode(w, port);
  return OK;
}

/** macvlan_stop: out of the hash; the lower device's unicast list (or promiscuity) given back. */
function macvlan_stop(w: World, _ns: Namespace, dev: DeviceState): void {
  const p = portOf(w, dev);
  if (!p) return;
  const { vlan, port, lower } = p;
  vlan.hashedAt = undefined;
  if (port.passthru) {
    if (!vlan.nopromisc) dev_set_promiscuity(w, lower.ns, lower.dev, -1);
  } else lower_set_rx_mode(w, port);
}

/** macvlan_change_mtu: never above the lower device's. */
function macvlan_change_mtu(w: World, _ns: Namespace, dev: DeviceState, mtu: number): Result {
  const lower = portOf(w, dev)?.lower;
  return lower && mtu > lower.dev.mtu ? fail('EINVAL') : OK;
}

function setMac(ns: Namespace, dev: DeviceState, mac: string): void {
  ns.update((s) => {
    const d = s.devices[dev.ifindex];
    if (d && d.id === dev.id) d.mac = mac;
  });
}

/**
 * macvlan_set_mac_address: a passthru macvlan's address is its lower device's (the lower changes,
 * and the macvlan follows it through the notifier); another must not be in use on the port.
 */
function macvlan_set_mac_address(w: World, _ns: Namespace, dev: DeviceState, mac: string): Result {
  const p = portOf(w, dev);
  if (!p) return fail('ENODEV');
  if (dev.mac === mac) return OK;
  if (p.vlan.mode === 'passthru') return dev_set_mac_address(w, p.lower.ns, p.lower.dev.ifindex, mac);
  return macvlan_addr_busy(w, p.port, mac) ? fail('EADDRINUSE') : OK;
}

export const macvlanOps: NetDeviceOps = {
  kind: MACVLAN_KIND,
  infoKind: 'macvlan',
  type: 'ether',
  minMtu: 68,
  // lowerdev->max_mtu: every lower device here allows ETH_MAX_MTU.
  maxMtu: 65535,
  start_xmit: macvlan_queue_xmit,
  open: macvlan_open,
  stop: macvlan_stop,
  change_mtu: macvlan_change_mtu,
  set_mac_address: macvlan_set_mac_address,
  // macvlan_dev_get_iflink: the lower device.
  iflink: (w, dev) => {
    const vlan = runtime(w).vlans.get(dev.id);
    return vlan === undefined ? undefined : w.device(vlan.lower);
  },
};

// ---------------------------------------------------------------------------------------------
// Creation and the lower device's events

/** What `ip link add NAME link LOWER type macvlan ...` asks for. */
export interface MacvlanLinkOptions {
  readonly mode?: MacvlanMode;
  readonly nopromisc?: boolean;
  readonly nodst?: boolean;
  readonly bcQueueLen?: number;
  readonly mtu?: number;
  readonly mac?: string;
}

/** netif_stacked_transfer_operstate: the macvlan has carrier while its lower device has. */
function transfer_operstate(w: World, vlanId: number, lower: DeviceState): void {
  const here = w.device(vlanId);
  if (here) netif_carrier_set(w, here.ns, here.dev, lower.carrier);
}

/**
 * macvlan_common_newlink: the macvlan is made in `ns` on `lower` (a macvlan's own lower device when
 * `lower` is one), taking the port — the lower device's rx_handler — if it is the first. `lower`
 * undefined: no IFLA_LINK.
 */
export function macvlan_newlink(w: World, ns: Namespace, name: string, lower: { ns: Namespace; dev: DeviceState } | undefined, opts: MacvlanLinkOptions = {}): Result {
  // macvlan_validate.
  if (opts.mac !== undefined && !isValidEtherAddr(opts.mac)) return fail('EADDRNOTAVAIL');
  if (opts.mode === 'source') return fail('EOPNOTSUPP', 'macvlan mode source is not simulated');
  if (!lower) return fail('EINVAL');
  const rt = runtime(w);
  const stacked = rt.vlans.get(lower.dev.id);
  const low = stacked ? w.device(stacked.lower) : lower;
  if (!low) return fail('ENODEV');
  if (opts.mtu !== undefined && opts.mtu > low.dev.mtu) return fail('EINVAL');
  let port = rt.ports.get(low.dev.id);
  const created = port === undefined;
  if (!port) {
    // macvlan_port_create.
    if (netdev_ops(low.dev).type !== 'ether') return fail('EINVAL');
    if (netdev_is_rx_handler_busy(w, low.dev.id)) return fail('EBUSY');
    port = { lower: low.dev.id, vlans: [], passthru: false, permAddr: low.dev.mac, bcQueue: [], bcWorkQueued: false, ucPromisc: false };
  }
  const mode = opts.mode ?? 'vepa';
  // Only one macvlan on a passthru port, and a passthru one only on a port without any.
  if (port.passthru || (mode === 'passthru' && port.vlans.length > 0)) return fail('EINVAL');
  const devName = dev_alloc_name(ns.state, name);
  if (findByName(ns.state, devName)) return fail('EEXIST');
  if (created) {
    rt.ports.set(low.dev.id, port);
    void netdev_rx_handler_register(w, low.dev.id, macvlan_handle_frame);
  }
  if (mode === 'passthru') port.passthru = true;
  const mac = mode === 'passthru' ? low.dev.mac : (opts.mac ?? w.rng.mac());
  const dev = register_netdevice(w, ns, MACVLAN_KIND, devName, mac, { link: low.dev.id, mtu: opts.mtu ?? low.dev.mtu, carrier: low.dev.carrier });
  rt.vlans.set(dev.id, {
    id: dev.id,
    lower: low.dev.id,
    mode,
    nopromisc: opts.nopromisc === true,
    nodst: opts.nodst === true,
    bcQueueLenReq: opts.bcQueueLen ?? MACVLAN_DEFAULT_BC_QUEUE_LEN,
    tsoFrom: low.dev,
    hashedAt: undefined,
  });
  port.vlans.push(dev.id);
  // netif_stacked_transfer_operstate (the carrier was the lower's from the start), then linkwatch.
  linkwatch_fire_event(w, dev);
  w.trace.state(w.loop.now, ns.name, devName, 'macvlan_newlink', `${devName} (macvlan mode ${mode}) on ${low.dev.name}${low.ns === ns ? '' : ` (in ${low.ns.name || 'the script namespace'})`}`);
  return OK;
}

/** macvlan_dellink → macvlan_uninit: the macvlan leaves its port; the last one takes the port along. */
function macvlan_uninit(w: World, vlanId: number): void {
  const rt = runtime(w);
  const vlan = rt.vlans.get(vlanId);
  if (!vlan) return;
  rt.vlans.delete(vlanId);
  const port = rt.ports.get(vlan.lower);
  if (!port) return;
  port.vlans.splice(port.vlans.indexOf(vlanId), 1);
  if (port.vlans.length > 0) return;
  // macvlan_port_destroy: the rx_handler goes, queued broadcasts with it; a passthru port gives the
  // lower device its own address back.
  rt.ports.delete(vlan.lower);
  netdev_rx_handler_unregister(w, vlan.lower);
  for (const q of port.bcQueue.splice(0)) kfree_skb(w, q.skb, 'macvlan_port_destroy', 'DEV_READY', 'the macvlan port went away');
  const lower = w.device(vlan.lower);
  if (!lower) return;
  if (port.ucPromisc) dev_set_promiscuity(w, lower.ns, lower.dev, -1);
  if (port.passthru && lower.dev.mac !== port.permAddr) void dev_set_mac_address(w, lower.ns, lower.dev.ifindex, port.permAddr);
}

/** macvlan_device_event: what happens to a lower device, and to a macvlan itself. */
function macvlan_device_event(n: NetdevNotification): void {
  const { w, dev, event } = n;
  const rt = runtime(w);
  const vlan = rt.vlans.get(dev.id);
  if (vlan) {
    // A macvlan moved into a namespace still has its lower device's carrier.
    if (event === 'NETDEV_REGISTER') {
      const lower = w.device(vlan.lower);
      if (lower) transfer_operstate(w, dev.id, lower.dev);
    } else if (event === 'NETDEV_UNREGISTER' && !n.netnsMove) macvlan_uninit(w, dev.id);
  }
  const port = rt.ports.get(dev.id);
  if (!port) return;
  switch (event) {
    case 'NETDEV_UP':
      lower_set_rx_mode(w, port);
      for (const id of port.vlans) transfer_operstate(w, id, dev);
      break;
    case 'NETDEV_DOWN':
    case 'NETDEV_CHANGE':
      for (const id of [...port.vlans]) transfer_operstate(w, id, dev);
      break;
    case 'NETDEV_CHANGEMTU':
      for (const id of [...port.vlans]) {
        const here = w.device(id);
        if (here && here.dev.mtu > dev.mtu) void dev_set_mtu(w, here.ns, here.dev.ifindex, dev.mtu);
      }
      break;
    case 'NETDEV_CHANGEADDR': {
      // macvlan_sync_address: a passthru macvlan's address is its lower device's.
      const id = port.passthru ? port.vlans[0] : undefined;
      const here = id === undefined ? undefined : w.device(id);
      if (here && here.dev.mac !== dev.mac) {
        setMac(here.ns, here.dev, dev.mac);
        w.trace.state(w.loop.now, here.ns.name, here.dev.name, 'macvlan_sync_address', `${here.dev.name} follows ${dev.name}: address ${dev.mac}`);
      }
      break;
    }
    case 'NETDEV_UNREGISTER':
      // "twiddle thumbs on netns device moves"; a lower device that goes takes its macvlans along.
      if (n.netnsMove) break;
      for (const id of [...port.vlans]) {
        const here = w.device(id);
        if (here) rtnl_dellink(w, here.ns, here.dev.ifindex);
      }
      break;
    default:
      break;
  }
}

export function macvlan_init(): void {
  register_netdev_ops(macvlanOps);
  register_netdevice_notifier(macvlan_device_event);
}
