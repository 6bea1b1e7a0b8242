/**
 * net-tools' `route` (route.c, lib/inet_gr.c, lib/inet_sr.c): `route -n` prints the main table as
 * /proc/net/route has it; `route add|del [-net|-host] TARGET[/N] [netmask M] [gw G] [metric N]
 * [reject] [[dev] IF]` fills an rtentry and hands it to SIOCADDRT / SIOCDELRT. Without -n route
 * looks every address up as a name (DNS, /etc/hosts, /etc/networks), which is not simulated.
 */
import type { Namespace } from '../../sim/world.js';
import { procRoutes } from '../proc-net.js';
import { out, type Tool, type ToolOutput } from '../tool.js';
import { siocaddrt, siocdelrt, strerror, type RtEntry } from './ioctl.js';
import { inetGetNetmask, inetResolve, ipv4String } from './inet.js';
import { INET_ROUTE_USAGE, ROUTE_USAGE } from './usage.js';

const RTF_UP = 0x0001;
const RTF_GATEWAY = 0x0002;
const RTF_HOST = 0x0004;
const RTF_REJECT = 0x0200;

/** rprint_fib with ext 1 and -n. */
function show(ns: Namespace): string {
  let s = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  for (const r of procRoutes(ns)) {
    if (!(r.flags & RTF_UP)) continue;
    let flags = 'U';
    if (r.flags & RTF_GATEWAY) flags += 'G';
    if (r.flags & RTF_REJECT) flags = '!';
    if (r.flags & RTF_HOST) flags += 'H';
    const dst = ipv4String(r.dst).padEnd(15);
    const mask = ipv4String(r.mask).padEnd(15);
    if (r.flags & RTF_REJECT) s += `${dst} -               ${mask} ${flags.padEnd(5)} ${String(r.metric).padEnd(6)} -  ${'0'.padStart(7)} -\n`;
    else s += `${dst} ${ipv4String(r.gateway).padEnd(15)} ${mask} ${flags.padEnd(5)} ${String(r.metric).padEnd(6)} ${'0'.padEnd(2)} ${'0'.padStart(7)} ${r.iface}\n`;
  }
  return s;
}

type Edit = { readonly kind: 'edit'; readonly add: boolean; readonly rt: RtEntry } | { readonly kind: 'fail'; readonly stderr: string; readonly exit: number };

/** E_OPTERR: inet_route's usage, status 3 — after a message of its own, if any. */
function usage(message = ''): Edit {
  return { kind: 'fail', stderr: `${message}${INET_ROUTE_USAGE}`, exit: 3 };
}

/** INET_setroute's reading of the words after add/del; a name to look up is `refuse`. */
function parseEdit(add: boolean, args: readonly string[]): Edit | { refuse: string } {
  let i = 0;
  let xflag = 0;
  if (args[i] === '#net') (xflag = 1), i++;
  else if (args[i] === '#host') (xflag = 2), i++;
  const targetWord = args[i++];
  if (targetWord === undefined) return usage();
  let mask: number | undefined;
  let netmaskText = 'default';
  const m = inetGetNetmask(targetWord);
  if (m === 'bad') return usage();
  const target = m === 'none' ? targetWord : m.addr;
  if (m !== 'none') (mask = m.mask), (netmaskText = `/${m.prefix}`);
  const t = inetResolve(target);
  if (!t) return { refuse: `route ${add ? 'add' : 'del'} ${target}: looking a name up is not simulated, give an address` };
  let isnet = t.isnet;
  if (xflag === 1) isnet = true;
  if (xflag === 2) isnet = false;
  let gateway: number | undefined;
  let rtMetric = 0;
  let reject = false;
  let dev: string | undefined;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === 'metric') {
      const v = args[i + 1];
      if (v === undefined || !/^\d/.test(v)) return usage();
      rtMetric = Number(/^\d+/.exec(v)?.[0]) + 1;
      i += 2;
      continue;
    }
    if (a === 'netmask') {
      const v = args[i + 1];
      if (v === undefined || mask !== undefined) return usage();
      const r = inetResolve(v);
      if (!r) return { refuse: `route ... netmask ${v}: looking a name up is not simulated, give an address` };
      netmaskText = v;
      mask = r.addr;
      i += 2;
      continue;
    }
    if (a === 'gw' || a === 'gateway') {
      const v = args[i + 1];
      if (v === undefined || gateway !== undefined) return usage();
      const r = inetResolve(v);
      if (!r) return { refuse: `route ... gw ${v}: looking a name up is not simulated, give an address` };
      if (r.isnet) return usage(`route: ${v}: cannot use a NETWORK as gateway!\n`);
      gateway = r.addr;
      i += 2;
      continue;
    }
    if (a === 'reject') {
      reject = true;
      i++;
      continue;
    }
    if (a === 'device' || a === 'dev') {
      const v = args[i + 1];
      if (dev !== undefined || v === undefined) return usage();
      dev = v;
      i += 2;
      continue;
    }
    if (['mss', 'mtu', 'window', 'irtt', 'mod', 'dyn', 'reinstate'].includes(a)) return { refuse: `route ... ${a} is not simulated` };
    // Anything else is the device, and must come last.
    if (dev !== undefined) return usage();
    dev = a;
    i++;
    if (i < args.length) return usage();
  }
  // RTF_REJECT without a device: net-tools names lo (the kernel takes no device for it).
  if (reject && dev === undefined) dev = 'lo';
  if (mask) {
    const inv = ~mask >>> 0;
    if (!isnet && inv !== 0xffffffff) return usage(`route: netmask ${inv.toString(16).padStart(8, '0')} doesn't make sense with host route\n`);
    if ((inv & (inv + 1)) >>> 0 !== 0) return usage(`route: bogus netmask ${netmaskText}\n`);
    if ((t.addr & ~mask) >>> 0 !== 0) return usage("route: netmask doesn't match route address\n");
  }
  const rt: RtEntry = { dst: t.addr, mask: mask ?? (isnet ? 0 : 0xffffffff), host: !isnet, gateway, rtMetric, reject, dev };
  return { kind: 'edit', add, rt };
}

interface Parsed {
  readonly numeric: boolean;
  readonly rest: readonly string[];
}

/** route's getopt: -n only; -net/-host are marked '#' before getopt sees them. */
function parseArgs(argv: readonly string[]): Parsed | { output: ToolOutput } | { refuse: string } {
  const words = argv.slice(1).map((w) => (w === '-net' || w === '-host' ? `#${w.slice(1)}` : w));
  let numeric = false;
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '--') {
      rest.push(...words.slice(i + 1));
      break;
    }
    if (w === '--numeric') {
      numeric = true;
      continue;
    }
    if (w.startsWith('--')) return { refuse: `route ${w} is not simulated` };
    if (w.startsWith('-') && w.length > 1) {
      for (const f of w.slice(1)) {
        if (f === 'n') numeric = true;
        else if (f === 'h' || f === '?') return { output: out('', ROUTE_USAGE, 0) };
        else if ('eCFNv64VA'.includes(f)) return { refuse: `route -${f} is not simulated` };
        else return { output: out('', `route: invalid option -- '${f}'\n${ROUTE_USAGE}`, 3) };
      }
      continue;
    }
    rest.push(w);
  }
  return { numeric, rest };
}

export const route: Tool = {
  check(argv) {
    const p = parseArgs(argv);
    if ('refuse' in p) return p.refuse;
    if ('output' in p) return undefined;
    const verb = p.rest[0];
    if (verb === undefined) return p.numeric ? undefined : 'route without -n looks every address up as a name (DNS, /etc/hosts), which is not simulated: add -n';
    if (verb === 'flush') return undefined;
    if (verb !== 'add' && verb !== 'del' && verb !== 'delete') return undefined;
    const e = parseEdit(verb === 'add', p.rest.slice(1));
    return 'refuse' in e ? e.refuse : undefined;
  },
  run(ctx, argv) {
    const p = parseArgs(argv);
    if ('refuse' in p) throw new Error(`checked: ${p.refuse}`);
    if ('output' in p) return p.output;
    const verb = p.rest[0];
    if (verb === undefined) return out(show(ctx.ns));
    if (verb === 'flush') return out('', `Flushing \`inet' routing table not supported\n${INET_ROUTE_USAGE}`, 3);
    if (verb !== 'add' && verb !== 'del' && verb !== 'delete') return out('', ROUTE_USAGE, 3);
    if (p.rest.length === 1) return out('', INET_ROUTE_USAGE, 4);
    const e = parseEdit(verb === 'add', p.rest.slice(1));
    if ('refuse' in e) throw new Error(`checked: ${e.refuse}`);
    if (e.kind === 'fail') return out('', e.stderr, e.exit);
    const r = e.add ? siocaddrt(ctx.ns, e.rt) : siocdelrt(ctx.ns, e.rt);
    if (!r.ok) return out('', `${e.add ? 'SIOCADDRT' : 'SIOCDELRT'}: ${strerror(r.errno)}\n`, 7);
    return out('');
  },
};
