/**
 * The neighbour table for IPv4 (net/core/neighbour.c with arp_tbl's defaults): resolution of a
 * next hop's MAC, the NUD state machine and its timers, and the packets that wait for an answer.
 *
 * INCOMPLETE  broadcast probes every retrans_time (1 s), mcast_solicit (3) of them, then FAILED
 * REACHABLE   confirmed recently; after reachable_time (base 30 s, randomised) it becomes STALE
 * STALE       usable, unconfirmed; the first use makes it DELAY
 * DELAY       waits delay_first_probe_time (5 s) for a confirmation, then PROBE
 * PROBE       unicast probes (ucast_solicit, 3), then FAILED
 * FAILED      the queued packets are reported back as ICMP host unreachable (arp_error_report)
 */
import { NS_PER_SEC } from '../sim/event-loop.js';
import { neighKey, type DeviceState, type NeighEntry, type Nud } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { ETHERTYPE_IPV4 } from '../wire/ethernet.js';
import { ethFrame } from '../devices/frame.js';
import { dev_queue_xmit, type XmitResult } from '../devices/netdev.js';
import { arp_solicit } from './arp.js';
import { icmp_send_unreach_for_local } from './icmp.js';
import { fmt } from './route.js';

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

const CONNECTED: ReadonlySet<Nud> = new Set(['REACHABLE', 'PERMANENT', 'NOARP']);
/** NUD_IN_TIMER: the states whose entries have a running timer; the others simply wait. */
const IN_TIMER: ReadonlySet<Nud> = new Set(['INCOMPLETE', 'REACHABLE', 'DELAY', 'PROBE']);
const VALID: ReadonlySet<Nud> = new Set(['REACHABLE', 'PERMANENT', 'NOARP', 'STALE', 'DELAY', 'PROBE']);

function maxProbes(state: Nud): number {
  const p = NEIGH_PARMS;
  return p.ucast_solicit + p.app_solicit + (state === 'PROBE' ? p.mcast_resolicit : p.mcast_solicit);
}

function entry(ns: Namespace, key: string): NeighEntry | undefined {
  return ns.state.neigh[key];
}

function setEntry(ns: Namespace, e: NeighEntry): void {
  ns.update((d) => {
    d.neigh[neighKey(e.ifindex, e.ip)] = e;
  });
}

function pending(ns: Namespace, key: string) {
  let p = ns.neighPending.get(key);
  if (!p) {
    p = { timer: undefined, queue: [] };
    ns.neighPending.set(key, p);
  }
  return p;
}

function armTimer(w: World, ns: Namespace, dev: DeviceState, e: NeighEntry, at: number, quiet = false): void {
  const key = neighKey(e.ifindex, e.ip);
  const p = pending(ns, key);
  w.loop.cancel(p.timer);
  p.timer = w.loop.at(at, () => neigh_timer_handler(w, ns, dev.id, key), quiet);
}

function randomReachable(w: World): number {
  const base = NEIGH_PARMS.base_reachable_time;
  return Math.floor(base / 2 + (w.rng.next32() / 0x1_0000_0000) * base);
}

/** Sends a datagram to a resolved neighbour. */
function neigh_xmit(w: World, ns: Namespace, dev: DeviceState, mac: string, datagram: Uint8Array): XmitResult {
  return dev_queue_xmit(w, ns, dev, ethFrame(mac, dev.mac, ETHERTYPE_IPV4, datagram));
}

/**
 * neigh_resolve_output / __neigh_event_send: send `datagram` to `nexthop` on `dev`, resolving its MAC
 * first if need be.
 */
export function neigh_output(w: World, ns: Namespace, dev: DeviceState, nexthop: number, datagram: Uint8Array): XmitResult {
  const now = w.loop.now;
  const fast = ns.neighFast(dev.ifindex, nexthop);
  if (fast && CONNECTED.has(fast.state)) {
    // `used` changes with every packet: kept beside the state, not as an immer step per packet.
    ns.neighUsed.set(dev.ifindex * 0x1_0000_0000 + nexthop, now);
    return neigh_xmit(w, ns, dev, fast.mac as string, datagram);
  }
  const key = neighKey(dev.ifindex, nexthop);
  let e = fast;
  if (e && (e.state === 'DELAY' || e.state === 'PROBE')) return neigh_xmit(w, ns, dev, e.mac as string, datagram);
  if (e && e.state === 'STALE') {
    e = { ...e, state: 'DELAY', updated: now, used: now };
    setEntry(ns, e);
    if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'neigh_event_send', `${fmt(nexthop)} STALE -> DELAY`);
    armTimer(w, ns, dev, e, now + NEIGH_PARMS.delay_first_probe_time);
    return neigh_xmit(w, ns, dev, e.mac as string, datagram);
  }
  if (!e || e.state === 'FAILED' || e.state === 'NONE') {
    e = {
      ifindex: dev.ifindex,
      ip: nexthop,
      mac: e?.mac,
      state: 'INCOMPLETE',
      updated: now,
      confirmed: e?.confirmed ?? now - NEIGH_PARMS.base_reachable_time,
      used: now,
      probes: NEIGH_PARMS.ucast_solicit,
      reachableTime: e?.reachableTime ?? randomReachable(w),
    };
    setEntry(ns, e);
    if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'neigh_event_send', `${fmt(nexthop)} -> INCOMPLETE, resolving`);
    armTimer(w, ns, dev, e, now + Math.max(NEIGH_PARMS.retrans_time, NEIGH_TIMER_MIN_NS));
    enqueue(w, ns, dev, key, datagram);
    neigh_probe(w, ns, dev, key, datagram);
    return 'ok';
  }
  enqueue(w, ns, dev, key, datagram);
  return 'ok';
}

function enqueue(w: World, ns: Namespace, dev: DeviceState, key: string, datagram: Uint8Array): void {
  const q = pending(ns, key).queue;
  if (q.length >= NEIGH_PARMS.unres_qlen) {
    q.shift();
    w.trace.drop(w.loop.now, ns.name, dev.name, 'neigh_event_send', 'NEIGH_QUEUEFULL', 'the oldest packet waiting for resolution is dropped');
  }
  q.push(datagram);
}

/** neigh_probe: one solicitation, counting it. */
function neigh_probe(w: World, ns: Namespace, dev: DeviceState, key: string, trigger: Uint8Array | undefined): void {
  const e = entry(ns, key);
  if (!e) return;
  const probes = e.probes;
  setEntry(ns, { ...e, probes: probes + 1 });
  const unicast = probes - NEIGH_PARMS.ucast_solicit < 0 && e.mac !== undefined ? e.mac : undefined;
  const waiting = trigger ?? pending(ns, key).queue[pending(ns, key).queue.length - 1];
  arp_solicit(w, ns, dev, e.ip, unicast, waiting);
}

/** neigh_timer_handler: the state machine's clock. */
function neigh_timer_handler(w: World, ns: Namespace, devId: number, key: string): void {
  const p = ns.neighPending.get(key);
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
    } else if (now <= Math.max(cur.used, ns.neighUsed.get(cur.ifindex * 0x1_0000_0000 + cur.ip) ?? 0) + NEIGH_PARMS.delay_first_probe_time) {
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
    if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'neigh_timer_handler', `${fmt(cur.ip)} -> FAILED after ${cur.probes} probes`);
    neigh_invalidate(w, ns, dev, key);
    return;
  }
  if (cur !== e) {
    setEntry(ns, cur);
    if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'neigh_timer_handler', `${fmt(cur.ip)} ${e.state} -> ${cur.state}`);
  }
  // mod_timer never closer than HZ/100: a deadline reached already is looked at again 8 ms on.
  if (next !== undefined) armTimer(w, ns, dev, cur, Math.max(next, now + NEIGH_TIMER_MIN_NS), quiet);
  if (cur.state === 'INCOMPLETE' || cur.state === 'PROBE') neigh_probe(w, ns, dev, key, undefined);
}

/** neigh_invalidate: every packet that waited is reported back to its sender. */
function neigh_invalidate(w: World, ns: Namespace, dev: DeviceState, key: string): void {
  const p = ns.neighPending.get(key);
  const queued = p ? p.queue.splice(0) : [];
  for (const datagram of queued) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'neigh_invalidate', 'NEIGH_FAILED', `${fmt(entry(ns, key)?.ip ?? 0)} did not answer ARP: arp_error_report sends ICMP host unreachable`);
    icmp_send_unreach_for_local(w, ns, datagram);
  }
}

export interface NeighUpdateFlags {
  readonly override: boolean;
  readonly admin?: boolean;
}

/** neigh_update: a new MAC and/or state for an entry (from ARP, or `ip neigh`). */
export function neigh_update(w: World, ns: Namespace, dev: DeviceState, ip: number, mac: string | undefined, state: Nud, flags: NeighUpdateFlags): void {
  const key = neighKey(dev.ifindex, ip);
  const now = w.loop.now;
  const old = entry(ns, key);
  if (!old) return;
  let newState = state;
  let newMac = mac ?? old.mac;
  const oldValid = VALID.has(old.state);
  if (oldValid) {
    if (newMac !== old.mac && !flags.override) return;
    if (newMac === old.mac && newState === 'STALE' && !flags.admin) newState = old.state;
  }
  if (!oldValid && mac === undefined) newMac = old.mac;
  const confirmed = CONNECTED.has(state) ? now : old.confirmed;
  const changed = newState !== old.state || newMac !== old.mac;
  const cur: NeighEntry = { ...old, mac: newMac, state: newState, confirmed, updated: changed ? now : old.updated };
  setEntry(ns, cur);
  if (changed) w.trace.step(now, ns.name, dev.name, 'neigh_update', `${fmt(ip)} ${old.state} -> ${newState}${newMac ? ` ${newMac}` : ''}`);
  if (newState === 'REACHABLE' && old.state !== 'REACHABLE') armTimer(w, ns, dev, cur, now + cur.reachableTime, true);
  else if (newState === 'STALE') {
    const p = ns.neighPending.get(key);
    if (p) w.loop.cancel(p.timer);
  }
  if (!oldValid && VALID.has(newState) && newMac !== undefined) {
    const p = ns.neighPending.get(key);
    const queued = p ? p.queue.splice(0) : [];
    for (const d of queued) void neigh_xmit(w, ns, dev, newMac, d);
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

/** Forget every entry and pending packet of a device (it went down, or moved, or was deleted). */
export function neigh_ifdown(w: World, ns: Namespace, ifindex: number): void {
  for (const [key, p] of ns.neighPending) {
    if (!key.startsWith(`${ifindex}/`)) continue;
    w.loop.cancel(p.timer);
    ns.neighPending.delete(key);
  }
  if (Object.values(ns.state.neigh).some((e) => e.ifindex === ifindex)) {
    ns.update((d) => {
      for (const k of Object.keys(d.neigh)) if (d.neigh[k]?.ifindex === ifindex) delete d.neigh[k];
    });
  }
}
