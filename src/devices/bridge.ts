/**
 * The Linux bridge (net/bridge). br_add_if makes a device a port: the bridge takes every frame arriving
 * on it (its rx_handler, br_handle_frame) — learns the source MAC on that port (br_fdb_update), then
 * delivers to the bridge's own stack (br_pass_frame_up), forwards to the learned port (br_forward), or
 * floods every other port (br_flood). br_dev_xmit sends what the bridge device itself transmits. STP is
 * off, as by default: a port forwards as soon as it is enabled, though its state may be set by hand
 * (br_set_port_state) and its forward_delay_timer still moves a listening or learning port on. The
 * port flags (learning, flood, mcast_flood, bcast_flood, hairpin, isolated) and fdb entries added by
 * hand (local, static, dynamic) change forwarding as in the kernel. The bridge follows its ports
 * through the netdevice notifier (br_device_event): their carrier, MTU and addresses.
 *
 * Kernel facts (net/bridge, Linux 6.18, measured in kernel mode):
 * - A bridge's MTU is its ports' smallest and its MAC (and bridge id) their lowest, unless the user
 *   set them (br_mtu_auto_adjust, br_stp_recalculate_bridge_id); with no port left the id is zeros.
 * - Until a port came or went, the bridge keeps the carrier a new device starts with and never sets an
 *   operational state (UNKNOWN); from then on it has carrier while one of its ports forwards.
 * - A port is enabled (br_stp_enable_port → br_make_forwarding) when the bridge is up and the port is
 *   up with carrier; with STP off it goes straight to forwarding but still arms forward_delay_timer
 *   (forward_delay, 15 s; not with forward_delay 0). A state set by hand stays, but blocking, which
 *   br_port_state_selection makes forwarding at once; when the timer fires a listening port becomes
 *   learning (re-armed), a learning one forwarding. The bridge has carrier while a port forwards.
 * - learning off skips br_fdb_update; flood off keeps unknown unicast off the port, bcast_flood /
 *   mcast_flood off broadcast / multicast unless the bridge sends it itself; isolated ports exchange
 *   nothing (bridge-port-flags, bridge-port-state scenarios).
 * - Learning moves any entry that is not sticky, a static one too; static and local entries never age
 *   and stay when their port is disabled (bridge-fdb-add). Disabling it (bridge down, port down, carrier lost) deletes the timer and
 *   forgets what was learned on the port (measured: the entries stay gone after it is back).
 * - A port takes the lowest free port number from 1 (find_portno).
 * - gc_work (br_fdb_cleanup) is queued to run at once when ageing_time is set (br_set_ageing_time:
 *   mod_delayed_work(.., 0)), even on a bridge that is down; 1/10 s after the bridge comes up
 *   (br_stp_enable_bridge); it is cancelled when the bridge goes down. Each run re-queues itself after
 *   hold_time (ageing_time, STP being off), or sooner when a learned entry expires sooner, never sooner
 *   than 10 ms.
 */
import { NS_PER_MS, NS_PER_SEC, type Timer } from '../sim/event-loop.js';
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

/**
 * One fdb entry. A Map keeps them in creation order and an entry that moves keeps its place, as the
 * kernel's fdb_list does (a dump walks it newest first).
 */
export interface FdbEntry {
  port: number;
  updated: number;
  /** When it last sent a frame on (fdb->used; absent: when it was made, `updated` then). */
  used?: number;
  /** BR_FDB_LOCAL (`bridge fdb add ... permanent`, the default): frames to it are the bridge's own. */
  local?: boolean;
  /** BR_FDB_STATIC (`static`, and every local entry): never aged, kept when the port is disabled. */
  static?: boolean;
}

/** The STP port states (BR_STATE_*), by their numbers. */
export const BR_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'] as const;
export const BR_STATE_DISABLED = 0;
export const BR_STATE_LISTENING = 1;
export const BR_STATE_LEARNING = 2;
export const BR_STATE_FORWARDING = 3;
export const BR_STATE_BLOCKING = 4;

/** The port flags `bridge link set` and `ip link set ... type bridge_slave` change (IFLA_BRPORT_*). */
export interface BrPortFlags {
  /** BR_HAIRPIN_MODE: frames may go back out of the port they came in on. */
  hairpin: boolean;
  /** BR_LEARNING: br_fdb_update learns the sources of what the port receives. */
  learning: boolean;
  /** BR_FLOOD: unknown unicast is flooded to the port. */
  flood: boolean;
  /** BR_MCAST_FLOOD, BR_BCAST_FLOOD: multicast, broadcast flooded to it (what the bridge itself sends always is). */
  mcast_flood: boolean;
  bcast_flood: boolean;
  /** BR_ISOLATED: nothing that came in on an isolated port goes out of another isolated port. */
  isolated: boolean;
}

interface PortState {
  readonly bridge: number;
  readonly portNo: number;
  state: number;
  /** When forward_delay_timer expires; undefined: not armed. */
  forwardDelayUntil: number | undefined;
  /** The event that moves a listening or learning port on when forward_delay_timer expires. */
  forwardDelayTimer: Timer | undefined;
  readonly flags: BrPortFlags;
  /** When it joined: its address's local entry is that old. */
  readonly joinedAt: number;
  /** IFLA_BRPORT_PRIORITY (0..63, the high bits of port_id) and IFLA_BRPORT_COST (port_cost: 2 for a veth's 10 Gb/s). */
  priority: number;
  cost: number;
  /**
   * Disabled by hand (`state disabled`) while enabled: nothing re-enables it until it is really
   * disabled (down, carrier lost, bridge down) or its device changes (br_port_carrier_check).
   */
  userDisabled: boolean;
}

/** A bridge's STP parameters (IFLA_BR_*), in ns, and its priority; STP itself is never on. */
export interface BrParams {
  forwardDelay: number;
  helloTime: number;
  maxAge: number;
  priority: number;
}

interface BridgeRuntime {
  /** Each bridge's forwarding database, by MAC (learning refreshes it with every frame). */
  readonly fdbs: Map<number, Map<string, FdbEntry>>;
  /** When gc_work next runs from, per bridge; undefined: not queued. */
  readonly gcFrom: Map<number, number | undefined>;
  /** By the port's device id. */
  readonly ports: Map<number, PortState>;
  /** By the bridge's device id; absent: the defaults. */
  readonly params: Map<number, BrParams>;
  /** When each bridge's own address got its local entry (made, or set by hand), by the bridge's id. */
  readonly ownSince: Map<number, number>;
}

const runtime = worldSlot<BridgeRuntime>(() => ({ fdbs: new Map(), gcFrom: new Map(), ports: new Map(), params: new Map(), ownSince: new Map() }));

const DEFAULT_PARAMS: BrParams = { forwardDelay: BR_FORWARD_DELAY, helloTime: 2 * NS_PER_SEC, maxAge: 20 * NS_PER_SEC, priority: 32768 };

/** The bridge's STP parameters. */
export function br_params(w: World, bridgeId: number): BrParams {
  return runtime(w).params.get(bridgeId) ?? DEFAULT_PARAMS;
}

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

/**
 * br_fdb_delete_by_port: a port that leaves takes all its entries along (`all`), one that is disabled
 * those not static.
 */
function br_fdb_delete_by_port(w: World, bridge: DeviceState, portId: number, all = false): void {
  const fdb = runtime(w).fdbs.get(bridge.id);
  if (!fdb) return;
  let gone = 0;
  for (const [mac, e] of fdb) {
    if (e.port !== portId || (e.static && !all)) continue;
    fdb.delete(mac);
    gone++;
  }
  if (gone === 0) return;
  const port = w.device(portId);
  // Recorded before the event that says so, as a namespace's state is.
  recordFdb(w, bridge);
  w.trace.state(w.loop.now, port?.ns.name ?? '', bridge.name, 'br_fdb_delete_by_port', `${gone} ${all ? '' : 'learned '}entr${gone === 1 ? 'y' : 'ies'} on ${port?.dev.name ?? 'a port'} forgotten`);
}

/** Is `mac` the bridge's own, one of its ports', or a local entry added by hand (the fdb's local, permanent entries)? */
function isLocalMac(w: World, ns: Namespace, bridge: DeviceState, mac: string): boolean {
  return bridge.mac === mac || bridgePorts(ns, bridge.id).macs.has(mac) || runtime(w).fdbs.get(bridge.id)?.get(mac)?.local === true;
}

/** Is `mac` the local entry br_add_if made for a port's address, or the bridge's own (not held in the fdb map)? */
export function br_fdb_is_port_address(w: World, ns: Namespace, bridge: DeviceState, mac: string): boolean {
  return !runtime(w).fdbs.get(bridge.id)?.has(mac) && (bridge.mac === mac || bridgePorts(ns, bridge.id).macs.has(mac));
}

/** has_expired: a static entry never does; another once it is older than ageing_time. */
export function br_fdb_has_expired(w: World, bridge: DeviceState, e: FdbEntry): boolean {
  return !e.static && w.loop.now - e.updated > (bridge.bridgeAgeing ?? BR_AGEING_TIME);
}

/** br_fdb_find with has_expired: an entry older than ageing_time is not used, gc or not. */
function lookup(w: World, bridge: DeviceState, mac: string): FdbEntry | undefined {
  const e = fdbOf(w, bridge.id).get(mac);
  if (!e) return undefined;
  return br_fdb_has_expired(w, bridge, e) ? undefined : e;
}

/**
 * br_fdb_update: the source lives behind `port` (never a group address, never one of our own). An
 * entry that is not sticky moves, static or not.
 */
function br_fdb_update(w: World, ns: Namespace, bridge: DeviceState, port: DeviceState, src: string): void {
  const fdb = fdbOf(w, bridge.id);
  const e = fdb.get(src);
  if (e && e.port === port.id) {
    e.updated = w.loop.now;
    return;
  }
  if (e) {
    e.port = port.id;
    e.updated = w.loop.now;
  } else fdb.set(src, { port: port.id, updated: w.loop.now, used: w.loop.now });
  recordFdb(w, bridge);
  w.trace.state(w.loop.now, ns.name, bridge.name, 'br_fdb_update', `${src} learned on ${port.name}${e ? ' (moved)' : ''}`);
}

/** br_pkt_type: what br_flood tells apart. */
type BrPktType = 'unicast' | 'multicast' | 'broadcast';

function pktType(frame: Uint8Array): BrPktType {
  if (!dstIsGroup(frame)) return 'unicast';
  for (let i = 0; i < 6; i++) if (frame[i] !== 0xff) return 'multicast';
  return 'broadcast';
}

/**
 * should_deliver: out of a forwarding port, not back out of the ingress one unless it is in hairpin
 * mode, and not from an isolated port to another (`ingress`: the port it came in on; undefined: the
 * bridge sends it itself).
 */
function should_deliver(w: World, p: DeviceState, ingress: number | undefined): boolean {
  const ps = runtime(w).ports.get(p.id);
  if (!ps || ps.state !== BR_STATE_FORWARDING) return false;
  if (p.id === ingress && !ps.flags.hairpin) return false;
  const from = ingress === undefined ? undefined : runtime(w).ports.get(ingress);
  return !(from?.flags.isolated && ps.flags.isolated);
}

/**
 * br_flood: a copy for every port should_deliver allows, and that takes this kind of frame: unknown
 * unicast only with BR_FLOOD, multicast and broadcast with BR_MCAST_FLOOD / BR_BCAST_FLOOD unless the
 * bridge sends them itself. The original is passed up (a group address) or done with here.
 */
function br_flood(w: World, ns: Namespace, bridge: DeviceState, skb: Skb, ingress: number | undefined): void {
  if (w.trace.detailed) skb_trace(w, skb, 'br_flood', `flooding to every port${ingress === undefined ? '' : ' but the ingress'}`, bridge);
  const type = pktType(skb.data);
  const rt = runtime(w);
  for (const p of bridgePorts(ns, bridge.id).ports) {
    const f = rt.ports.get(p.id)?.flags;
    if (!f) continue;
    if (type === 'unicast' ? !f.flood : ingress !== undefined && !(type === 'multicast' ? f.mcast_flood : f.bcast_flood)) continue;
    if (!should_deliver(w, p, ingress)) continue;
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
  const state = runtime(w).ports.get(port.id)?.state;
  if (state !== BR_STATE_FORWARDING && state !== BR_STATE_LEARNING) {
    kfree_skb(w, skb, 'br_handle_frame', 'BR_PORT_STATE', `${port.name} is ${BR_STATES[state ?? 0]}: it takes no frames`);
    return 'consumed';
  }
  NF_HOOK(w, 'BR_PRE_ROUTING', skb, br_handle_frame_finish, bridge, undefined);
  return 'consumed';
}

/** br_handle_frame_finish: learn, then (unless the port only learns) deliver up, forward or flood. */
function br_handle_frame_finish(w: World, skb: Skb, bridge: DeviceState): void {
  const port = skb.dev;
  const ns = skb.ns;
  const frame = skb.data;
  const src = macAt(frame, 6);
  const dst = macAt(frame, 0);
  const localRcv = dev_is_promiscuous(bridge);
  const ps = runtime(w).ports.get(port.id);
  if (!ps || ps.state === BR_STATE_DISABLED) {
    kfree_skb(w, skb, 'br_handle_frame_finish', 'BR_PORT_STATE', `${port.name} is disabled`);
    return;
  }
  // br_fdb_update also skips everything when ageing_time is 0 ("some users want to always flood").
  if (ps.flags.learning && (bridge.bridgeAgeing ?? BR_AGEING_TIME) !== 0 && !srcIsGroup(frame) && !isLocalMac(w, ns, bridge, src)) br_fdb_update(w, ns, bridge, port, src);
  if (ps.state === BR_STATE_LEARNING) {
    kfree_skb(w, skb, 'br_handle_frame_finish', 'BR_PORT_STATE', `${port.name} is learning: it forwards nothing`);
    return;
  }
  if (dstIsGroup(frame)) {
    br_flood(w, ns, bridge, skb, port.id);
    return br_pass_frame_up(w, bridge, skb);
  }
  if (isLocalMac(w, ns, bridge, dst)) return br_pass_frame_up(w, bridge, skb);
  const e = lookup(w, bridge, dst);
  if (!e) {
    br_flood(w, ns, bridge, skb, port.id);
    if (localRcv) br_pass_frame_up(w, bridge, skb);
    else if (w.trace.detailed) consume_skb(w, skb, 'br_flood', `${dst} unknown: flooded`, bridge);
    return;
  }
  const to = w.device(e.port);
  const out = to && to.ns === ns && should_deliver(w, to.dev, port.id) ? to : undefined;
  if (!e.local) e.used = w.loop.now;
  if (!out) {
    if (localRcv) br_pass_frame_up(w, bridge, skb);
    else if (e.port === port.id) kfree_skb(w, skb, 'br_handle_frame', 'BR_SAME_PORT', `${dst} lives behind the port it came in on`);
    else if (to && to.ns === ns) kfree_skb(w, skb, 'br_forward', 'BR_SHOULD_DELIVER', `${to.dev.name}, where ${dst} is, takes nothing from ${port.name} (state, isolation)`, bridge);
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
  if (!should_deliver(w, out.dev, undefined)) {
    kfree_skb(w, skb, 'br_forward', 'BR_SHOULD_DELIVER', `${out.dev.name} is not forwarding`, bridge);
    return 'ok';
  }
  return br_forward(w, bridge, skb, out.dev);
}

function br_set_state(w: World, ns: Namespace, p: DeviceState, ps: PortState, state: number, stage: string): void {
  if (ps.state === state) return;
  ps.state = state;
  w.trace.state(w.loop.now, ns.name, p.name, stage, `${p.name} ${BR_STATES[state]}`);
}

/** mod_timer(&p->forward_delay_timer, jiffies + br->forward_delay), unless forward_delay is 0. */
function armForwardDelay(w: World, ns: Namespace, bridgeId: number, p: DeviceState, ps: PortState): void {
  w.loop.cancel(ps.forwardDelayTimer);
  ps.forwardDelayTimer = undefined;
  const fd = br_params(w, bridgeId).forwardDelay;
  ps.forwardDelayUntil = fd === 0 ? undefined : w.loop.now + fd;
  // Only a listening or learning port moves on when it fires: the event exists for those alone.
  if (fd !== 0 && (ps.state === BR_STATE_LISTENING || ps.state === BR_STATE_LEARNING)) scheduleForwardDelay(w, ns, bridgeId, p, ps);
}

function scheduleForwardDelay(w: World, ns: Namespace, bridgeId: number, p: DeviceState, ps: PortState): void {
  if (ps.forwardDelayUntil === undefined || ps.forwardDelayTimer) return;
  ps.forwardDelayTimer = w.loop.at(ps.forwardDelayUntil, () => br_forward_delay_timer_expired(w, ns, bridgeId, p.id), true);
}

/** br_forward_delay_timer_expired: listening → learning (armed again), learning → forwarding (and the bridge has carrier). */
function br_forward_delay_timer_expired(w: World, ns: Namespace, bridgeId: number, portId: number): void {
  const ps = runtime(w).ports.get(portId);
  const p = w.device(portId)?.dev;
  if (!ps || !p) return;
  ps.forwardDelayTimer = undefined;
  ps.forwardDelayUntil = undefined;
  if (ps.state === BR_STATE_LISTENING) {
    br_set_state(w, ns, p, ps, BR_STATE_LEARNING, 'br_forward_delay_timer_expired');
    armForwardDelay(w, ns, bridgeId, p, ps);
  } else if (ps.state === BR_STATE_LEARNING) {
    br_set_state(w, ns, p, ps, BR_STATE_FORWARDING, 'br_forward_delay_timer_expired');
    const br = ns.state.devices[w.device(bridgeId)?.dev.ifindex ?? -1];
    if (br && br.id === bridgeId && br.carrierComputed) netif_carrier_set(w, ns, br, true);
  }
}

/**
 * br_stp_enable_port / br_stp_disable_port as the ports' devices and the bridge change (bridge up,
 * port up and running), then br_port_state_selection: with STP off a blocking port (an enabled one
 * starts so) is made forwarding at once (br_make_forwarding), arming forward_delay_timer all the same;
 * the bridge has carrier while one port forwards — once ports came or went at all.
 */
function br_port_state_selection(w: World, ns: Namespace, bridgeId: number): void {
  const bridge = ns.state.devices[w.device(bridgeId)?.dev.ifindex ?? -1];
  if (!bridge || !isBridge(bridge) || bridge.id !== bridgeId) return;
  const rt = runtime(w);
  for (const p of bridgePorts(ns, bridgeId).ports) {
    const ps = rt.ports.get(p.id);
    if (!ps) continue;
    const op = dev_operstate(w, ns, p);
    const enabled = bridge.up && p.up && (op === 'UP' || op === 'UNKNOWN');
    if (!enabled && (ps.state !== BR_STATE_DISABLED || ps.userDisabled)) {
      // br_stp_disable_port: the timer is deleted, the entries it learned are forgotten.
      ps.userDisabled = false;
      br_set_state(w, ns, p, ps, BR_STATE_DISABLED, 'br_stp_disable_port');
      w.loop.cancel(ps.forwardDelayTimer);
      ps.forwardDelayTimer = undefined;
      ps.forwardDelayUntil = undefined;
      br_fdb_delete_by_port(w, bridge, p.id);
    } else if (enabled && ps.state === BR_STATE_DISABLED && ps.userDisabled !== true) {
      br_set_state(w, ns, p, ps, BR_STATE_BLOCKING, 'br_stp_enable_port');
    }
  }
  br_make_forwarding_all(w, ns, bridge);
}

/** The selection proper: every blocking port forwards; then the bridge's carrier. */
function br_make_forwarding_all(w: World, ns: Namespace, bridge: DeviceState): void {
  const rt = runtime(w);
  let live = 0;
  for (const p of bridgePorts(ns, bridge.id).ports) {
    const ps = rt.ports.get(p.id);
    if (!ps) continue;
    if (ps.state === BR_STATE_BLOCKING) {
      br_set_state(w, ns, p, ps, BR_STATE_FORWARDING, 'br_make_forwarding');
      armForwardDelay(w, ns, bridge.id, p, ps);
    }
    if (ps.state === BR_STATE_FORWARDING) live++;
  }
  if (!bridge.carrierComputed) return;
  netif_carrier_set(w, ns, bridge, bridge.up && live > 0);
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
  rt.ports.set(port.id, {
    bridge: bridge.id,
    portNo: n,
    state: BR_STATE_DISABLED,
    forwardDelayUntil: undefined,
    forwardDelayTimer: undefined,
    flags: { hairpin: false, learning: true, flood: true, mcast_flood: true, bcast_flood: true, isolated: false },
    joinedAt: w.loop.now,
    userDisabled: false,
    priority: 32,
    cost: 2,
  });
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
  const ps = runtime(w).ports.get(port.id);
  w.loop.cancel(ps?.forwardDelayTimer);
  runtime(w).ports.delete(port.id);
  netdev_rx_handler_unregister(w, port.id);
  br_fdb_delete_by_port(w, bridge, port.id, true);
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
    for (const p of bridgePorts(ns, dev.id).ports) {
      const ps = runtime(w).ports.get(p.id);
      if (ps) ps.userDisabled = false;
    }
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
  set_mac_address: (w, ns, dev) => {
    runtime(w).ownSince.set(dev.id, w.loop.now);
    ns.update((d) => {
      const b = d.devices[dev.ifindex];
      if (b) b.macSetByUser = true;
    });
  },
};

/** The bridge's netdevice notifier (br_device_event): what happens to a port, or to the bridge itself. */
function br_device_event(n: Parameters<Parameters<typeof register_netdevice_notifier>[0]>[0]): void {
  const { w, ns, dev, event } = n;
  if (isBridge(dev) && event === 'NETDEV_UNREGISTER') {
    // br_dev_delete: every port is released.
    for (const p of bridgePorts(ns, dev.id).ports) br_del_if(w, ns, dev, p);
    runtime(w).fdbs.delete(dev.id);
    runtime(w).params.delete(dev.id);
    return;
  }
  if (dev.master === undefined) return;
  const master = w.device(dev.master);
  if (!master || master.ns !== ns || !isBridge(master.dev)) return;
  const bridge = master.dev;
  switch (event) {
    case 'NETDEV_CHANGE':
    case 'NETDEV_UP':
    case 'NETDEV_DOWN': {
      const ps = runtime(w).ports.get(dev.id);
      const op = dev_operstate(w, ns, dev);
      // br_port_carrier_check: a change of a running device re-enables a port disabled by hand.
      if (ps && event !== 'NETDEV_DOWN' && dev.up && (op === 'UP' || op === 'UNKNOWN')) ps.userDisabled = false;
      // NETDEV_DOWN: br_stp_disable_port even for a port already disabled by hand — its entries go.
      if (ps && event === 'NETDEV_DOWN' && bridge.up && ps.state === BR_STATE_DISABLED) br_fdb_delete_by_port(w, bridge, dev.id);
      br_port_state_selection(w, ns, bridge.id);
      break;
    }
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
/**
 * netif_is_bridge_port: the bridge `dev` is a port of, in its own namespace, or undefined. br_add_if
 * holds one promiscuity and one allmulti of each port, which `ip -d link` and sysfs's flags show.
 */
export function br_port_master(w: World, ns: Namespace, dev: DeviceState): DeviceState | undefined {
  const master = dev.master === undefined ? undefined : w.device(dev.master);
  return master && master.ns === ns && master.dev.kind === BRIDGE_KIND ? master.dev : undefined;
}

export function br_newlink(w: World, ns: Namespace, name: string): Result {
  if (!name.includes('%d') && findByName(ns.state, name)) return fail('EEXIST');
  const made = register_netdevice(w, ns, BRIDGE_KIND, dev_alloc_name(ns.state, name), w.rng.mac(), { carrier: true });
  runtime(w).ownSince.set(made.id, w.loop.now);
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

/** A port's number, state, forward_delay_timer and flags (IFLA_BRPORT_NO, _STATE, _FORWARD_DELAY_TIMER, the flags). */
export function br_port_info(
  w: World,
  port: DeviceState,
): { portNo: number; state: number; forwardDelayLeft: number; flags: Readonly<BrPortFlags>; priority: number; cost: number } | undefined {
  const ps = runtime(w).ports.get(port.id);
  if (!ps) return undefined;
  const left = ps.forwardDelayUntil === undefined ? 0 : Math.max(0, ps.forwardDelayUntil - w.loop.now);
  return { portNo: ps.portNo, state: ps.state, forwardDelayLeft: left, flags: ps.flags, priority: ps.priority, cost: ps.cost };
}

/** When the local entry of a port's address (br_add_if) or of the bridge's own address was made. */
export function br_local_entry_since(w: World, dev: DeviceState): number {
  return runtime(w).ports.get(dev.id)?.joinedAt ?? runtime(w).ownSince.get(dev.id) ?? 0;
}

/** What br_setport takes: the flags, then the state (IFLA_BRPORT_STATE), each only when given. */
export interface BrPortChange {
  readonly flags: Partial<BrPortFlags>;
  readonly cost?: number;
  readonly priority?: number;
  readonly state?: number;
  /** IFLA_BRPORT_FLUSH: the port's entries that are not static go. */
  readonly flush?: boolean;
}

/** BR_MIN_PATH_COST..BR_MAX_PATH_COST, BR_MAX_PORT_PRIORITY. */
const PATH_COST_RANGE = [1, 65535] as const;
const MAX_PORT_PRIORITY = 63;

/**
 * br_setport (`bridge link set`, `ip link set ... type bridge_slave`): the flags are set first, then
 * the state (br_set_port_state), so a refused state leaves the flags changed. EOPNOTSUPP for a device
 * that is no bridge port.
 */
export function br_setport(w: World, ns: Namespace, port: DeviceState, c: BrPortChange): Result {
  const ps = runtime(w).ports.get(port.id);
  if (!ps) return fail('EOPNOTSUPP');
  for (const [k, v] of Object.entries(c.flags) as [keyof BrPortFlags, boolean][]) {
    if (ps.flags[k] === v) continue;
    ps.flags[k] = v;
    w.trace.state(w.loop.now, ns.name, port.name, 'br_set_port_flag', `${port.name} ${k} ${v ? 'on' : 'off'}`);
  }
  // br_stp_set_path_cost, then br_stp_set_port_priority (ERANGE out of range), then the state.
  if (c.cost !== undefined) {
    if (c.cost < PATH_COST_RANGE[0] || c.cost > PATH_COST_RANGE[1]) return fail('ERANGE');
    ps.cost = c.cost;
  }
  if (c.priority !== undefined) {
    if (c.priority > MAX_PORT_PRIORITY) return fail('ERANGE');
    ps.priority = c.priority;
  }
  if (c.state !== undefined) {
    const r = br_set_port_state(w, ns, port, ps, c.state);
    if (!r.ok) return r;
  }
  const br = w.device(ps.bridge)?.dev;
  if (c.flush && br) br_fdb_delete_by_port(w, br, port.id);
  return OK;
}

/**
 * br_set_port_state: EINVAL past blocking; a port that is down, or (but for disabled) not
 * operationally up, ENETDOWN. Then br_port_state_selection: blocking becomes forwarding at once.
 */
function br_set_port_state(w: World, ns: Namespace, port: DeviceState, ps: PortState, state: number): Result {
  if (state > BR_STATE_BLOCKING) return fail('EINVAL');
  const op = dev_operstate(w, ns, port);
  if (!port.up || (!(op === 'UP' || op === 'UNKNOWN') && state !== BR_STATE_DISABLED)) return fail('ENETDOWN');
  br_set_state(w, ns, port, ps, state, 'br_set_port_state');
  ps.userDisabled = state === BR_STATE_DISABLED;
  // The port's forward_delay_timer, if still armed, moves a listening or learning port on.
  const bridgeId = ps.bridge;
  if ((state === BR_STATE_LISTENING || state === BR_STATE_LEARNING) && ps.forwardDelayUntil !== undefined) scheduleForwardDelay(w, ns, bridgeId, port, ps);
  const br = ns.state.devices[w.device(bridgeId)?.dev.ifindex ?? -1];
  if (br && br.id === bridgeId) br_make_forwarding_all(w, ns, br);
  return OK;
}

/** The bridge's STP options `ip link ... type bridge` sets (clock ticks already turned into ns). */
export interface BrParamsChange {
  readonly forwardDelay?: number;
  readonly helloTime?: number;
  readonly maxAge?: number;
  readonly priority?: number;
}

/** BR_MIN/MAX_HELLO_TIME, BR_MIN/MAX_MAX_AGE: checked with STP off as well (br_set_hello_time, br_set_max_age). */
const HELLO_RANGE = [1 * NS_PER_SEC, 10 * NS_PER_SEC] as const;
const MAX_AGE_RANGE = [6 * NS_PER_SEC, 40 * NS_PER_SEC] as const;

/**
 * br_changelink's STP attributes, in its order (forward_delay, hello_time, max_age, priority), each
 * stored before the next is checked: a refused one leaves those before it set. forward_delay is
 * range-checked only with STP on, which the simulator never runs.
 */
export function br_set_params(w: World, ns: Namespace, bridge: DeviceState, c: BrParamsChange): Result {
  if (!isBridge(bridge)) return fail('EOPNOTSUPP');
  const rt = runtime(w);
  const cur = { ...br_params(w, bridge.id) };
  const save = (): void => void rt.params.set(bridge.id, { ...cur });
  if (c.forwardDelay !== undefined) cur.forwardDelay = c.forwardDelay;
  if (c.helloTime !== undefined) {
    if (c.helloTime < HELLO_RANGE[0] || c.helloTime > HELLO_RANGE[1]) return save(), fail('ERANGE');
    cur.helloTime = c.helloTime;
  }
  if (c.maxAge !== undefined) {
    if (c.maxAge < MAX_AGE_RANGE[0] || c.maxAge > MAX_AGE_RANGE[1]) return save(), fail('ERANGE');
    cur.maxAge = c.maxAge;
  }
  if (c.priority !== undefined) cur.priority = c.priority;
  save();
  w.trace.state(w.loop.now, ns.name, bridge.name, 'br_changelink', `${bridge.name} forward_delay ${cur.forwardDelay / NS_PER_SEC} s, priority ${cur.priority}`);
  return OK;
}

/** The fdb entry `bridge fdb add|append|replace` asks for (NTF_MASTER): its state, and how (NLM_F_EXCL, NLM_F_CREATE). */
export interface FdbAdd {
  readonly state: 'permanent' | 'static' | 'dynamic';
  readonly excl: boolean;
}

/**
 * br_fdb_add → fdb_add_entry: a new entry, or (without NLM_F_EXCL) the one there moved to `port`
 * and given the state asked for. A dynamic entry needs a port that learns or forwards (EPERM).
 */
export function br_fdb_add(w: World, ns: Namespace, port: DeviceState, mac: string, a: FdbAdd): Result {
  const ps = runtime(w).ports.get(port.id);
  const bridge = ps ? w.device(ps.bridge)?.dev : undefined;
  if (!ps || !bridge) return fail('EOPNOTSUPP');
  if (mac === '00:00:00:00:00:00') return fail('EINVAL');
  if (a.state === 'dynamic' && ps.state !== BR_STATE_LEARNING && ps.state !== BR_STATE_FORWARDING) return fail('EPERM');
  const fdb = fdbOf(w, bridge.id);
  let e = fdb.get(mac);
  if (e && a.excl) return fail('EEXIST');
  // fdb_to_nud(fdb) != ndm_state: iproute2 sends NUD_NOARP with PERMANENT or REACHABLE for local and
  // static entries, which no entry reads back as — only a dynamic one asked for again is unchanged.
  const modified = !e || e.port !== port.id || a.state !== 'dynamic' || e.static === true || br_fdb_has_expired(w, bridge, e);
  if (!e) fdb.set(mac, (e = { port: port.id, updated: w.loop.now }));
  e.port = port.id;
  // fdb->used is set by every add; fdb->updated only when the entry changed.
  e.used = w.loop.now;
  if (modified) e.updated = w.loop.now;
  e.local = a.state === 'permanent';
  e.static = a.state !== 'dynamic';
  recordFdb(w, bridge);
  w.trace.state(w.loop.now, ns.name, bridge.name, 'fdb_add_entry', `${mac} ${a.state} on ${port.name}`);
  return OK;
}

/** br_fdb_delete: ENOENT unless the entry is on that port. */
export function br_fdb_delete(w: World, ns: Namespace, port: DeviceState, mac: string): Result {
  const ps = runtime(w).ports.get(port.id);
  const bridge = ps ? w.device(ps.bridge)?.dev : undefined;
  if (!ps || !bridge) return fail('EOPNOTSUPP');
  const fdb = fdbOf(w, bridge.id);
  if (fdb.get(mac)?.port !== port.id) return fail('ENOENT');
  fdb.delete(mac);
  recordFdb(w, bridge);
  w.trace.state(w.loop.now, ns.name, bridge.name, 'fdb_delete', `${mac} on ${port.name} deleted`);
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
  const learned = [...(runtime(w).fdbs.get(bridge.id)?.values() ?? [])].filter((e) => !e.static);
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
