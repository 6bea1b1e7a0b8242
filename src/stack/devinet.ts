/**
 * IPv4 addresses and per-device settings (net/ipv4/devinet.c): inet_rtm_newaddr / inet_rtm_deladdr,
 * the conf/all, conf/default and conf/DEV sysctls, and what devinet does when a device changes
 * (inetdev_event): lo gets 127.0.0.1/8 when it first comes up, a renamed device's addresses take its new
 * name as their label, a device that leaves takes its addresses along, and with arp_notify a device
 * that comes up or changes its MAC announces each of its addresses (a gratuitous ARP).
 */
import type { Draft } from 'immer';
import { broadcastOf, inSubnet, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import type { DeviceState, IfAddr, NsState } from '../sim/state.js';
import type { Namespace } from '../sim/world.js';
import { IFNAMSIZ } from '../core/dev.js';
import { isLoopback } from '../core/netdevice.js';
import { neigh_ifdown } from '../core/neighbour.js';
import { fail, OK, type Result } from '../core/errno.js';
import type { NetdevNotification } from '../core/notifier.js';
import { fibAddIfaddr, fibDelIfaddr, fibModifyPrefixMetric } from './fib.js';
import { devConf } from './devconf.js';
import { arp_send } from './arp.js';
import { ARP_OP_REQUEST } from '../wire/arp.js';
import { BROADCAST_MAC } from '../wire/ethernet.js';
import type { World } from '../sim/world.js';

/**
 * The IPv4 per-device settings a new network namespace gets from the kernel itself (devinet.c's
 * ipv4_devconf defaults), for conf/all, conf/default and each device. Read off an untouched machine
 * (kernel 6.18): cat /proc/sys/net/ipv4/conf/all/*.
 */
export const IPV4_CONF_DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
  accept_local: 0,
  accept_redirects: 1,
  accept_source_route: 0,
  arp_accept: 0,
  arp_announce: 0,
  arp_evict_nocarrier: 1,
  arp_filter: 0,
  arp_ignore: 0,
  arp_notify: 0,
  bootp_relay: 0,
  drop_gratuitous_arp: 0,
  drop_unicast_in_l2_multicast: 0,
  forwarding: 0,
  ignore_routes_with_linkdown: 0,
  log_martians: 0,
  promote_secondaries: 0,
  proxy_arp: 0,
  proxy_arp_pvlan: 0,
  route_localnet: 0,
  rp_filter: 0,
  secure_redirects: 1,
  send_redirects: 1,
  shared_media: 1,
  src_valid_mark: 0,
});

/** The IPv4 conf keys a namespace has (the files under /proc/sys/net/ipv4/conf/X/). */
export const CONF_KEYS: readonly string[] = Object.keys(IPV4_CONF_DEFAULTS);

/** The kernel's namespace-wide IPv4 sysctls a scenario may read or write, with their defaults. */
export const IPV4_NS_DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
  icmp_echo_ignore_broadcasts: 1,
  icmp_echo_ignore_all: 0,
  icmp_ratelimit: 1000,
  // dest unreachable, source quench, time exceeded, parameter problem
  icmp_ratemask: 6168,
  ip_default_ttl: 64,
  ip_no_pmtu_disc: 0,
});

/**
 * devinet_init_net: a new namespace's conf/all, conf/default and namespace-wide sysctls — the frozen
 * defaults themselves, shared by every namespace until a write copies them (sim/cow.ts).
 */
export function devinet_init_net(d: Draft<NsState>): void {
  d.confAll = IPV4_CONF_DEFAULTS;
  d.confDefault = IPV4_CONF_DEFAULTS;
  d.sysctl = IPV4_NS_DEFAULTS;
}

function fmt(a: Ipv4Address): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

export interface NewAddr {
  readonly local: Ipv4Address;
  readonly prefixlen: number;
  readonly broadcast?: Ipv4Address | 'auto';
  readonly scope?: IfAddr['scope'];
  readonly label?: string;
  /** IFA_RT_PRIORITY: the prefix route's metric. */
  readonly metric?: number;
}

/** What the request asks of an address the device has: NLM_F_EXCL (add) refuses it, NLM_F_REPLACE (change, replace) updates it. */
export type NewAddrMode = 'add' | 'replace';

const ADDR_SCOPE_VALUE: Readonly<Record<IfAddr['scope'], number>> = { global: 0, link: 253, host: 254 };

/**
 * inet_rtm_newaddr → __inet_insert_ifa. An address in the subnet (same prefix length) of one the device
 * already has is a secondary and goes to the end of the device's list; it must have the same scope. A
 * primary goes after the last primary whose scope is at least as narrow (host, then link, then global).
 */
export function inet_rtm_newaddr(ns: Namespace, ifindex: number, a: NewAddr, mode: NewAddrMode = 'add'): Result {
  const dev = ns.state.devices[ifindex];
  if (!dev) return fail('ENODEV');
  const scope = a.scope ?? (a.local >>> 24 === 127 ? 'host' : 'global');
  const mine = ns.state.addrs.filter((x) => x.ifindex === ifindex);
  const sameNet = mine.filter((x) => x.prefixlen === a.prefixlen && inSubnet(a.local, x.local, x.prefixlen));
  const existing = sameNet.find((x) => x.local === a.local);
  if (existing && mode === 'replace') return inet_replace_ifa(ns, existing, a.metric ?? 0);
  if (existing) return fail('EEXIST', 'ipv4: Address already assigned');
  if (sameNet.some((x) => x.scope !== scope)) return fail('EINVAL', 'ipv4: Invalid scope value');
  const secondary = sameNet.length > 0;
  const brd = a.broadcast === 'auto' ? (a.prefixlen < 31 ? broadcastOf(a.local, a.prefixlen) : undefined) : a.broadcast;
  const ifa: IfAddr = { ifindex, local: a.local, prefixlen: a.prefixlen, broadcast: brd, scope, label: a.label ?? dev.name, secondary, ...(a.metric ? { metric: a.metric } : {}) };
  insertIfa(ns, ifa);
  ns.world.trace.state(ns.world.loop.now, ns.name, dev.name, '__inet_insert_ifa', `${fmt(a.local)}/${a.prefixlen}${secondary ? ' (secondary)' : ''} added`);
  return OK;
}

/**
 * inet_rtm_newaddr for an address the device has, with NLM_F_REPLACE: only its metric (and lifetimes)
 * change — the prefix route moves to the new metric (fib_modify_prefix_metric); scope, broadcast and
 * label stay as they were.
 */
function inet_replace_ifa(ns: Namespace, ifa: IfAddr, metric: number): Result {
  if ((ifa.metric ?? 0) === metric) return OK;
  ns.update((d) => {
    const x = d.addrs.find((y) => y.ifindex === ifa.ifindex && y.local === ifa.local && y.prefixlen === ifa.prefixlen);
    if (!x) return;
    if (metric) x.metric = metric;
    else delete x.metric;
    fibModifyPrefixMetric(d, x as IfAddr, ifa.metric ?? 0);
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, ns.state.devices[ifa.ifindex]?.name, 'fib_modify_prefix_metric', `${fmt(ifa.local)}/${ifa.prefixlen} metric ${metric}`);
  return OK;
}

/** The device's addresses, `ifa` in its place among them; devices stay grouped in ifindex order; its routes added. */
function insertIfa(ns: Namespace, ifa: IfAddr): void {
  const ifindex = ifa.ifindex;
  const list = ns.state.addrs.filter((x) => x.ifindex === ifindex);
  if (ifa.secondary) list.push(ifa);
  else {
    let at = 0;
    list.forEach((x, i) => {
      if (!x.secondary && ADDR_SCOPE_VALUE[ifa.scope] <= ADDR_SCOPE_VALUE[x.scope]) at = i + 1;
    });
    list.splice(at, 0, ifa);
  }
  // The new list is worked out from the state as it is, not through the draft (whose elements would
  // each become a proxy): the same objects end up in it.
  const addrs = ns.state.addrs;
  const first = addrs.findIndex((x) => x.ifindex === ifindex);
  const others = addrs.filter((x) => x.ifindex !== ifindex);
  let at = first >= 0 ? addrs.slice(0, first).filter((x) => x.ifindex !== ifindex).length : others.findIndex((x) => x.ifindex > ifindex);
  if (at < 0) at = others.length;
  others.splice(at, 0, ...list);
  ns.updateTop((d) => {
    d.addrs = others;
    fibAddIfaddr(d, ifa);
  });
}

/**
 * inet_rtm_deladdr → __inet_del_ifa. A primary takes the secondaries of its subnet with it, unless
 * promote_secondaries (OR of all and the device): then the first of them becomes primary, moves after
 * the device's last primary, and the subnet's routes are rebuilt with it as their source.
 */
export function inet_rtm_deladdr(ns: Namespace, ifindex: number, local: Ipv4Address, prefixlen: number | undefined): Result {
  const victim = ns.state.addrs.find((x) => x.ifindex === ifindex && x.local === local && (prefixlen === undefined || x.prefixlen === prefixlen));
  if (!victim) return fail('EADDRNOTAVAIL', 'ipv4: Address not found');
  const dev = ns.state.devices[ifindex];
  const subnet = (x: IfAddr) => x.ifindex === ifindex && x.secondary && x.prefixlen === victim.prefixlen && inSubnet(x.local, networkOf(victim.local, victim.prefixlen), victim.prefixlen);
  const promote = !victim.secondary && dev !== undefined && devConf(ns.state, dev, 'promote_secondaries') !== 0 ? ns.state.addrs.find(subnet) : undefined;
  const gone = victim.secondary || promote ? [victim] : ns.state.addrs.filter((x) => x === victim || subnet(x));
  ns.update((d) => {
    if (promote) {
      // "All secondaries from subnet are changing the primary IP": their routes go silently first —
      // every kernel route naming the old primary as its source.
      d.routes = d.routes.filter((r) => !(r.proto === 'kernel' && r.dev === ifindex && r.prefsrc === victim.local));
    }
    for (const g of gone) {
      d.addrs = d.addrs.filter((x) => !(x.ifindex === g.ifindex && x.local === g.local && x.prefixlen === g.prefixlen));
      fibDelIfaddr(d, g);
    }
    if (promote) {
      const rest = d.addrs.filter((x) => x.ifindex === ifindex && x.local !== promote.local) as IfAddr[];
      const promoted: IfAddr = { ...promote, secondary: false };
      let at = 0;
      rest.forEach((x, i) => {
        if (!x.secondary && ADDR_SCOPE_VALUE[victim.scope] <= ADDR_SCOPE_VALUE[x.scope]) at = i + 1;
      });
      rest.splice(at, 0, promoted);
      const first = d.addrs.findIndex((x) => x.ifindex === ifindex);
      const others = d.addrs.filter((x) => x.ifindex !== ifindex);
      others.splice(d.addrs.slice(0, first).filter((x) => x.ifindex !== ifindex).length, 0, ...(rest as Draft<IfAddr>[]));
      d.addrs = others;
      // NETDEV_UP for the promoted address, then fib_add_ifaddr for each secondary of the subnet left.
      fibAddIfaddr(d, promoted);
      for (const x of d.addrs) if (subnet(x as IfAddr)) fibAddIfaddr(d, x as IfAddr);
    }
  });
  const devName = ns.state.devices[ifindex]?.name;
  for (const g of gone) ns.world.trace.state(ns.world.loop.now, ns.name, devName, '__inet_del_ifa', `${fmt(g.local)}/${g.prefixlen} deleted`);
  if (promote) ns.world.trace.state(ns.world.loop.now, ns.name, devName, '__inet_del_ifa', `${fmt(promote.local)}/${promote.prefixlen} promoted to primary (promote_secondaries)`);
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
  const where = scope === 'all' || scope === 'default' ? scope : (ns.state.devices[scope]?.name ?? String(scope));
  ns.world.trace.state(ns.world.loop.now, ns.name, undefined, 'devinet_conf_proc', `conf/${where}/${key} = ${value}`);
}

/**
 * inetdev_changename: the first address takes the new name as its label, each later one the new name
 * plus its old label's ":suffix" (or ":N", N its position from 1, if it had none).
 */
function inetdev_changename(ns: Namespace, dev: DeviceState): void {
  if (!ns.state.addrs.some((a) => a.ifindex === dev.ifindex)) return;
  ns.update((d) => {
    let named = 0;
    for (const a of d.addrs) {
      if (a.ifindex !== dev.ifindex) continue;
      const old = a.label;
      if (named++ === 0) {
        a.label = dev.name;
        continue;
      }
      const colon = old.indexOf(':');
      const suffix = colon >= 0 ? old.slice(colon) : `:${named}`;
      a.label = suffix.length + dev.name.length < IFNAMSIZ ? dev.name + suffix : dev.name.slice(0, IFNAMSIZ - suffix.length - 1) + suffix;
    }
  });
}

/**
 * inetdev_send_gratuitous_arp (arp_notify): one broadcast "who-has A tell A" from the device's address
 * for each of its addresses, primaries and secondaries in list order. lo (IFF_NOARP) sends none.
 */
function inetdev_send_gratuitous_arp(w: World, ns: Namespace, dev: DeviceState): void {
  if (isLoopback(dev)) return;
  for (const a of ns.state.addrs) if (a.ifindex === dev.ifindex) arp_send(w, ns, dev, ARP_OP_REQUEST, BROADCAST_MAC, a.local, a.local, undefined);
}

/** lo's 127.0.0.1/8, the same in every namespace: one object, shared (states are never changed in place). */
const LO_ADDR: IfAddr = { ifindex: 1, local: 0x7f000001, prefixlen: 8, broadcast: undefined, scope: 'host', label: 'lo', secondary: false };

/** inetdev_event. */
export function inetdev_event(n: NetdevNotification): void {
  const { ns, dev } = n;
  switch (n.event) {
    case 'NETDEV_UP':
      // The first time lo comes up it gets 127.0.0.1/8.
      if (isLoopback(dev) && !ns.state.addrs.some((a) => a.ifindex === dev.ifindex)) {
        insertIfa(ns, dev.ifindex === LO_ADDR.ifindex && dev.name === LO_ADDR.label ? LO_ADDR : { ...LO_ADDR, ifindex: dev.ifindex, label: dev.name });
      }
      if (devConf(ns.state, dev, 'arp_notify') !== 0) inetdev_send_gratuitous_arp(n.w, ns, dev);
      break;
    case 'NETDEV_CHANGEADDR':
      if (devConf(ns.state, dev, 'arp_notify') !== 0) inetdev_send_gratuitous_arp(n.w, ns, dev);
      break;
    case 'NETDEV_CHANGENAME':
      inetdev_changename(ns, dev);
      break;
    case 'NETDEV_UNREGISTER':
      if (ns.state.addrs.some((a) => a.ifindex === dev.ifindex)) {
        ns.update((d) => {
          d.addrs = d.addrs.filter((a) => a.ifindex !== dev.ifindex);
        });
      }
      break;
    default:
      break;
  }
}
