/**
 * The socket ioctls net-tools calls, as the kernel serves them — devinet_ioctl (SIOCSIFADDR,
 * SIOCSIFNETMASK, SIOCSIFBRDADDR, SIOCSIFFLAGS and the matching gets), dev_ioctl (SIOCSIFMTU),
 * ip_rt_ioctl (SIOCADDRT, SIOCDELRT via rtentry_to_fib_config) and arp_ioctl (SIOCSARP, SIOCDARP) —
 * each composed of the rtnetlink operations `ip` uses (src/stack/netlink.ts), which do the work.
 * What is the ioctls' own is here: which address an interface name means (its label), the class-based
 * prefix SIOCSIFADDR gives, the delete-and-insert by which an address is changed, how an rtentry
 * becomes a route. It belongs with the stack once src/stack can take it; until then it only calls it.
 */
import type { IfAddr } from '../../sim/state.js';
import { findByName, type Namespace, type World } from '../../sim/world.js';
import { broadcastOf, type Ipv4Address } from '../../wire/ipv4.js';
import { inetAddrType } from '../../stack/fib.js';
import { ip_route_output } from '../../stack/route.js';
import { dev_change_flags, dev_set_mtu } from '../../core/dev.js';
import { neigh_add, neigh_flush } from '../../core/neighbour.js';
import { STRERROR, type Errno } from '../../core/errno.js';
import { inet_rtm_deladdr, inet_rtm_newaddr } from '../../stack/devinet.js';
import { inet_rtm_delroute, inet_rtm_newroute } from '../../stack/fib_semantics.js';
import { NotSimulated } from '../tool.js';

/** The errnos these ioctls answer with. */
export type IoctlErrno = Errno;

export function strerror(e: IoctlErrno): string {
  return STRERROR[e];
}

export type IoctlResult = { readonly ok: true } | { readonly ok: false; readonly errno: IoctlErrno };
const OK: IoctlResult = { ok: true };
const err = (errno: IoctlErrno): IoctlResult => ({ ok: false, errno });

function fromNetlink(r: { readonly ok: boolean; readonly errno?: Errno }): IoctlResult {
  return r.ok ? OK : err(r.errno as Errno);
}

/** An interface name as devinet_ioctl reads it: the device before a ':', the whole name as the label. */
function ifreq(ns: Namespace, name: string): { ifindex: number; label: string; alias: boolean } | undefined {
  const colon = name.indexOf(':');
  const dev = findByName(ns.state, colon >= 0 ? name.slice(0, colon) : name);
  return dev ? { ifindex: dev.ifindex, label: name, alias: colon >= 0 } : undefined;
}

/**
 * The address an interface name means: the first in the device's list (primaries first) whose label
 * is the name — what SIOCGIFADDR reports and the set ioctls change.
 */
export function ifaByLabel(ns: Namespace, ifindex: number, label: string): IfAddr | undefined {
  const mine = ns.state.addrs.filter((a) => a.ifindex === ifindex);
  return mine.find((a) => a.label === label);
}

/** inet_abc_len: the prefix of an address's class; -1 for multicast. */
export function inetAbcLen(a: Ipv4Address): number {
  if (a >>> 24 === 0 || a === 0xffffffff) return 0;
  if (a >>> 31 === 0) return 8;
  if (a >>> 30 === 0b10) return 16;
  if (a >>> 29 === 0b110) return 24;
  if (a >>> 28 === 0b1111) return 32;
  return -1;
}

function maskOf(prefixlen: number): number {
  return prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0;
}

/** bad_mask: a mask is contiguous ones from the top. */
function badMask(mask: number): boolean {
  const inv = ~mask >>> 0;
  return (inv & (inv + 1)) >>> 0 !== 0;
}

function maskLen(mask: number): number {
  let n = 0;
  while (n < 32 && (mask & (0x80000000 >>> n)) !== 0) n++;
  return n;
}

/** inet_insert_ifa for an address taken out by inet_del_ifa (destroy=0) and changed: it goes back as new. */
function reinsert(ns: Namespace, ifindex: number, a: { local: number; prefixlen: number; broadcast: number | undefined; scope: IfAddr['scope']; label: string }): IoctlResult {
  // __inet_insert_ifa frees an address of 0.0.0.0 instead: that is how `ifconfig DEV 0.0.0.0` deletes.
  if (a.local === 0) return OK;
  return fromNetlink(inet_rtm_newaddr(ns, ifindex, { local: a.local, prefixlen: a.prefixlen, broadcast: a.broadcast, scope: a.scope, label: a.label }));
}

/** SIOCSIFADDR: a new address replaces the label's (class-based prefix and broadcast, scope global). */
export function siocsifaddr(ns: Namespace, name: string, local: Ipv4Address): IoctlResult {
  const r = ifreq(ns, name);
  if (!r) return err('ENODEV');
  const abc = inetAbcLen(local);
  if (abc < 0) return err('EINVAL');
  const old = ifaByLabel(ns, r.ifindex, r.label);
  if (old) {
    if (old.local === local) return OK;
    const gone = inet_rtm_deladdr(ns, r.ifindex, old.local, old.prefixlen);
    if (!gone.ok) return fromNetlink(gone);
  }
  // A loopback address is host-scoped by inet_set_ifa; a point-to-point device is not modelled.
  const scope: IfAddr['scope'] = local >>> 24 === 127 ? 'host' : 'global';
  // Only a device with IFF_BROADCAST (not lo) gets one.
  const broadcast = abc < 31 && ns.state.devices[r.ifindex]?.kind !== 'loopback' ? broadcastOf(local, abc) : undefined;
  return reinsert(ns, r.ifindex, { local, prefixlen: abc, broadcast, scope, label: r.label });
}

/** SIOCSIFNETMASK: a new prefix; a broadcast that was the old default follows it. */
export function siocsifnetmask(ns: Namespace, name: string, mask: number): IoctlResult {
  const r = ifreq(ns, name);
  if (!r) return err('ENODEV');
  const ifa = ifaByLabel(ns, r.ifindex, r.label);
  if (!ifa) return err('EADDRNOTAVAIL');
  if (badMask(mask)) return err('EINVAL');
  const oldMask = maskOf(ifa.prefixlen);
  if (oldMask === mask) return OK;
  const gone = inet_rtm_deladdr(ns, r.ifindex, ifa.local, ifa.prefixlen);
  if (!gone.ok) return fromNetlink(gone);
  const prefixlen = maskLen(mask);
  let broadcast = ifa.broadcast;
  const hasBroadcast = ns.state.devices[r.ifindex]?.kind !== 'loopback';
  if (hasBroadcast && prefixlen < 31 && ifa.broadcast === ((ifa.local | ~oldMask) >>> 0)) broadcast = (ifa.local | ~mask) >>> 0;
  return reinsert(ns, r.ifindex, { local: ifa.local, prefixlen, broadcast, scope: ifa.scope, label: ifa.label });
}

/** SIOCSIFBRDADDR. */
export function siocsifbrdaddr(ns: Namespace, name: string, broadcast: Ipv4Address): IoctlResult {
  const r = ifreq(ns, name);
  if (!r) return err('ENODEV');
  const ifa = ifaByLabel(ns, r.ifindex, r.label);
  if (!ifa) return err('EADDRNOTAVAIL');
  if ((ifa.broadcast ?? 0) === broadcast) return OK;
  const gone = inet_rtm_deladdr(ns, r.ifindex, ifa.local, ifa.prefixlen);
  if (!gone.ok) return fromNetlink(gone);
  return reinsert(ns, r.ifindex, { local: ifa.local, prefixlen: ifa.prefixlen, broadcast, scope: ifa.scope, label: ifa.label });
}

/**
 * SIOCSIFFLAGS through an AF_INET socket: on a device, dev_change_flags (only IFF_UP is modelled);
 * on an alias (a label with ':'), clearing IFF_UP deletes the label's address and setting it does nothing.
 */
export function siocsifflags(w: World, ns: Namespace, name: string, up: boolean): IoctlResult {
  const r = ifreq(ns, name);
  if (!r) return err('ENODEV');
  if (r.alias) {
    const ifa = ifaByLabel(ns, r.ifindex, r.label);
    if (!ifa) return err('EADDRNOTAVAIL');
    if (!up) return fromNetlink(inet_rtm_deladdr(ns, r.ifindex, ifa.local, ifa.prefixlen));
    return OK;
  }
  return fromNetlink(dev_change_flags(w, ns, r.ifindex, up));
}

/** SIOCSIFMTU (dev_ioctl strips an alias suffix first). */
export function siocsifmtu(ns: Namespace, name: string, mtu: number): IoctlResult {
  const r = ifreq(ns, name);
  if (!r) return err('ENODEV');
  return fromNetlink(dev_set_mtu(ns.world, ns, r.ifindex, mtu));
}

/** struct rtentry, as net-tools fills it. */
export interface RtEntry {
  readonly dst: Ipv4Address;
  /** rt_genmask; for a host route (RTF_HOST) the whole address. */
  readonly mask: number;
  readonly host: boolean;
  readonly gateway: Ipv4Address | undefined;
  /** rt_metric: net-tools stores the metric plus one; 0 when none was given. */
  readonly rtMetric: number;
  readonly reject: boolean;
  readonly dev: string | undefined;
}

const RT_TABLE_MAIN = 254;

/** rtentry_to_fib_config's checks on the mask and the device. */
function rtentryTarget(ns: Namespace, rt: RtEntry): { dstLen: number; ifindex: number | undefined } | IoctlResult {
  let dstLen = 32;
  if (!rt.host) {
    if (badMask(rt.mask) || (rt.dst & ~rt.mask) >>> 0 !== 0) return err('EINVAL');
    dstLen = maskLen(rt.mask);
  }
  let ifindex: number | undefined;
  if (rt.dev !== undefined && !rt.reject) {
    const dev = findByName(ns.state, rt.dev.split(':')[0] as string);
    if (!dev) return err('ENODEV');
    ifindex = dev.ifindex;
  }
  return { dstLen, ifindex };
}

/**
 * SIOCADDRT: a route in main, proto boot; scope universe when it has a gateway that is a unicast
 * address, link otherwise; an RTF_REJECT route is unreachable, scope host, without device.
 */
export function siocaddrt(ns: Namespace, rt: RtEntry): IoctlResult {
  const t = rtentryTarget(ns, rt);
  if ('ok' in t) return t;
  const metric = rt.rtMetric > 0 ? rt.rtMetric - 1 : undefined;
  if (rt.reject) {
    return fromNetlink(
      inet_rtm_newroute(ns, { table: RT_TABLE_MAIN, type: 'unreachable', dst: rt.dst, dstLen: t.dstLen, dev: undefined, gateway: undefined, proto: 'boot', scope: 'host', prefsrc: undefined, metric }, false),
    );
  }
  let scope: 'global' | 'link' = 'link';
  // inet_addr_type_table: what a main-table lookup says the gateway is; no route at all is RTN_UNICAST.
  const gwType = rt.gateway ? inetAddrType(ns.state, rt.gateway) : undefined;
  if (rt.gateway && (gwType === 'unicast' || gwType === 'unspec')) scope = 'global';
  if (rt.gateway !== undefined && rt.gateway !== 0 && scope === 'link') {
    throw new NotSimulated(`route add with a gateway that is not a unicast address (${rt.gateway >>> 24}.${(rt.gateway >>> 16) & 0xff}.${(rt.gateway >>> 8) & 0xff}.${rt.gateway & 0xff}: a link-scope nexthop check) is not simulated`);
  }
  return fromNetlink(
    inet_rtm_newroute(
      ns,
      { table: RT_TABLE_MAIN, type: 'unicast', dst: rt.dst, dstLen: t.dstLen, dev: t.ifindex, gateway: rt.gateway || undefined, proto: 'boot', scope, prefsrc: undefined, metric },
      false,
    ),
  );
}

/** SIOCDELRT: the first main-table route of that prefix and type matching what was given (any scope, any protocol). */
export function siocdelrt(ns: Namespace, rt: RtEntry): IoctlResult {
  const t = rtentryTarget(ns, rt);
  if ('ok' in t) return t;
  const metric = rt.rtMetric > 1 ? rt.rtMetric - 1 : undefined;
  return fromNetlink(
    inet_rtm_delroute(ns, {
      table: RT_TABLE_MAIN,
      dst: rt.dst,
      dstLen: t.dstLen,
      type: rt.reject ? 'unreachable' : 'unicast',
      ...(t.ifindex !== undefined ? { dev: t.ifindex } : {}),
      ...(rt.gateway ? { gateway: rt.gateway } : {}),
      ...(metric !== undefined ? { metric } : {}),
    }),
  );
}

/**
 * The device arp_ioctl uses when none is given: the one a route of link scope or narrower reaches
 * `ip` through (ip_route_output with RT_SCOPE_LINK).
 */
function arpDevice(ns: Namespace, ip: Ipv4Address): number | IoctlResult {
  const out = ip_route_output(ns.state, { daddr: ip, saddr: 0, oif: 0 });
  if (!out.ok) return err(out.error);
  if (out.route && out.route.scope === 'global') {
    // The scope-limited lookup skips universe routes and may find a wider link route behind them.
    const wider = ns.state.routes.some((r) => r.table === RT_TABLE_MAIN && r.scope !== 'global' && r !== out.route && r.dstLen < (out.route?.dstLen ?? 0));
    if (wider) throw new NotSimulated('arp for an address a gateway route covers, with a link route behind it, is not simulated');
    return err('ENETUNREACH');
  }
  return out.dev.ifindex;
}

/** SIOCSARP: a permanent entry (ATF_PERM), or a stale one (temp), for `ip` on `dev` or the device a link route names. */
export function siocsarp(w: World, ns: Namespace, ip: Ipv4Address, mac: string, perm: boolean, dev: string | undefined): IoctlResult {
  let ifindex: number;
  if (dev !== undefined) {
    const d = findByName(ns.state, dev);
    if (!d) return err('ENODEV');
    ifindex = d.ifindex;
  } else {
    const found = arpDevice(ns, ip);
    if (typeof found !== 'number') return found;
    ifindex = found;
  }
  // arp_req_set: the hardware type must be the device's (lo is ARPHRD_LOOPBACK).
  if (ns.state.devices[ifindex]?.kind === 'loopback') return err('EINVAL');
  return fromNetlink(neigh_add(w, ns, ifindex, ip, mac, perm ? 'PERMANENT' : 'STALE', true));
}

/** SIOCDARP (arp_invalidate): the entry goes, whatever its state; ENXIO when there is none. */
export function siocdarp(w: World, ns: Namespace, ip: Ipv4Address, dev: string | undefined): IoctlResult {
  let ifindex: number;
  if (dev !== undefined) {
    const d = findByName(ns.state, dev);
    if (!d) return err('ENODEV');
    ifindex = d.ifindex;
  } else {
    const found = arpDevice(ns, ip);
    if (typeof found !== 'number') return found;
    ifindex = found;
  }
  const e = Object.values(ns.state.neigh).find((x) => x.ifindex === ifindex && x.ip === ip);
  if (!e) return err('ENXIO');
  neigh_flush(w, ns, (x) => x === e);
  // arp_invalidate answers ENXIO for an entry that was NOARP only, after removing it all the same.
  return e.state === 'NOARP' ? err('ENXIO') : OK;
}
