/**
 * net-tools' `ifconfig` (ifconfig.c, lib/interface.c): show every interface that is up (-a: all),
 * or one; set an address (ADDR, ADDR/NN — the prefix is set last, as SIOCSIFNETMASK), netmask,
 * broadcast, mtu, up and down, each through its ioctl in the order given. Setting an address also
 * brings the interface up, as ifconfig does.
 *
 * Interfaces are listed sorted by name (nstrcmp), from /proc/net/dev and from the labels of IPv4
 * addresses (SIOCGIFCONF: an alias such as veth0:1 has no counters of its own, so no RX/TX lines).
 */
import type { DeviceState } from '../../sim/state.js';
import { findByName, type Namespace, type World } from '../../sim/world.js';
import { operState } from '../ip/link-format.js';
import { dev_is_multicast } from '../../core/dev.js';
import { linkStats } from '../link-stats.js';
import { devicesInListOrder } from '../proc-net.js';
import { out, type Tool, type ToolOutput } from '../tool.js';
import { ifaByLabel, siocsifaddr, siocsifbrdaddr, siocsifflags, siocsifmtu, siocsifnetmask, strerror, type IoctlResult } from './ioctl.js';
import { inetGetNetmask, inetResolve, ipv4String } from './inet.js';
import { IFCONFIG_USAGE } from './usage.js';

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_RUNNING = 0x40;
const IFF_NOARP = 0x80;
const IFF_PROMISC = 0x100;
const IFF_ALLMULTI = 0x200;
const IFF_MULTICAST = 0x1000;

/** The words ifconfig takes after an interface that the simulator models. */
const SETTINGS = new Set(['up', 'down', 'mtu', 'netmask', 'broadcast', 'inet']);
/** The ones it models not: flags and hardware settings the simulator has no state for. */
const UNMODELLED = new Set([
  'arp', '-arp', 'media', 'port', 'trailers', '-trailers', 'promisc', '-promisc', 'multicast', '-multicast', 'allmulti',
  '-allmulti', 'dynamic', '-dynamic', 'keepalive', 'outfill', '-broadcast', 'dstaddr', 'txqueuelen', 'name', 'mem_start',
  'io_addr', 'irq', '-pointopoint', '-pointtopoint', 'pointopoint', 'pointtopoint', 'hw', 'add', 'del', 'tunnel', 'inet6',
]);

/** nstrcmp: names compared with their trailing numbers as numbers, an alias after its device. */
export function nstrcmp(ap: string, bp: string): number {
  const cut = (s: string): [string, string | undefined] => {
    const m = /^(.*?):(\d*)$/.exec(s);
    return m ? [m[1] as string, m[2]] : [s, undefined];
  };
  const [a, aalias] = cut(ap);
  const [b, balias] = cut(bp);
  const idx = (s: string): number => {
    let p = s.length;
    while (p > 0 && /\d/.test(s[p - 1] as string)) p--;
    return p;
  };
  const ai = idx(a);
  const bi = idx(b);
  const len = Math.min(ai, bi);
  const head = a.slice(0, len) < b.slice(0, len) ? -1 : a.slice(0, len) > b.slice(0, len) ? 1 : 0;
  if (head !== 0) return head;
  if (ai !== bi) return ai > bi ? 1 : -1;
  const av = Number(a.slice(ai) || 0);
  const bv = Number(b.slice(bi) || 0);
  if (av !== bv) return av < bv ? -1 : 1;
  if (a !== b) return a < b ? -1 : 1;
  const x = aalias === undefined ? -1 : Number(aalias || 0);
  const y = balias === undefined ? -1 : Number(balias || 0);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** SIOCGIFFLAGS (dev_get_flags), the short flags. */
function ifFlags(dev: DeviceState): number {
  let f = dev.kind === 'loopback' ? IFF_LOOPBACK : IFF_BROADCAST;
  if (dev_is_multicast(dev)) f |= IFF_MULTICAST;
  if (dev.noarp) f |= IFF_NOARP;
  if (dev.allmultiFlag) f |= IFF_ALLMULTI;
  if (dev.up) f |= IFF_UP;
  const op = operState(dev);
  if (dev.up && (op === 'UP' || op === 'UNKNOWN')) f |= IFF_RUNNING;
  if (dev.promisc) f |= IFF_PROMISC;
  return f;
}

function flagText(f: number): string {
  const names: Array<[number, string]> = [
    [IFF_UP, 'UP'],
    [IFF_BROADCAST, 'BROADCAST'],
    [IFF_LOOPBACK, 'LOOPBACK'],
    [IFF_RUNNING, 'RUNNING'],
    [IFF_NOARP, 'NOARP'],
    [IFF_PROMISC, 'PROMISC'],
    [IFF_ALLMULTI, 'ALLMULTI'],
    [IFF_MULTICAST, 'MULTICAST'],
  ];
  const set = names.filter(([b]) => (f & b) !== 0).map(([, n]) => n);
  return `flags=${f}<${set.join(',')}>`;
}

/** "bytes 280 (280.0 B)": one decimal of the largest binary unit the count exceeds. */
function sizeText(n: number): string {
  const units: Array<[number, string]> = [
    [1152921504606846976, 'EiB'],
    [1125899906842624, 'PiB'],
    [1099511627776, 'TiB'],
    [1073741824, 'GiB'],
    [1048576, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (n > size) {
      const short = Math.floor((n * 10) / size);
      return `${Math.floor(short / 10)}.${short % 10} ${unit}`;
    }
  }
  return `${n}.0 B`;
}

/** One interface's block (ife_print_long); `name` may be an alias label. */
function printInterface(w: World, ns: Namespace, dev: DeviceState, name: string, withStats: boolean): string {
  const flags = ifFlags(dev);
  let s = `${name}: ${flagText(flags)}  mtu ${dev.mtu}\n`;
  const ifa = ifaByLabel(ns, dev.ifindex, name);
  if (ifa) {
    const mask = ifa.prefixlen === 0 ? 0 : (0xffffffff << (32 - ifa.prefixlen)) >>> 0;
    s += `        inet ${ipv4String(ifa.local)}  netmask ${ipv4String(mask)}`;
    if (flags & IFF_BROADCAST) s += `  broadcast ${ipv4String(ifa.broadcast ?? 0)}`;
    s += '\n';
  }
  // A queue length of -1 (2^32-1) is net-tools' "unknown": not printed.
  const qlen = (dev.txqlen | 0) === -1 ? '' : `  txqueuelen ${dev.txqlen | 0}`;
  s += dev.kind === 'loopback' ? `        loop${qlen}  (Local Loopback)\n` : `        ether ${dev.mac}${qlen}  (Ethernet)\n`;
  if (withStats) {
    const st = linkStats(w, ns, dev);
    s += `        RX packets ${st.rx_packets}  bytes ${st.rx_bytes} (${sizeText(st.rx_bytes)})\n`;
    s += `        RX errors 0  dropped ${st.rx_dropped}  overruns 0  frame 0\n`;
    s += `        TX packets ${st.tx_packets}  bytes ${st.tx_bytes} (${sizeText(st.tx_bytes)})\n`;
    s += `        TX errors 0  dropped ${st.tx_dropped} overruns 0  carrier 0  collisions 0\n`;
  }
  return `${s}\n`;
}

/** Every name ifconfig lists: devices (from /proc/net/dev) and address labels (SIOCGIFCONF), sorted. */
function interfaceNames(ns: Namespace): string[] {
  const names = new Set(devicesInListOrder(ns).map((d) => d.name));
  for (const a of ns.state.addrs) names.add(a.label);
  return [...names].sort(nstrcmp);
}

function deviceOf(ns: Namespace, name: string): DeviceState | undefined {
  return findByName(ns.state, name.split(':')[0] as string);
}

function show(w: World, ns: Namespace, all: boolean, one: string | undefined): ToolOutput {
  if (one !== undefined) {
    // SIOCGIFFLAGS strips an alias suffix: an alias shows its device's flags, its own address, no counters.
    const dev = deviceOf(ns, one);
    if (!dev) return out('', `${one}: error fetching interface information: Device not found\n`, 1);
    return out(printInterface(w, ns, dev, one, dev.name === one));
  }
  let s = '';
  for (const name of interfaceNames(ns)) {
    const dev = deviceOf(ns, name);
    if (!dev) continue;
    if (!all && !dev.up) continue;
    s += printInterface(w, ns, dev, name, dev.name === name);
  }
  return out(s);
}

type Step =
  | { readonly kind: 'addr'; readonly addr: number; readonly mask?: number }
  | { readonly kind: 'netmask'; readonly mask: number }
  | { readonly kind: 'broadcast'; readonly addr: number | undefined }
  | { readonly kind: 'mtu'; readonly mtu: number }
  | { readonly kind: 'up' }
  | { readonly kind: 'down' };

/** atoi. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** The settings, or the usage error ifconfig stops with, or what the simulator cannot do. */
function parseSettings(args: readonly string[]): { steps: Step[] } | { usage: true } | { refuse: string } {
  const steps: Step[] = [];
  let didNetmask = false;
  let i = 0;
  if (args[i] === 'inet') i++;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (UNMODELLED.has(a)) return { refuse: `ifconfig ... ${a} is not simulated` };
    if (a === 'up' || a === 'down') {
      steps.push({ kind: a });
      continue;
    }
    if (a === 'mtu') {
      const v = args[++i];
      if (v === undefined) return { usage: true };
      steps.push({ kind: 'mtu', mtu: atoi(v) });
      continue;
    }
    if (a === 'broadcast') {
      const v = args[i + 1];
      if (v === undefined) {
        steps.push({ kind: 'broadcast', addr: undefined });
        continue;
      }
      i++;
      const r = inetResolve(v);
      if (!r) return { refuse: `ifconfig ... broadcast ${v}: looking a name up is not simulated, give an address` };
      steps.push({ kind: 'broadcast', addr: r.addr });
      continue;
    }
    if (a === 'netmask') {
      const v = args[++i];
      if (v === undefined || didNetmask) return { usage: true };
      const r = inetResolve(v);
      if (!r) return { refuse: `ifconfig ... netmask ${v}: looking a name up is not simulated, give an address` };
      didNetmask = true;
      steps.push({ kind: 'netmask', mask: r.addr });
      continue;
    }
    // Otherwise the word is an address, possibly with /prefix.
    const m = inetGetNetmask(a);
    if (m === 'bad') return { usage: true };
    const host = m === 'none' ? a : m.addr;
    const r = inetResolve(host);
    if (!r) return { refuse: `ifconfig ... ${a}: not a keyword ifconfig has and not an address (looking a name up is not simulated)` };
    // A prefix is applied after everything else; only a netmask given before it conflicts.
    if (m !== 'none' && didNetmask) return { usage: true };
    steps.push({ kind: 'addr', addr: r.addr, ...(m !== 'none' ? { mask: m.mask } : {}) });
  }
  return { steps };
}

function ioctlError(name: string, r: IoctlResult): string {
  return r.ok ? '' : `${name}: ${strerror(r.errno)}\n`;
}

/** set_flag / clr_flag: SIOCGIFFLAGS (by device) then SIOCSIFFLAGS (by the name given). */
function setUp(w: World, ns: Namespace, name: string, up: boolean): { err: string; bad: boolean } {
  if (!deviceOf(ns, name)) return { err: `${name}: ERROR while getting interface flags: No such device\n`, bad: true };
  const r = siocsifflags(w, ns, name, up);
  return { err: r.ok ? '' : `SIOCSIFFLAGS: ${strerror(r.errno)}\n`, bad: !r.ok };
}

function apply(w: World, ns: Namespace, name: string, steps: readonly Step[]): ToolOutput {
  let stderr = '';
  let bad = false;
  let pendingMask: number | undefined;
  const note = (text: string): void => {
    if (text) (stderr += text), (bad = true);
  };
  for (const st of steps) {
    switch (st.kind) {
      case 'up':
      case 'down': {
        const r = setUp(w, ns, name, st.kind === 'up');
        stderr += r.err;
        bad ||= r.bad;
        break;
      }
      case 'mtu':
        note(ioctlError('SIOCSIFMTU', siocsifmtu(ns, name, st.mtu)));
        break;
      case 'netmask':
        note(ioctlError('SIOCSIFNETMASK', siocsifnetmask(ns, name, st.mask)));
        break;
      case 'broadcast': {
        if (st.addr !== undefined) note(ioctlError('SIOCSIFBRDADDR', siocsifbrdaddr(ns, name, st.addr)));
        // IFF_BROADCAST is always set on the devices simulated here: setting it changes nothing.
        if (!deviceOf(ns, name)) note(`${name}: ERROR while getting interface flags: No such device\n`);
        break;
      }
      case 'addr': {
        note(ioctlError('SIOCSIFADDR', siocsifaddr(ns, name, st.addr)));
        if (st.mask !== undefined) pendingMask = st.mask;
        // An alias given 0.0.0.0 was deleted: ifconfig does not bring it up.
        if (!(name.includes(':') && st.addr === 0)) {
          const r = setUp(w, ns, name, true);
          stderr += r.err;
          bad ||= r.bad;
        }
        break;
      }
    }
  }
  if (pendingMask !== undefined) note(ioctlError('SIOCSIFNETMASK', siocsifnetmask(ns, name, pendingMask)));
  return out('', stderr, bad ? 1 : 0);
}

interface Parsed {
  readonly all: boolean;
  readonly name: string | undefined;
  readonly settings: readonly string[];
}

function parseArgs(argv: readonly string[]): Parsed | { output: ToolOutput } | { refuse: string } {
  let i = 1;
  let all = false;
  for (; i < argv.length && (argv[i] as string).startsWith('-'); i++) {
    const a = argv[i] as string;
    if (a === '-a') all = true;
    else if (a === '-s') return { refuse: 'ifconfig -s (the short list) is not simulated' };
    else if (a === '-v') return { refuse: 'ifconfig -v is not simulated' };
    else if (['-V', '-version', '--version'].includes(a)) return { refuse: 'ifconfig --version is not simulated' };
    else if (['-?', '-h', '-help', '--help'].includes(a)) return { output: out('', IFCONFIG_USAGE, 0) };
    else return { output: out('', `ifconfig: option \`${a}' not recognised.\nifconfig: \`--help' gives usage information.\n`, 1) };
  }
  return { all, name: argv[i], settings: argv.slice(i + 1) };
}

export const ifconfig: Tool = {
  check(argv) {
    const p = parseArgs(argv);
    if ('refuse' in p) return p.refuse;
    if ('output' in p || p.settings.length === 0) return undefined;
    const s = parseSettings(p.settings);
    return 'refuse' in s ? s.refuse : undefined;
  },
  run(ctx, argv) {
    const p = parseArgs(argv);
    if ('refuse' in p) throw new Error(`checked: ${p.refuse}`);
    if ('output' in p) return p.output;
    if (p.settings.length === 0) return show(ctx.world, ctx.ns, p.all, p.name);
    const s = parseSettings(p.settings);
    if ('refuse' in s) throw new Error(`checked: ${s.refuse}`);
    if ('usage' in s) return out('', IFCONFIG_USAGE, 3);
    return apply(ctx.world, ctx.ns, p.name as string, s.steps);
  },
};
