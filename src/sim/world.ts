/**
 * The simulated machine: network namespaces, the devices in them, virtual time, captures and the
 * trace. Control-plane state lives in each namespace's immutable NsState (see state.ts); everything
 * that only exists while packets move — timers, queued packets, sockets, a bridge's fdb — belongs to
 * the layer that owns it and hangs off a namespace or the world in a slot of its own (the kernel's
 * net_generic), so this module knows nothing of the layers above it.
 */
import { isDraft, produce, setAutoFreeze, type Draft } from 'immer';
import { EventLoop } from './event-loop.js';
import { shared } from './cow.js';
import { Rng } from './rng.js';
import { Trace } from './trace.js';
import { IdTable } from './id-table.js';
import type { CaptureTap } from './capture-store.js';
import type { DeviceKind, DeviceState, NsState, Route } from './state.js';

/**
 * A subsystem's per-namespace work (the kernel's pernet_operations): `init` fills a new namespace's
 * state (its lo, its rules, its sysctls), `ready` runs once it exists (bringing the script's lo up).
 */
export interface PernetOps {
  readonly init?: (w: World, ns: Draft<NsState>) => void;
  readonly ready?: (w: World, ns: Namespace, opts: { readonly loUp: boolean }) => void;
  /** The namespace goes: whatever the subsystem still runs for it (timers) stops. */
  readonly exit?: (w: World, ns: Namespace) => void;
}

/**
 * NsState values are never changed in place — every change is an immer `produce`, and the types are
 * readonly throughout — so immer's deep freezing of each new value only costs: a quarter of set-up
 * time and a third of a namespace's memory, measured. Structural sharing, what the history needs,
 * does not depend on it.
 */
setAutoFreeze(false);

const pernetOps: PernetOps[] = [];

/** register_pernet_subsys: in registration order, as the kernel runs them. */
export function register_pernet_subsys(ops: PernetOps): void {
  pernetOps.push(ops);
}

/** Slots handed out so far: per namespace (pernetSlot) and per world (worldSlot), each its own count. */
let pernetSlots = 0;
let worldSlots = 0;

/** A pernetSlot: the namespace's data, made on first use; `peek` only reads it. */
export interface PernetSlot<T> {
  (ns: Namespace): T;
  /** The data if it was ever made: a namespace that never needed it (an idle one) gets none. */
  readonly peek: (ns: Namespace) => T | undefined;
}

/** net_generic: a slot of per-namespace runtime data for a layer above, made on first use. */
export function pernetSlot<T>(init: (ns: Namespace) => T): PernetSlot<T> {
  const i = pernetSlots++;
  const get = (ns: Namespace) => (ns.priv[i] ??= init(ns)) as T;
  return Object.assign(get, { peek: (ns: Namespace) => ns.priv[i] as T | undefined });
}

/** The same per world: a bridge's fdb, Open vSwitch's database. */
export function worldSlot<T>(init: (w: World) => T): (w: World) => T {
  const i = worldSlots++;
  return (w) => (w.priv[i] ??= init(w)) as T;
}

export class Namespace {
  state: NsState;
  /**
   * Runtime data of the layers above, by slot (pernetSlot): as long as the slots registered, so that a
   * namespace using a slot or two does not get an array grown for many (an idle namespace's largest
   * array was this one, measured).
   */
  readonly priv: unknown[] = new Array(pernetSlots);

  constructor(
    readonly world: World,
    readonly name: string,
    initial: NsState,
  ) {
    this.state = initial;
  }

  update(recipe: (draft: Draft<NsState>) => void): void {
    this.state = produce(this.state, recipe);
    this.world.recordHistory(this);
  }

  /**
   * A change that assigns top-level fields and adds routes and FIB tables — an address and its
   * routes, a device's routes coming or going, the commonest changes at set-up after a device's own
   * fields — made on a shallow copy of the state whose `routes` and `fibTables` are copies the recipe
   * may push to, without a draft: immer's proxies and finalization were two thirds of setting up a
   * namespace (measured). The recipe must not write inside any other field (they are the state's own).
   * As with produce, a recipe that changes nothing leaves the state as it was.
   */
  updateTop(recipe: (copy: TopDraft) => void): void {
    const s = this.state;
    const copy: TopDraft = { ...s, routes: [...s.routes], fibTables: s.fibTables === undefined ? undefined : [...s.fibTables] };
    if (s.fibTables === undefined) delete copy.fibTables;
    recipe(copy);
    if (!sameTop(copy, s)) {
      // Lists grown by pushes keep room for more; a state may be kept for the rest of the run.
      for (const k of GROWN_LISTS) {
        const list = copy[k];
        if (list === undefined || list === s[k]) continue;
        (copy as Record<string, unknown>)[k] = k === 'fibTables' ? sharedTableList(list as readonly number[]) : list.slice();
      }
      this.state = copy;
    }
    this.world.recordHistory(this);
  }

  /**
   * A change to one device's own fields (up, carrier, mtu, name, ...), the commonest change at set-up:
   * the three copies a produce would make — the namespace, its device table, the device — made
   * directly, without a draft's proxies. As with produce, a recipe that changes nothing (same keys in
   * the same order, same values) leaves the state as it was. The recipe must not write inside a field
   * (conf is shared: cow.ts).
   */
  updateDevice(ifindex: number, recipe: (dev: Draft<DeviceState>) => void): void {
    const dev = this.state.devices[ifindex];
    if (dev !== undefined) {
      const copy = { ...dev } as Draft<DeviceState>;
      recipe(copy);
      if (!sameFields(copy, dev)) this.state = { ...this.state, devices: { ...this.state.devices, [ifindex]: copy } };
    }
    this.world.recordHistory(this);
  }
}

export interface WorldOptions {
  readonly seed: number;
  readonly detailedTrace: boolean;
}

/** A device's counters, as `ip -s link` reads them (rtnl_link_stats64). */
export interface DevStats {
  rx_packets: number;
  rx_bytes: number;
  tx_packets: number;
  tx_bytes: number;
  tx_dropped: number;
  /** Frames the noop qdisc of a device that was down or without carrier dropped (the kernel counts them in ways not measured here). */
  noop_dropped: number;
  /** dev_core_stats_rx_dropped_inc: frames the core dropped for the device, beside its driver's count (a full macvlan broadcast queue). */
  core_rx_dropped: number;
  /**
   * The kernel's counters for this device include frames the simulator does not make (a Linux bridge's
   * own IGMP reports reach the bridge, its ports and their peers), so they cannot be told exactly.
   */
  inexact: boolean;
}

export { CaptureTap, type TappedFrame } from './capture-store.js';

/**
 * One state change, kept when history is on: `seq` is the trace position it happened at (the number of
 * events recorded before it), so the state before event N is the last entry with seq <= N. A namespace's
 * NsState, or a snapshot of runtime state a layer keeps outside it (a bridge's fdb, OVS's tables).
 */
export type HistoryEntry =
  | { readonly seq: number; readonly t: number; readonly ns: string; readonly state: NsState }
  | { readonly seq: number; readonly t: number; readonly table: string; readonly key: string; readonly rows: readonly unknown[] };

/** How many recent hops the storm report looks at. */
export const HOP_RING = 8192;

export class World {
  readonly loop = new EventLoop();
  readonly rng: Rng;
  readonly trace: Trace;
  /** Namespaces by name, in creation order; '' is the script's own. */
  readonly namespaces = new Map<string, Namespace>();
  /** Where each device lives now, by its world-wide id. */
  readonly deviceHome = new IdTable<Namespace>();
  readonly taps: CaptureTap[] = [];
  /** Counters by device id; runtime, so they stay out of the immutable state. */
  readonly stats = new IdTable<DevStats>();
  /**
   * IFLA_CARRIER_CHANGES by device id: every carrier on and off since the device was made. Apart from
   * the counters, which a device gets only once it moves a frame: an idle device has changed carrier
   * (a veth twice) and nothing else.
   */
  readonly carrierChanges = new IdTable<number>();
  /** Every state change, in trace order, when keepHistory is set: the terminal UI steps through it. */
  readonly history: HistoryEntry[] = [];
  keepHistory = true;
  /** Runtime data of the layers above, by slot (worldSlot). */
  readonly priv: unknown[] = new Array(worldSlots);
  /** Frames handed from one device to another (a veth crossing, a loop through lo): the benchmark's unit. */
  frameHops = 0;
  /** The devices the last HOP_RING frame hops arrived at: where a storm is going round, when there is one. */
  readonly hopRing = new Int32Array(HOP_RING);
  /** The last packet id handed out (alloc_skb, skb_clone). */
  lastPacketId = 0;
  private nextDeviceId = 1;

  constructor(opts: WorldOptions) {
    this.rng = new Rng(opts.seed);
    this.trace = new Trace(opts.detailedTrace);
  }

  statsOf(deviceId: number): DevStats {
    let s = this.stats.get(deviceId);
    if (!s) this.stats.set(deviceId, (s = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, tx_dropped: 0, noop_dropped: 0, core_rx_dropped: 0, inexact: false }));
    return s;
  }

  recordHop(deviceId: number): void {
    this.hopRing[this.frameHops++ % HOP_RING] = deviceId;
  }

  /** The devices recent frames keep arriving at, busiest first: a forwarding loop's members. */
  busiestDevices(): { name: string; ns: string; share: number }[] {
    const n = Math.min(this.frameHops, HOP_RING);
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) counts.set(this.hopRing[i] as number, (counts.get(this.hopRing[i] as number) ?? 0) + 1);
    const out: { name: string; ns: string; share: number }[] = [];
    for (const [id, c] of counts) {
      const d = this.device(id);
      if (d && c / n >= 0.02) out.push({ name: d.dev.name, ns: d.ns.name, share: c / n });
    }
    return out.sort((a, b) => b.share - a.share);
  }

  recordHistory(ns: Namespace): void {
    if (this.keepHistory) this.history.push({ seq: this.trace.position, t: this.loop.now, ns: ns.name, state: ns.state });
  }

  /** A snapshot of runtime state kept outside NsState (`table` names what it is, `key` which one). */
  recordTable(table: string, key: string, rows: () => readonly unknown[]): void {
    if (this.keepHistory) this.history.push({ seq: this.trace.position, t: this.loop.now, table, key, rows: rows() });
  }

  allocateDeviceId(): number {
    return this.nextDeviceId++;
  }

  /**
   * A fresh namespace: what each subsystem's pernet init puts in it (lo first, DOWN, as `ip netns add`
   * leaves it), then their ready hooks (`loUp`: the script's own namespace, whose lo is UP).
   */
  createNamespace(name: string, loUp: boolean): Namespace {
    // A value nothing else holds yet: the init hooks fill it in place, where a produce would only copy it.
    const state: NsState = { name, devices: {}, nextIfindex: 1, addrs: [], routes: [], rules: [], neigh: NO_NEIGHBOURS, confAll: {}, confDefault: {}, sysctl: {} };
    for (const o of pernetOps) o.init?.(this, state as Draft<NsState>);
    const ns = new Namespace(this, name, state);
    this.namespaces.set(name, ns);
    for (const k in state.devices) this.deviceHome.set((state.devices[k as unknown as number] as DeviceState).id, ns);
    this.recordHistory(ns);
    for (const o of pernetOps) o.ready?.(this, ns, { loUp });
    return ns;
  }

  /**
   * The namespace goes (`ip netns del` once nothing holds it; its devices are already gone but lo):
   * each subsystem's pernet exit, then every trace of it.
   */
  removeNamespace(ns: Namespace): void {
    for (const o of pernetOps) o.exit?.(this, ns);
    for (const t of this.taps) if (this.deviceHome.get(t.deviceId) === ns) t.gone = true;
    this.deviceHome.forEach((home, id) => {
      if (home === ns) this.deviceHome.delete(id);
    });
    this.namespaces.delete(ns.name);
  }

  /** Last known ifindex of each device id: `device()` is on the per-frame path. */
  private readonly ifindexCache = new IdTable<number>();

  /** The namespace and current state of a device, by world-wide id. */
  device(id: number): { ns: Namespace; dev: DeviceState } | undefined {
    const ns = this.deviceHome.get(id);
    const dev = ns === undefined ? undefined : this.deviceIn(ns, id);
    return dev === undefined ? undefined : { ns: ns as Namespace, dev };
  }

  /** The current state of device `id` in its namespace `ns` (deviceHome's): no pair made, for the per-frame path. */
  deviceIn(ns: Namespace, id: number): DeviceState | undefined {
    const cached = this.ifindexCache.get(id);
    if (cached !== undefined) {
      const dev = ns.state.devices[cached];
      if (dev !== undefined && dev.id === id) return dev;
    }
    const dev = findById(ns.state, id);
    if (dev) this.ifindexCache.set(id, dev.ifindex);
    return dev;
  }

  /** A device in a namespace being changed: the next free ifindex (dev_index_reserve), the namespace's conf/default. */
  newDevice(ns: Draft<NsState> | TopDraft, kind: DeviceKind, name: string, mac: string, extra: Partial<DeviceState> = {}): DeviceState {
    let ifindex = ns.nextIfindex;
    while (ns.devices[ifindex] !== undefined) ifindex++;
    const dev: DeviceState = {
      id: this.allocateDeviceId(),
      ifindex,
      name,
      kind,
      mac,
      mtu: 1500,
      up: false,
      carrier: false,
      txqlen: 1000,
      // conf/default itself, shared until one of them is written (cow.ts).
      conf: shared(ns.confDefault),
      ...extra,
    };
    putDevice(ns, dev);
    ns.nextIfindex = ifindex + 1;
    return dev;
  }
}

/** Puts `dev` in the device table: through the draft, or in a new table for a copy from updateTop. */
export function putDevice(ns: Draft<NsState> | TopDraft, dev: DeviceState): void {
  if (isDraft(ns.devices)) (ns.devices as Record<number, DeviceState>)[dev.ifindex] = dev;
  else ns.devices = { ...ns.devices, [dev.ifindex]: dev };
}

/** Takes the device at `ifindex` out of the device table (a draft's, or a copy's from updateTop). */
export function deleteDevice(ns: Draft<NsState> | TopDraft, ifindex: number): void {
  if (isDraft(ns.devices)) delete (ns.devices as Record<number, DeviceState>)[ifindex];
  else {
    const rest = { ...ns.devices };
    delete rest[ifindex];
    ns.devices = rest;
  }
}

const GROWN_LISTS = ['routes', 'addrs', 'fibTables'] as const;

/** A new namespace's empty neighbour table: one frozen object, until a draft's first entry copies it. */
const NO_NEIGHBOURS: NsState['neigh'] = Object.freeze({});

/**
 * Lists of FIB tables as updateTop leaves them, one frozen copy of each: nearly every namespace has
 * the same one or two (main and local), and a draft's push copies the shared list first.
 */
const tableLists = new Map<string, readonly number[]>();

function sharedTableList(list: readonly number[]): readonly number[] {
  const key = list.join(',');
  let one = tableLists.get(key);
  if (one === undefined) tableLists.set(key, (one = Object.freeze(list.slice())));
  return one;
}

/** A state `updateTop` may change: its fields replaced, its routes and FIB tables pushed to. */
export type TopDraft = { -readonly [K in keyof NsState]: NsState[K] } & { routes: Route[]; fibTables?: number[] };

/** The copy has the same fields as the state: the same values, and routes and tables element for element. */
function sameTop(copy: TopDraft, s: NsState): boolean {
  for (const k in copy) {
    const a = (copy as Record<string, unknown>)[k];
    const b = (s as unknown as Record<string, unknown>)[k];
    if (a === b) continue;
    if ((k === 'routes' || k === 'fibTables') && Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i])) continue;
    return false;
  }
  return Object.keys(copy).length === Object.keys(s).length;
}

/** Same own keys, in the same order, with the same values: what immer would call unmodified. */
function sameFields(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string;
    if (k !== kb[i] || (a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  return true;
}

export function findById(ns: NsState, id: number): DeviceState | undefined {
  for (const k in ns.devices) {
    const d = ns.devices[k as unknown as number] as DeviceState;
    if (d.id === id) return d;
  }
  return undefined;
}

export function findByName(ns: NsState, name: string): DeviceState | undefined {
  for (const k in ns.devices) {
    const d = ns.devices[k as unknown as number] as DeviceState;
    if (d.name === name) return d;
  }
  return undefined;
}
