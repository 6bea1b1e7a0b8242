/**
 * The /proc/net files people read, as the kernel's seq_file handlers write them for the namespace
 * they are opened in: dev (dev_seq_show), arp (arp_seq_show), route (fib_route_seq_show).
 * /proc/net/snmp is not among them: the simulator keeps no IP or ICMP MIB counters.
 */
import type { DeviceState, NeighEntry } from '../sim/state.js';
import { devListOrder } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { routesInTrieOrder } from './ip/route-format.js';
import { linkStats } from './link-stats.js';

export type ProcNetFile = 'dev' | 'arp' | 'route';

/** The /proc/net files that can be read, and why the others people read cannot. */
export function procNetFile(path: string): ProcNetFile | { refuse: string } | undefined {
  const m = /^\/proc\/(?:self\/)?net\/([^/]+)$/.exec(path.replace(/\/+$/, ''));
  if (!m) return undefined;
  const name = m[1] as string;
  if (name === 'dev' || name === 'arp' || name === 'route') return name;
  if (name === 'snmp' || name === 'netstat') {
    return { refuse: `cat ${path} is not simulated: the simulator keeps no IP, ICMP or TCP MIB counters (IPSTATS_MIB_*, ICMP_MIB_*)` };
  }
  return { refuse: `cat ${path} is not simulated (the /proc/net files simulated: dev, arp, route)` };
}

export function procNetRead(w: World, ns: Namespace, f: ProcNetFile): string {
  switch (f) {
    case 'dev':
      return procNetDev(w, ns);
    case 'arp':
      return procNetArp(ns);
    case 'route':
      return procNetRoute(ns);
  }
}

/** The devices of a namespace in its device list's order (for_each_netdev), which is arrival order. */
export function devicesInListOrder(ns: Namespace): DeviceState[] {
  return Object.values(ns.state.devices).sort((a, b) => devListOrder(a) - devListOrder(b));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width);
}

/** dev_seq_printf_stats. */
function procNetDev(w: World, ns: Namespace): string {
  let s =
    'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  for (const dev of devicesInListOrder(ns)) {
    const st = linkStats(w, ns, dev);
    s +=
      `${dev.name.padStart(6)}: ${pad(st.rx_bytes, 7)} ${pad(st.rx_packets, 7)} ${pad(0, 4)} ${pad(st.rx_dropped, 4)} ${pad(0, 4)} ${pad(0, 5)} ` +
      `${pad(0, 10)} ${pad(0, 9)} ${pad(st.tx_bytes, 8)} ${pad(st.tx_packets, 7)} ${pad(0, 4)} ${pad(st.tx_dropped, 4)} ${pad(0, 4)} ` +
      `${pad(0, 5)} ${pad(0, 7)} ${pad(0, 10)}\n`;
  }
  return s;
}

/** ARPHRD_* of a device (dev->type). */
export function arpHardwareType(dev: DeviceState): number {
  return dev.kind === 'loopback' ? 772 : 1;
}

const ATF_COM = 0x02;
const ATF_PERM = 0x04;

/** arp_state_to_flags. */
export function arpFlags(e: NeighEntry): number {
  if (e.state === 'PERMANENT') return ATF_PERM | ATF_COM;
  if (e.state === 'REACHABLE' || e.state === 'STALE' || e.state === 'DELAY' || e.state === 'PROBE' || e.state === 'NOARP') return ATF_COM;
  return 0;
}

/**
 * The entries /proc/net/arp lists: all but those in no state or NOARP only (NEIGH_SEQ_SKIP_NOARP).
 * Listed in the order they were made, as `ip neigh` lists them here: the kernel's order is its hash
 * table's, keyed at random, so no two boots share it.
 */
export function arpEntries(ns: Namespace): NeighEntry[] {
  return Object.values(ns.state.neigh).filter((e) => e.state !== 'NOARP' && e.state !== 'NONE');
}

function ipv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** arp_format_neigh_entry. */
function procNetArp(ns: Namespace): string {
  let s = 'IP address       HW type     Flags       HW address            Mask     Device\n';
  for (const e of arpEntries(ns)) {
    const dev = ns.state.devices[e.ifindex];
    if (!dev) continue;
    const hw = `0x${arpHardwareType(dev).toString(16)}`.padEnd(12);
    const flags = `0x${arpFlags(e).toString(16)}`.padEnd(12);
    s += `${ipv4(e.ip).padEnd(16)} ${hw}${flags}${(e.mac ?? '00:00:00:00:00:00').padEnd(17)}     ${'*'.padEnd(8)} ${dev.name}\n`;
  }
  return s;
}

const RTF_UP = 0x0001;
const RTF_GATEWAY = 0x0002;
const RTF_HOST = 0x0004;
const RTF_REJECT = 0x0200;
const RT_TABLE_MAIN = 254;

/** An address as the kernel prints a __be32 with %08X on a little-endian machine: its bytes reversed. */
function hexBe32(a: number): string {
  const le = (((a & 0xff) << 24) | (((a >>> 8) & 0xff) << 16) | (((a >>> 16) & 0xff) << 8) | (a >>> 24)) >>> 0;
  return le.toString(16).toUpperCase().padStart(8, '0');
}

export interface ProcRoute {
  readonly iface: string;
  readonly dst: number;
  readonly gateway: number;
  readonly flags: number;
  readonly metric: number;
  readonly mask: number;
}

/** The main table's routes as fib_route_seq_show lists them: trie order, broadcast and multicast left out. */
export function procRoutes(ns: Namespace): ProcRoute[] {
  const out: ProcRoute[] = [];
  for (const r of routesInTrieOrder(ns.state, RT_TABLE_MAIN)) {
    if (r.type === 'broadcast') continue;
    const mask = r.dstLen === 0 ? 0 : (0xffffffff << (32 - r.dstLen)) >>> 0;
    let flags = RTF_UP;
    if (r.type === 'unreachable' || r.type === 'prohibit') flags |= RTF_REJECT;
    if (r.gateway !== undefined) flags |= RTF_GATEWAY;
    if (r.dstLen === 32) flags |= RTF_HOST;
    const dev = r.dev === undefined ? undefined : ns.state.devices[r.dev];
    out.push({ iface: dev?.name ?? '*', dst: r.dst, gateway: r.gateway ?? 0, flags, metric: r.metric ?? 0, mask });
  }
  return out;
}

/** Each line padded to 127 characters (seq_setwidth, seq_pad). */
function procNetRoute(ns: Namespace): string {
  let s = `${'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'.padEnd(127)}\n`;
  for (const r of procRoutes(ns)) {
    const line = `${r.iface}\t${hexBe32(r.dst)}\t${hexBe32(r.gateway)}\t${r.flags.toString(16).toUpperCase().padStart(4, '0')}\t0\t0\t${r.metric}\t${hexBe32(r.mask)}\t0\t0\t0`;
    s += `${line.padEnd(127)}\n`;
  }
  return s;
}
