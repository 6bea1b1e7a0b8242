/**
 * The device layer (net/core/dev.c): dev_queue_xmit on the way out, netif_receive_skb on the way in,
 * the packet taps tcpdump listens on, and the tables the layers above register with — a protocol
 * handler per ethertype (dev_add_pack), an rx_handler per device (netdev_rx_handler_register, taken
 * by a bridge for its ports), packet sockets that see every frame (Open vSwitch's datapath) or one
 * protocol's frames on one device (af_packet.ts). Device
 * behaviour is the driver's (netdev_ops): the core never asks what kind a device is.
 *
 * Also the device operations rtnetlink asks for (dev_open, dev_close, dev_set_mtu, ...): each changes
 * the device and tells the notifier chain, whose subscribers do the rest.
 */
import type { Draft } from 'immer';
import type { DeviceState, NsState } from '../sim/state.js';
import { IdTable } from '../sim/id-table.js';
import { deleteDevice, findByName, putDevice, worldSlot, type Namespace, type World } from '../sim/world.js';
import type { SllPktType } from '../sim/capture-store.js';
import { shared } from '../sim/cow.js';
import { dstIs, dstIsBroadcast, dstIsGroup, ethertypeOf, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { popVlanTag } from '../wire/vlan.js';
import { kfree_skb, skb_clone, skb_trace, type PktType, type Skb } from './skbuff.js';
import { isLoopback, netdev_ops, type XmitResult } from './netdevice.js';
import { call_netdevice_notifiers } from './notifier.js';
import { fail, OK, type Result } from './errno.js';

export { type XmitResult } from './netdevice.js';

/** Virtual time a frame spends looping back through lo (or a broadcast's copy to our own stack). */
export const LOOPBACK_HOP_NS = 1_000;

// ---------------------------------------------------------------------------------------------
// Registration

/** A protocol's receive function (packet_type.func): it owns the skb from here. */
export type PacketHandler = (w: World, skb: Skb) => void;

const ptypeBase = new Map<number, PacketHandler>();
const ptypeAll: PacketHandler[] = [];

/** dev_add_pack: the handler for one ethertype (ETH_P_ARP, ETH_P_IP, ...). */
export function dev_add_pack(ethertype: number, handler: PacketHandler): void {
  ptypeBase.set(ethertype, handler);
}

/** dev_add_pack(ETH_P_ALL): a packet socket that sees every frame a device receives, beside the stack. */
export function dev_add_pack_all(handler: PacketHandler): void {
  ptypeAll.push(handler);
}

/**
 * A packet_type bound to one device (a packet socket's prot_hook): dev_add_pack with pt->dev set puts
 * it on that device's ptype_specific list, which __netif_receive_skb_core reaches after the rx_handler
 * (so a bridge port's socket sees nothing the bridge took) and after the protocol's own handler.
 */
export interface PacketTypeHook {
  /** The ethertype it wants (skb->protocol, once a VLAN tag is off). */
  readonly type: number;
  /** The device, by its world-wide id. */
  readonly devId: number;
  /** packet_rcv: its own share of the frame. */
  readonly func: PacketHandler;
}

const ptypeSpecific = worldSlot(() => new IdTable<PacketTypeHook[]>());

/** dev_add_pack(pt) with pt->dev: the device's ptype_specific list. */
export function dev_add_pack_specific(w: World, pt: PacketTypeHook): void {
  const m = ptypeSpecific(w);
  m.set(pt.devId, [...(m.get(pt.devId) ?? []), pt]);
}

/** dev_remove_pack(pt) for a hook dev_add_pack_specific added. */
export function dev_remove_pack_specific(w: World, pt: PacketTypeHook): void {
  const m = ptypeSpecific(w);
  const rest = (m.get(pt.devId) ?? []).filter((x) => x !== pt);
  if (rest.length > 0) m.set(pt.devId, rest);
  else m.delete(pt.devId);
}

/**
 * An rx_handler's verdict: it took the frame (RX_HANDLER_CONSUMED), the device's own stack goes on
 * (RX_HANDLER_PASS), or the frame now belongs to another device — the handler set skb.dev, skb.ns and
 * skb.pktType — and goes round again as received there (RX_HANDLER_ANOTHER: a macvlan's lower device
 * handing a frame to the macvlan).
 */
export type RxHandlerResult = 'consumed' | 'pass' | 'another';
export type RxHandler = (w: World, skb: Skb) => RxHandlerResult;

const rxHandlers = worldSlot(() => new IdTable<RxHandler>());

/** netdev_is_rx_handler_busy: a device has one rx_handler at most (a bridge port's, a macvlan lower's). */
export function netdev_is_rx_handler_busy(w: World, devId: number): boolean {
  return rxHandlers(w).has(devId);
}

/** netdev_rx_handler_register: `handler` gets every frame arriving on the device, before any protocol; EBUSY if it has one. */
export function netdev_rx_handler_register(w: World, devId: number, handler: RxHandler): Result {
  if (netdev_is_rx_handler_busy(w, devId)) return fail('EBUSY');
  rxHandlers(w).set(devId, handler);
  return OK;
}

export function netdev_rx_handler_unregister(w: World, devId: number): void {
  rxHandlers(w).delete(devId);
}

// ---------------------------------------------------------------------------------------------
// The packet path

/**
 * dev_queue_xmit_nit / packet taps: every capture on this device sees the frame, and every capture on
 * `any` in its namespace, which also keeps the device and the packet type — `handedOver`: the one an
 * rx_handler gave the frame, else what eth_type_trans makes of it here, as the driver did before the taps.
 */
function tap(w: World, skb: Skb, dir: 'in' | 'out', handedOver = false): void {
  const taps = w.taps;
  const id = skb.dev.id;
  for (let i = 0; i < taps.length; i++) {
    const t = taps[i]!;
    if (t.gone || t.unhooked) continue;
    if (t.deviceId === id) t.record(w.loop.now, skb.data, dir, skb.id, w.trace.position);
    else if (t.anyOf === skb.ns) {
      const pkt = dir === 'out' ? 'Out' : SLL_PKTTYPE[handedOver ? skb.pktType : skb.rtIif !== 0 ? 'host' : eth_type_trans(skb.data, skb.dev.mac)];
      t.recordVia(w.loop.now, skb.data, dir, skb.id, w.trace.position, { ifindex: skb.dev.ifindex, name: skb.dev.name, pktType: pkt });
    }
  }
}

const SLL_PKTTYPE: Readonly<Record<PktType, SllPktType>> = { host: 'In', broadcast: 'B', multicast: 'M', otherhost: 'P', loopback: 'In' };

/**
 * dev_queue_xmit: hand the frame in skb.data to skb.dev's driver. A device that is down has the noop
 * qdisc: it drops the frame and reports nothing to the sender.
 */
export function dev_queue_xmit(w: World, skb: Skb): XmitResult {
  const dev = skb.dev;
  if (!dev.up) {
    w.statsOf(dev.id).noop_dropped++;
    kfree_skb(w, skb, 'dev_queue_xmit', 'DEV_READY', `${dev.name} is down (its qdisc is noop)`);
    return 'ok';
  }
  const ops = netdev_ops(dev);
  // lo always has carrier, and libpcap leaves out lo's outgoing copy of what it sends.
  if (ops.type === 'loopback') return ops.start_xmit(w, skb);
  // Without carrier the device's queue is the noop qdisc (dev_deactivate): the frame is dropped
  // before the taps see it.
  if (!dev.carrier) {
    w.statsOf(dev.id).noop_dropped++;
    kfree_skb(w, skb, 'dev_queue_xmit', 'NOCARRIER', `${dev.name} has no carrier (its qdisc is noop)`);
    return 'ok';
  }
  tap(w, skb, 'out');
  if (w.trace.detailed) skb_trace(w, skb, 'dev_queue_xmit', `${skb.data.length} bytes out`);
  return ops.start_xmit(w, skb);
}

/**
 * netif_receive_skb: the frame in skb.data arrives on skb.dev. Taps see it, packet sockets get their
 * copy, a device's rx_handler (a bridge port's) may take it, then its protocol's handler does. The
 * device's rx counters count it (the kernel's drivers do, each its own way) unless `counted` is false:
 * a frame dev_forward_skb hands to a device from above (a bridge-mode macvlan's, to its lower device)
 * is not in that device's own counters — a veth counts only what its peer sent.
 */
export function netif_receive_skb(w: World, skb: Skb, counted = true): void {
  const orig = skb.dev;
  // another_round: a frame an rx_handler handed to another device keeps the pkt_type it was given.
  let handedOver = false;
  for (let round = 0; ; round++) {
    const dev = skb.dev;
    if (counted || round > 0) {
      const st = w.statsOf(dev.id);
      st.rx_packets++;
      st.rx_bytes += skb.data.length;
    }
    tap(w, skb, 'in', handedOver);
    for (let i = 0; i < ptypeAll.length; i++) ptypeAll[i]!(w, skb);
    const rx = rxHandlers(w).get(dev.id);
    const verdict = rx === undefined ? 'pass' : rx(w, skb);
    if (verdict === 'consumed') return;
    if (verdict === 'pass') break;
    handedOver = true;
  }
  const dev = skb.dev;
  const looped = skb.rtIif !== 0;
  let otherhost = false;
  if (ethertypeOf(skb.data) === ETHERTYPE_VLAN) otherhost = vlan_untag_rx(w, skb);
  const type = ethertypeOf(skb.data);
  skb.pktType = looped ? 'host' : otherhost ? 'otherhost' : handedOver ? skb.pktType : eth_type_trans(skb.data, dev.mac);
  if (w.trace.detailed) skb_trace(w, skb, 'netif_receive_skb', `${skb.data.length} bytes in, ${skb.pktType}`);
  // deliver_ptype_list_skb: each hook of the device's list gets a share of the frame, after ptype_base's
  // handler — and, for a frame an rx_handler handed over (to a macvlan), each of the device it arrived on.
  const own = ptypeSpecific(w).get(dev.id);
  const below = orig.id === dev.id ? undefined : ptypeSpecific(w).get(orig.id);
  if (own === undefined && below === undefined) return deliver(w, skb, type);
  const specific = [...(own ?? []), ...(below ?? [])];
  const shares: [PacketTypeHook, Skb][] = [];
  for (const pt of specific) if (pt.type === type) shares.push([pt, skb_clone(w, skb, 'deliver_skb', `a share for a packet socket on ${pt.devId === dev.id ? dev.name : orig.name}`)]);
  deliver(w, skb, type);
  for (const [pt, share] of shares) pt.func(w, share);
}

/** eth_type_trans: who the frame is for, from the receiving device's point of view. */
export function eth_type_trans(frame: Uint8Array, devMac: string): PktType {
  if (dstIsGroup(frame)) return dstIsBroadcast(frame) ? 'broadcast' : 'multicast';
  return dstIs(frame, devMac) ? 'host' : 'otherhost';
}

function deliver(w: World, skb: Skb, type: number): void {
  const handler = ptypeBase.get(type);
  if (handler !== undefined) return handler(w, skb);
  kfree_skb(w, skb, 'netif_receive_skb', 'UNHANDLED_PROTO', `ethertype 0x${type.toString(16).padStart(4, '0')} has no handler`);
}

/**
 * __netif_receive_skb_core's 802.1Q step, after the taps (tcpdump shows the tag): skb_vlan_untag moves
 * the tag out of the frame. No VLAN device can take it — this kernel has no 802.1Q — so a VID other
 * than 0 marks the frame PACKET_OTHERHOST (arp_rcv then ignores it, ip_rcv drops it as OTHERHOST and
 * counts it in rx_otherhost_dropped); a priority tag (VID 0) is only taken off.
 */
function vlan_untag_rx(w: World, skb: Skb): boolean {
  while (ethertypeOf(skb.data) === ETHERTYPE_VLAN) {
    const r = popVlanTag(skb.data);
    if (!r.ok) break;
    skb.data = r.value.frame;
    if (r.value.tag.vid !== 0) {
      if (w.trace.detailed) skb_trace(w, skb, 'netif_receive_skb', `vlan ${r.value.tag.vid} tag and no VLAN device for it: PACKET_OTHERHOST`);
      return true;
    }
  }
  return false;
}

/**
 * dev_loopback_xmit: a copy of what we send (a broadcast) delivered to our own stack as received on
 * the device it went out of (PACKET_LOOPBACK, keeping its route) — not seen by the packet taps.
 */
export function dev_loopback_xmit(w: World, skb: Skb): void {
  const id = skb.dev.id;
  const ifindex = skb.dev.ifindex;
  const ns = skb.ns;
  w.loop.after(LOOPBACK_HOP_NS, () => {
    const d = ns.state.devices[ifindex];
    if (!d || d.id !== id) {
      kfree_skb(w, skb, 'dev_loopback_xmit', 'DEV_READY', `${skb.dev.name} went away before its looped copy arrived`);
      return;
    }
    skb.dev = d;
    skb.pktType = 'loopback';
    deliver(w, skb, ethertypeOf(skb.data));
  });
}

// ---------------------------------------------------------------------------------------------
// Device operations (what rtnetlink asks the core for)

/** register_netdevice: a new device of `kind` in `ns`, told to everyone that listens. */
export function register_netdevice(w: World, ns: Namespace, kind: string, name: string, mac: string, extra: Partial<DeviceState> = {}): DeviceState {
  let dev: DeviceState | undefined;
  ns.update((d) => {
    dev = w.newDevice(d, kind, name, mac, extra);
  });
  const made = dev as DeviceState;
  w.deviceHome.set(made.id, ns);
  w.trace.state(w.loop.now, ns.name, made.name, 'register_netdevice', `${made.name} (${kind}) registered, ifindex ${made.ifindex}`);
  call_netdevice_notifiers(w, 'NETDEV_REGISTER', ns, made);
  return made;
}

/** A device's state as it is now in its namespace. */
function current(ns: Namespace, dev: DeviceState): DeviceState | undefined {
  const d = ns.state.devices[dev.ifindex];
  return d !== undefined && d.id === dev.id ? d : undefined;
}

function setDevice(ns: Namespace, dev: DeviceState, recipe: (d: Draft<DeviceState>) => void): void {
  ns.updateDevice(dev.ifindex, recipe);
}

/** dev_change_flags(IFF_UP): dev_open or dev_close. */
export function dev_change_flags(w: World, ns: Namespace, ifindex: number, up: boolean): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (dev.up === up) return OK;
  if (up) return dev_open(w, ns, dev);
  dev_close(w, ns, dev);
  return OK;
}

/**
 * dev_open: IFF_UP, the driver's ndo_open, NETDEV_UP. The first open attaches the default qdisc for
 * good. A driver that refuses to open leaves the device as it was.
 */
function dev_open(w: World, ns: Namespace, dev: DeviceState): Result {
  setDevice(ns, dev, (d) => {
    d.up = true;
    d.qdiscAttached = true;
  });
  w.trace.state(w.loop.now, ns.name, dev.name, 'dev_open', `${dev.name} is up`);
  const now = current(ns, dev) as DeviceState;
  const r = netdev_ops(now).open?.(w, ns, now);
  if (r !== undefined && !r.ok) {
    setDevice(ns, dev, (d) => {
      d.up = false;
      if (dev.qdiscAttached) d.qdiscAttached = true;
      else delete d.qdiscAttached;
    });
    w.trace.state(w.loop.now, ns.name, dev.name, 'dev_open', `${dev.name} stays down: its driver refused to open (${r.errno})`);
    return r;
  }
  call_netdevice_notifiers(w, 'NETDEV_UP', ns, current(ns, dev) as DeviceState);
  return OK;
}

/** dev_close: the driver's ndo_stop, IFF_UP cleared, NETDEV_DOWN. */
function dev_close(w: World, ns: Namespace, dev: DeviceState): void {
  setDevice(ns, dev, (d) => {
    d.up = false;
    d.qdiscAttached = true;
  });
  w.trace.state(w.loop.now, ns.name, dev.name, 'dev_close', `${dev.name} is down`);
  const now = current(ns, dev) as DeviceState;
  netdev_ops(now).stop?.(w, ns, now);
  call_netdevice_notifiers(w, 'NETDEV_DOWN', ns, current(ns, dev) as DeviceState);
}

/** netif_carrier_on / netif_carrier_off (with linkwatch's NETDEV_CHANGE). */
export function netif_carrier_set(w: World, ns: Namespace, dev: DeviceState, carrier: boolean): void {
  const d = current(ns, dev);
  if (!d || d.carrier === carrier) return;
  setDevice(ns, d, (x) => {
    x.carrier = carrier;
  });
  w.carrierChanges.set(d.id, (w.carrierChanges.get(d.id) ?? 0) + 1);
  w.trace.state(w.loop.now, ns.name, d.name, carrier ? 'netif_carrier_on' : 'netif_carrier_off', `${d.name} ${carrier ? 'has carrier' : 'lost carrier'}`);
  linkwatch_fire_event(w, d);
  call_netdevice_notifiers(w, 'NETDEV_CHANGE', ns, current(ns, d) as DeviceState);
}

/**
 * linkwatch_fire_event: the device's operational state is worked out again (rfc2863_policy) once the
 * command that changed it is done — linkwatch runs in process context, after rtnl is let go — from
 * the world as it is then, and kept until the next event: moving the device, or its peer, or its lower
 * device, to another namespace does not change it. `ip link` shows what was kept (dev->operstate).
 */
export function linkwatch_fire_event(w: World, dev: DeviceState): void {
  const id = dev.id;
  w.loop.after(
    0,
    () => {
      const here = w.device(id);
      if (!here) return;
      const op = default_operstate(w, here.ns, here.dev);
      if (here.dev.operstate === op) return;
      // No event of its own: the carrier change that fired it is in the trace; the state history keeps this.
      setDevice(here.ns, here.dev, (x) => {
        x.operstate = op;
      });
    },
    true,
  );
}

/** dev_set_mtu: within the driver's range; ndo_change_mtu, then NETDEV_CHANGEMTU. */
export function dev_set_mtu(w: World, ns: Namespace, ifindex: number, mtu: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const ops = netdev_ops(dev);
  if (mtu < ops.minMtu) return fail('EINVAL', 'mtu less than device minimum');
  if (mtu > ops.maxMtu) return fail('EINVAL', 'mtu greater than device maximum');
  const r = ops.change_mtu?.(w, ns, dev, mtu);
  if (r !== undefined && !r.ok) return r;
  setDevice(ns, dev, (d) => {
    d.mtu = mtu;
  });
  w.trace.state(w.loop.now, ns.name, dev.name, 'dev_set_mtu', `${dev.name} mtu ${mtu}`);
  call_netdevice_notifiers(w, 'NETDEV_CHANGEMTU', ns, current(ns, dev) as DeviceState);
  return OK;
}

/** is_valid_ether_addr: not multicast, not all zeros. */
export function isValidEtherAddr(mac: string): boolean {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  return b.length === 6 && ((b[0] ?? 1) & 1) === 0 && b.some((x) => x !== 0);
}

/** dev_set_mac_address: eth_prepare_mac_addr_change refuses a multicast or all-zero address; NETDEV_CHANGEADDR. */
export function dev_set_mac_address(w: World, ns: Namespace, ifindex: number, mac: string): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (!isValidEtherAddr(mac)) return fail('EADDRNOTAVAIL');
  const r = netdev_ops(dev).set_mac_address?.(w, ns, dev, mac);
  if (r !== undefined && !r.ok) return r;
  setDevice(ns, dev, (d) => {
    d.mac = mac;
  });
  w.trace.state(w.loop.now, ns.name, dev.name, 'dev_set_mac_address', `${dev.name} address ${mac}`);
  call_netdevice_notifiers(w, 'NETDEV_CHANGEADDR', ns, current(ns, dev) as DeviceState);
  return OK;
}

/**
 * dev_set_promiscuity: the device's promiscuity count goes up or down by one; a device above 0
 * receives every frame (a bridge then passes every frame it switches up to its own stack too).
 */
export function dev_set_promiscuity(w: World, ns: Namespace, dev: DeviceState, inc: 1 | -1): void {
  countUsers(w, ns, dev, 'promiscuity', inc, 'dev_set_promiscuity', 'promiscuous');
}

/** dev_set_allmulti: the device's all-multicast users go up or down by one. */
export function dev_set_allmulti(w: World, ns: Namespace, dev: DeviceState, inc: 1 | -1): void {
  countUsers(w, ns, dev, 'allmulti', inc, 'dev_set_allmulti', 'allmulticast');
}

/** A count of the device's users of a mode, never below 0; crossing 0 is logged as the kernel does. */
function countUsers(w: World, ns: Namespace, dev: DeviceState, field: 'promiscuity' | 'allmulti', inc: 1 | -1, fn: string, mode: string): void {
  const d = current(ns, dev);
  if (!d) return;
  const was = d[field] ?? 0;
  const now = Math.max(0, was + inc);
  setDevice(ns, d, (x) => {
    if (now === 0) delete x[field];
    else x[field] = now;
  });
  if ((was === 0) !== (now === 0)) w.trace.state(w.loop.now, ns.name, d.name, fn, `${d.name} ${now === 0 ? 'left' : 'entered'} ${mode} mode`);
}

/** The flags `ip link set` may change besides up and down (ifi_flags under ifi_change). */
export interface LinkFlagChange {
  readonly up?: boolean;
  readonly promisc?: boolean;
  readonly allmulti?: boolean;
  readonly multicast?: boolean;
  readonly arp?: boolean;
}

/** IFF_MULTICAST as the device has it: the driver's default unless the user changed it. */
export function dev_is_multicast(dev: DeviceState): boolean {
  return dev.multicast ?? !isLoopback(dev);
}

/**
 * __dev_change_flags with its notifications: the plain flags (NOARP, MULTICAST) first, then up or
 * down, then the user's promiscuous and all-multicast requests — each counted once, as gflags
 * remembers them. A running device whose plain flags changed tells the chain NETDEV_CHANGE
 * (the neighbour table flushes when NOARP did).
 */
export function dev_change_link_flags(w: World, ns: Namespace, ifindex: number, c: LinkFlagChange): Result {
  let dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const noarp = c.arp === undefined ? (dev.noarp ?? false) : !c.arp;
  const multicast = c.multicast ?? dev_is_multicast(dev);
  const noarpChanged = noarp !== (dev.noarp ?? false);
  const multicastChanged = multicast !== dev_is_multicast(dev);
  if (noarpChanged || multicastChanged) {
    const lo = isLoopback(dev);
    setDevice(ns, dev, (d) => {
      if (noarp) d.noarp = true;
      else delete d.noarp;
      if (multicast === !lo) delete d.multicast;
      else d.multicast = multicast;
    });
    w.trace.state(w.loop.now, ns.name, dev.name, 'dev_change_flags', `${dev.name}${noarpChanged ? (noarp ? ' NOARP' : ' ARP') : ''}${multicastChanged ? (multicast ? ' MULTICAST' : ' NOMULTICAST') : ''}`);
  }
  if (c.up !== undefined) {
    const r = dev_change_flags(w, ns, ifindex, c.up);
    if (!r.ok) return r;
  }
  // The user's own request is remembered apart (gflags), so asking twice counts once.
  const requests = [
    [c.promisc, 'promisc', dev_set_promiscuity],
    [c.allmulti, 'allmultiFlag', dev_set_allmulti],
  ] as const;
  for (const [on, flag, count] of requests) {
    dev = current(ns, dev) as DeviceState;
    if (on === undefined || on === (dev[flag] ?? false)) continue;
    setDevice(ns, dev, (d) => {
      if (on) d[flag] = true;
      else delete d[flag];
    });
    count(w, ns, current(ns, dev) as DeviceState, on ? 1 : -1);
  }
  dev = current(ns, dev) as DeviceState;
  if (dev.up && (noarpChanged || multicastChanged)) call_netdevice_notifiers(w, 'NETDEV_CHANGE', ns, dev, { flagsChanged: { noarp: noarpChanged, multicast: multicastChanged } });
  return OK;
}

/** dev_set_alias: "" takes the alias away. */
export function dev_set_alias(w: World, ns: Namespace, ifindex: number, alias: string): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if ((dev.ifalias ?? '') === alias) return OK;
  setDevice(ns, dev, (d) => {
    if (alias === '') delete d.ifalias;
    else d.ifalias = alias;
  });
  w.trace.state(w.loop.now, ns.name, dev.name, 'dev_set_alias', alias === '' ? `${dev.name}'s alias removed` : `${dev.name} alias ${alias}`);
  return OK;
}

/** dev_change_tx_queue_len: the length is an unsigned 32-bit count. */
export function dev_change_tx_queue_len(w: World, ns: Namespace, ifindex: number, len: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const v = len >>> 0;
  if (dev.txqlen === v) return OK;
  setDevice(ns, dev, (d) => {
    d.txqlen = v;
  });
  w.trace.state(w.loop.now, ns.name, dev.name, 'dev_change_tx_queue_len', `${dev.name} txqueuelen ${v}`);
  return OK;
}

/** IFF_PROMISC in dev->flags: the user's request (OVS's ports) or the kernel's own users. */
export function dev_is_promiscuous(dev: DeviceState): boolean {
  return dev.promisc === true || (dev.promiscuity ?? 0) > 0;
}

export const IFNAMSIZ = 16;

/** The kernel's dev_valid_name. */
export function validIfname(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/** dev_alloc_name: a name with "%d" becomes the first free one of NAME0, NAME1, ... in the namespace. */
export function dev_alloc_name(ns: NsState, pattern: string): string {
  if (!pattern.includes('%d')) return pattern;
  for (let i = 0; ; i++) {
    const name = pattern.replace('%d', String(i));
    if (!findByName(ns, name)) return name;
  }
}

/** dev_change_name (allowed while the device is up on this kernel), then NETDEV_CHANGENAME. */
export function dev_change_name(w: World, ns: Namespace, ifindex: number, name: string): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (dev.name === name) return OK;
  if (!validIfname(name)) return fail('EINVAL');
  if (findByName(ns.state, name)) return fail('EEXIST');
  setDevice(ns, dev, (d) => {
    d.name = name;
  });
  w.trace.state(w.loop.now, ns.name, name, 'dev_change_name', `${dev.name} is now ${name}`);
  call_netdevice_notifiers(w, 'NETDEV_CHANGENAME', ns, current(ns, dev) as DeviceState);
  return OK;
}

/**
 * do_set_master: `ip link set DEV master BR` (0: nomaster). A device already enslaved elsewhere is
 * released first (ndo_del_slave), then the new master takes it (ndo_add_slave) — only a device whose
 * driver takes ports can.
 */
export function do_set_master(w: World, ns: Namespace, ifindex: number, masterIfindex: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const upper = dev.master === undefined ? undefined : w.device(dev.master);
  if (upper && upper.dev.ifindex === masterIfindex) return OK;
  if (upper) netdev_ops(upper.dev).del_slave?.(w, upper.ns, upper.dev, dev);
  if (masterIfindex === 0) return OK;
  const master = ns.state.devices[masterIfindex];
  if (!master) return fail('EINVAL');
  const add = netdev_ops(master).add_slave;
  if (!add) return fail('EOPNOTSUPP');
  return add(w, ns, master, ns.state.devices[ifindex] as DeviceState);
}

/**
 * unregister_netdevice: NETDEV_UNREGISTER — everyone lets go of the device (neighbours, addresses,
 * routes, its bridge) — then it leaves the namespace.
 */
export function unregister_netdevice(w: World, ns: Namespace, dev: DeviceState, netnsMove = false): void {
  call_netdevice_notifiers(w, 'NETDEV_UNREGISTER', ns, current(ns, dev) ?? dev, netnsMove ? { netnsMove } : {});
  ns.updateTop((d) => deleteDevice(d, dev.ifindex));
  w.trace.state(w.loop.now, ns.name, dev.name, 'unregister_netdevice', `${dev.name} unregistered`);
}

/** rtnl_dellink: the device goes, and whatever its driver takes with it (a veth's peer). */
export function rtnl_dellink(w: World, ns: Namespace, ifindex: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const ops = netdev_ops(dev);
  if (ops.type === 'loopback') return fail('EOPNOTSUPP');
  const ids = [dev.id, ...(ops.dellinkWith?.(w, dev) ?? [])];
  for (const id of ids) {
    const here = w.device(id);
    if (!here) continue;
    if (here.dev.up) dev_close(w, here.ns, here.dev);
    unregister_netdevice(w, here.ns, w.device(id)?.dev ?? here.dev);
    w.deviceHome.delete(id);
    for (const t of w.taps) if (t.deviceId === id) t.gone = true;
  }
  return OK;
}

/**
 * dev_change_net_namespace: the device goes down, lets go of everything in its namespace
 * (NETDEV_UNREGISTER), and joins the other — keeping its ifindex if that is free there — with that
 * namespace's conf/default (NETDEV_REGISTER). A name taken there fails the move, unless the new name
 * (`ip link set ... netns NS name NEW`) is free.
 */
export function dev_change_net_namespace(w: World, from: Namespace, ifindex: number, to: Namespace, pat?: string): Result {
  const dev = from.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (netdev_ops(dev).type === 'loopback') return fail('EINVAL');
  if (from === to) return OK;
  let name = dev.name;
  if (findByName(to.state, name)) {
    if (pat === undefined) return fail('EEXIST', 'An interface with the same name exists in the target netns');
    name = dev_alloc_name(to.state, pat);
    if (findByName(to.state, name)) return fail('EEXIST');
  }
  if (dev.up) dev_close(w, from, dev);
  const leaving = current(from, dev) as DeviceState;
  unregister_netdevice(w, from, leaving, true);
  const arrived = w.allocateDeviceId();
  let moved: DeviceState | undefined;
  to.updateTop((d) => {
    // Keeps its ifindex if free there, without moving the namespace's counter; else the next free one.
    let idx = ifindex;
    if (d.devices[idx] !== undefined) {
      idx = d.nextIfindex;
      while (d.devices[idx] !== undefined) idx++;
      d.nextIfindex = idx + 1;
    }
    const m: Draft<DeviceState> = { ...leaving, name, ifindex: idx, up: false, carrier: false, conf: d.confDefault, arrived };
    // dev_shutdown drops the qdisc; the bridge it was a port of stays behind.
    delete m.master;
    delete m.portJoined;
    delete m.qdiscAttached;
    putDevice(d, m as DeviceState);
    moved = m as DeviceState;
  });
  w.deviceHome.set(dev.id, to);
  w.trace.state(w.loop.now, to.name, name, 'dev_change_net_namespace', `${dev.name} moved in from ${from.name === '' ? 'the script namespace' : from.name}`);
  call_netdevice_notifiers(w, 'NETDEV_REGISTER', to, moved as DeviceState);
  return OK;
}

/**
 * cleanup_net, as `ip netns del` leads to it: the namespace's virtual devices are destroyed
 * (default_device_exit — a veth takes its peer along), then the namespace itself goes.
 */
export function cleanup_net(w: World, ns: Namespace): void {
  for (const dev of Object.values(ns.state.devices)) {
    if (netdev_ops(dev).type === 'loopback') continue;
    if (ns.state.devices[dev.ifindex]?.id === dev.id) rtnl_dellink(w, ns, dev.ifindex);
  }
  w.removeNamespace(ns);
}

/** The RFC 2863 operational state the kernel reports. */
export type OperState = 'UNKNOWN' | 'DOWN' | 'LOWERLAYERDOWN' | 'UP';

/**
 * rfc2863_policy → default_operstate: DOWN while the device is down; UNKNOWN while its driver never
 * set one; UP with carrier. Without carrier, a device stacked on another link (its iflink is not its
 * own ifindex) looks that ifindex up in its *own* namespace: LOWERLAYERDOWN if the device found there
 * has no carrier either, DOWN if it has, or if there is none (a veth whose peer is elsewhere finds
 * whatever has the peer's number here).
 */
export function dev_operstate(w: World, ns: Namespace, dev: DeviceState): OperState {
  if (!dev.up) return 'DOWN';
  const ops = netdev_ops(dev);
  if (ops.operstateKnown && !ops.operstateKnown(dev)) return 'UNKNOWN';
  return default_operstate(w, ns, dev);
}

/** default_operstate: UP with carrier; without, LOWERLAYERDOWN or DOWN by what has its iflink's number here. */
function default_operstate(w: World, ns: Namespace, dev: DeviceState): 'UP' | 'DOWN' | 'LOWERLAYERDOWN' {
  if (dev.carrier) return 'UP';
  const lower = netdev_ops(dev).iflink?.(w, dev);
  if (!lower || lower.dev.ifindex === dev.ifindex) return 'DOWN';
  const here = ns.state.devices[lower.dev.ifindex];
  if (!here) return 'DOWN';
  return here.carrier ? 'DOWN' : 'LOWERLAYERDOWN';
}
