/**
 * The neighbour table (net/core/neighbour.c): resolution of a next hop's link-layer address, the NUD
 * state machine and its timers, and the packets that wait for an answer. The protocol that resolves
 * (ARP for IPv4) plugs in its solicit and error_report as neigh_ops, so the table itself knows no
 * protocol. Parameters are arp_tbl's defaults.
 *
 * Heads up: every entry change goes through neigh_update (or the timer handler), which arms the timers
 * a state needs — never write an entry directly.
 *
 * INCOMPLETE  broadcast probes every retrans_time (1 s), mcast_solicit (3) of them, then FAILED
 * REACHABLE   confirmed recently; after reachable_time (base 30 s, randomised) it becomes STALE
 * STALE       usable, unconfirmed, no timer; the first use makes it DELAY
 * DELAY       waits delay_first_probe_time (5 s) for a confirmation, then PROBE
 * PROBE       unicast probes (ucast_solicit, 3), then FAILED
 * FAILED      the queued packets are reported back (error_report: ICMP host unreachable)
 * PERMANENT, NOARP  set by hand, never change by themselves
 */
import { NS_PER_SEC } from '../sim/event-loop.js';
import { neighKey, type DeviceState, type NeighEntry, type Nud } from '../sim/state.js';
import { pernetSlot, register_pernet_subsys, type Namespace, type World } from '../sim/world.js';
import type { Timer } from '../sim/event-loop.js';
import { emitEthernetHeader, ETHERNET_HEADER_LEN, ETHERTYPE_IPV4 } from '../wire/ethernet.js';
import { eth_header, kfree_skb, skb_push_hh, type Skb } from './skbuff.js';
import { dev_queue_xmit, type XmitResult } from './dev.js';
import { register_netdevice_notifier } from './notifier.js';
import { fail, OK, type Result } from './errno.js';

export const NEIGH_PARMS = {
  mcast_solicit: 3,
  ucast_solicit: 3,
  app_solicit: 0,
  mcast_resolicit: 0,
  retrans_time: 1 * NS_PER_SEC,
  base_reachable_time: 30 * NS_PER_SEC,
  delay_first_probe_time: 5 * NS_PER_SEC,
  locktime: 1 * NS_PER_SEC,
  /** unres_qlen_bytes / truesize of a full-size frame: how many packets wait for resolution. */
  unres_qlen: 101,
} as const;

/**
 * The kernel's clock ticks HZ times a second (CONFIG_HZ=250 on the machine kernel mode runs on): a
 * neighbour timer is never armed less than HZ/100 jiffies ahead, so a timer that finds its deadline
 * already reached waits those 8 ms rather than firing again at the same instant.
 */
export const JIFFY_NS = NS_PER_SEC / 250;
export const NEIGH_TIMER_MIN_NS = 2 * JIFFY_NS;

/** What the resolving protocol does for the table (struct neigh_ops). */
export interface NeighOps {
  /** Ask who has `target`: broadcast, or unicast to the address we had (a PROBE). `waiting` is the packet that made us ask. */
  solicit(w: World, ns: Namespace, dev: DeviceState, target: number, unicastTo: string | undefined, waiting: Skb | undefined): void;
  /** A packet whose neighbour never answered goes back to its sender as an error. */
  error_report(w: World, ns: Namespace, skb: Skb): void;
}

let ops: NeighOps | undefined;

/**
 * neigh_table_init: the protocol's operations (ARP registers them), and the table on the notifier chain:
 * a device that goes down, leaves its namespace or is deleted takes its entries along.
 */
export function neigh_table_init(o: NeighOps): void {
  ops = o;
  register_pernet_subsys({ exit: neigh_net_exit });
  register_netdevice_notifier((n) => {
    if (n.event === 'NETDEV_DOWN' || n.event === 'NETDEV_UNREGISTER') neigh_ifdown(n.w, n.ns, n.dev.ifindex);
  });
}

const CONNECTED: ReadonlySet<Nud> = new Set(['REACHABLE', 'PERMANENT', 'NOARP']);
const VALID: ReadonlySet<Nud> = new Set(['REACHABLE', 'PERMANENT', 'NOARP', 'STALE', 'DELAY', 'PROBE']);
/** NUD_IN_TIMER: the states whose entries have a running timer; the others simply wait. */
const IN_TIMER: ReadonlySet<Nud> = new Set(['INCOMPLETE', 'REACHABLE', 'DELAY', 'PROBE']);

interface Pending {
  timer: Timer | undefined;
  /** Packets waiting for resolution (arp_queue): IPv4 datagrams with their output device. */
  queue: Skb[];
}

/**
 * An entry as the fast path finds it, with the last use neigh_output gives it (neigh->used): that
 * changes with every packet, so it is kept here, beside the state, not as an immer step per packet.
 */
interface NeighCell {
  readonly entry: NeighEntry;
  /** NUD_CONNECTED: the entry's state lets packets go straight out. */
  readonly connected: boolean;
  used: number;
  /** hh_cache: the Ethernet header to this neighbour from the device's address in `hhFrom`. */
  hh: Uint8Array | undefined;
  hhFrom: string | undefined;
}

/** The table's runtime beside the entries in NsState: timers and queues, last use, an index by number. */
class NeighRuntime {
  readonly pending = new Map<string, Pending>();
  private indexOf: Readonly<Record<string, NeighEntry>> | undefined;
  /**
   * The entries by ifindex, then by address as a 32-bit integer (a small integer to the Map, where
   * ifindex·2³² + ip was a boxed number hashed twice a hop). Built at the first lookup: none for a
   * namespace that never looks.
   */
  private index: (Map<number, NeighCell> | undefined)[] = [];

  /** The cell for (ifindex, ip) without building a string key: the per-packet lookup. */
  cell(ns: Namespace, ifindex: number, ip: number): NeighCell | undefined {
    const table = ns.state.neigh;
    if (this.indexOf !== table) this.reindex(table);
    return this.index[ifindex]?.get(ip | 0);
  }

  lookup(ns: Namespace, ifindex: number, ip: number): NeighEntry | undefined {
    return this.cell(ns, ifindex, ip)?.entry;
  }

  /** The last use neigh_output recorded (0: none since the entry was last written). */
  usedAt(ifindex: number, ip: number): number {
    return this.index[ifindex]?.get(ip | 0)?.used ?? 0;
  }

  /** A new table: new cells, each keeping the use its entry's address had. */
  private reindex(table: Readonly<Record<string, NeighEntry>>): void {
    const old = this.index;
    const index: (Map<number, NeighCell> | undefined)[] = [];
    for (const k in table) {
      const e = table[k] as NeighEntry;
      const key = e.ip | 0;
      let m = index[e.ifindex];
      if (m === undefined) {
        while (index.length < e.ifindex) index.push(undefined);
        index[e.ifindex] = m = new Map();
      }
      m.set(key, { entry: e, connected: CONNECTED.has(e.state), used: old[e.ifindex]?.get(key)?.used ?? 0, hh: undefined, hhFrom: undefined });
    }
    this.indexOf = table;
    this.index = index;
  }

  pendingOf(key: string): Pending {
    let p = this.pending.get(key);
    if (!p) {
      p = { timer: undefined, queue: [] };
      this.pending.set(key, p);
    }
    return p;
  }
}

const runtime = pernetSlot(() => new NeighRuntime());

/** __neigh_lookup without creating: the entry for `ip` on the device, if any. */
export function neigh_lookup(ns: Namespace, ifindex: number, ip: number): NeighEntry | undefined {
  return runtime(ns).lookup(ns, ifindex, ip);
}

function entry(ns: Namespace, key: string): NeighEntry | undefined {
  return ns.state.neigh[key];
}

function setEntry(ns: Namespace, e: NeighEntry): void {
  ns.update((d) => {
    d.neigh[neighKey(e.ifindex, e.ip)] = e;
  });
}

function maxProbes(state: Nud): number {
  const p = NEIGH_PARMS;
  return p.ucast_solicit + p.app_solicit + (state === 'PROBE' ? p.mcast_resolicit : p.mcast_solicit);
}

function armTimer(w: World, ns: Namespace, dev: DeviceState, e: NeighEntry, at: number, quiet = false): void {
  const key = neighKey(e.ifindex, e.ip);
  const p = runtime(ns).pendingOf(key);
  w.loop.cancel(p.timer);
  p.timer = w.loop.at(at, () => neigh_timer_handler(w, ns, dev.id, key), quiet);
}

function randomReachable(w: World): number {
  const base = NEIGH_PARMS.base_reachable_time;
  return Math.floor(base / 2 + (w.rng.next32() / 0x1_0000_0000) * base);
}

function fmt(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** A state change, told to the trace. */
function transition(w: World, ns: Namespace, dev: DeviceState, stage: string, what: string): void {
  w.trace.state(w.loop.now, ns.name, dev.name, stage, what);
}

/** Sends a datagram to a resolved neighbour: the link header pushed, then out. */
function neigh_xmit(w: World, skb: Skb, dev: DeviceState, mac: string): XmitResult {
  skb.dev = dev;
  skb.data = eth_header(mac, dev.mac, ETHERTYPE_IPV4, skb.data);
  return dev_queue_xmit(w, skb);
}

/** neigh_hh_output: a connected neighbour's header, built once (neigh_hh_init) and copied for each datagram. */
function neigh_hh_output(w: World, skb: Skb, dev: DeviceState, c: NeighCell): XmitResult {
  if (c.hhFrom !== dev.mac) {
    const hh = new Uint8Array(ETHERNET_HEADER_LEN);
    emitEthernetHeader(hh, c.entry.mac as string, dev.mac, ETHERTYPE_IPV4);
    c.hh = hh;
    c.hhFrom = dev.mac;
  }
  skb.dev = dev;
  skb_push_hh(skb, c.hh as Uint8Array);
  return dev_queue_xmit(w, skb);
}

/**
 * neigh_resolve_output / __neigh_event_send: send the datagram in skb.data to `nexthop` on `dev`,
 * resolving its MAC first if need be.
 */
export function neigh_output(w: World, skb: Skb, dev: DeviceState, nexthop: number): XmitResult {
  const ns = skb.ns;
  const rt = runtime(ns);
  const now = w.loop.now;
  const c = rt.cell(ns, dev.ifindex, nexthop);
  let e = c?.entry;
  if (c !== undefined && c.connected) {
    c.used = now;
    return neigh_hh_output(w, skb, dev, c);
  }
  const key = neighKey(dev.ifindex, nexthop);
  if (e && (e.state === 'DELAY' || e.state === 'PROBE')) return neigh_xmit(w, skb, dev, e.mac as string);
  if (e && e.state === 'STALE') {
    e = { ...e, state: 'DELAY', updated: now, used: now };
    setEntry(ns, e);
    transition(w, ns, dev, 'neigh_event_send', `${fmt(nexthop)} STALE -> DELAY`);
    armTimer(w, ns, dev, e, now + NEIGH_PARMS.delay_first_probe_time);
    return neigh_xmit(w, skb, dev, e.mac as string);
  }
  if (!e && dev.noarp) {
    // arp_constructor: a device without ARP gets an entry in NUD_NOARP holding its own address.
    const made: NeighEntry = { ifindex: dev.ifindex, ip: nexthop, mac: dev.mac, state: 'NOARP', updated: now, confirmed: now, used: now, probes: 0, reachableTime: randomReachable(w) };
    setEntry(ns, made);
    transition(w, ns, dev, 'arp_constructor', `${fmt(nexthop)} NOARP: ${dev.name} does not ARP, frames go to its own address`);
    return neigh_xmit(w, skb, dev, dev.mac);
  }
  if (!e || e.state === 'FAILED' || e.state === 'NONE') {
    startResolving(w, ns, dev, nexthop, e);
    enqueue(w, ns, dev, key, skb);
    neigh_probe(w, ns, dev, key, skb);
    return 'ok';
  }
  enqueue(w, ns, dev, key, skb);
  return 'ok';
}

/**
 * neigh_event_send(n, NULL): a reason to resolve `ip` with no packet waiting (an ICMP redirect's new
 * gateway): a missing, NONE or FAILED entry starts resolving at once, a STALE one goes to DELAY.
 */
export function neigh_event_send(w: World, ns: Namespace, dev: DeviceState, ip: number): void {
  const now = w.loop.now;
  const e = runtime(ns).lookup(ns, dev.ifindex, ip);
  const key = neighKey(dev.ifindex, ip);
  if (e && e.state === 'STALE') {
    const d = { ...e, state: 'DELAY' as const, updated: now, used: now };
    setEntry(ns, d);
    transition(w, ns, dev, 'neigh_event_send', `${fmt(ip)} STALE -> DELAY`);
    armTimer(w, ns, dev, d, now + NEIGH_PARMS.delay_first_probe_time);
    return;
  }
  if (e && e.state !== 'FAILED' && e.state !== 'NONE') return;
  startResolving(w, ns, dev, ip, e);
  neigh_probe(w, ns, dev, key, undefined);
}

/** __neigh_event_send's start: a missing, NONE or FAILED entry becomes INCOMPLETE with its probes and timer. */
function startResolving(w: World, ns: Namespace, dev: DeviceState, ip: number, old: NeighEntry | undefined): void {
  const now = w.loop.now;
  const e: NeighEntry = {
    ifindex: dev.ifindex,
    ip,
    mac: old?.mac,
    state: 'INCOMPLETE',
    updated: now,
    confirmed: old?.confirmed ?? now - NEIGH_PARMS.base_reachable_time,
    used: now,
    probes: NEIGH_PARMS.ucast_solicit,
    reachableTime: old?.reachableTime ?? randomReachable(w),
  };
  setEntry(ns, e);
  transition(w, ns, dev, 'neigh_event_send', `${fmt(ip)} -> INCOMPLETE, resolving`);
  armTimer(w, ns, dev, e, now + Math.max(NEIGH_PARMS.retrans_time, NEIGH_TIMER_MIN_NS));
}

function enqueue(w: World, ns: Namespace, dev: DeviceState, key: string, skb: Skb): void {
  const q = runtime(ns).pendingOf(key).queue;
  if (q.length >= NEIGH_PARMS.unres_qlen) {
    const oldest = q.shift() as Skb;
    kfree_skb(w, oldest, 'neigh_event_send', 'NEIGH_QUEUEFULL', 'the oldest packet waiting for resolution is dropped', dev, ns);
  }
  skb.dev = dev;
  q.push(skb);
}

/** neigh_probe: one solicitation, counting it. */
function neigh_probe(w: World, ns: Namespace, dev: DeviceState, key: string, trigger: Skb | undefined): void {
  const e = entry(ns, key);
  if (!e || !ops) return;
  const probes = e.probes;
  setEntry(ns, { ...e, probes: probes + 1 });
  const unicast = probes - NEIGH_PARMS.ucast_solicit < 0 && e.mac !== undefined ? e.mac : undefined;
  const q = runtime(ns).pendingOf(key).queue;
  ops.solicit(w, ns, dev, e.ip, unicast, trigger ?? q[q.length - 1]);
}

/** neigh_timer_handler: the state machine's clock. */
function neigh_timer_handler(w: World, ns: Namespace, devId: number, key: string): void {
  const rt = runtime(ns);
  const p = rt.pending.get(key);
  if (p) p.timer = undefined;
  const e = entry(ns, key);
  const here = w.device(devId);
  if (!e || !here || here.ns !== ns) return;
  // A timer that outlived its state (the entry went STALE or FAILED meanwhile) has nothing to do.
  if (!IN_TIMER.has(e.state)) return;
  const dev = here.dev;
  const now = w.loop.now;
  let next: number | undefined;
  let quiet = false;
  let cur = e;
  if (cur.state === 'REACHABLE') {
    if (now <= cur.confirmed + cur.reachableTime) {
      next = cur.confirmed + cur.reachableTime;
      quiet = true;
    } else if (now <= Math.max(cur.used, rt.usedAt(cur.ifindex, cur.ip)) + NEIGH_PARMS.delay_first_probe_time) {
      cur = { ...cur, state: 'DELAY', updated: now };
      next = now + NEIGH_PARMS.delay_first_probe_time;
    } else {
      cur = { ...cur, state: 'STALE', updated: now };
    }
  } else if (cur.state === 'DELAY') {
    if (now <= cur.confirmed + NEIGH_PARMS.delay_first_probe_time) {
      cur = { ...cur, state: 'REACHABLE', updated: now };
      next = cur.confirmed + cur.reachableTime;
      quiet = true;
    } else {
      cur = { ...cur, state: 'PROBE', updated: now, probes: 0 };
      next = now + Math.max(NEIGH_PARMS.retrans_time, NEIGH_TIMER_MIN_NS);
    }
  } else {
    next = now + Math.max(NEIGH_PARMS.retrans_time, NEIGH_TIMER_MIN_NS);
  }
  if ((cur.state === 'INCOMPLETE' || cur.state === 'PROBE') && cur.probes >= maxProbes(cur.state)) {
    cur = { ...cur, state: 'FAILED', updated: now };
    setEntry(ns, cur);
    transition(w, ns, dev, 'neigh_timer_handler', `${fmt(cur.ip)} -> FAILED after ${cur.probes} probes`);
    neigh_invalidate(w, ns, dev, key);
    return;
  }
  if (cur !== e) {
    setEntry(ns, cur);
    transition(w, ns, dev, 'neigh_timer_handler', `${fmt(cur.ip)} ${e.state} -> ${cur.state}`);
  }
  // mod_timer never closer than HZ/100: a deadline reached already is looked at again 8 ms on.
  if (next !== undefined) armTimer(w, ns, dev, cur, Math.max(next, now + NEIGH_TIMER_MIN_NS), quiet);
  if (cur.state === 'INCOMPLETE' || cur.state === 'PROBE') neigh_probe(w, ns, dev, key, undefined);
}

/** neigh_invalidate: every packet that waited is reported back to its sender. */
function neigh_invalidate(w: World, ns: Namespace, dev: DeviceState, key: string): void {
  const p = runtime(ns).pending.get(key);
  const queued = p ? p.queue.splice(0) : [];
  for (const skb of queued) {
    kfree_skb(w, skb, 'neigh_invalidate', 'NEIGH_FAILED', `${fmt(entry(ns, key)?.ip ?? 0)} did not answer ARP: arp_error_report sends ICMP host unreachable`, dev, ns);
    ops?.error_report(w, ns, skb);
  }
}

export interface NeighUpdateFlags {
  /** NEIGH_UPDATE_F_OVERRIDE: a different address may replace a valid one. */
  readonly override: boolean;
  /** NEIGH_UPDATE_F_ADMIN: asked for by hand (`ip neigh`), not learned. */
  readonly admin?: boolean;
}

/**
 * neigh_update: a new link-layer address and/or state for an entry (from ARP, or `ip neigh`). A
 * learned update never touches an entry set by hand (PERMANENT, NOARP); a different address replaces a
 * valid one only with override; a STALE update of an unchanged valid entry keeps its state unless asked
 * for by hand. A change of state re-arms the timer the new state needs (neigh_add_timer: a REACHABLE
 * entry is looked at after its reachable time, DELAY and PROBE at once).
 */
export function neigh_update(w: World, ns: Namespace, dev: DeviceState, ip: number, mac: string | undefined, state: Nud, flags: NeighUpdateFlags): void {
  const key = neighKey(dev.ifindex, ip);
  const now = w.loop.now;
  const old = entry(ns, key);
  if (!old) return;
  if (!flags.admin && (old.state === 'NOARP' || old.state === 'PERMANENT')) return;
  const oldValid = VALID.has(old.state);
  // "No address is supplied; if we know something, use it, otherwise discard the request."
  if (mac === undefined && !oldValid) return;
  let newState = state;
  const newMac = mac ?? old.mac;
  if (oldValid) {
    if (newMac !== old.mac && !flags.override) return;
    if (newMac === old.mac && newState === 'STALE' && !flags.admin) newState = old.state;
  }
  const confirmed = CONNECTED.has(state) ? now : old.confirmed;
  const changed = newState !== old.state || newMac !== old.mac;
  const cur: NeighEntry = { ...old, mac: newMac, state: newState, confirmed, updated: changed ? now : old.updated, probes: newState === 'PROBE' && newState !== old.state ? 0 : old.probes };
  setEntry(ns, cur);
  if (changed) transition(w, ns, dev, 'neigh_update', `${fmt(ip)} ${old.state} -> ${newState}${newMac ? ` ${newMac}` : ''}`);
  const p = runtime(ns).pending.get(key);
  if (newState !== old.state) {
    if (p) w.loop.cancel(p.timer);
    if (IN_TIMER.has(newState)) armTimer(w, ns, dev, cur, newState === 'REACHABLE' ? now + cur.reachableTime : now, newState === 'REACHABLE');
  }
  if (!oldValid && VALID.has(newState) && newMac !== undefined) {
    const queued = p ? p.queue.splice(0) : [];
    for (const skb of queued) void neigh_xmit(w, skb, dev, newMac);
  }
}

/** neigh_event_ns / __neigh_lookup(create): the entry for an address, made if missing (state NONE). */
export function neigh_lookup_create(w: World, ns: Namespace, dev: DeviceState, ip: number): void {
  const key = neighKey(dev.ifindex, ip);
  if (entry(ns, key)) return;
  setEntry(ns, {
    ifindex: dev.ifindex,
    ip,
    mac: undefined,
    state: 'NONE',
    updated: w.loop.now,
    confirmed: w.loop.now - NEIGH_PARMS.base_reachable_time,
    used: w.loop.now,
    probes: 0,
    reachableTime: randomReachable(w),
  });
}

/** Forget every entry and pending packet of a device (it went down, or moved, or was deleted): neigh_ifdown. */
export function neigh_ifdown(w: World, ns: Namespace, ifindex: number): void {
  // A namespace whose table never ran (a device moved in and out of it at set-up) has nothing pending.
  const rt = runtime.peek(ns);
  if (rt) for (const [key, p] of rt.pending) {
    if (!key.startsWith(`${ifindex}/`)) continue;
    w.loop.cancel(p.timer);
    rt.pending.delete(key);
  }
  if (Object.values(ns.state.neigh).some((e) => e.ifindex === ifindex)) {
    ns.update((d) => {
      for (const k of Object.keys(d.neigh)) if (d.neigh[k]?.ifindex === ifindex) delete d.neigh[k];
    });
    w.trace.state(w.loop.now, ns.name, ns.state.devices[ifindex]?.name, 'neigh_ifdown', 'neighbour entries flushed');
  }
}

/**
 * neigh_flush_dev: the device's entries leave the table — with `skipPerm`, the PERMANENT ones stay —
 * their timers stop, and the packets still waiting for a resolution are freed (NEIGH_DEAD).
 */
function neigh_flush_dev(w: World, ns: Namespace, ifindex: number, skipPerm: boolean, stage: string): void {
  const victims = Object.values(ns.state.neigh).filter((e) => e.ifindex === ifindex && !(skipPerm && e.state === 'PERMANENT'));
  if (victims.length === 0) return;
  const rt = runtime(ns);
  const dev = ns.state.devices[ifindex];
  for (const v of victims) {
    const key = neighKey(v.ifindex, v.ip);
    const p = rt.pending.get(key);
    if (!p) continue;
    w.loop.cancel(p.timer);
    rt.pending.delete(key);
    for (const skb of p.queue) kfree_skb(w, skb, stage, 'NEIGH_DEAD', `the entry for ${fmt(v.ip)} it waited on was flushed`, dev, ns);
  }
  ns.update((d) => {
    for (const v of victims) delete d.neigh[neighKey(v.ifindex, v.ip)];
  });
  w.trace.state(w.loop.now, ns.name, dev?.name, stage, `${victims.length} neighbour entries flushed${skipPerm ? ' (permanent ones kept)' : ''}`);
}

/** neigh_changeaddr: the device's own address changed — every entry of it goes, permanent ones too. */
export function neigh_changeaddr(w: World, ns: Namespace, ifindex: number): void {
  neigh_flush_dev(w, ns, ifindex, false, 'neigh_changeaddr');
}

/** neigh_carrier_down: the device lost its carrier — its entries go, except those set PERMANENT. */
export function neigh_carrier_down(w: World, ns: Namespace, ifindex: number): void {
  neigh_flush_dev(w, ns, ifindex, true, 'neigh_carrier_down');
}

/**
 * neigh_add (`ip neigh add|replace ... lladdr M nud S`). A valid state needs a link-layer address, given
 * or already known; one shorter than the device's is refused. The entry goes through neigh_update
 * (NEIGH_UPDATE_F_ADMIN), so a REACHABLE one ages like any other.
 */
export function neigh_add(w: World, ns: Namespace, ifindex: number, ip: number, mac: string | undefined, state: Nud, replace: boolean): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (mac !== undefined && mac.split(':').length < 6) return fail('EINVAL', 'Invalid link address');
  const key = neighKey(ifindex, ip);
  const old = ns.state.neigh[key];
  if (old && !replace) return fail('EEXIST');
  const valid = VALID.has(state);
  const oldValid = old !== undefined && old.mac !== undefined && VALID.has(old.state);
  if (valid && mac === undefined && !oldValid) return fail('EINVAL', 'No link layer address given');
  const lladdr = mac === undefined ? undefined : mac.split(':').slice(0, 6).join(':');
  neigh_lookup_create(w, ns, dev, ip);
  neigh_update(w, ns, dev, ip, lladdr, state, { override: true, admin: true });
  return OK;
}

/** neigh_flush / `ip neigh flush`: drop the entries `sel` picks. */
export function neigh_flush(w: World, ns: Namespace, sel: (e: NeighEntry) => boolean): number {
  const victims = Object.values(ns.state.neigh).filter((e) => sel(e));
  if (victims.length === 0) return 0;
  const rt = runtime(ns);
  for (const v of victims) {
    const key = neighKey(v.ifindex, v.ip);
    const p = rt.pending.get(key);
    if (p) w.loop.cancel(p.timer);
    rt.pending.delete(key);
  }
  ns.update((d) => {
    for (const v of victims) delete d.neigh[neighKey(v.ifindex, v.ip)];
  });
  w.trace.state(w.loop.now, ns.name, undefined, 'neigh_flush', `${victims.length} neighbour entries flushed`);
  return victims.length;
}

/** When a namespace goes, so do its neighbour timers. */
function neigh_net_exit(w: World, ns: Namespace): void {
  const rt = runtime.peek(ns);
  if (rt) for (const [, p] of rt.pending) w.loop.cancel(p.timer);
}
