/**
 * `ip neigh` (ip/ipneigh.c): add, change, replace, delete, show, flush of the ARP table.
 *
 *   10.1.1.3 dev veth0 lladdr c6:39:e5:a3:34:ee REACHABLE
 *
 * Entries are listed in the order they were created: the kernel's order is its hash table's, seeded
 * at random per boot, so no run reproduces it.
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { duparg, duparg2, fail, invarg, nodev, rtnlFail, unsupported } from './errors.js';
import { familyUnsupported, getAddr, getPrefix, ipString, llAddrA2n, macToString, type InetPrefix } from './parse.js';
import { neigh_add, neigh_flush } from '../../core/neighbour.js';
import type { NeighEntry, Nud, PneighEntry } from '../../sim/state.js';
import { pneigh_add, pneigh_delete, pneigh_lookup } from '../../core/pneigh.js';
import type { Printer } from './print.js';

const NUD_BITS: Readonly<Record<Nud, number>> = { NONE: 0, INCOMPLETE: 0x01, REACHABLE: 0x02, STALE: 0x04, DELAY: 0x08, PROBE: 0x10, FAILED: 0x20, NOARP: 0x40, PERMANENT: 0x80 };
const NUD_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

/** nud_state_a2n. */
function nudA2n(arg: string): number | undefined {
  if (matches(arg, 'permanent')) return 0x80;
  if (matches(arg, 'reachable')) return 0x02;
  const exact: Readonly<Record<string, number>> = { noarp: 0x40, none: 0, stale: 0x04, incomplete: 0x01, delay: 0x08, probe: 0x10 };
  if (arg in exact) return exact[arg];
  if (matches(arg, 'failed')) return 0x20;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(arg)) return undefined;
  const v = Number(arg);
  return v >= 0x100 || (v & (v - 1)) !== 0 ? undefined : v;
}

/** The states `ip neigh add` may set here; the others are driven by timers the kernel runs. */
const SETTABLE: Readonly<Record<number, Nud>> = { 0x80: 'PERMANENT', 0x02: 'REACHABLE', 0x04: 'STALE', 0x40: 'NOARP' };

type Cmd = 'add' | 'change' | 'replace' | 'delete';

/** ipneigh_modify. */
function ipneighModify(ctx: IpCtx, args: Args, cmd: Cmd): number {
  let lla: string | undefined;
  let state = 0x80;
  let dev: string | undefined;
  let dst: InetPrefix | undefined;
  let proxy = false;
  for (; args.more; args.shift()) {
    const w = args.word;
    if (matches(w, 'lladdr')) {
      const v = args.next();
      if (lla !== undefined) duparg('lladdr', v);
      lla = v;
    } else if (w === 'nud') {
      const v = args.next();
      const s = nudA2n(v);
      if (s === undefined) invarg('nud state is bad', v);
      if (SETTABLE[s] === undefined) unsupported(`ip neigh ... nud ${v}`);
      state = s;
    } else if (matches(w, 'proxy')) {
      const v = args.next();
      if (matches(v, 'help')) unsupported('ip neigh help (usage text)');
      if (dst) duparg('address', v);
      dst = getAddr(v, ctx.opts.family);
      proxy = true;
    } else if (w === 'router' || w === 'use' || w === 'managed' || matches(w, 'extern_learn') || matches(w, 'protocol')) unsupported(`ip neigh ... ${w}`);
    else if (w === 'dev') dev = args.next();
    else {
      let v = w === 'to' ? args.next() : w;
      if (matches(v, 'help')) v = args.next();
      if (dst) duparg2('to', v);
      dst = getAddr(v, ctx.opts.family);
    }
  }
  if ((dev === undefined && !proxy) || !dst || dst.family === 'unspec') return fail(255, 'Device and destination are required arguments.\n');
  if (ctx.opts.family !== 'inet' && ctx.opts.family !== 'unspec') familyUnsupported(ctx.opts.family, `neigh ${cmd}`);
  const mac = lla !== undefined && lla !== 'null' ? llAddrA2n(lla, 20) : undefined;
  const ifindex = dev === undefined ? 0 : ctx.ifindex(dev);
  if (dev !== undefined && !ifindex) nodev(dev);
  if (ctx.dry) return 0;
  const ns = ctx.ns;
  if (proxy) {
    // NTF_PROXY: a pneigh entry; lladdr and nud mean nothing to it, and add, change and replace all create.
    if (cmd !== 'delete') pneigh_add(ns, dst.addr, ifindex);
    else if (pneigh_delete(ns, (e) => e.ip === dst.addr && e.ifindex === ifindex) === 0) return rtnlFail({ errno: 'ENOENT' });
    return 0;
  }
  const key = `${ifindex}/${dst.addr}`;
  const exists = ns.state.neigh[key] !== undefined;
  if (cmd === 'delete') {
    if (!exists) return rtnlFail({ errno: 'ENOENT' });
    neigh_flush(ctx.world, ns, (e) => e.ifindex === ifindex && e.ip === dst.addr);
    return 0;
  }
  // change is NLM_F_REPLACE without NLM_F_CREATE: only an entry that exists.
  if (cmd === 'change' && !exists) return rtnlFail({ errno: 'ENOENT' });
  const r = neigh_add(ctx.world, ns, ifindex, dst.addr, mac === undefined ? undefined : macToString(mac), SETTABLE[state] as Nud, cmd !== 'add');
  if (!r.ok) rtnlFail(r);
  return 0;
}

/**
 * print_neigh (and print_neigh_brief): one entry. `dev` is not printed when the listing asked for one
 * device (filter.index); the link-layer address only while the entry is NUD_VALID, as neigh_fill_info
 * sends it.
 */
function printNeigh(p: Printer, e: NeighEntry, devName: string | undefined, brief: boolean): void {
  p.openObject();
  const dst = ipString(e.ip);
  const lladdr = e.mac !== undefined && (NUD_BITS[e.state] & NUD_VALID) !== 0 ? e.mac : undefined;
  if (brief) {
    p.str('dst', `${dst.padEnd(39)} `, dst, 'inet');
    if (devName !== undefined) p.str('dev', `${devName.padEnd(16)} `, devName, 'ifname');
    if (lladdr !== undefined) p.str('lladdr', lladdr, lladdr, 'mac');
    p.fp('\n');
    p.closeObject();
    return;
  }
  p.str('dst', `${dst} `, dst, 'inet');
  if (devName !== undefined) {
    p.fp('dev ');
    p.str('dev', `${devName} `, devName, 'ifname');
  }
  if (lladdr !== undefined) {
    p.fp('lladdr ');
    p.str('lladdr', `${lladdr} `, lladdr, 'mac');
  }
  // print_neigh_state: a JSON array "state"; as text the state's name.
  if (e.state !== 'NONE') {
    p.openArray('state');
    p.str(null, `${e.state} `, e.state);
    p.closeArray();
  }
  p.fp('\n');
  p.closeObject();
}

/** print_neigh for a pneigh entry: the address, its device if it has one and the listing shows devices, "proxy". */
function printPneigh(p: Printer, e: PneighEntry, devName: string | undefined): void {
  p.openObject();
  const dst = ipString(e.ip);
  p.str('dst', `${dst} `, dst, 'inet');
  if (devName !== undefined) {
    p.fp('dev ');
    p.str('dev', `${devName} `, devName, 'ifname');
  }
  p.null('proxy', 'proxy ');
  p.fp('\n');
  p.closeObject();
}

/** -s adds print_cacheinfo: the entry's reference count, ages and probes, which are not modelled. */
function refuseCacheinfo(ctx: IpCtx, what: string): void {
  if (ctx.opts.stats) unsupported(`ip -s neigh ${what} (reference counts, ages and probe counts of neighbour entries)`);
}

/** Families whose neighbours a listing would show: IPv6 is off, and -0 and -M have none; -B is the bridge's fdb. */
function neighFamilyEmpty(ctx: IpCtx): boolean {
  const f = ctx.opts.family;
  if (f === 'bridge') unsupported('ip -B neigh (the bridge fdb as neighbours)');
  return f === 'inet6' || f === 'link' || f === 'mpls';
}

/** do_show_or_flush. */
function ipneighList(ctx: IpCtx, args: Args, flush: boolean): number {
  if (flush && !args.more) return fail(1, 'Flush requires arguments.\n');
  // Shown by default: every state but NOARP (and NONE); flushed by default: all but PERMANENT and NOARP.
  let states = flush ? ~(0x80 | 0x40) : 0xff & ~0x40;
  let stateGiven = false;
  let dev: string | undefined;
  let pfx: InetPrefix | undefined;
  let proxy = false;
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'dev') {
      const v = args.next();
      if (dev !== undefined) duparg('dev', v);
      dev = v;
    } else if (w === 'proxy') proxy = true;
    else if (w === 'master' || w === 'vrf' || w === 'nomaster' || w === 'unused' || matches(w, 'protocol')) unsupported(`ip neigh ${flush ? 'flush' : 'show'} ${w}`);
    else if (w === 'nud') {
      const v = args.next();
      if (!stateGiven) {
        stateGiven = true;
        states = 0;
      }
      let s = nudA2n(v);
      if (s === undefined) {
        if (v !== 'all') invarg('nud state is bad', v);
        s = flush ? ~0x40 : ~0;
      }
      states |= s === 0 ? 0x100 : s;
    } else {
      const v = w === 'to' ? args.next() : w;
      if (matches(v, 'help')) unsupported('ip neigh help (usage text)');
      pfx = getPrefix(v, ctx.opts.family);
    }
  }
  let ifindex = 0;
  if (dev !== undefined) {
    ifindex = ctx.ifindex(dev);
    if (!ifindex) nodev(dev);
  }
  const none = neighFamilyEmpty(ctx);
  // A flush lists what it deletes only with -s -s, with the cache information.
  if (flush ? (ctx.opts.stats ?? 0) > 1 : ctx.opts.stats) refuseCacheinfo(ctx, flush ? 'flush' : 'show');
  if (ctx.dry) return 0;
  const ns = ctx.ns;
  const inPrefix = (ip: number): boolean => {
    if (!pfx || pfx.bitlen === 0) return true;
    const mask = pfx.bitlen === 32 ? 0xffffffff : ~(0xffffffff >>> pfx.bitlen) >>> 0;
    return ((ip ^ pfx.addr) & mask) >>> 0 === 0;
  };
  if (proxy) {
    // The pneigh table's dump: no states (a proxy entry passes any nud filter), the device filter
    // drops entries without a device.
    const pick = (e: PneighEntry) => !none && (!ifindex || e.ifindex === ifindex) && inPrefix(e.ip);
    if (flush) {
      pneigh_delete(ns, pick);
      return 0;
    }
    ctx.p.newJsonObj();
    for (const e of ns.state.pneigh ?? []) if (pick(e)) printPneigh(ctx.p, e, ifindex || e.ifindex === 0 ? undefined : ns.state.devices[e.ifindex]?.name);
    ctx.p.deleteJsonObj();
    return 0;
  }
  const selected = (e: NeighEntry): boolean => {
    if (none) return false;
    if (ifindex && e.ifindex !== ifindex) return false;
    const bit = NUD_BITS[e.state];
    if ((states & bit) === 0 && (bit !== 0 || (states & 0x100) === 0)) return false;
    if (pfx && pfx.bitlen > 0) {
      const mask = pfx.bitlen === 32 ? 0xffffffff : ~(0xffffffff >>> pfx.bitlen) >>> 0;
      if (((e.ip ^ pfx.addr) & mask) >>> 0 !== 0) return false;
    }
    return true;
  };
  if (flush) {
    // Round after round until a dump finds nothing; the kernel deletes an entry at once, so the
    // second round finds nothing (FAILED entries are spared from then on).
    const n = neigh_flush(ctx.world, ns, selected);
    if (ctx.opts.stats) ctx.print(n === 0 ? 'Nothing to flush.\n' : `\n*** Round 1, deleting ${n} entries ***\n*** Flush is complete after 1 round ***\n`);
    return 0;
  }
  ctx.p.newJsonObj();
  for (const e of Object.values(ns.state.neigh)) {
    if (!selected(e)) continue;
    printNeigh(ctx.p, e, ifindex ? undefined : ns.state.devices[e.ifindex]?.name, ctx.opts.brief ?? false);
  }
  ctx.p.deleteJsonObj();
  return 0;
}

/**
 * ipneigh_get: one entry, whatever its state (RTM_GETNEIGH). It prints outside any JSON context, so
 * -json changes nothing; `proxy ADDR` looks in the pneigh table.
 */
function ipneighGet(ctx: IpCtx, args: Args): number {
  let d: string | undefined;
  let dst: InetPrefix | undefined;
  let devOk = false;
  let proxy = false;
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'dev') {
      d = args.next();
      devOk = true;
    } else if (matches(w, 'proxy')) {
      const v = args.next();
      if (matches(v, 'help')) unsupported('ip neigh help (usage text)');
      if (dst) duparg('address', v);
      dst = getAddr(v, ctx.opts.family);
      devOk = true;
      proxy = true;
    } else {
      const v = w === 'to' ? args.next() : w;
      if (matches(v, 'help')) unsupported('ip neigh help (usage text)');
      if (dst) duparg2('to', v);
      dst = getAddr(v, ctx.opts.family);
    }
  }
  if (!devOk || !dst || dst.family === 'unspec') return fail(1, 'Device and address are required arguments.\n');
  if (dst.family !== 'inet') familyUnsupported('inet6', 'neigh get');
  let ifindex = 0;
  if (d !== undefined) {
    ifindex = ctx.ifindex(d);
    if (!ifindex) return fail(1, `Cannot find device "${d}"\n`);
  }
  refuseCacheinfo(ctx, 'get');
  if (ctx.dry) return 0;
  if (proxy) {
    const pe = pneigh_lookup(ctx.ns, dst.addr, ifindex);
    if (!pe) return rtnlFail({ errno: 'ENOENT', extack: 'Proxy neighbour entry not found' });
    printPneigh(ctx.p, pe, pe.ifindex === 0 ? undefined : ctx.ns.state.devices[pe.ifindex]?.name);
    return 0;
  }
  const e = ctx.ns.state.neigh[`${ifindex}/${dst.addr}`];
  if (!e) return rtnlFail({ errno: 'ENOENT', extack: 'Neighbour entry not found' });
  printNeigh(ctx.p, e, ctx.ns.state.devices[e.ifindex]?.name, ctx.opts.brief ?? false);
  return 0;
}

/** do_ipneigh. */
export function doIpneigh(ctx: IpCtx, args: Args): number {
  if (!args.more) return ipneighList(ctx, args, false);
  const w = args.word;
  args.shift();
  if (matches(w, 'add')) return ipneighModify(ctx, args, 'add');
  if (matches(w, 'change') || w === 'chg') return ipneighModify(ctx, args, 'change');
  if (matches(w, 'replace')) return ipneighModify(ctx, args, 'replace');
  if (matches(w, 'delete')) return ipneighModify(ctx, args, 'delete');
  if (matches(w, 'get')) return ipneighGet(ctx, args);
  if (matches(w, 'show') || matches(w, 'lst') || matches(w, 'list')) return ipneighList(ctx, args, false);
  if (matches(w, 'flush')) return ipneighList(ctx, args, true);
  if (matches(w, 'help')) unsupported('ip neigh help (usage text)');
  return fail(255, `Command "${w}" is unknown, try "ip neigh help".\n`);
}
