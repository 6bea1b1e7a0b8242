/**
 * print_linkinfo (ip/ipaddress.c): what `ip link` and `ip addr` print for a device, as text or JSON.
 *
 *   3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000
 *       link/ether 2e:fb:49:4f:23:3a brd ff:ff:ff:ff:ff:ff
 *
 * "mode DEFAULT" only in `ip link`. A veth names its peer by name when it is in the same namespace
 * (and says M-DOWN while that peer is down), by "if<ifindex>" plus link-netns/link-netnsid otherwise.
 * -brief prints one line (print_linkinfo_brief), -stats the counters (print_stats64).
 */
import type { DeviceState } from '../../sim/state.js';
import type { Namespace, World } from '../../sim/world.js';
import type { Family } from './parse.js';
import type { Printer } from './print.js';
import { peernet2idAlloc } from './nsid.js';
import { linkDetails } from './link-details.js';
import { netdev_ops } from '../../core/netdevice.js';
import { dev_is_multicast } from '../../core/dev.js';
import { carrierChanges, linkStats, type LinkStats as LinkStats64 } from '../link-stats.js';

export type OperState = 'UNKNOWN' | 'DOWN' | 'LOWERLAYERDOWN' | 'UP';

/**
 * The RFC 2863 state the kernel reports (rfc2863_policy): DOWN while the device is down; lo never sets
 * one (UNKNOWN); without carrier a device stacked on another link (a veth: its iflink is its peer) is
 * LOWERLAYERDOWN, others DOWN.
 */
export function operState(dev: DeviceState): OperState {
  if (!dev.up) return 'DOWN';
  // A driver that never sets one (lo, an OVS internal port, a vxlan; a bridge until its carrier is first computed).
  const ops = netdev_ops(dev);
  if (ops.operstateKnown && !ops.operstateKnown(dev)) return 'UNKNOWN';
  // What linkwatch kept at the device's last carrier change.
  if (dev.operstate !== undefined) return dev.operstate;
  if (dev.carrier) return 'UP';
  return dev.kind === 'veth' ? 'LOWERLAYERDOWN' : 'DOWN';
}

/** What IFLA_LINK and IFLA_LINK_NETNSID say of a veth's peer or a macvlan's lower device. */
interface PeerInfo {
  /** What follows the '@' in the text: the peer's name, "if<ifindex>", or NONE. */
  readonly label: string;
  /** The peer's ifindex (0: no peer), and its name when it is in the same namespace. */
  readonly iflink: number;
  readonly name: string | undefined;
  readonly mDown: boolean;
  /** In another namespace: the id this namespace has for it, and that namespace's name under /run/netns. */
  readonly netnsid: number | undefined;
  readonly netnsName: string | undefined;
}

/**
 * The peer (IFLA_LINK: a veth's peer, a macvlan's lower device), allocating the peer namespace's id as
 * a dump does.
 */
export function peerInfo(w: World, ns: Namespace, dev: DeviceState): PeerInfo | undefined {
  const iflink = netdev_ops(dev).iflink;
  if (!iflink) return undefined;
  const peer = iflink(w, dev);
  if (!peer) return { label: 'NONE', iflink: 0, name: undefined, mDown: false, netnsid: undefined, netnsName: undefined };
  if (peer.ns === ns) return { label: peer.dev.name, iflink: peer.dev.ifindex, name: peer.dev.name, mDown: !peer.dev.up, netnsid: undefined, netnsName: undefined };
  const id = peernet2idAlloc(w, ns, peer.ns);
  // get_name_from_nsid: the peer is shown by name when it has one under /run/netns.
  const named = peer.ns.name !== '' && w.namespaces.get(peer.ns.name) === peer.ns;
  return { label: `if${peer.dev.ifindex}`, iflink: peer.dev.ifindex, name: undefined, mDown: false, netnsid: id, netnsName: named ? peer.ns.name : undefined };
}

/** print_name_and_link: "name@peer" (JSON: "link" or "link_index", then "ifname"); returns M-DOWN. */
export function printNameAndLink(p: Printer, pad: (s: string) => string, dev: DeviceState, peer: PeerInfo | undefined): boolean {
  if (peer) {
    if (peer.iflink === 0) p.jraw('link', 'null');
    else if (peer.netnsid !== undefined) p.jnum('link_index', peer.iflink);
    else p.jstr('link', peer.label);
  }
  p.str('ifname', pad(peer ? `${dev.name}@${peer.label}` : dev.name), dev.name, 'ifname');
  return peer?.mDown ?? false;
}

/** The IFF_* flags print_link_flags names, in its order. */
export function linkFlagNames(dev: DeviceState): string[] {
  const f: string[] = [];
  const running = dev.up && (operState(dev) === 'UP' || operState(dev) === 'UNKNOWN');
  if (dev.up && !running) f.push('NO-CARRIER');
  f.push(dev.kind === 'loopback' ? 'LOOPBACK' : 'BROADCAST');
  if (dev_is_multicast(dev)) f.push('MULTICAST');
  if (dev.noarp) f.push('NOARP');
  // dev_get_flags: PROMISC and ALLMULTI as the user asked for them (gflags), not the kernel's own users.
  if (dev.allmultiFlag) f.push('ALLMULTI');
  if (dev.promisc) f.push('PROMISC');
  if (dev.up) f.push('UP');
  if (dev.up && dev.carrier) f.push('LOWER_UP');
  return f;
}

/** The flags as text: "<A,B,C>" (and ",M-DOWN"). */
export function linkFlags(dev: DeviceState, mDown: boolean): string {
  return `<${linkFlagNames(dev).join(',')}${mDown ? ',M-DOWN' : ''}>`;
}

/** print_link_flags: "<A,B,C> ", or the JSON array "flags". */
export function printLinkFlags(p: Printer, dev: DeviceState, mDown: boolean): void {
  p.openArray('flags', '<');
  const names = linkFlagNames(dev);
  names.forEach((n, i) => p.str(null, i < names.length - 1 ? `${n},` : n, n));
  if (mDown) p.str(null, ',M-DOWN', 'M-DOWN');
  p.closeArray('> ');
}

export interface LinkLineOptions {
  /** `ip link` (do_link): "mode DEFAULT", the -s counters, addrgenmode with -d. */
  readonly link: boolean;
  /** filter.family: the link-layer line is printed without a family, for link, or with -details. */
  readonly family: Family;
  /** -details: the device's attributes, then its kind's (link-details.ts). */
  readonly details?: boolean;
  /** -brief: print_linkinfo_brief. */
  readonly brief?: boolean;
  /** show_stats: -s counts; `ip link` prints the counters here, `ip addr` after the addresses. */
  readonly stats?: number;
  /** -human, -iec: how the counters are written. */
  readonly num?: NumFormat;
}

function linkType(dev: DeviceState): string {
  return dev.kind === 'loopback' ? 'loopback' : 'ether';
}

function broadcastOf(dev: DeviceState): string {
  return dev.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
}

/** print_operstate, with -brief or without. */
function printOperstate(p: Printer, dev: DeviceState, brief: boolean): void {
  const st = operState(dev);
  const color = st === 'UP' ? 'operstate-up' : st === 'DOWN' ? 'operstate-down' : undefined;
  if (brief) return p.str('operstate', `${st.padEnd(14)} `, st, color);
  p.jstr('operstate', st);
  p.fp('state ');
  p.fp(`${st} `, color);
}

/** print_linkinfo_brief: name, operstate and, for `ip link`, address and flags. */
function printLinkinfoBrief(p: Printer, w: World, ns: Namespace, dev: DeviceState, o: LinkLineOptions): void {
  const mDown = printNameAndLink(p, (s) => `${s.padEnd(16)} `, dev, peerInfo(w, ns, dev));
  printOperstate(p, dev, true);
  if (o.family === 'link') {
    p.str('address', `${dev.mac} `, dev.mac, 'mac');
    printLinkFlags(p, dev, mDown);
    p.fp('\n');
  }
}

/** print_linkinfo. */
export function printLinkinfo(p: Printer, w: World, ns: Namespace, dev: DeviceState, o: LinkLineOptions): void {
  if (o.brief) return printLinkinfoBrief(p, w, ns, dev, o);
  const peer = peerInfo(w, ns, dev);
  p.num('ifindex', `${dev.ifindex}: `, dev.ifindex);
  const mDown = printNameAndLink(p, (s) => `${s}: `, dev, peer);
  printLinkFlags(p, dev, mDown);
  p.num('mtu', `mtu ${dev.mtu} `, dev.mtu);
  const qdisc = dev.up || dev.qdiscAttached ? 'noqueue' : 'noop';
  p.str('qdisc', `qdisc ${qdisc} `, qdisc);
  const master = dev.master === undefined ? undefined : w.device(dev.master);
  if (master && master.ns === ns) p.str('master', `master ${master.dev.name} `, master.dev.name);
  printOperstate(p, dev, false);
  if (o.link) p.str('linkmode', 'mode DEFAULT ', 'DEFAULT');
  p.str('group', 'group default ', 'default');
  // Printed as a signed int: a length of 2^32-1 is "qlen -1".
  if (dev.txqlen) p.num('txqlen', `qlen ${dev.txqlen | 0}`, dev.txqlen | 0);
  if (o.family === 'unspec' || o.family === 'link' || o.details) {
    p.nl();
    p.str('link_type', `    link/${linkType(dev)} `, linkType(dev));
    p.str('address', dev.mac, dev.mac, 'mac');
    p.fp(' brd ');
    p.str('broadcast', broadcastOf(dev), broadcastOf(dev), 'mac');
  }
  if (peer?.netnsid !== undefined) {
    p.jnum('link_netnsid', peer.netnsid);
    p.fp(peer.netnsName !== undefined ? ` link-netns ${peer.netnsName}` : ` link-netnsid ${peer.netnsid}`);
  }
  if (o.details) linkDetails(p, w, ns, dev, { link: o.link });
  if ((o.link || o.details) && dev.ifalias !== undefined) {
    p.nl();
    p.str('ifalias', `    alias ${dev.ifalias}`, dev.ifalias);
  }
  if (o.link && o.stats) {
    p.nl();
    printLinkStats(p, w, dev, o.stats, o.num ?? { human: false, iec: false });
  }
  p.fp('\n');
}

/**
 * __print_link_stats: print_stats64 of IFLA_STATS64, as the "stats64" object in JSON. `ip addr -s`
 * follows it with print_nl.
 */
export function printLinkStats(p: Printer, w: World, dev: DeviceState, showStats: number, nf: NumFormat): void {
  const home = w.device(dev.id);
  if (!home) return;
  printStats64(p, linkStats(w, home.ns, dev), carrierChanges(w, dev), showStats, nf);
}

/** How print_num writes a count: plain, or with -human in thousands (1024s with -iec). */
export interface NumFormat {
  readonly human: boolean;
  readonly iec: boolean;
}

/**
 * print_num: the count right-aligned in its column, and a space. With -human a count of at least one
 * base (1000, or 1024 with -iec) is scaled to the largest prefix (k, M, G, T, P, E) it reaches, with
 * as many decimals (2, 1 or 0) as keep it short: 1484 is "1.48k", 245650 "246k" (240ki).
 */
export function printNum(f: NumFormat, width: number, count: number): string {
  const base = f.iec ? 1024 : 1000;
  if (!f.human || count < base) return `${String(count).padStart(width)} `;
  const prefixes = 'kMGTPE';
  let p = 0;
  let powi = 1;
  // C's integer divisions, on counts the model can reach (below 2^53).
  for (;;) {
    powi *= base;
    if (Math.floor(count / base) < powi) break;
    if (p + 1 >= prefixes.length) break;
    p++;
  }
  let precision = 2;
  let powj = 1;
  for (; precision > 0; precision--) {
    powj *= 10;
    if (Math.floor(count / powi) < powj) break;
  }
  return `${`${fixed(count, powi, precision)}${prefixes[p] as string}${f.iec ? 'i' : ''}`.padStart(width)} `;
}

/**
 * printf("%.*f", precision, (double)count / powi): toFixed rounds the double as glibc does, except an
 * exact tie, which glibc rounds to even (1125 / 1000 at two decimals is 1.12, not 1.13). Only a
 * quotient the double holds exactly (a power of two below it once reduced) can be a tie: 1135 / 1000
 * is a little above 1.135 as a double, and rounds up in both.
 */
function fixed(count: number, powi: number, precision: number): string {
  const twice = BigInt(count) * 10n ** BigInt(precision) * 2n;
  const den = BigInt(powi);
  const reduced = den / gcd(BigInt(count), den);
  const exact = (reduced & (reduced - 1n)) === 0n;
  if (exact && twice % den === 0n && (twice / den) % 2n === 1n) {
    let q = (twice / den - 1n) / 2n;
    if (q % 2n === 1n) q += 1n;
    const digits = q.toString().padStart(precision + 1, '0');
    return precision === 0 ? digits : `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
  }
  return (count / powi).toFixed(precision);
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/**
 * print_stats64. The columns widen to the longest number any row puts in them (size_columns), from
 * the headers' widths; counters a driver never sets are the zeros between the ones it does.
 */
function printStats64(p: Printer, s: LinkStats64, carrier: number, showStats: number, nf: NumFormat): void {
  const detail = showStats > 1;
  if (p.json) {
    p.openObject('stats64');
    p.openObject('rx');
    for (const [k, v] of [['bytes', s.rx_bytes], ['packets', s.rx_packets], ['errors', 0], ['dropped', s.rx_dropped], ['over_errors', 0], ['multicast', 0]] as const) p.jnum(k, v);
    if (detail) for (const k of ['length_errors', 'crc_errors', 'frame_errors', 'fifo_errors', 'missed_errors']) p.jnum(k, 0);
    p.closeObject();
    p.openObject('tx');
    for (const [k, v] of [['bytes', s.tx_bytes], ['packets', s.tx_packets], ['errors', 0], ['dropped', s.tx_dropped], ['carrier_errors', 0], ['collisions', 0]] as const) p.jnum(k, v);
    if (detail) {
      for (const k of ['aborted_errors', 'fifo_errors', 'window_errors', 'heartbeat_errors']) p.jnum(k, 0);
      p.jnum('carrier_changes', carrier);
    }
    p.closeObject();
    p.closeObject();
    return;
  }
  const cols = ['*X errors:'.length, 'packets'.length, 'errors'.length, 'dropped'.length, 'heartbt'.length, 'overrun'.length, 'compressed'.length, 'otherhost'.length];
  // size_columns: with -human the columns keep their headers' widths.
  const size = (...vals: number[]) =>
    vals.forEach((v, i) => {
      if (!nf.human) cols[i] = Math.max(cols[i] as number, String(v).length);
    });
  const num = (width: number, v: number) => printNum(nf, width, v);
  size(s.rx_bytes, s.rx_packets, 0, s.rx_dropped, 0, 0, 0, 0);
  if (detail) size(0, 0, 0, 0, 0, 0, 0, 0);
  size(s.tx_bytes, s.tx_packets, 0, s.tx_dropped, 0, 0, 0, 0);
  if (detail) size(0, 0, 0, 0, 0, 0, carrier, 0);
  const c = (i: number) => cols[i] as number;
  const sl = p.sl;
  let t = `    RX: ${'bytes'.padStart(c(0) - 4)} ${'packets'.padStart(c(1))} ${'errors'.padStart(c(2))} ${'dropped'.padStart(c(3))} ${'missed'.padStart(c(4))} ${'mcast'.padStart(c(5))} ${''.padStart(c(6))}${sl}`;
  t += `    ${num(c(0), s.rx_bytes)}${num(c(1), s.rx_packets)}${num(c(2), 0)}${num(c(3), s.rx_dropped)}${num(c(4), 0)}${num(c(5), 0)}`;
  if (detail) {
    t += `${sl}    RX errors:${''.padStart(c(0) - 10)} ${'length'.padStart(c(1))} ${'crc'.padStart(c(2))} ${'frame'.padStart(c(3))} ${'fifo'.padStart(c(4))} ${'overrun'.padStart(c(5))}${sl}`;
    t += `${''.padStart(c(0) + 5)}${num(c(1), 0)}${num(c(2), 0)}${num(c(3), 0)}${num(c(4), 0)}${num(c(5), 0)}`;
  }
  t += sl;
  t += `    TX: ${'bytes'.padStart(c(0) - 4)} ${'packets'.padStart(c(1))} ${'errors'.padStart(c(2))} ${'dropped'.padStart(c(3))} ${'carrier'.padStart(c(4))} ${'collsns'.padStart(c(5))} ${''.padStart(c(6))}${sl}`;
  t += `    ${num(c(0), s.tx_bytes)}${num(c(1), s.tx_packets)}${num(c(2), 0)}${num(c(3), s.tx_dropped)}${num(c(4), 0)}${num(c(5), 0)}`;
  if (detail) {
    t += `${sl}    TX errors:${''.padStart(c(0) - 10)} ${'aborted'.padStart(c(1))} ${'fifo'.padStart(c(2))} ${'window'.padStart(c(3))} ${'heartbt'.padStart(c(4))} ${'transns'.padStart(c(5))}${sl}`;
    t += `${''.padStart(c(0) + 5)}${num(c(1), 0)}${num(c(2), 0)}${num(c(3), 0)}${num(c(4), 0)}${num(c(5), carrier)}`;
  }
  p.fp(t);
}

/** The devices of a namespace in the order a dump returns them: by ifindex. */
export function devicesInOrder(ns: Namespace): DeviceState[] {
  return Object.values(ns.state.devices).sort((a, b) => a.ifindex - b.ifindex);
}

/** A link's kind as IFLA_INFO_KIND names it (lo has none). */
export function linkKind(dev: DeviceState): string | undefined {
  return netdev_ops(dev).infoKind;
}
