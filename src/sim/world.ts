/**
 * The simulated machine: network namespaces, the devices in them, virtual time, captures and the
 * trace. Control-plane state lives in each namespace's immutable NsState (see state.ts); everything
 * that only exists while packets move — timers, queued packets, sockets — lives beside it here.
 */
import { produce, type Draft } from 'immer';
import { EventLoop, type Timer } from './event-loop.js';
import { Rng } from './rng.js';
import { Trace } from './trace.js';
import { DEFAULT_RULES, fibAddIfaddr } from '../stack/fib.js';
import { IPV4_CONF_DEFAULTS } from '../kernel/sysctl-defaults.js';
import type { DeviceKind, DeviceState, IfAddr, NeighEntry, NsState } from './state.js';
import type { OvsDb } from '../devices/ovs.js';

/** The kernel's namespace-wide IPv4 sysctls a scenario may read or write, with their defaults. */
export const IPV4_NS_DEFAULTS: Readonly<Record<string, number>> = {
  icmp_echo_ignore_broadcasts: 1,
  icmp_echo_ignore_all: 0,
  icmp_ratelimit: 1000,
  ip_default_ttl: 64,
  ip_no_pmtu_disc: 0,
};

/** A frame on its way, with the metadata the kernel keeps in its sk_buff. */
export interface Skb {
  /** The whole Ethernet frame. */
  readonly data: Uint8Array;
  /** Set on frames looped back through lo: the route was already decided (skb_dst kept). */
  readonly looped?: boolean;
}

/** A raw ICMP socket (a ping process's). */
export interface RawSocket {
  /** SO_BINDTODEVICE: ifindex, 0 for none. */
  readonly boundDev: number;
  /** bind(): the local address, 0 for any. */
  readonly boundAddr: number;
  /** A datagram delivered locally (raw_local_deliver). */
  onPacket(datagram: Uint8Array, info: { readonly iif: number; readonly dev: number }): void;
  /** An ICMP error about a datagram this socket sent (IP_RECVERR's error queue). */
  onError(from: number, type: number, code: number, offending: Uint8Array): void;
}

export interface PendingNeigh {
  timer: Timer | undefined;
  /** Packets waiting for resolution (arp_queue): IPv4 datagrams with their output device. */
  queue: Uint8Array[];
}

export interface CaptureTap {
  readonly deviceId: number;
  /** Frames seen, in order: virtual time, bytes, and whether the device received or sent it. */
  readonly frames: { t: number; data: Uint8Array; dir: 'in' | 'out' }[];
  /** The device went away under the capture. */
  gone: boolean;
}

export class Namespace {
  state: NsState;
  readonly neighPending = new Map<string, PendingNeigh>();
  /** Last use of each neighbour entry on the fast path (neigh->used), by ifindex·2³² + ip. */
  readonly neighUsed = new Map<number, number>();
  private neighIndexOf: NsState['neigh'] | undefined;
  private neighIndex = new Map<number, NeighEntry>();

  /** The neighbour entry for (ifindex, ip) without building a string key: the per-packet lookup. */
  neighFast(ifindex: number, ip: number): NeighEntry | undefined {
    if (this.neighIndexOf !== this.state.neigh) {
      this.neighIndexOf = this.state.neigh;
      this.neighIndex = new Map();
      for (const k in this.state.neigh) {
        const e = this.state.neigh[k] as NeighEntry;
        this.neighIndex.set(e.ifindex * 0x1_0000_0000 + e.ip, e);
      }
    }
    return this.neighIndex.get(ifindex * 0x1_0000_0000 + ip);
  }
  readonly rawSockets = new Set<RawSocket>();
  /** IP identification counter for locally generated datagrams. */
  ipId: number;
  /** Fragments being reassembled (ip_defrag), keyed by src/dst/id/proto. */
  readonly defrag = new Map<string, { parts: { offset: number; data: Uint8Array; last: boolean }[]; header: Uint8Array; timer: Timer }>();

  constructor(
    readonly world: World,
    readonly name: string,
    initial: NsState,
  ) {
    this.state = initial;
    this.ipId = world.rng.below(0x10000);
  }

  update(recipe: (draft: Draft<NsState>) => void): void {
    this.state = produce(this.state, recipe);
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
}

export interface HistoryEntry {
  readonly t: number;
  readonly ns: string;
  readonly state: NsState;
}

/** How many recent hops the storm report looks at. */
export const HOP_RING = 8192;

export class World {
  readonly loop = new EventLoop();
  readonly rng: Rng;
  readonly trace: Trace;
  /** Namespaces by name, in creation order; '' is the script's own. */
  readonly namespaces = new Map<string, Namespace>();
  /** Where each device lives now, by its world-wide id. */
  readonly deviceHome = new Map<number, Namespace>();
  readonly taps: CaptureTap[] = [];
  /** Open vSwitch's configuration, as a private ovsdb would hold it. */
  readonly ovs: OvsDb = { bridges: [], datapathDevice: undefined, version: 0 };
  /** Each bridge's forwarding database (runtime: learning refreshes it with every frame). */
  readonly fdbs = new Map<number, Map<string, { port: number; updated: number }>>();
  /** Counters by device id; runtime, like the fdbs, so they stay out of the immutable state. */
  readonly stats = new Map<number, DevStats>();
  /** Every NsState a namespace has had, in order: the terminal UI steps through it. */
  readonly history: HistoryEntry[] = [];
  keepHistory = true;
  /** Frames handed from one device to another (a veth crossing, a loop through lo): the benchmark's unit. */
  frameHops = 0;
  /** The devices the last HOP_RING frame hops arrived at: where a storm is going round, when there is one. */
  readonly hopRing = new Int32Array(HOP_RING);

  statsOf(deviceId: number): DevStats {
    let s = this.stats.get(deviceId);
    if (!s) this.stats.set(deviceId, (s = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, tx_dropped: 0 }));
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
  private nextDeviceId = 1;

  constructor(opts: WorldOptions) {
    this.rng = new Rng(opts.seed);
    this.trace = new Trace(opts.detailedTrace);
  }

  recordHistory(ns: Namespace): void {
    if (this.keepHistory) this.history.push({ t: this.loop.now, ns: ns.name, state: ns.state });
  }

  allocateDeviceId(): number {
    return this.nextDeviceId++;
  }

  /** A fresh namespace: only lo, as `ip netns add` leaves it (DOWN), or UP with 127.0.0.1 for the script's own. */
  createNamespace(name: string, loUp: boolean): Namespace {
    const lo: DeviceState = {
      id: this.allocateDeviceId(),
      ifindex: 1,
      name: 'lo',
      kind: 'loopback',
      mac: '00:00:00:00:00:00',
      mtu: 65536,
      up: false,
      carrier: true,
      txqlen: 1000,
      conf: { ...IPV4_CONF_DEFAULTS },
    };
    const state: NsState = {
      name,
      devices: { 1: lo },
      nextIfindex: 2,
      addrs: [],
      routes: [],
      rules: DEFAULT_RULES,
      neigh: {},
      confAll: { ...IPV4_CONF_DEFAULTS },
      confDefault: { ...IPV4_CONF_DEFAULTS },
      sysctl: { ...IPV4_NS_DEFAULTS },
    };
    const ns = new Namespace(this, name, state);
    this.namespaces.set(name, ns);
    this.deviceHome.set(lo.id, ns);
    if (loUp) ns.update((d) => loopbackUp(d));
    else this.recordHistory(ns);
    return ns;
  }

  /** Last known ifindex of each device id: `device()` is on the per-frame path. */
  private readonly ifindexCache = new Map<number, number>();

  /** The namespace and current state of a device, by world-wide id. */
  device(id: number): { ns: Namespace; dev: DeviceState } | undefined {
    const ns = this.deviceHome.get(id);
    if (!ns) return undefined;
    const cached = this.ifindexCache.get(id);
    if (cached !== undefined) {
      const dev = ns.state.devices[cached];
      if (dev !== undefined && dev.id === id) return { ns, dev };
    }
    const dev = findById(ns.state, id);
    if (!dev) return undefined;
    this.ifindexCache.set(id, dev.ifindex);
    return { ns, dev };
  }

  newDevice(ns: Draft<NsState>, kind: DeviceKind, name: string, mac: string, extra: Partial<DeviceState> = {}): DeviceState {
    // dev_index_reserve: the next free index from where the namespace's counter stands (cyclic).
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
      conf: { ...ns.confDefault },
      ...extra,
    };
    ns.devices[dev.ifindex] = dev;
    ns.nextIfindex = ifindex + 1;
    return dev;
  }
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

/** inetdev_event(NETDEV_UP) on lo: the first time lo comes up it gets 127.0.0.1/8. */
export function loopbackUp(d: Draft<NsState>): void {
  const lo = d.devices[1];
  if (!lo) return;
  lo.up = true;
  if (!d.addrs.some((a) => a.ifindex === 1)) {
    const ifa: IfAddr = { ifindex: 1, local: 0x7f000001, prefixlen: 8, broadcast: undefined, scope: 'host', label: 'lo', secondary: false };
    d.addrs.push(ifa);
  }
  for (const a of d.addrs) if (a.ifindex === 1) fibAddIfaddr(d, a as IfAddr);
  // lo's 127.255.255.255 broadcast route is the network broadcast fib_add_ifaddr adds for /8.
}
