/**
 * The Linux bridge (net/bridge). br_add_if makes a device a port: the bridge takes every frame arriving
 * on it (its rx_handler, br_handle_frame) — learns the source MAC on that port (br_fdb_update), then
 * delivers to the bridge's own stack (br_pass_frame_up), forwards to the learned port (br_forward), or
 * floods every other port (br_flood). br_dev_xmit sends what the bridge device itself transmits. STP is
 * off, as by default: a port forwards as soon as it is enabled. The bridge follows its ports through the
 * netdevice notifier (br_device_event): their carrier, MTU and addresses.
 *
 * Kernel facts (net/bridge, Linux 6.18, measured in kernel mode):
 * - A bridge's MTU is its ports' smallest and its MAC (and bridge id) their lowest, unless the user
 *   set them (br_mtu_auto_adjust, br_stp_recalculate_bridge_id); with no port left the id is zeros.
 * - Until a port came or went, the bridge keeps the carrier a new device starts with and never sets an
 *   operational state (UNKNOWN); from then on it has carrier while one of its ports forwards.
 * - A port is enabled (br_stp_enable_port → br_make_forwarding) when the bridge is up and the port is
 *   up with carrier; with STP off it goes straight to forwarding but still arms forward_delay_timer
 *   (forward_delay, 15 s). Disabling it (bridge down, port down, carrier lost) deletes the timer and
 *   forgets what was learned on the port (measured: the entries stay gone after it is back).
 * - A port takes the lowest free port number from 1 (find_portno).
 * - gc_work (br_fdb_cleanup) is queued to run at once when ageing_time is set (br_set_ageing_time:
 *   mod_delayed_work(.., 0)), even on a bridge that is down; 1/10 s after the bridge comes up
 *   (br_stp_enable_bridge); it is cancelled when the bridge goes down. Each run re-queues itself after
 *   hold_time (ageing_time, STP being off), or sooner when a learned entry expires sooner, never sooner
 *   than 10 ms.
 */
import { NS_PER_MS, NS_PER_SEC } from '../sim/event-loop.js';
import type { DeviceState } from '../sim/state.js';
import { findByName, worldSlot, type Namespace, type World } from '../sim/world.js';
import { dstIsGroup, macAt, srcIsGroup } from '../wire/ethernet.js';
import { netdev_ops, register_netdev_ops, type NetDeviceOps, type XmitResult } from '../core/netdevice.js';
import {
  dev_alloc_name,
  dev_is_promiscuous,
  dev_operstate,
  dev_queue_xmit,
  netdev_is_rx_handler_busy,
  netdev_rx_handler_register,
  netdev_rx_handler_unregister,
  netif_carrier_set,
  netif_receive_skb,
  register_netdevice,
  type RxHandlerResult,
} from '../core/dev.js';
import { call_netdevice_notifiers, register_netdevice_notifier } from '../core/notifier.js';
import { consume_skb, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { NF_HOOK } from '../core/netfilter.js';
import { fail, OK, type Result } from '../core/errno.js';

/** Default ageing_time: 300 s. */
export const BR_AGEING_TIME = 300 * NS_PER_SEC;
/** IFLA_BR_FORWARD_DELAY's default: 15 s. */
export const BR_FORWARD_DELAY = 15 * NS_PER_SEC;
/** br_stp_enable_bridge queues the first garbage collection HZ / 10 after the bridge comes up. */
const GC_AFTER_OPEN = 100 * NS_PER_MS;
/** br_fdb_cleanup: "Cleanup minimum 10 milliseconds apart". */
const GC_MIN_DELAY = 10 * NS_PER_MS;

export interface FdbEntry {
  readonly port: number;
  updated: number;
}

interface PortState {
  readonly bridge: number;
  readonly portNo: number;
  enabled: boolean;
  /** When forward_delay_timer expires; undefined: not armed. */
  forwardDelayUntil: number | undefined;
  /** BR_HAIRPIN_MODE (`bridge link set dev PORT hairpin on`): frames may go back out of the port they came in on. */
  hairpin: boolean;
}

interface BridgeRuntime {
  /** Each bridge's forwarding database, by MAC (learning refreshes it with every frame). */
  readonly fdbs: Map<number, Map<string, FdbEntry>>;
  /** When gc_work next runs from, per bridge; undefined: not queued. */
  readonly gcFrom: Map<number, number | undefined>;
  /** By the port's device id. */
  readonly ports: Map<number, PortState>;
}

const runtime = worldSlot<BridgeRuntime>(() => ({ fdbs: new Map(), gcFrom: new Map(), ports: new Map() }));

/** A bridge's forwarding database, by MAC, keyed by the bridge's device id. */
export function fdbOf(w: World, bridgeId: number): Map<string, FdbEntry> {
  const fdbs = runtime(w).fdbs;
  let fdb = fdbs.get(bridgeId);
  if (!fdb) {
    fdb = new Map();
    fdbs.set(bridgeId, fdb);
  }
  return fdb;
}

/** What the fdb holds now, for the state history (the terminal UI shows it as it was at each event). */
function recordFdb(w: World, bridge: DeviceState): void {
  w.recordTable('fdb', String(bridge.id), () => [...fdbOf(w, bridge.id)].map(([mac, e]) => ({ mac, port: e.port, updated: e.updated })));
}

/** Ports and port MACs of every bridge of a namespace, computed once per devices table (it is immutable). */
const portIndex = new WeakMap<object, Map<number, { ports: DeviceState[]; macs: Set<string> }>>();

/** The bridge's ports, newest first (br_add_if adds at the head of the port list), and their MACs. */
export function bridgePorts(ns: Namespace, bridgeId: number): { ports: DeviceState[]; macs: Set<string> } {
  let idx = portIndex.get(ns.state.devices);
  if (!idx) {
    idx = new Map();
    for (const k in ns.state.devices) {
      const d = ns.state.devices[k as unknown as number] as DeviceState;
      if (d.master === undefined) continue;
      let e = idx.get(d.master);
      if (!e) idx.set(d.master, (e = { ports: [], macs: new Set() }));
      e.ports.push(d);
      e.macs.add(d.mac);
    }
    for (const e of idx.values()) e.ports.sort((a, b) => (b.portJoined ?? 0) - (a.portJoined ?? 0));
    portIndex.set(ns.state.devices, idx);
  }
  return idx.get(bridgeId) ?? { ports: [], macs: new Set() };
}

function isBridge(dev: DeviceState | undefined): boolean {
  return dev?.kind === BRIDGE_KIND;
}

/** br_fdb_delete_by_port: a port that leaves, or stops forwarding, takes its learned entries along. */
function br_fdb_delete_by_port(w: World, bridge: DeviceState, portId: number): void {
  const fdb = runtime(w).fdbs.get(bridge.id);
  if (!fdb) return;
  let gone = 0;
  for (const [mac, e] of fdb) {
    if (e.port !== portId) continue;
    fdb.delete(mac);
    gone++;
  }
  if (gone === 0) return;
  const port = w.device(portId);
  // Recorded before the event that says so, as a namespace's state is.
  recordFdb(w, bridge);
  w.trace.state(w.loop.now, port?.ns.name ?? '', bridge.name, 'br_fdb_delete_by_port', `${gone} learned entr${gone === 1 ? 'y' : 'ies'} on ${port?.dev.name ?? 'a port'} forgotten`);
}

/** Is `mac` the bridge's own, or one of its ports' (the fdb's local, permanent entries)? */
function isLocalMac(ns: Namespace, bridge: DeviceState, mac: string): boolean {
  return bridge.mac === mac || bridgePorts(ns, bridge.id).macs.has(mac);
}

/** br_fdb_find with has_expired: an entry older than ageing_time is not used, gc or not. */
function lookup(w: World, bridge: DeviceState, mac: string): FdbEntry | undefined {
  const e = fdbOf(w, bridge.id).get(mac);
  if (!e) return undefined;
  return w.loop.now - e.updated > (bridge.bridgeAgeing ?? BR_AGEING_TIME) ? undefined : e;
}

/** br_fdb_update: the source lives behind `port` (never a group address, never one of our own). */
function br_fdb_update(w: World, ns: Namespace, bridge: DeviceState, port: DeviceState, src: string): void {
  const fdb = fdbOf(w, bridge.id);
  const e = fdb.get(src);
  if (e && e.port === port.id) {
    e.updated = w.loop.now;
    return;
  }
  fdb.set(src, { port: port.id, updated: w.loop.now });
  recordFdb(w, bridge);
  w.trace.state(w.loop.now, ns.name, bridge.name, 'br_fdb_update', `${src} learned on ${port.name}${e ? ' (moved)' : ''}`);
}

/**
 * br_flood: a copy for every port but the ingress one — unless that port is in hairpin mode
 * (should_deliver: BR_HAIRPIN_MODE lets a frame go back out of the port it came in on). The original
 * is passed up (a group address) or done with here.
 */
function br_flood(w: World, ns: Namespace, bridge: DeviceState, skb: Skb, except: number | undefined): void {
  if (w.trace.detailed) skb_trace(w, skb, 'br_flood', `flooding to every port${except === undefined ? '' : ' but the ingress'}`, bridge);
  for (const p of bridgePorts(ns, bridge.id).ports) {
    if ((p.id === except && !hairpin(w, p.id)) || !p.up) continue;
    const c = skb_clone(w, skb, 'br_flood', `copy for ${p.name}`, skb.data, bridge);
    void __br_forward(w, c, p);
  }
}

/** __br_forward: out through `port`, past the bridge's FORWARD and POST_ROUTING hooks. */
function __br_forward(w: World, skb: Skb, port: DeviceState): XmitResult {
  skb.dev = port;
  return NF_HOOK(w, 'BR_FORWARD', skb, br_forward_finish, undefined, 'ok');
}

function br_forward_finish(w: World, skb: Skb): XmitResult {
  return NF_HOOK(w, 'BR_POST_ROUTING', skb, dev_queue_xmit, undefined, 'ok');
}

function br_forward(w: World, bridge: DeviceState, skb: Skb, port: DeviceState): XmitResult {
  if (w.trace.detailed) skb_trace(w, skb, 'br_forward', `to ${port.name} (learned)`, bridge);
  return __br_forward(w, skb, port);
}

function hairpin(w: World, portId: number): boolean {
  return runtime(w).ports.get(portId)?.hairpin === true;
}

/**
 * br_handle_frame → br_handle_frame_finish: the rx_handler of every port. A promiscuous bridge device
 * (local_rcv: someone below the bridge's own stack wants every frame — a macvlan on the bridge) gets
 * a copy of whatever it switches as well.
 */
function br_handle_frame(w: World, skb: Skb): RxHandlerResult {
  const port = skb.dev;
  const ns = skb.ns;
  const here = port.master === undefined ? undefined : w.device(port.master);
  if (!here || !here.dev.up) {
    kfree_skb(w, skb, 'br_handle_frame', 'DEV_READY', 'the bridge is down: its ports are disabled');
    return 'consumed';
  }
  const bridge = here.dev;
  NF_HOOK(w, 'BR_PRE_ROUTING', skb, br_handle_frame_finish, bridge, undefined);
  return 'consumed';
}

/** br_handle_frame_finish: learn, then deliver up, forward or flood. */
function br_handle_frame_finish(w: World, skb: Skb, bridge: DeviceState): void {
  const port = skb.dev;
  const ns = skb.ns;
  const frame = skb.data;
  const src = macAt(frame, 6);
  const dst = macAt(frame, 0);
  const localRcv = dev_is_promiscuous(bridge);
  if (!srcIsGroup(frame) && !isLocalMac(ns, bridge, src)) br_fdb_update(w, ns, bridge, port, src);
  if (dstIsGroup(frame)) {
    br_flood(w, ns, bridge, skb, port.id);
    return br_pass_frame_up(w, bridge, skb);
  }
  if (isLocalMac(ns, bridge, dst)) return br_pass_frame_up(w, bridge, skb);
  const e = lookup(w, bridge, dst);
  if (!e) {
    br_flood(w, ns, bridge, skb, port.id);
    if (localRcv) br_pass_frame_up(w, bridge, skb);
    else consume_skb(w, skb, 'br_flood', `${dst} unknown: flooded`, bridge);
    return;
  }
  const out = e.port === port.id && !hairpin(w, port.id) ? undefined : w.device(e.port);
  if (!out || out.ns !== ns) {
    if (localRcv) br_pass_frame_up(w, bridge, skb);
    else if (e.port === port.id) kfree_skb(w, skb, 'br_handle_frame', 'BR_SAME_PORT', `${dst} lives behind the port it came in on`);
    else kfree_skb(w, skb, 'br_forward', 'DEV_READY', `the port ${dst} was learned on is gone`, bridge);
    return;
  }
  if (!localRcv) {
    void br_forward(w, bridge, skb, out.dev);
    return;
  }
  // deliver_clone: the port gets a copy, the bridge's own stack the frame.
  void br_forward(w, bridge, skb_clone(w, skb, 'br_forward', `copy for ${out.dev.name}`, skb.data, bridge), out.dev);
  br_pass_frame_up(w, bridge, skb);
}

/** br_pass_frame_up: past the bridge's LOCAL_IN hook, the bridge device receives it, as any device would. */
function br_pass_frame_up(w: World, bridge: DeviceState, skb: Skb): void {
  skb.dev = bridge;
  skb.rtIif = 0;
  NF_HOOK(w, 'BR_LOCAL_IN', skb, netif_receive_skb, undefined, undefined);
}

/** br_dev_xmit: what the bridge's own stack sends goes to the learned port, or everywhere. */
function br_dev_xmit(w: World, skb: Skb): XmitResult {
  const bridge = skb.dev;
  const ns = skb.ns;
  const e = dstIsGroup(skb.data) ? undefined : lookup(w, bridge, macAt(skb.data, 0));
  const out = e ? w.device(e.port) : undefined;
  if (!out || out.ns !== ns) {
    br_flood(w, ns, bridge, skb, undefined);
    consume_skb(w, skb, 'br_dev_xmit', 'flooded', bridge);
    return 'ok';
  }
  return br_forward(w, bridge, skb, out.dev);
}

/**
 * br_port_state_selection and the bridge's carrier: each port enabled or not (bridge up, port up and
 * running), and the bridge has carrier while one of them is — once ports came or went at all.
 */
function br_port_state_selection(w: World, ns: Namespace, bridgeId: number): void {
  const bridge = ns.state.devices[w.device(bridgeId)?.dev.ifindex ?? -1];
  if (!bridge || !isBridge(bridge) || bridge.id !== bridgeId) return;
  const rt = runtime(w);
  const now = w.loop.now;
  for (const p of bridgePorts(ns, bridgeId).ports) {
    const ps = rt.ports.get(p.id);
    if (!ps) continue;
    const op = dev_operstate(w, ns, p);
    const enabled = bridge.up && p.up && (op === 'UP' || op === 'UNKNOWN');
    if (enabled === ps.enabled) continue;
    ps.enabled = enabled;
    ps.forwardDelayUntil = enabled ? now + BR_FORWARD_DELAY : undefined;
    w.trace.state(now, ns.name, p.name, enabled ? 'br_stp_enable_port' : 'br_stp_disable_port', `${p.name} ${enabled ? 'forwarding' : 'disabled'}`);
  }
  if (!bridge.carrierComputed) return;
  const carrier = bridge.up && bridgePorts(ns, bridgeId).ports.some((p) => p.up && p.carrier);
  netif_carrier_set(w, ns, bridge, carrier);
}

/**
 * A bridge that comes up joins the all-snoopers group (multicast snooping) and sends IGMPv3 reports for
 * 224.0.0.106 at random moments in its first second, out of every port into every port's peer. The
 * simulator sends none, so those devices' counters are not what the kernel's would be.
 */
function igmpReportsReach(w: World, dev: DeviceState): void {
  w.statsOf(dev.id).inexact = true;
  if (dev.peer !== undefined) w.statsOf(dev.peer).inexact = true;
}

/** br_mtu_auto_adjust and br_stp_recalculate_bridge_id, then the ports' states. */
function bridgeRecalc(w: World, ns: Namespace, bridgeId: number): void {
  const br = w.device(bridgeId)?.dev;
  if (!br || !isBridge(br)) return;
  const ports = bridgePorts(ns, bridgeId).ports;
  const mtu = br.mtuSetByUser ? br.mtu : ports.length === 0 ? 1500 : Math.min(...ports.map((p) => p.mtu));
  let mac = br.mac;
  if (!br.macSetByUser) mac = ports.length === 0 ? '00:00:00:00:00:00' : ports.map((p) => p.mac).reduce((a, b) => (macValue(b) < macValue(a) ? b : a));
  ns.update((d) => {
    const b = d.devices[br.ifindex];
    if (!b) return;
    b.mtu = mtu;
    b.mac = mac;
    b.carrierComputed = true;
  });
  if (mac !== br.mac) {
    w.trace.state(w.loop.now, ns.name, br.name, 'br_stp_recalculate_bridge_id', `${br.name} takes address ${mac}`);
    call_netdevice_notifiers(w, 'NETDEV_CHANGEADDR', ns, w.device(bridgeId)?.dev as DeviceState);
  }
  br_port_state_selection(w, ns, bridgeId);
}

function macValue(mac: string): number {
  return parseInt(mac.replace(/:/g, ''), 16);
}

/** br_add_if: the port joins, takes the lowest free port number, and its frames are the bridge's from now. */
function br_add_if(w: World, ns: Namespace, bridge: DeviceState, port: DeviceState): Result {
  const ops = netdev_ops(port);
  if (ops.type !== 'ether') return fail('EINVAL');
  if (isBridge(port)) return fail('ELOOP', 'Can not enslave a bridge to a bridge');
  // netdev_rx_handler_register: a device whose frames another driver takes already (a macvlan's lower) cannot be a port.
  if (netdev_is_rx_handler_busy(w, port.id)) return fail('EBUSY');
  const joined = w.allocateDeviceId();
  ns.update((d) => {
    const p = d.devices[port.ifindex];
    if (!p) return;
    p.master = bridge.id;
    p.portJoined = joined;
  });
  const rt = runtime(w);
  const used = new Set([...rt.ports.values()].filter((x) => x.bridge === bridge.id).map((x) => x.portNo));
  let n = 1;
  while (used.has(n)) n++;
  rt.ports.set(port.id, { bridge: bridge.id, portNo: n, enabled: false, forwardDelayUntil: undefined, hairpin: false });
  void netdev_rx_handler_register(w, port.id, br_handle_frame);
  if (bridge.up) igmpReportsReach(w, port);
  w.trace.state(w.loop.now, ns.name, port.name, 'br_add_if', `${port.name} is port ${n} of ${bridge.name}`);
  call_netdevice_notifiers(w, 'NETDEV_CHANGEUPPER', ns, ns.state.devices[port.ifindex] as DeviceState, { upper: bridge, linking: true });
  bridgeRecalc(w, ns, bridge.id);
  return OK;
}

/** br_del_if: the port leaves, with what was learned on it. */
function br_del_if(w: World, ns: Namespace, bridge: DeviceState, port: DeviceState): void {
  ns.update((d) => {
    const p = d.devices[port.ifindex];
    if (!p) return;
    delete p.master;
    delete p.portJoined;
  });
  runtime(w).ports.delete(port.id);
  netdev_rx_handler_unregister(w, port.id);
  br_fdb_delete_by_port(w, bridge, port.id);
  w.trace.state(w.loop.now, ns.name, port.name, 'br_del_if', `${port.name} left ${bridge.name}`);
  call_netdevice_notifiers(w, 'NETDEV_CHANGEUPPER', ns, ns.state.devices[port.ifindex] ?? port, { upper: bridge, linking: false });
  bridgeRecalc(w, ns, bridge.id);
}

export const BRIDGE_KIND = 'bridge';

export const bridgeOps: NetDeviceOps = {
  kind: BRIDGE_KIND,
  infoKind: 'bridge',
  type: 'ether',
  minMtu: 68,
  maxMtu: 65535,
  start_xmit: br_dev_xmit,
  // br_dev_open: the garbage collection starts; the ports may now forward.
  open: (w, ns, dev) => {
    runtime(w).gcFrom.set(dev.id, w.loop.now + GC_AFTER_OPEN);
    igmpReportsReach(w, dev);
    for (const p of bridgePorts(ns, dev.id).ports) igmpReportsReach(w, p);
    br_port_state_selection(w, ns, dev.id);
  },
  // br_dev_stop → br_stp_disable_bridge: every port disabled, everything learned forgotten.
  stop: (w, ns, dev) => {
    runtime(w).gcFrom.set(dev.id, undefined);
    for (const p of bridgePorts(ns, dev.id).ports) br_fdb_delete_by_port(w, dev, p.id);
    br_port_state_selection(w, ns, dev.id);
  },
  operstateKnown: (dev) => dev.carrierComputed === true,
  add_slave: br_add_if,
  del_slave: br_del_if,
  // br_change_mtu: a bridge whose MTU the user set stops following its ports'.
  change_mtu: (_w, ns, dev) =>
    ns.update((d) => {
      const b = d.devices[dev.ifindex];
      if (b) b.mtuSetByUser = true;
    }),
  // br_set_mac_address: a user-set address is the bridge's for good (NET_ADDR_SET).
  set_mac_address: (_w, ns, dev) =>
    ns.update((d) => {
      const b = d.devices[dev.ifindex];
      if (b) b.macSetByUser = true;
    }),
};

/** The bridge's netdevice notifier (br_device_event): what happens to a port, or to the bridge itself. */
function br_device_event(n: Parameters<Parameters<typeof register_netdevice_notifier>[0]>[0]): void {
  const { w, ns, dev, event } = n;
  if (isBridge(dev) && event === 'NETDEV_UNREGISTER') {
    // br_dev_delete: every port is released.
    for (const p of bridgePorts(ns, dev.id).ports) br_del_if(w, ns, dev, p);
    runtime(w).fdbs.delete(dev.id);
    return;
  }
  if (dev.master === undefined) return;
  const master = w.device(dev.master);
  if (!master || master.ns !== ns || !isBridge(master.dev)) return;
  const bridge = master.dev;
  switch (event) {
    case 'NETDEV_CHANGE':
    case 'NETDEV_UP':
    case 'NETDEV_DOWN':
      // A port that stops forwarding (down, or without carrier) forgets what was learned on it.
      if (!(dev.up && dev.carrier)) br_fdb_delete_by_port(w, bridge, dev.id);
      br_port_state_selection(w, ns, bridge.id);
      break;
    case 'NETDEV_CHANGEMTU':
    case 'NETDEV_CHANGEADDR':
      bridgeRecalc(w, ns, bridge.id);
      break;
    case 'NETDEV_UNREGISTER':
      br_del_if(w, ns, bridge, dev);
      break;
    default:
      break;
  }
}

/** rtnl_newlink for `type bridge`: a new bridge starts with carrier, a random address, no port. */
export function br_newlink(w: World, ns: Namespace, name: string): Result {
  if (!name.includes('%d') && findByName(ns.state, name)) return fail('EEXIST');
  register_netdevice(w, ns, BRIDGE_KIND, dev_alloc_name(ns.state, name), w.rng.mac(), { carrier: true });
  return OK;
}

/** br_set_ageing_time (IFLA_BR_AGEING_TIME, in ns): the garbage collection runs at once and re-queues itself from there. */
export function br_set_ageing_time(w: World, ns: Namespace, ifindex: number, ageing: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev || !isBridge(dev)) return fail('EOPNOTSUPP');
  ns.update((d) => {
    const b = d.devices[ifindex];
    if (b) b.bridgeAgeing = ageing;
  });
  runtime(w).gcFrom.set(dev.id, w.loop.now);
  w.trace.state(w.loop.now, ns.name, dev.name, 'br_set_ageing_time', `${dev.name} ageing_time ${ageing / NS_PER_SEC} s`);
  return OK;
}

/** A port's number, state, forward_delay_timer and hairpin flag (IFLA_BRPORT_NO, _STATE, _FORWARD_DELAY_TIMER, _MODE). */
export function br_port_info(w: World, port: DeviceState): { portNo: number; forwarding: boolean; forwardDelayLeft: number; hairpin: boolean } | undefined {
  const ps = runtime(w).ports.get(port.id);
  if (!ps) return undefined;
  const left = ps.forwardDelayUntil === undefined ? 0 : Math.max(0, ps.forwardDelayUntil - w.loop.now);
  return { portNo: ps.portNo, forwarding: ps.enabled, forwardDelayLeft: left, hairpin: ps.hairpin };
}

/** br_setport's IFLA_BRPORT_MODE (`bridge link set dev PORT hairpin on|off`): EINVAL for a device that is no port. */
export function br_set_hairpin(w: World, ns: Namespace, port: DeviceState, on: boolean): Result {
  const ps = runtime(w).ports.get(port.id);
  if (!ps) return fail('EINVAL');
  if (ps.hairpin === on) return OK;
  ps.hairpin = on;
  w.trace.state(w.loop.now, ns.name, port.name, 'br_set_port_flag', `${port.name} hairpin ${on ? 'on' : 'off'}`);
  return OK;
}

/**
 * How long until gc_work runs next (IFLA_BR_GC_TIMER; 0: not queued). br_fdb_cleanup's schedule is
 * replayed from the moment it was queued: each run waits hold_time, or until the first learned entry it
 * sees expires. The model keeps only each entry's latest update, so a run before that update sees the
 * entry as it is now or not at all — the kernel may have re-queued sooner for an older update of it.
 */
export function br_gc_timer_left(w: World, bridge: DeviceState): number {
  const from = runtime(w).gcFrom.get(bridge.id);
  if (from === undefined) return 0;
  const now = w.loop.now;
  if (from > now) return from - now;
  const hold = bridge.bridgeAgeing ?? BR_AGEING_TIME;
  const learned = [...(runtime(w).fdbs.get(bridge.id)?.values() ?? [])];
  let t = from;
  for (;;) {
    let delay = hold;
    for (const e of learned) {
      if (e.updated > t) continue;
      const expires = e.updated + hold;
      if (expires > t) delay = Math.min(delay, expires - t);
    }
    delay = Math.max(delay, GC_MIN_DELAY);
    // With every learned entry expired by now the schedule is periodic: skip to the last run before now.
    if (learned.every((e) => e.updated + hold <= t)) return t + Math.floor((now - t) / delay) * delay + delay - now;
    if (t + delay > now) return t + delay - now;
    t += delay;
  }
}

export function bridge_init(): void {
  register_netdev_ops(bridgeOps);
  register_netdevice_notifier(br_device_event);
}
