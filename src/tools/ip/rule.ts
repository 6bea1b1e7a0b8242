/**
 * `ip rule` (ip/iprule.c): add, delete, show, flush of the policy routing rules.
 *
 *   0:	from all lookup local
 *   100:	from all to 10.9.9.9 lookup 100
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { fail, invarg, rtnlFail, unsupported } from './errors.js';
import { familyUnsupported, getPrefix, getUnsigned, ipString, type InetPrefix } from './parse.js';
import { dsfieldA2n, dsfieldN2a, inetProtoA2n, inetProtoN2a, RTN, rtntypeA2n, tableA2n, tableN2a } from './names.js';
import { fib_nl_delrule, fib_nl_newrule, fib_rule_ranges_invalid } from '../../stack/fib_rules.js';
import { RT_TABLE_MAIN, type Rule } from '../../sim/state.js';
import { DEFAULT_RULES } from '../../stack/fib_rules.js';

/**
 * print_rule. A rule naming a device this namespace does not have is "[detached]". The kernel's own
 * rules have protocol kernel, the ones `ip rule add` makes unspec: shown with -details only.
 */
export function printRule(ctx: IpCtx, r: Rule): void {
  const p = ctx.p;
  p.openObject();
  p.num('priority', `${r.priority}:\t`, r.priority);
  if (r.invert) p.null('not', 'not ');
  const sel = (key: 'src' | 'dst', lead: string, x: { readonly addr: number; readonly len: number } | undefined) => {
    if (x === undefined) {
      if (key === 'src') p.str('src', 'from all', 'all');
      return;
    }
    p.fp(lead);
    p.str(key, ipString(x.addr), ipString(x.addr), 'inet');
    if (x.len !== 32) p.num(`${key}len`, `/${x.len}`, x.len);
  };
  sel('src', 'from ', r.from);
  sel('dst', ' to ', r.to);
  if (r.tos) p.str('tos', ` tos ${dsfieldN2a(r.tos)}`, dsfieldN2a(r.tos));
  const mark = r.fwmark ?? 0;
  const mask = r.fwmask ?? 0;
  if (mark || mask) {
    p.str('fwmark', ` fwmark ${hex(mark)}`, hex(mark));
    if (mask !== 0xffffffff) p.str('fwmask', `/${hex(mask)}`, hex(mask));
  }
  for (const [key, name] of [['iif', r.iif], ['oif', r.oif]] as const) {
    if (name === undefined) continue;
    p.fp(` ${key} `);
    p.str(key, name, name, 'ifname');
    if (!ctx.ifindex(name)) p.null(`${key}_detached`, ' [detached]');
  }
  if (r.uidrange) {
    p.num('uid_start', ` uidrange ${r.uidrange.start}`, r.uidrange.start);
    p.num('uid_end', `-${r.uidrange.end}`, r.uidrange.end);
  }
  if (r.ipproto !== undefined) p.str('ipproto', ` ipproto ${inetProtoN2a(r.ipproto)}`, inetProtoN2a(r.ipproto));
  for (const [key, range] of [['sport', r.sport], ['dport', r.dport]] as const) {
    if (!range) continue;
    if (range.start === range.end) p.num(key, ` ${key} ${range.start}`, range.start);
    else {
      p.num(`${key}_start`, ` ${key} ${range.start}`, range.start);
      p.num(`${key}_end`, `-${range.end}`, range.end);
    }
  }
  if (r.table) p.str('table', ` lookup ${tableN2a(r.table)}`, tableN2a(r.table));
  if (r.action !== 'lookup') p.str('action', ` ${r.action}`, r.action);
  if (ctx.opts.details) {
    const proto = DEFAULT_RULES.includes(r) || IPV6_DEFAULT_RULES.includes(r) ? 'kernel' : 'unspec';
    p.str('protocol', ` proto ${proto}`, proto);
  }
  p.fp('\n');
  p.closeObject();
}

/** printf's %#x: 0 without the prefix. */
function hex(v: number): string {
  return v === 0 ? '0' : `0x${v.toString(16)}`;
}

/** The IPv6 rules a new namespace has (fib6_rules_net_init): IPv6 rules are not otherwise modelled. */
const IPV6_DEFAULT_RULES: readonly Rule[] = [
  { priority: 0, table: 255, action: 'lookup' },
  { priority: 32766, table: 254, action: 'lookup' },
];

const ACTIONS: Readonly<Record<number, Rule['action']>> = { [RTN.unicast]: 'lookup', [RTN.blackhole]: 'blackhole', [RTN.unreachable]: 'unreachable', [RTN.prohibit]: 'prohibit' };

interface RuleReq {
  from?: InetPrefix;
  to?: InetPrefix;
  priority?: number;
  table?: number;
  iif?: string;
  oif?: string;
  action?: Rule['action'];
  invert?: boolean;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  uidrange?: { start: number; end: number };
  ipproto?: number;
  sport?: { start: number; end: number };
  dport?: { start: number; end: number };
}

/** sscanf's %u/%hu: a sign allowed, the value wrapped to the conversion's width (measured: sport -5 is 65531, 70000 is 4464). */
function scanUnsigned(text: string, bits: 16 | 32): number {
  const m = 2 ** bits;
  const n = Number(text);
  return ((n % m) + m) % m;
}

/** sscanf("%hu-%hu"): one port is a range of one ("10-abc" is 10: one conversion). */
function portRange(v: string): { start: number; end: number } | undefined {
  const m = /^\s*([+-]?\d+)(?:-\s*([+-]?\d+))?/.exec(v);
  if (!m) return undefined;
  const start = scanUnsigned(m[1] as string, 16);
  return { start, end: m[2] === undefined ? start : scanUnsigned(m[2], 16) };
}

/** check_ifname, as iprule_modify applies it to iif/oif. */
function validIfname(n: string): boolean {
  return n.length < 16 && n !== '' && !/[/\s]/.test(n);
}

/** iprule_modify's words. */
function parseRule(ctx: IpCtx, args: Args, add: boolean): RuleReq {
  const req: RuleReq = {};
  let tableOk = false;
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'not') req.invert = true;
    else if (w === 'from') {
      const p = getPrefix(args.next(), ctx.opts.family);
      if (p.bytelen) req.from = p;
    } else if (w === 'to') {
      const p = getPrefix(args.next(), ctx.opts.family);
      if (p.bytelen) req.to = p;
    } else if (matches(w, 'preference') || matches(w, 'order') || matches(w, 'priority')) {
      const v = args.next();
      const p = getUnsigned(v);
      if (p === undefined) invarg('preference value is invalid\n', v);
      req.priority = p;
    } else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = args.next();
      const t = dsfieldA2n(v);
      if (t === undefined) invarg('TOS value is invalid\n', v);
      req.tos = t;
    } else if (w === 'fwmark') {
      const v = args.next();
      const slash = v.indexOf('/');
      const markText = slash >= 0 ? v.slice(0, slash) : v;
      const mark = getUnsigned(markText);
      if (mark === undefined) invarg('fwmark value is invalid\n', markText);
      req.fwmark = mark;
      if (slash >= 0) {
        const mask = getUnsigned(v.slice(slash + 1));
        if (mask === undefined) invarg('fwmask value is invalid\n', v.slice(slash + 1));
        req.fwmask = mask;
      }
    } else if (matches(w, 'realms') || matches(w, 'protocol')) unsupported(`ip rule ... ${w}`);
    else if (matches(w, 'table') || w === 'lookup') {
      const v = args.next();
      const t = tableA2n(v);
      if (t === undefined) invarg('invalid table ID\n', v);
      req.table = t;
      tableOk = true;
    } else if (matches(w, 'suppress_prefixlength') || w === 'sup_pl' || matches(w, 'suppress_ifgroup') || w === 'sup_group') unsupported(`ip rule ... ${w}`);
    else if (w === 'dev' || w === 'iif') {
      const v = args.next();
      if (!validIfname(v)) invarg('"iif"/"dev" not a valid ifname', v);
      req.iif = v;
    } else if (w === 'oif') {
      const v = args.next();
      if (!validIfname(v)) invarg('"oif" not a valid ifname', v);
      req.oif = v;
    } else if (w === 'uidrange') {
      const v = args.next();
      const m = /^\s*([+-]?\d+)-\s*([+-]?\d+)/.exec(v);
      if (!m || (m[1] as string).length > 15 || (m[2] as string).length > 15) return m ? unsupported('ip rule ... uidrange with numbers past 2^53') : invarg('invalid UID range\n', v);
      req.uidrange = { start: scanUnsigned(m[1] as string, 32), end: scanUnsigned(m[2] as string, 32) };
    } else if (w === 'ipproto') {
      const v = args.next();
      // mptcp is 262 in /etc/protocols: iproute2 would send its low byte, tcp.
      if (v === 'mptcp') unsupported('ip rule ... ipproto mptcp');
      const n = inetProtoA2n(v);
      if (n === undefined) invarg('Invalid "ipproto" value\n', v);
      req.ipproto = n;
    } else if (w === 'sport' || w === 'dport') {
      const v = args.next();
      const r = portRange(v);
      if (!r) invarg('invalid port range\n', v);
      req[w] = r;
    } else if (w === 'l3mdev' || w === 'nat' || matches(w, 'map-to') || matches(w, 'tun_id')) unsupported(`ip rule ... ${w}`);
    else {
      const v = w === 'type' ? args.next() : w;
      if (matches(v, 'help')) unsupported('ip rule help (usage text)');
      if (matches(v, 'goto') || matches(v, 'nop')) unsupported(`ip rule ... ${v}`);
      const t = rtntypeA2n(v);
      if (t === undefined) invarg('Failed to parse rule type', v);
      const action = ACTIONS[t];
      if (action === undefined) unsupported(`ip rule ... ${v}`);
      req.action = action;
      tableOk = true;
    }
  }
  if (!tableOk && add) req.table = RT_TABLE_MAIN;
  return req;
}

function iprule(ctx: IpCtx, args: Args, add: boolean): number {
  if (!args.more) return fail(1, add ? '"ip rule add" requires arguments.\n' : '"ip rule del" requires arguments.\n');
  const req = parseRule(ctx, args, add);
  if (ctx.opts.family !== 'inet' && ctx.opts.family !== 'unspec') familyUnsupported(ctx.opts.family, `rule ${add ? 'add' : 'del'}`);
  if (ctx.dry) return 0;
  // fib_nl2rule checks the ranges for a delete too (measured: `del uidrange 9-3` is "Invalid uid range").
  const badRange = fib_rule_ranges_invalid(req);
  if (!add && badRange !== undefined) rtnlFail({ errno: 'EINVAL', extack: badRange });
  const sel = (p: InetPrefix | undefined) => (p ? { addr: p.addr, len: p.bitlen } : undefined);
  if (add) {
    const rule: Omit<Rule, 'priority'> & { priority?: number } = {
      table: req.table ?? 0,
      action: req.action ?? 'lookup',
      ...(req.from ? { from: sel(req.from) } : {}),
      ...(req.to ? { to: sel(req.to) } : {}),
      ...(req.iif !== undefined ? { iif: req.iif } : {}),
      ...(req.oif !== undefined ? { oif: req.oif } : {}),
      ...(req.priority !== undefined ? { priority: req.priority } : {}),
      ...(req.invert ? { invert: true } : {}),
      // fib_nl2rule: a mark without a mask is compared whole; a mark of 0 without one is no selector.
      ...(req.fwmark || req.fwmask !== undefined ? { fwmark: req.fwmark ?? 0, fwmask: req.fwmask ?? (req.fwmark ? 0xffffffff : 0) } : {}),
      ...(req.tos ? { tos: req.tos } : {}),
      ...(req.uidrange ? { uidrange: req.uidrange } : {}),
      ...(req.ipproto ? { ipproto: req.ipproto } : {}),
      ...(req.sport ? { sport: req.sport } : {}),
      ...(req.dport ? { dport: req.dport } : {}),
    };
    const r = fib_nl_newrule(ctx.ns, rule);
    if (!r.ok) rtnlFail(r);
    return 0;
  }
  // rule_find: every attribute given must match.
  const r = fib_nl_delrule(
    ctx.ns,
    (x) =>
      (req.priority === undefined || x.priority === req.priority) &&
      (req.table === undefined || req.table === 0 || x.table === req.table) &&
      (req.action === undefined || x.action === req.action) &&
      (!req.from || (x.from !== undefined && x.from.addr === req.from.addr && x.from.len === req.from.bitlen)) &&
      (!req.to || (x.to !== undefined && x.to.addr === req.to.addr && x.to.len === req.to.bitlen)) &&
      (req.iif === undefined || x.iif === req.iif) &&
      (req.oif === undefined || x.oif === req.oif) &&
      // rule_find: `not` is not compared; a mark, mask, TOS, range or protocol only when given.
      (!req.fwmark || x.fwmark === req.fwmark) &&
      (!(req.fwmask ?? (req.fwmark ? 0xffffffff : 0)) || x.fwmask === (req.fwmask ?? 0xffffffff)) &&
      (!req.tos || x.tos === req.tos) &&
      (!req.uidrange || (x.uidrange?.start === req.uidrange.start && x.uidrange.end === req.uidrange.end)) &&
      (!req.ipproto || x.ipproto === req.ipproto) &&
      (!req.sport || (x.sport?.start === req.sport.start && x.sport.end === req.sport.end)) &&
      (!req.dport || (x.dport?.start === req.dport.start && x.dport.end === req.dport.end)),
  );
  if (!r.ok) rtnlFail(r);
  return 0;
}

function iprulePrint(ctx: IpCtx, args: Args, flush: boolean): number {
  if (args.more) unsupported(`ip rule ${flush ? 'flush' : 'show'} with a selector`);
  const family = ctx.opts.family;
  if (family === 'inet6' && flush) familyUnsupported('inet6', 'rule flush');
  if (ctx.dry) return 0;
  if (family === 'link' || family === 'bridge' || family === 'mpls') {
    ctx.p.newJsonObj();
    return fail(255, 'RTNETLINK answers: Address family not supported by protocol\nDump terminated\n');
  }
  if (flush) {
    // flush_rule deletes each rule the dump shows with a priority (a 0 priority is not sent).
    for (const r of ctx.ns.state.rules.filter((x) => x.priority !== 0)) fib_nl_delrule(ctx.ns, (x) => x === r);
    return 0;
  }
  ctx.p.newJsonObj();
  for (const r of family === 'inet6' ? IPV6_DEFAULT_RULES : ctx.ns.state.rules) printRule(ctx, r);
  ctx.p.deleteJsonObj();
  return 0;
}

/** do_iprule. */
export function doIprule(ctx: IpCtx, args: Args): number {
  if (!args.more) return iprulePrint(ctx, args, false);
  const w = args.word;
  args.shift();
  if (matches(w, 'list') || matches(w, 'lst') || matches(w, 'show')) return iprulePrint(ctx, args, false);
  if (matches(w, 'save') || matches(w, 'restore')) unsupported(`ip rule ${w}`);
  if (matches(w, 'add')) return iprule(ctx, args, true);
  if (matches(w, 'delete')) return iprule(ctx, args, false);
  if (matches(w, 'flush')) return iprulePrint(ctx, args, true);
  if (matches(w, 'help')) unsupported('ip rule help (usage text)');
  return fail(255, `Command "${w}" is unknown, try "ip rule help".\n`);
}
