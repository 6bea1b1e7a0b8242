/**
 * net-tools' `arp` (arp.c): `arp -n [-i IF] [HOST]` prints /proc/net/arp as a table (-a: BSD style),
 * `arp -s HOST MAC [temp] [dev IF]` sets an entry through SIOCSARP (permanent unless temp),
 * `arp -d HOST [dev IF]` deletes one through SIOCDARP. Without -n the display looks every address up
 * as a name, which is not simulated. Several entries are listed in /proc/net/arp's order, which is the
 * kernel's neighbour hash table's, keyed at random at boot: a listing of more than one entry is refused.
 */
import type { NeighEntry } from '../../sim/state.js';
import type { Namespace } from '../../sim/world.js';
import { arpEntries, arpFlags } from '../proc-net.js';
import { NotSimulated, out, type Tool, type ToolOutput } from '../tool.js';
import { siocdarp, siocsarp, strerror } from './ioctl.js';
import { inetResolve, ipv4String } from './inet.js';
import { ARP_USAGE } from './usage.js';

const ATF_COM = 0x02;
const ATF_PERM = 0x04;

interface Parsed {
  readonly what: 'show' | 'delete' | 'set';
  /** -a: BSD style; otherwise the table. */
  readonly bsd: boolean;
  readonly numeric: boolean;
  readonly device: string;
  readonly args: readonly string[];
}

const LONG: Readonly<Record<string, string>> = { '--all': 'a', '--delete': 'd', '--numeric': 'n', '--set': 's', '--verbose': 'v', '--help': 'h', '--device': 'i' };

function parseArgs(argv: readonly string[]): Parsed | { output: ToolOutput } | { refuse: string } {
  let what: Parsed['what'] = 'show';
  let bsd = false;
  let table = false;
  let numeric = false;
  let device = '';
  const args: string[] = [];
  const words = argv.slice(1);
  for (let i = 0; i < words.length; i++) {
    let w = words[i] as string;
    if (w === '--') {
      args.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith('--')) {
      const [name, inline] = w.split(/=(.*)/s, 2) as [string, string | undefined];
      const f = LONG[name];
      if (f === undefined) return { refuse: `arp ${name} is not simulated` };
      if (f === 'i') {
        const v = inline ?? words[++i];
        if (v === undefined) return { output: out('', `arp: option '--device' requires an argument\n${ARP_USAGE}`, 3) };
        device = v;
        continue;
      }
      w = `-${f}`;
    }
    if (!w.startsWith('-') || w === '-') {
      args.push(w);
      continue;
    }
    for (let j = 1; j < w.length; j++) {
      const f = w[j] as string;
      if (f === 'a') (what = 'show'), (bsd = true);
      else if (f === 'd') what = 'delete';
      else if (f === 's') what = 'set';
      else if (f === 'e') table = true;
      else if (f === 'n') numeric = true;
      else if (f === 'i') {
        const v = w.slice(j + 1) || words[++i];
        if (v === undefined) return { output: out('', `arp: option requires an argument -- 'i'\n${ARP_USAGE}`, 3) };
        device = v;
        break;
      } else if (f === 'h') return { output: out('', ARP_USAGE, 4) };
      else if ('AHptfDNvV'.includes(f)) return { refuse: `arp -${f} is not simulated` };
      else return { output: out('', `arp: invalid option -- '${f}'\n${ARP_USAGE}`, 3) };
    }
  }
  return { what, bsd: bsd && !table, numeric, device, args };
}

function validMac(s: string): boolean {
  return /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s);
}

function macCanonical(s: string): string {
  return s
    .split(':')
    .map((b) => b.toLowerCase().padStart(2, '0'))
    .join(':');
}

/** arp_disp_2: the Linux-style table line. */
function tableLine(e: NeighEntry, dev: string): string {
  const flags = arpFlags(e);
  let f = '';
  if (flags & ATF_COM) f += 'C';
  if (flags & ATF_PERM) f += 'M';
  let s = `${ipv4String(e.ip).padEnd(23).slice(0, 23)}  `;
  s += flags & ATF_COM ? `${'ether'.padEnd(8)}${(e.mac ?? '00:00:00:00:00:00').padEnd(20)}` : `${''.padEnd(8)}${'(incomplete)'.padEnd(20)}`;
  return `${s}${f.padEnd(6)}${''.padEnd(15)} ${dev}\n`;
}

/** arp_disp: the BSD-style line, "?" for the name it did not look up. */
function bsdLine(e: NeighEntry, dev: string): string {
  const flags = arpFlags(e);
  let s = `? (${ipv4String(e.ip)}) at `;
  s += flags & ATF_COM ? `${e.mac ?? '00:00:00:00:00:00'} [ether] ` : '<incomplete> ';
  if (flags & ATF_PERM) s += 'PERM ';
  return `${s}on ${dev}\n`;
}

function show(ns: Namespace, p: Parsed): ToolOutput {
  const host = p.args[0];
  const hostAddr = host === undefined ? undefined : inetResolve(host)?.addr;
  const all = arpEntries(ns);
  const shown = all.filter((e) => {
    const dev = ns.state.devices[e.ifindex]?.name ?? '';
    if (hostAddr !== undefined && e.ip !== hostAddr) return false;
    if (p.device && dev !== p.device) return false;
    return true;
  });
  if (shown.length > 1) {
    throw new NotSimulated("arp lists several entries in /proc/net/arp's order, the kernel's neighbour hash table's, which is keyed at random at boot: no run can reproduce it");
  }
  let s = '';
  if (shown.length > 0 && !p.bsd) s += 'Address                  HWtype  HWaddress           Flags Mask            Iface\n';
  for (const e of shown) {
    const dev = ns.state.devices[e.ifindex]?.name ?? '';
    s += p.bsd ? bsdLine(e, dev) : tableLine(e, dev);
  }
  if (shown.length === 0) {
    if (host !== undefined && !p.bsd) s += `${host} (${ipv4String(hostAddr as number)}) -- no entry\n`;
    else if (host !== undefined || p.device) s += `arp: in ${all.length} entries no match found.\n`;
  }
  return out(s);
}

type SetArgs = { readonly ip: number; readonly mac: string; readonly perm: boolean; readonly dev: string | undefined };

function parseSet(p: Parsed): SetArgs | { output: ToolOutput } | { refuse: string } {
  const [host, hw, ...rest] = p.args;
  if (host === undefined) return { output: out('', 'arp: need host name\n', 255) };
  const r = inetResolve(host);
  if (!r) return { refuse: `arp -s ${host}: looking a name up is not simulated, give an address` };
  if (hw === undefined) return { output: out('', 'arp: need hardware address\n', 255) };
  if (!validMac(hw)) return { output: out('', 'arp: invalid hardware address\n', 255) };
  let perm = true;
  let dev = p.device || undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === 'temp') perm = false;
    else if (a === 'dev') {
      const v = rest[++i];
      if (v === undefined) return { output: out('', ARP_USAGE, 3) };
      dev = v;
    } else if (['pub', 'priv', 'trail', 'dontpub', 'auto', 'netmask'].includes(a)) return { refuse: `arp -s ... ${a} is not simulated` };
    else return { output: out('', ARP_USAGE, 3) };
  }
  return { ip: r.addr, mac: macCanonical(hw), perm, dev };
}

type DelArgs = { readonly ip: number; readonly host: string; readonly dev: string | undefined };

function parseDel(p: Parsed): DelArgs | { output: ToolOutput } | { refuse: string } {
  const [host, ...rest] = p.args;
  if (host === undefined) return { output: out('', 'arp: need host name\n', 255) };
  const r = inetResolve(host);
  if (!r) return { refuse: `arp -d ${host}: looking a name up is not simulated, give an address` };
  let dev = p.device || undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === 'dev') {
      const v = rest[++i];
      if (v === undefined) return { output: out('', ARP_USAGE, 3) };
      dev = v;
    } else if (['pub', 'priv', 'temp', 'trail', 'dontpub', 'auto', 'netmask'].includes(a)) return { refuse: `arp -d ... ${a} is not simulated` };
    else return { output: out('', ARP_USAGE, 3) };
  }
  return { ip: r.addr, host, dev };
}

export const arp: Tool = {
  check(argv) {
    const p = parseArgs(argv);
    if ('refuse' in p) return p.refuse;
    if ('output' in p) return undefined;
    if (p.what === 'show') {
      if (!p.numeric) return 'arp without -n looks every address up as a name (DNS, /etc/hosts), which is not simulated: add -n';
      const host = p.args[0];
      if (host !== undefined && !inetResolve(host)) return `arp ${host}: looking a name up is not simulated, give an address`;
      return undefined;
    }
    const s = p.what === 'set' ? parseSet(p) : parseDel(p);
    return 'refuse' in s ? s.refuse : undefined;
  },
  run(ctx, argv) {
    const p = parseArgs(argv);
    if ('refuse' in p) throw new Error(`checked: ${p.refuse}`);
    if ('output' in p) return p.output;
    if (p.what === 'show') return show(ctx.ns, p);
    if (p.what === 'set') {
      const s = parseSet(p);
      if ('refuse' in s) throw new Error(`checked: ${s.refuse}`);
      if ('output' in s) return s.output;
      const r = siocsarp(ctx.world, ctx.ns, s.ip, s.mac, s.perm, s.dev);
      return r.ok ? out('') : out('', `SIOCSARP: ${strerror(r.errno)}\n`, 255);
    }
    const d = parseDel(p);
    if ('refuse' in d) throw new Error(`checked: ${d.refuse}`);
    if ('output' in d) return d.output;
    const r = siocdarp(ctx.world, ctx.ns, d.ip, d.dev);
    if (r.ok) return out('');
    // No entry: arp tries the proxy table too, and says so once that fails as well.
    if (r.errno === 'ENXIO' || r.errno === 'ENOENT') return out(`No ARP entry for ${d.host}\n`, '', 255);
    return out('', `SIOCDARP(dontpub): ${strerror(r.errno)}\n`, 255);
  },
};
