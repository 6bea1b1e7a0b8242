/**
 * `ip address` (ip/ipaddress.c): add, delete, flush, show — and the listing `ip link show` shares with
 * it (ipaddr_list_flush_or_save with do_link).
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { duparg, duparg2, fail, invarg, nodev, rtnlFail, unsupported } from './errors.js';
import { devicesInOrder, linkKind, printLinkinfo, printLinkStats } from './link-format.js';
import type { Printer } from './print.js';
import { familyUnsupported, getAddr, getPrefix, getUnsigned, ipString, type Family, type InetPrefix } from './parse.js';
import { scopeA2n, scopeN2a, scopeName } from './names.js';
import { inet_rtm_deladdr, inet_rtm_newaddr, type NewAddr } from '../../stack/devinet.js';
import type { DeviceState, IfAddr } from '../../sim/state.js';

const SCOPE_NUM: Readonly<Record<IfAddr['scope'], number>> = { global: 0, link: 253, host: 254 };

/** The address flags iproute2 accepts as words (lookup_flag_data_by_name); none is modelled. */
const IFA_FLAG_WORDS = ['secondary', 'temporary', 'nodad', 'optimistic', 'dadfailed', 'home', 'deprecated', 'tentative', 'permanent', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy', 'dynamic', 'primary'];

/**
 * print_addrinfo: one address. -o (and a flush's listing) puts "IDX: DEV" first and '\\' before the
 * lifetimes; -brief prints only ADDR/LEN.
 */
export function printAddrinfo(p: Printer, a: IfAddr, dev: DeviceState, o: { readonly brief: boolean; readonly withDev: boolean }): void {
  if (!o.brief) {
    if (o.withDev) {
      p.jnum('index', dev.ifindex);
      p.jstr('dev', dev.name);
      p.fp(`${dev.ifindex}: ${dev.name}`);
    }
    p.str('family', '    inet ', 'inet');
  }
  const local = ipString(a.local);
  p.str('local', local, local, 'inet');
  p.num('prefixlen', `/${a.prefixlen} `, a.prefixlen);
  if (a.metric) p.num('metric', `metric ${a.metric} `, a.metric);
  if (o.brief) return;
  if (a.broadcast !== undefined) {
    const brd = ipString(a.broadcast);
    p.fp('brd ');
    p.str('broadcast', `${brd} `, brd, 'inet');
  }
  const scope = scopeN2a(SCOPE_NUM[a.scope]);
  p.str('scope', `scope ${scope} `, scope);
  // print_ifa_flags: IPv4 addresses are IFA_F_PERMANENT (no "dynamic"); IFA_F_SECONDARY is the one shown.
  if (a.secondary) {
    p.fp('secondary ');
    p.jraw('secondary', 'true');
  }
  p.str('label', a.label, a.label);
  p.nl();
  p.fp('       valid_lft ');
  p.jnum('valid_life_time', INFINITY_LIFE_TIME);
  p.fp('forever');
  p.fp(' preferred_lft ');
  p.jnum('preferred_life_time', INFINITY_LIFE_TIME);
  p.fp('forever');
  p.fp('\n');
}

/** INFINITY_LIFE_TIME: a lifetime that never ends, as JSON shows it. */
const INFINITY_LIFE_TIME = 0xffffffff;

interface ListFilter {
  /** -4, or the family of a "to" prefix. */
  family: Family;
  dev?: string;
  up: boolean;
  scope?: number;
  master?: number;
  kind?: string;
  slaveKind?: string;
  to?: InetPrefix;
}

/** ipaddr_list_flush_or_save's words. */
function parseListFilter(ctx: IpCtx, args: Args, family: Family): ListFilter {
  const f: ListFilter = { up: false, family };
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'to') {
      const v = args.next();
      f.to = getPrefix(v, f.family);
      if (f.family === 'unspec') f.family = f.to.family;
    } else if (w === 'scope') {
      const v = args.next();
      const s = scopeA2n(v);
      if (s === undefined && v !== 'all') invarg('invalid "scope"\n', v);
      if (s !== undefined) {
        if (scopeName(s) === undefined || s === 255) unsupported(`ip addr ... scope ${v}`);
        f.scope = s;
      }
    } else if (w === 'up') f.up = true;
    else if (IFA_FLAG_WORDS.includes(w.replace(/^-/, ''))) unsupported(`ip addr show ... ${w}`);
    else if (w === 'label' || w === 'group' || w === 'vrf' || w === 'nomaster') unsupported(`ip addr show ... ${w}`);
    else if (w === 'master') {
      const v = args.next();
      const idx = ctx.ifindex(v);
      if (!idx) invarg('Device does not exist\n', v);
      f.master = idx;
    } else if (w === 'type') {
      const v = args.next();
      if (v.endsWith('_slave')) f.slaveKind = v.slice(0, -'_slave'.length);
      else f.kind = v;
    } else {
      let v = w;
      if (w === 'dev') v = args.next();
      else if (matches(w, 'help')) unsupported('ip address help (usage text)');
      if (f.dev !== undefined) duparg2('dev', v);
      f.dev = v;
    }
  }
  return f;
}

function inPrefix(addr: number, p: InetPrefix): boolean {
  if (p.bitlen <= 0) return true;
  const mask = p.bitlen === 32 ? 0xffffffff : ~(0xffffffff >>> p.bitlen) >>> 0;
  return ((addr ^ p.addr) & mask) >>> 0 === 0;
}

function addrMatches(a: IfAddr, f: ListFilter, ifindex: number): boolean {
  if (ifindex && a.ifindex !== ifindex) return false;
  if (f.scope !== undefined && SCOPE_NUM[a.scope] !== f.scope) return false;
  if (f.to && !inPrefix(a.local, f.to)) return false;
  return true;
}

/**
 * The filters the kernel applies to a link dump (iplink_filter_req: master, kind); the others are
 * print_linkinfo's own (linkPrinted).
 */
function linkDumped(ctx: IpCtx, dev: DeviceState, f: ListFilter): boolean {
  if (f.master !== undefined) {
    const m = dev.master === undefined ? undefined : ctx.world.device(dev.master);
    if (!m || m.ns !== ctx.ns || m.dev.ifindex !== f.master) return false;
  }
  if (f.kind !== undefined && linkKind(dev) !== f.kind) return false;
  return true;
}

/** print_linkinfo's filters: up, the master of a single device asked for, the port kind. */
function linkPrinted(ctx: IpCtx, dev: DeviceState, f: ListFilter): boolean {
  if (f.up && !dev.up) return false;
  if (!linkDumped(ctx, dev, f)) return false;
  if (f.slaveKind !== undefined) {
    const m = dev.master === undefined ? undefined : ctx.world.device(dev.master);
    if (!m || linkKind(m.dev) !== f.slaveKind) return false;
  }
  return true;
}

/**
 * ipaddr_flush: delete what matches, dump after dump, until nothing does (errors are not reported).
 * -s counts the rounds; -s -s lists each address as it goes.
 */
function ipaddrFlush(ctx: IpCtx, f: ListFilter, ifindex: number): number {
  const stats = ctx.opts.stats ?? 0;
  for (let round = 0; round < MAX_FLUSH_LOOPS; round++) {
    // A dump walks the devices by ifindex, each device's addresses in order.
    const victims = ctx.ns.state.addrs.filter((a) => addrMatches(a, f, ifindex)).sort((x, y) => x.ifindex - y.ifindex);
    if (victims.length === 0) {
      if (stats) ctx.print(round === 0 ? 'Nothing to flush.\n' : `*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
      return 0;
    }
    if (stats > 1) for (const v of victims) printAddrinfo(ctx.p, v, ctx.device(v.ifindex) as DeviceState, { brief: false, withDev: true });
    for (const v of victims) inet_rtm_deladdr(ctx.ns, v.ifindex, v.local, v.prefixlen);
    if (stats) ctx.print(`\n*** Round ${round + 1}, deleting ${victims.length} addresses ***\n`);
  }
  ctx.warn(`*** Flush remains incomplete after ${MAX_FLUSH_LOOPS} rounds. ***\n`);
  return 1;
}

/** ip.c's max_flush_loops (-loops is not modelled). */
const MAX_FLUSH_LOOPS = 10;

/**
 * ipaddr_list_flush_or_save: `ip addr show|flush`, and `ip link show` (mode 'link': family link, no
 * addresses, "mode DEFAULT", the counters in the link's own lines).
 */
export function ipaddrList(ctx: IpCtx, args: Args, mode: 'link' | 'addr' | 'flush'): number {
  const family: Family = mode === 'link' ? 'link' : ctx.opts.family;
  if (mode === 'flush' && !args.more) return fail(1, 'Flush requires arguments.\n');
  if (mode === 'flush' && family === 'link') return fail(1, 'Cannot flush link addresses.\n');
  const f = parseListFilter(ctx, args, family);
  if (mode === 'link' && (f.scope !== undefined || f.to !== undefined)) unsupported('ip link show with address filters');
  if (ctx.dry) return 0;
  let ifindex = 0;
  if (f.dev !== undefined) {
    ifindex = ctx.ifindex(f.dev);
    if (!ifindex) return fail(1, `Device "${f.dev}" does not exist.\n`);
  }
  // Addresses of other families: IPv6 is off in every namespace, MPLS and bridge have none.
  const noAddrs = f.family === 'inet6' || f.family === 'mpls' || f.family === 'bridge';
  if (mode === 'flush') {
    if (noAddrs) {
      if (ctx.opts.stats) ctx.print('Nothing to flush.\n');
      return 0;
    }
    return ipaddrFlush(ctx, f, ifindex);
  }
  const p = ctx.p;
  const o = ctx.opts;
  const brief = o.brief ?? false;
  const stats = o.stats ?? 0;
  const num = { human: o.human ?? false, iec: o.iec ?? false };
  const link = mode === 'link';
  const withAddrs = f.family !== 'link';
  // -o without -brief: no link lines, each address on its own line.
  const noLink = withAddrs && o.oneline && !brief;
  p.newJsonObj();
  for (const dev of devicesInOrder(ctx.ns)) {
    if (ifindex && dev.ifindex !== ifindex) continue;
    // A single device asked for is fetched whatever the master and kind filters say.
    if (!ifindex && !linkDumped(ctx, dev, f)) continue;
    if (withAddrs) {
      const addrs = noAddrs ? [] : ctx.ns.state.addrs.filter((a) => a.ifindex === dev.ifindex);
      // ipaddr_filter: a link stays if one of its addresses passes the filter, or — without a
      // family — if it has no address at all.
      const kept = addrs.some((a) => addrMatches(a, f, 0)) || (addrs.length === 0 && f.family === 'unspec');
      if (!kept) continue;
    }
    p.openObject();
    // print_linkinfo: -1 when its own filters drop the link (an empty object in JSON), 0 for -brief.
    let res = 0;
    if (brief || !noLink) {
      res = linkPrinted(ctx, dev, f) ? (brief ? 0 : 1) : -1;
      if (res >= 0) printLinkinfo(p, ctx.world, ctx.ns, dev, { link, family: f.family, details: o.details ?? false, brief, stats, num });
    }
    if (res >= 0 && withAddrs) printSelectedAddrinfo(ctx, dev, f, noAddrs, brief);
    if (res > 0 && !link && stats) {
      printLinkStats(p, ctx.world, dev, stats, num);
      p.nl();
    }
    p.closeObject();
  }
  p.deleteJsonObj();
  return 0;
}

/**
 * print_selected_addrinfo: the "addr_info" array of a link. An address print_addrinfo's own filters
 * drop (scope, "to") is still an empty object in it.
 */
function printSelectedAddrinfo(ctx: IpCtx, dev: DeviceState, f: ListFilter, noAddrs: boolean, brief: boolean): void {
  const p = ctx.p;
  p.openArray('addr_info');
  if (!noAddrs && !(f.up && !dev.up)) {
    for (const a of ctx.ns.state.addrs) {
      if (a.ifindex !== dev.ifindex) continue;
      p.openObject();
      if (addrMatches(a, f, 0)) printAddrinfo(p, a, dev, { brief, withDev: ctx.opts.oneline });
      p.closeObject();
    }
  }
  p.closeArray();
  if (brief) p.fp('\n');
}

/** default_scope: 127.x.x.x is host, everything else global. */
function defaultScope(p: InetPrefix): IfAddr['scope'] {
  return p.addr >>> 24 === 127 ? 'host' : 'global';
}

/** ipaddr_modify for add and delete. */
function ipaddrModify(ctx: IpCtx, args: Args, cmd: 'add' | 'del' | 'replace'): number {
  let family = ctx.opts.family;
  let d: string | undefined;
  let label: string | undefined;
  let lcl: InetPrefix | undefined;
  let lclArg = '';
  let brdLen = 0;
  let brd: number | undefined;
  let scope: IfAddr['scope'] | undefined;
  let metric: number | undefined;
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'peer' || w === 'remote') unsupported('ip addr ... peer');
    else if (matches(w, 'broadcast') || w === 'brd') {
      const v = args.next();
      if (brdLen) duparg('broadcast', v);
      if (v === '+') brdLen = -1;
      else if (v === '-') brdLen = -2;
      else {
        const a = getAddr(v, family);
        if (family === 'unspec') family = a.family;
        brd = a.addr;
        brdLen = 4;
      }
    } else if (w === 'anycast') unsupported('ip addr ... anycast');
    else if (w === 'scope') {
      const v = args.next();
      const s = scopeA2n(v);
      if (s === undefined) invarg('invalid scope value.', v);
      const name = scopeName(s);
      if (name === undefined || name === 'nowhere') unsupported(`ip addr ... scope ${v}`);
      scope = name;
    } else if (w === 'dev') d = args.next();
    else if (w === 'label') {
      label = args.next();
      if (cmd === 'del') unsupported('ip addr del ... label');
    } else if (matches(w, 'metric') || matches(w, 'priority') || matches(w, 'preference')) {
      const v = args.next();
      if (cmd === 'del') unsupported('ip addr del ... metric');
      const m = getUnsigned(v);
      if (m === undefined || m > 0xffffffff) invarg('"metric" value is invalid\n', v);
      metric = m;
    }
    else if (matches(w, 'valid_lft') || matches(w, 'preferred_lft')) unsupported(`ip addr ... ${w}`);
    else if (IFA_FLAG_WORDS.includes(w) && w !== 'dynamic' && w !== 'primary') unsupported(`ip addr ... ${w}`);
    else {
      const v = w === 'local' ? args.next() : w;
      if (matches(v, 'help')) unsupported('ip address help (usage text)');
      if (lcl) duparg2('local', v);
      lclArg = v;
      lcl = getPrefix(v, family);
      if (family === 'unspec') family = lcl.family;
    }
  }
  if (d === undefined) return fail(1, 'Not enough information: "dev" argument is required.\n');
  let wildcard = false;
  if (lcl && lcl.bytelen && cmd === 'del' && lcl.family === 'inet' && !lcl.prefixSpecified) {
    ctx.warn(
      'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
        `         Explicitly specify the prefix length (${lclArg}/${lcl.bytelen * 8}) to avoid this warning.\n` +
        '         This special behaviour is likely to disappear in further releases,\n' +
        '         fix your scripts!\n',
    );
    wildcard = true;
  }
  if (brdLen < 0 && cmd !== 'del') {
    if (family !== 'inet') return fail(1, 'Broadcast can be set only for IPv4 addresses\n');
    const p = lcl as InetPrefix;
    if (p.bitlen <= 30) {
      const host = 0xffffffff >>> p.bitlen;
      brd = brdLen === -1 ? (p.addr | host) >>> 0 : (p.addr & ~host) >>> 0;
    }
  }
  if (scope === undefined && cmd !== 'del' && lcl) scope = defaultScope(lcl);
  const ifindex = ctx.ifindex(d);
  if (!ifindex) nodev(d);
  if (family !== 'inet' && family !== 'unspec') familyUnsupported(family, `address ${cmd}`);
  if (ctx.dry) return 0;
  // Without an address the request has no family: no handler takes it.
  if (!lcl || lcl.bytelen === 0) {
    if (family === 'unspec') return rtnlFail({ errno: 'EOPNOTSUPP' });
    if (cmd === 'del') return unsupported('ip -4 addr del without an address');
    return rtnlFail({ errno: 'EINVAL', extack: 'ipv4: Local address is not supplied' });
  }
  // IFA_LABEL's policy: shorter than IFNAMSIZ.
  if (label !== undefined && label.length >= 16) return rtnlFail({ errno: 'EINVAL', extack: 'Attribute failed policy validation' });
  if (cmd !== 'del') {
    const a: NewAddr = { local: lcl.addr, prefixlen: lcl.bitlen, ...(brd !== undefined ? { broadcast: brd } : {}), ...(scope ? { scope } : {}), ...(label !== undefined ? { label } : {}), ...(metric ? { metric } : {}) };
    const r = inet_rtm_newaddr(ctx.ns, ifindex, a, cmd);
    if (!r.ok) rtnlFail(r);
  } else {
    const r = inet_rtm_deladdr(ctx.ns, ifindex, lcl.addr, wildcard ? undefined : lcl.bitlen);
    if (!r.ok) rtnlFail(r);
  }
  return 0;
}

/** do_ipaddr. */
export function doIpaddr(ctx: IpCtx, args: Args): number {
  if (!args.more) return ipaddrList(ctx, args, 'addr');
  const w = args.word;
  args.shift();
  if (matches(w, 'add')) return ipaddrModify(ctx, args, 'add');
  // change is NLM_F_REPLACE, replace NLM_F_CREATE|NLM_F_REPLACE: inet_rtm_newaddr creates either way.
  if (matches(w, 'change') || w === 'chg' || matches(w, 'replace')) return ipaddrModify(ctx, args, 'replace');
  if (matches(w, 'delete')) return ipaddrModify(ctx, args, 'del');
  if (matches(w, 'list') || matches(w, 'show') || matches(w, 'lst')) return ipaddrList(ctx, args, 'addr');
  if (matches(w, 'flush')) return ipaddrList(ctx, args, 'flush');
  if (matches(w, 'save') || matches(w, 'showdump') || matches(w, 'restore') || matches(w, 'help')) unsupported(`ip address ${w}`);
  return fail(255, `Command "${w}" is unknown, try "ip address help".\n`);
}
