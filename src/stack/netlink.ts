/**
 * The rtnetlink operations iproute2 asks the kernel for (rtnl_newlink, do_setlink, inet_rtm_newaddr,
 * inet_rtm_newroute, fib_nl_newrule, neigh_add, ...), applied to the simulated namespaces. Each either
 * changes the world or returns the errno the kernel would answer with; tools turn errnos into
 * iproute2's messages. Device state changes drive what the kernel's notifier chains drive: routes
 * (fib_netdev_event), neighbours (neigh_ifdown), carrier of a veth's peer.
 */
import type { Draft } from 'immer';
import { broadcastOf, inSubnet, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import type { DeviceState, IfAddr, NeighEntry, NsState, Route, Rule } from '../sim/state.js';
import { neighKey, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../sim/state.js';
import { findById, findByName, loopbackUp, type Namespace, type World } from '../sim/world.js';
import { IPV4_CONF_DEFAULTS } from '../kernel/sysctl-defaults.js';
import { DEFAULT_RULES, fibAddIfaddr, fibDelIfaddr, fibDeviceDown, fibDeviceUp, fibNewTable, ruleMatches } from './fib.js';
import { neigh_ifdown } from './neighbour.js';
import { br_fdb_delete_by_port } from '../devices/bridge.js';

/** The errno names the operations answer with (iproute2 prints strerror of them). */
export type Errno = 'EEXIST' | 'ENODEV' | 'ENOENT' | 'EINVAL' | 'EADDRNOTAVAIL' | 'ENETUNREACH' | 'ESRCH' | 'EOPNOTSUPP' | 'ERANGE' | 'EBUSY' | 'ENETDOWN' | 'ELOOP' | 'ENOTCONN';

export const STRERROR: Readonly<Record<Errno, string>> = {
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOENT: 'No such file or directory',
  EINVAL: 'Invalid argument',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETUNREACH: 'Network is unreachable',
  ESRCH: 'No such process',
  EOPNOTSUPP: 'Operation not supported',
  ERANGE: 'Numerical result out of range',
  EBUSY: 'Device or resource busy',
  ENETDOWN: 'Network is down',
  ELOOP: 'Too many levels of symbolic links',
  ENOTCONN: 'Transport endpoint is not connected',
};

export type Result = { readonly ok: true } | { readonly ok: false; readonly errno: Errno; readonly extack?: string };
const OK: Result = { ok: true };
const fail = (errno: Errno, extack?: string): Result => (extack === undefined ? { ok: false, errno } : { ok: false, errno, extack });

export const IFNAMSIZ = 16;

/** The kernel's dev_valid_name. */
export function validIfname(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/** The ports of a bridge: the devices whose master it is. */
function bridgePorts(ns: NsState, bridgeId: number): DeviceState[] {
  return Object.values(ns.devices).filter((p) => p.master === bridgeId);
}

function carrierOf(w: World, d: DeviceState): boolean {
  if (d.kind === 'loopback') return true;
  if (d.kind === 'veth') {
    const peer = d.peer === undefined ? undefined : w.device(d.peer);
    return d.up && peer !== undefined && peer.dev.up;
  }
  if (d.kind === 'bridge') {
    // br_port_state_selection: once ports came or went, the bridge has carrier while one of them
    // forwards; before that it keeps the carrier every new device starts with.
    if (!d.carrierComputed) return d.carrier;
    const home = w.device(d.id);
    return d.up && home !== undefined && bridgePorts(home.ns.state, d.id).some((p) => p.up && p.carrier);
  }
  return d.up;
}

/** Recompute a veth's and its peer's carrier after either changed (veth_open / veth_close), then their bridges'. */
function syncCarrier(w: World, id: number, seen: Set<number> = new Set()): void {
  const here = w.device(id);
  if (!here || seen.has(id)) return;
  seen.add(id);
  const masters = new Set<number>();
  for (const target of [here.dev.id, here.dev.peer]) {
    if (target === undefined) continue;
    const t = w.device(target);
    if (!t) continue;
    if (t.dev.master !== undefined) masters.add(t.dev.master);
    const carrier = carrierOf(w, t.dev);
    if (carrier === t.dev.carrier) continue;
    t.ns.update((d) => {
      const dev = d.devices[t.dev.ifindex];
      if (dev) dev.carrier = carrier;
    });
    if (!carrier) br_stp_disable_ports(w, t.dev.id);
  }
  for (const m of masters) syncCarrier(w, m, seen);
}

/** dev_alloc_name: a name with "%d" becomes the first free one of NAME0, NAME1, ... in the namespace. */
export function dev_alloc_name(ns: NsState, pattern: string): string {
  if (!pattern.includes('%d')) return pattern;
  for (let i = 0; ; i++) {
    const name = pattern.replace('%d', String(i));
    if (!findByName(ns, name)) return name;
  }
}

/** is_valid_ether_addr: not multicast, not all zeros. */
export function isValidEtherAddr(mac: string): boolean {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  return b.length === 6 && ((b[0] ?? 1) & 1) === 0 && b.some((x) => x !== 0);
}

function mtuRangeError(min: number, max: number, mtu: number): Result | undefined {
  if (mtu < min) return fail('EINVAL', 'mtu less than device minimum');
  if (mtu > max) return fail('EINVAL', 'mtu greater than device maximum');
  return undefined;
}

/**
 * rtnl_newlink for `type veth`: the peer is registered first, so it gets the lower ifindex. A name with
 * "%d" (what the kernel uses when none is given: "veth%d") takes the first free number — the peer's is
 * chosen first, so `ip link add veth0 type veth` names the peer veth0 too and fails with EEXIST when
 * the device itself is registered, after the peer had taken (and kept) an ifindex.
 */
export function rtnl_newlink_veth(
  w: World,
  ns: Namespace,
  name: string,
  peerName: string,
  peerNs: Namespace = ns,
  opts: { mtu?: number; mac?: string; peerMac?: string; peerMtu?: number; peerUp?: boolean } = {},
): Result {
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
  peerNs.update((d) => {
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
  ns.update((d) => {
    id = w.newDevice(d, 'veth', mName, macA, { peer: peerId, ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}) }).id;
  });
  w.deviceHome.set(id, ns);
  peerNs.update((d) => {
    const p = findById(d as NsState, peerId);
    if (p) (d.devices[p.ifindex] as Draft<DeviceState>).peer = id;
  });
  return OK;
}

/** rtnl_newlink for `type bridge`. */
export function rtnl_newlink_bridge(w: World, ns: Namespace, name: string): Result {
  if (!name.includes('%d') && findByName(ns.state, name)) return fail('EEXIST');
  const bName = dev_alloc_name(ns.state, name);
  let id = 0;
  ns.update((d) => {
    id = w.newDevice(d, 'bridge', bName, w.rng.mac(), { carrier: true }).id;
  });
  w.deviceHome.set(id, ns);
  return OK;
}

/** dev_open / dev_close: IFF_UP, and what hangs on it. The first open attaches the default qdisc for good. */
export function dev_change_flags_up(w: World, ns: Namespace, ifindex: number, up: boolean): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (dev.up === up) return OK;
  if (dev.kind === 'loopback' && up) {
    ns.update((d) => {
      loopbackUp(d);
      (d.devices[ifindex] as Draft<DeviceState>).qdiscAttached = true;
    });
    return OK;
  }
  ns.update((d) => {
    const dv = d.devices[ifindex] as Draft<DeviceState>;
    dv.up = up;
    dv.qdiscAttached = true;
    if (!up) fibDeviceDown(d, ifindex);
  });
  syncCarrier(w, dev.id);
  if (!up) br_stp_disable_ports(w, dev.id);
  if (up) ns.update((d) => fibDeviceUp(d, ifindex));
  else neigh_ifdown(w, ns, ifindex);
  return OK;
}

/**
 * br_stp_disable_port: a port that stops forwarding — it went down, lost its carrier, or its bridge
 * went down (br_stp_disable_bridge) — forgets what was learned on it, so frames for those MACs flood
 * again once it is back rather than going to a stale port (measured: the entries stay gone after up).
 */
function br_stp_disable_ports(w: World, id: number): void {
  const here = w.device(id);
  if (!here) return;
  const d = here.dev;
  if (d.kind === 'bridge') {
    if (!d.up) for (const p of bridgePorts(here.ns.state, d.id)) br_fdb_delete_by_port(w, d.id, p.id);
    return;
  }
  if (d.master !== undefined && !(d.up && d.carrier)) br_fdb_delete_by_port(w, d.master, d.id);
}

/** br_mtu_auto_adjust and br_stp_recalculate_bridge_id: a bridge follows its ports' smallest MTU and MAC unless the user set them. */
function bridgeRecalc(w: World, bridgeId: number): void {
  const home = w.device(bridgeId);
  if (!home || home.dev.kind !== 'bridge') return;
  const ports = bridgePorts(home.ns.state, bridgeId);
  const br = home.dev;
  const mtu = br.mtuSetByUser ? br.mtu : ports.length === 0 ? 1500 : Math.min(...ports.map((p) => p.mtu));
  // With no port left the bridge id, and so the MAC, becomes all zeros.
  let mac = br.mac;
  if (!br.macSetByUser) mac = ports.length === 0 ? '00:00:00:00:00:00' : ports.map((p) => p.mac).reduce((a, b) => (macValue(b) < macValue(a) ? b : a));
  home.ns.update((d) => {
    const b = d.devices[br.ifindex] as Draft<DeviceState>;
    b.mtu = mtu;
    b.mac = mac;
    b.carrierComputed = true;
  });
  syncCarrier(w, bridgeId);
}

function macValue(mac: string): number {
  return parseInt(mac.replace(/:/g, ''), 16);
}

export function dev_set_mtu(ns: Namespace, ifindex: number, mtu: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const max = dev.kind === 'loopback' ? 2 ** 31 - 1 : 65535;
  const min = dev.kind === 'loopback' ? 0 : 68;
  const bad = mtuRangeError(min, max, mtu);
  if (bad) return bad;
  ns.update((d) => {
    const dv = d.devices[ifindex] as Draft<DeviceState>;
    dv.mtu = mtu;
    if (dv.kind === 'bridge') dv.mtuSetByUser = true;
  });
  if (dev.master !== undefined) bridgeRecalc(ns.world, dev.master);
  return OK;
}

/** dev_set_mac_address: eth_prepare_mac_addr_change refuses a multicast or all-zero address. */
export function dev_set_mac(ns: Namespace, ifindex: number, mac: string): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (!isValidEtherAddr(mac)) return fail('EADDRNOTAVAIL');
  ns.update((d) => {
    const dv = d.devices[ifindex] as Draft<DeviceState>;
    dv.mac = mac;
    if (dv.kind === 'bridge') dv.macSetByUser = true;
  });
  if (dev.master !== undefined) bridgeRecalc(ns.world, dev.master);
  return OK;
}

/**
 * dev_change_name (allowed while the device is up on this kernel), and inetdev_changename: the first
 * address takes the new name as its label, each later one the new name plus its old label's ":suffix"
 * (or ":N", N its position from 1, if it had none).
 */
export function dev_change_name(ns: Namespace, ifindex: number, name: string): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (dev.name === name) return OK;
  if (!validIfname(name)) return fail('EINVAL');
  if (findByName(ns.state, name)) return fail('EEXIST');
  ns.update((d) => {
    (d.devices[ifindex] as Draft<DeviceState>).name = name;
    let named = 0;
    for (const a of d.addrs) {
      if (a.ifindex !== ifindex) continue;
      const old = a.label;
      if (named++ === 0) {
        (a as Draft<IfAddr>).label = name;
        continue;
      }
      const colon = old.indexOf(':');
      const suffix = colon >= 0 ? old.slice(colon) : `:${named}`;
      (a as Draft<IfAddr>).label = suffix.length + name.length < IFNAMSIZ ? name + suffix : name.slice(0, IFNAMSIZ - suffix.length - 1) + suffix;
    }
  });
  return OK;
}

/**
 * do_set_master: `ip link set DEV master BR` (0: nomaster). Only a bridge takes ports here; a device
 * already enslaved elsewhere is released first (ndo_del_slave), then added (br_add_if).
 */
export function do_set_master(w: World, ns: Namespace, ifindex: number, masterIfindex: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const upper = dev.master === undefined ? undefined : w.device(dev.master);
  if (upper && upper.dev.ifindex === masterIfindex) return OK;
  if (upper) {
    ns.update((d) => {
      delete (d.devices[ifindex] as Draft<DeviceState>).master;
      delete (d.devices[ifindex] as Draft<DeviceState>).portJoined;
    });
    br_fdb_delete_by_port(w, upper.dev.id, dev.id);
    bridgeRecalc(w, upper.dev.id);
  }
  if (masterIfindex === 0) return OK;
  const master = ns.state.devices[masterIfindex];
  if (!master) return fail('EINVAL');
  if (master.kind !== 'bridge') return fail('EOPNOTSUPP');
  // br_add_if: no loopback, no bridge.
  if (dev.kind === 'loopback') return fail('EINVAL');
  if (dev.kind === 'bridge') return fail('ELOOP', 'Can not enslave a bridge to a bridge');
  const joined = w.allocateDeviceId();
  ns.update((d) => {
    (d.devices[ifindex] as Draft<DeviceState>).master = master.id;
    (d.devices[ifindex] as Draft<DeviceState>).portJoined = joined;
  });
  bridgeRecalc(w, master.id);
  return OK;
}

/** Everything a device takes with it when it leaves a namespace (unregister): addresses, routes, neighbours, its bridge. */
function detach(w: World, ns: Namespace, ifindex: number): void {
  const dev = ns.state.devices[ifindex];
  neigh_ifdown(w, ns, ifindex);
  ns.update((d) => {
    d.addrs = d.addrs.filter((a) => a.ifindex !== ifindex);
    d.routes = d.routes.filter((r) => r.dev !== ifindex);
    delete d.devices[ifindex];
    if (dev?.kind === 'bridge') {
      // br_dev_delete: every port is released.
      for (const k in d.devices) {
        const p = d.devices[k as unknown as number] as Draft<DeviceState>;
        if (p.master === dev.id) {
          delete p.master;
          delete p.portJoined;
        }
      }
    }
  });
  if (dev?.master !== undefined) {
    br_fdb_delete_by_port(w, dev.master, dev.id);
    bridgeRecalc(w, dev.master);
  }
}

/** rtnl_dellink: a veth takes its peer with it. */
export function rtnl_dellink(w: World, ns: Namespace, ifindex: number): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (dev.kind === 'loopback') return fail('EOPNOTSUPP');
  const ids = [dev.id, ...(dev.peer !== undefined ? [dev.peer] : [])];
  for (const id of ids) {
    const here = w.device(id);
    if (!here) continue;
    detach(w, here.ns, here.dev.ifindex);
    w.deviceHome.delete(id);
    for (const t of w.taps) if (t.deviceId === id) t.gone = true;
  }
  return OK;
}

/**
 * dev_change_net_namespace: the device goes down, loses its addresses and routes, and joins the other
 * namespace — keeping its ifindex if that is free there — with that namespace's conf/default.
 */
export function dev_change_net_namespace(w: World, from: Namespace, ifindex: number, to: Namespace, pat?: string): Result {
  const dev = from.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  if (dev.kind === 'loopback') return fail('EINVAL');
  if (from === to) return OK;
  // A name taken there: the move fails, unless a new name (`ip link set ... netns NS name NEW`) is free.
  let name = dev.name;
  if (findByName(to.state, name)) {
    if (pat === undefined) return fail('EEXIST', 'An interface with the same name exists in the target netns');
    name = dev_alloc_name(to.state, pat);
    if (findByName(to.state, name)) return fail('EEXIST');
  }
  if (dev.up) dev_change_flags_up(w, from, ifindex, false);
  detach(w, from, ifindex);
  const arrived = w.allocateDeviceId();
  to.update((d) => {
    // Keeps its ifindex if free there, without moving the namespace's counter; else the next free one.
    let idx = ifindex;
    if (d.devices[idx] !== undefined) {
      idx = d.nextIfindex;
      while (d.devices[idx] !== undefined) idx++;
      d.nextIfindex = idx + 1;
    }
    const moved: Draft<DeviceState> = { ...dev, name, ifindex: idx, up: false, carrier: false, conf: { ...d.confDefault }, arrived };
    // dev_shutdown drops the qdisc; the bridge it was a port of stays behind.
    delete moved.master;
    delete moved.portJoined;
    delete moved.qdiscAttached;
    d.devices[idx] = moved;
  });
  w.deviceHome.set(dev.id, to);
  syncCarrier(w, dev.id);
  return OK;
}

export interface NewAddr {
  readonly local: Ipv4Address;
  readonly prefixlen: number;
  readonly broadcast?: Ipv4Address | 'auto';
  readonly scope?: IfAddr['scope'];
  readonly label?: string;
}

const ADDR_SCOPE_VALUE: Readonly<Record<IfAddr['scope'], number>> = { global: 0, link: 253, host: 254 };

/**
 * inet_rtm_newaddr → __inet_insert_ifa. An address in the subnet (same prefix length) of one the device
 * already has is a secondary and goes to the end of the device's list; it must have the same scope. A
 * primary goes after the last primary whose scope is at least as narrow (host, then link, then global).
 */
export function inet_rtm_newaddr(ns: Namespace, ifindex: number, a: NewAddr): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const scope = a.scope ?? (a.local >>> 24 === 127 ? 'host' : 'global');
  const mine = ns.state.addrs.filter((x) => x.ifindex === ifindex);
  const sameNet = mine.filter((x) => x.prefixlen === a.prefixlen && inSubnet(a.local, x.local, x.prefixlen));
  if (sameNet.some((x) => x.local === a.local)) return fail('EEXIST', 'ipv4: Address already assigned');
  if (sameNet.some((x) => x.scope !== scope)) return fail('EINVAL', 'ipv4: Invalid scope value');
  const secondary = sameNet.length > 0;
  const brd = a.broadcast === 'auto' ? (a.prefixlen < 31 ? broadcastOf(a.local, a.prefixlen) : undefined) : a.broadcast;
  const ifa: IfAddr = { ifindex, local: a.local, prefixlen: a.prefixlen, broadcast: brd, scope, label: a.label ?? dev.name, secondary };
  const list = [...mine];
  if (secondary) list.push(ifa);
  else {
    let at = 0;
    list.forEach((x, i) => {
      if (!x.secondary && ADDR_SCOPE_VALUE[scope] <= ADDR_SCOPE_VALUE[x.scope]) at = i + 1;
    });
    list.splice(at, 0, ifa);
  }
  ns.update((d) => {
    // The device's list replaces its old block; devices stay grouped in ifindex order.
    const first = d.addrs.findIndex((x) => x.ifindex === ifindex);
    const others = d.addrs.filter((x) => x.ifindex !== ifindex);
    let at = first >= 0 ? d.addrs.slice(0, first).filter((x) => x.ifindex !== ifindex).length : others.findIndex((x) => x.ifindex > ifindex);
    if (at < 0) at = others.length;
    others.splice(at, 0, ...(list as Draft<IfAddr>[]));
    d.addrs = others;
    fibAddIfaddr(d, ifa);
  });
  return OK;
}

/** inet_rtm_deladdr; a primary takes its secondaries with it (promote_secondaries=0). */
export function inet_rtm_deladdr(ns: Namespace, ifindex: number, local: Ipv4Address, prefixlen: number | undefined): Result {
  const victim = ns.state.addrs.find((x) => x.ifindex === ifindex && x.local === local && (prefixlen === undefined || x.prefixlen === prefixlen));
  if (!victim) return fail('EADDRNOTAVAIL', 'ipv4: Address not found');
  const gone = victim.secondary ? [victim] : ns.state.addrs.filter((x) => x === victim || (x.ifindex === ifindex && x.secondary && x.prefixlen === victim.prefixlen && inSubnet(x.local, networkOf(victim.local, victim.prefixlen), victim.prefixlen)));
  ns.update((d) => {
    for (const g of gone) {
      d.addrs = d.addrs.filter((x) => !(x.ifindex === g.ifindex && x.local === g.local && x.prefixlen === g.prefixlen));
      fibDelIfaddr(d, g);
    }
  });
  // fib_inetaddr_event: the last address gone disables IP on the device (fib_disable_ip, forced):
  // every route through it goes, host-scope ones too, and its neighbours are flushed (arp_ifdown).
  if (!ns.state.addrs.some((x) => x.ifindex === ifindex)) {
    ns.update((d) => {
      d.routes = d.routes.filter((r) => r.dev !== ifindex);
    });
    neigh_ifdown(ns.world, ns, ifindex);
  }
  return OK;
}

/** Does FIB table `id` exist (fib_get_table)? */
export function fib_table_exists(ns: NsState, id: number): boolean {
  return (ns.fibTables ?? []).includes(id === 0 ? RT_TABLE_MAIN : id);
}

/** fib_new_table; while the rules are the default ones, local is an alias of main, so creating it creates main. */
function newTable(ns: Namespace, table: number): void {
  if (fib_table_exists(ns.state, table)) return;
  ns.update((d) => {
    if (table === RT_TABLE_LOCAL && !fib_has_custom_rules(d as NsState)) fibNewTable(d, RT_TABLE_MAIN);
    fibNewTable(d, table);
  });
}

/**
 * fib_has_custom_rules, approximated: the rules are no longer exactly the three a namespace starts
 * with (the kernel's flag stays set once any rule was added or deleted). Until then local routes live
 * in main's trie: creating the local table creates main, and lookups report main.
 */
export function fib_has_custom_rules(ns: NsState): boolean {
  return ns.rules.length !== DEFAULT_RULES.length || ns.rules.some((r, i) => ruleKey(r) !== ruleKey(DEFAULT_RULES[i] as Rule));
}

function ruleKey(r: Rule): string {
  return [r.priority, r.table, r.action, r.from?.addr, r.from?.len, r.to?.addr, r.to?.len, r.iif, r.oif].join('/');
}

const SCOPE_NUM: Readonly<Record<Route['scope'], number>> = { global: 0, link: 253, host: 254, nowhere: 255 };

/**
 * fib_check_nh_v4_gw without onlink: the gateway must be reached by a route of at least link scope —
 * looked up in the route's own table first (when it is not main), else through the rules — and only a
 * unicast or local route will do. The nexthop's device is that route's.
 */
function gatewayRoute(ns: NsState, table: number, gw: Ipv4Address, oif: number | undefined): Route | undefined {
  const inTable = (t: number): Route | undefined => {
    let best: Route | undefined;
    for (const r of ns.routes) {
      if (r.table !== t || !inSubnet(gw, r.dst, r.dstLen) || SCOPE_NUM[r.scope] < SCOPE_NUM.link) continue;
      if (oif !== undefined && r.dev !== oif) continue;
      if (best === undefined || r.dstLen > best.dstLen || (r.dstLen === best.dstLen && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
    }
    return best;
  };
  if (table !== RT_TABLE_MAIN && fib_table_exists(ns, table)) {
    const r = inTable(table);
    if (r) return r;
  }
  for (const rule of ns.rules) {
    if (!ruleMatches(ns, rule, { daddr: gw, saddr: 0, oif: oif ?? 0, iif: 1 })) continue;
    if (rule.action !== 'lookup') return undefined;
    const r = inTable(rule.table);
    if (r && r.type !== 'throw') return r;
  }
  return undefined;
}

/** fib_valid_prefsrc: a preferred source must be one of our addresses (the local table says so). */
function validPrefsrc(ns: NsState, src: Ipv4Address): boolean {
  return ns.routes.some((r) => r.table === RT_TABLE_LOCAL && r.type === 'local' && inSubnet(src, r.dst, r.dstLen));
}

/** inet_rtm_newroute's fib_create_info checks; the returned route has its nexthop device resolved. */
function fib_create_info(ns: NsState, r: Route): Route | Result {
  if (r.type === 'unreachable' || r.type === 'blackhole' || r.type === 'prohibit' || r.type === 'throw') {
    if (r.gateway !== undefined || r.dev !== undefined) return fail('EINVAL', 'Gateway, device and multipath can not be specified for this route type');
    return r;
  }
  const dev = r.dev === undefined ? undefined : ns.devices[r.dev];
  if (r.dev !== undefined && !dev) return fail('ENODEV');
  let resolved = r;
  if (r.scope === 'nowhere') return fail('EINVAL', 'Invalid scope');
  if (r.scope === 'host') {
    if (r.gateway !== undefined) return fail('EINVAL', 'Route with host scope can not have a gateway');
    if (!dev) return fail('ENODEV');
  } else if (r.gateway !== undefined && r.onlink) {
    if (SCOPE_NUM[r.scope] >= SCOPE_NUM.link) return fail('EINVAL', 'Nexthop has invalid scope');
    if (!dev) return fail('ENODEV', 'Nexthop device required for onlink');
    if (!dev.up) return fail('ENETDOWN', 'Nexthop device is not up');
    const t = ns.routes.find((x) => x.table === RT_TABLE_LOCAL && inSubnet(r.gateway as number, x.dst, x.dstLen) && (x.type === 'local' || x.type === 'broadcast'));
    if (t) return fail('EINVAL', 'Nexthop has invalid gateway');
  } else if (r.gateway !== undefined) {
    const via = gatewayRoute(ns, r.table, r.gateway, r.dev);
    if (!via) return fail('ENETUNREACH', 'Nexthop has invalid gateway');
    if (via.type !== 'unicast' && via.type !== 'local') return fail('EINVAL', 'Nexthop has invalid gateway');
    const out = via.dev === undefined ? undefined : ns.devices[via.dev];
    if (!out) return fail('EINVAL', 'No egress device for nexthop gateway');
    if (!out.up) return fail('ENETDOWN');
    resolved = { ...r, dev: out.ifindex, ...(via.type === 'local' ? { gatewayLocal: true } : {}) };
  } else {
    if (r.onlink) return fail('EINVAL', 'Invalid flags for nexthop - PERVASIVE and ONLINK can not be set');
    if (!dev) return fail('ENODEV');
    if (!dev.up) return fail('ENETDOWN', 'Device for nexthop is not up');
  }
  if (r.prefsrc !== undefined && !validPrefsrc(ns, r.prefsrc)) return fail('EINVAL', 'Invalid prefsrc address');
  return resolved;
}

/**
 * inet_rtm_newroute → fib_table_insert: `ip route add` (create, exclusive), `replace` (create or replace)
 * and `change` (replace only: create=false). The table is created first, even when the route is then
 * refused. A route with the same table, prefix and metric is "the same" (TOS is not modelled).
 */
export function inet_rtm_newroute(ns: Namespace, r: Route, replace: boolean, create = true): Result {
  const table = r.table === 0 ? RT_TABLE_MAIN : r.table;
  newTable(ns, table);
  if (r.dstLen < 32 && (r.dst & ~(r.dstLen === 0 ? 0 : (0xffffffff << (32 - r.dstLen)) >>> 0)) !== 0) return fail('EINVAL', 'Invalid prefix for given prefix length');
  const info = fib_create_info(ns.state, { ...r, table });
  if ('ok' in info) return info;
  const same = ns.state.routes.findIndex((x) => x.table === table && x.dst === r.dst && x.dstLen === r.dstLen && (x.metric ?? 0) === (r.metric ?? 0));
  if (same >= 0 && !replace) return fail('EEXIST');
  if (same < 0 && !create) return fail('ENOENT');
  ns.update((d) => {
    if (same >= 0) d.routes.splice(same, 1, info);
    else d.routes.push(info);
  });
  return OK;
}

export interface RouteSelector {
  readonly table: number;
  readonly dst: Ipv4Address;
  readonly dstLen: number;
  readonly dev?: number;
  readonly gateway?: Ipv4Address;
  readonly type?: Route['type'];
  readonly metric?: number;
  readonly proto?: string;
  readonly scope?: Route['scope'];
  readonly prefsrc?: Ipv4Address;
}

/** inet_rtm_delroute → fib_table_delete: the first route matching what was given. */
export function inet_rtm_delroute(ns: Namespace, sel: RouteSelector): Result {
  const table = sel.table === 0 ? RT_TABLE_MAIN : sel.table;
  if (!fib_table_exists(ns.state, table)) return fail('ESRCH', 'FIB table does not exist');
  const i = ns.state.routes.findIndex(
    (x) =>
      x.table === table &&
      x.dst === sel.dst &&
      x.dstLen === sel.dstLen &&
      (sel.dev === undefined || x.dev === sel.dev) &&
      (sel.gateway === undefined || x.gateway === sel.gateway) &&
      (sel.type === undefined || x.type === sel.type) &&
      (sel.metric === undefined || (x.metric ?? 0) === sel.metric) &&
      (sel.proto === undefined || x.proto === sel.proto) &&
      (sel.scope === undefined || x.scope === sel.scope) &&
      (sel.prefsrc === undefined || x.prefsrc === sel.prefsrc),
  );
  if (i < 0) return fail('ESRCH');
  ns.update((d) => {
    d.routes.splice(i, 1);
  });
  return OK;
}

/**
 * fib_nl_newrule. Without a priority a rule gets fib_default_rule_pref: one less than the second rule's
 * (0 when that is 0 or there is none); it goes after every rule of the same priority. An identical rule
 * is EEXIST. A `lookup` of table 0 gets a fresh table (fib_empty_table: the lowest unused id from 1).
 */
export function fib_nl_newrule(ns: Namespace, rule: Omit<Rule, 'priority'> & { priority?: number }): Result {
  let priority = rule.priority;
  if (priority === undefined) {
    const second = ns.state.rules[1];
    priority = second && second.priority > 0 ? second.priority - 1 : 0;
  }
  let table = rule.table;
  if (rule.action === 'lookup' && table === 0) {
    table = 1;
    while (fib_table_exists(ns.state, table)) table++;
  }
  const full: Rule = { ...rule, table, priority };
  if (ns.state.rules.some((r) => ruleKey(r) === ruleKey(full))) return fail('EEXIST');
  if (rule.action === 'lookup' && rule.table === 0) newTable(ns, table);
  ns.update((d) => {
    let at = d.rules.findIndex((r) => r.priority > (priority as number));
    if (at < 0) at = d.rules.length;
    d.rules.splice(at, 0, full);
  });
  return OK;
}

export function fib_nl_delrule(ns: Namespace, match: (r: Rule) => boolean): Result {
  const i = ns.state.rules.findIndex(match);
  if (i < 0) return fail('ENOENT');
  ns.update((d) => {
    d.rules.splice(i, 1);
  });
  return OK;
}

/**
 * neigh_add (`ip neigh add|replace ... lladdr M nud S`). A valid state needs a link-layer address, given
 * or already known (__neigh_update); one shorter than the device's is refused.
 */
export function neigh_add(w: World, ns: Namespace, ifindex: number, ip: Ipv4Address, mac: string | undefined, state: NeighEntry['state'], replace: boolean): Result {
  if (!ns.state.devices[ifindex]) return fail('ENODEV');
  if (mac !== undefined && mac.split(':').length < 6) return fail('EINVAL', 'Invalid link address');
  const key = neighKey(ifindex, ip);
  const old = ns.state.neigh[key];
  if (old && !replace) return fail('EEXIST');
  const valid = state !== 'NONE' && state !== 'INCOMPLETE' && state !== 'FAILED';
  const oldValid = old !== undefined && old.mac !== undefined && old.state !== 'NONE' && old.state !== 'INCOMPLETE' && old.state !== 'FAILED';
  if (valid && mac === undefined && !oldValid) return fail('EINVAL', 'No link layer address given');
  const lladdr = mac === undefined ? old?.mac : mac.split(':').slice(0, 6).join(':');
  const now = w.loop.now;
  ns.update((d) => {
    d.neigh[key] = { ifindex, ip, mac: lladdr, state, updated: now, confirmed: now, used: now, probes: 0, reachableTime: 30_000_000_000 };
  });
  return OK;
}

/** neigh_flush / `ip neigh flush`: drop entries (not PERMANENT/NOARP unless asked) matching `sel`. */
export function neigh_flush(w: World, ns: Namespace, sel: (e: NeighEntry) => boolean): number {
  const victims = Object.values(ns.state.neigh).filter((e) => sel(e));
  if (victims.length === 0) return 0;
  for (const v of victims) {
    const p = ns.neighPending.get(neighKey(v.ifindex, v.ip));
    if (p) w.loop.cancel(p.timer);
    ns.neighPending.delete(neighKey(v.ifindex, v.ip));
  }
  ns.update((d) => {
    for (const v of victims) delete d.neigh[neighKey(v.ifindex, v.ip)];
  });
  return victims.length;
}

/** Writing a conf value: conf/all/forwarding (= net.ipv4.ip_forward) also sets default and every device. */
export function devinet_conf_set(ns: Namespace, scope: 'all' | 'default' | number, key: string, value: number): void {
  ns.update((d) => {
    if (scope === 'all') {
      d.confAll[key] = value;
      if (key === 'forwarding') {
        d.confDefault.forwarding = value;
        for (const k in d.devices) (d.devices[k as unknown as number] as Draft<DeviceState>).conf.forwarding = value;
      }
    } else if (scope === 'default') d.confDefault[key] = value;
    else {
      const dev = d.devices[scope];
      if (dev) dev.conf[key] = value;
    }
  });
}

/** The IPv4 conf keys a namespace has (the files under /proc/sys/net/ipv4/conf/X/). */
export const CONF_KEYS: readonly string[] = Object.keys(IPV4_CONF_DEFAULTS);

/** Destroy a namespace (`ip netns del` once nothing holds it): its veths die, and so do their peers. */
export function netns_cleanup(w: World, ns: Namespace): void {
  for (const dev of Object.values(ns.state.devices)) {
    if (dev.kind === 'loopback') continue;
    rtnl_dellink(w, ns, dev.ifindex);
  }
  for (const [, p] of ns.neighPending) w.loop.cancel(p.timer);
  for (const t of w.taps) if (w.deviceHome.get(t.deviceId) === ns) t.gone = true;
  w.deviceHome.forEach((home, id) => {
    if (home === ns) w.deviceHome.delete(id);
  });
  w.namespaces.delete(ns.name);
}
