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
import { RTN, rtntypeA2n, tableA2n, tableN2a } from './names.js';
import { fib_nl_delrule, fib_nl_newrule } from '../../stack/fib_rules.js';
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
  for (const [key, name] of [['iif', r.iif], ['oif', r.oif]] as const) {
    if (name === undefined) continue;
    p.fp(` ${key} `);
    p.str(key, name, name, 'ifname');
    if (!ctx.ifindex(name)) p.null(`${key}_detached`, ' [detached]');
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
    if (w === 'not') unsupported('ip rule not');
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
    } else if (w === 'tos' || matches(w, 'dsfield') || w === 'fwmark' || matches(w, 'realms') || matches(w, 'protocol')) unsupported(`ip rule ... ${w}`);
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
    } else if (w === 'l3mdev' || w === 'uidrange' || w === 'nat' || matches(w, 'map-to') || matches(w, 'tun_id') || w === 'ipproto' || w === 'sport' || w === 'dport') unsupported(`ip rule ... ${w}`);
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
      (req.oif === undefined || x.oif === req.oif),
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
