/**
 * `ip route` (ip/iproute.c): add, change, replace, delete (iproute_modify), show and flush
 * (iproute_list_flush_or_save), get (iproute_get).
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { duparg2, fail, invarg, nodev, rtnlFail, strerror, unsupported } from './errors.js';
import { familyUnsupported, getAddr, getPrefix, getUnsigned, ipString, type Family, type InetPrefix } from './parse.js';
import { dsfieldA2n, inetProtoA2n, inetProtoN2a, protoA2n, protoN2a, routeTypeName, RTN, rtntypeA2n, scopeA2n, scopeName, tableA2n, tableN2a } from './names.js';
import { dstString, printGateway, printIfidx, printPrefsrc, printRoute, printRtFlags, routesInTrieOrder, tablesInDumpOrder, type RoutePrintFilter } from './route-format.js';
import type { Printer } from './print.js';
import { ROUTE_USAGE } from './usage.js';
import { inet_rtm_delroute, inet_rtm_newroute, type RouteSelector } from '../../stack/fib_semantics.js';
import { fib4_has_custom_rules } from '../../stack/fib_rules.js';
import { fib_table_exists } from '../../stack/fib_tables.js';
import { fibInfoKey, inputRouteErrno, ip_route_input, ip_route_output, type FlowKeys } from '../../stack/route.js';
import { mkroute_input_redirect } from '../../stack/redirect.js';
import { routeGateway, RT_TABLE_LOCAL, RT_TABLE_MAIN, type DeviceState, type NsState, type Route } from '../../sim/state.js';
import { IP_PROTO_ICMP, isMulticastIpv4 } from '../../wire/ipv4.js';

/** Route metrics and attributes iproute_modify knows that the simulator does not model, in its order. */
const MODIFY_UNMODELLED_EXACT = ['as', 'from', 'expires', 'mtu', 'hoplimit', 'advmss', 'rtt', 'rto_min', 'nexthop', 'nhid', 'encap', 'ttl-propagate'];
const MODIFY_UNMODELLED_PREFIX = ['reordering', 'window', 'cwnd', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'rttvar', 'ssthresh', 'realms'];

type Cmd = 'add' | 'change' | 'replace' | 'delete' | 'append' | 'prepend';

/** iproute_modify. */
function iprouteModify(ctx: IpCtx, args: Args, cmd: Cmd): number {
  let family: Family = ctx.opts.family;
  const del = cmd === 'delete';
  let table = RT_TABLE_MAIN;
  let type: number = del ? RTN.unspec : RTN.unicast;
  let scope = del ? 255 : 0;
  let scopeOk = false;
  let proto = del ? 0 : 3;
  let metric: number | undefined;
  let gw: number | undefined;
  let gwOk = false;
  let prefsrc: number | undefined;
  let onlink = false;
  let d: string | undefined;
  let dst: InetPrefix | undefined;
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'src') {
      const a = getAddr(args.next(), family);
      if (family === 'unspec') family = a.family;
      prefsrc = a.addr;
    } else if (w === 'via') {
      if (gwOk) invarg('use nexthop syntax to specify multiple via\n', w);
      gwOk = true;
      let v = args.next();
      if (['inet', 'inet6', 'link', 'mpls', 'bridge', 'ipx', 'dnet'].includes(v)) {
        if (v !== 'inet') unsupported(`ip route ... via ${v}`);
        v = args.next();
      }
      const a = getAddr(v, family);
      if (family === 'unspec') family = a.family;
      gw = a.addr;
    } else if (MODIFY_UNMODELLED_EXACT.includes(w) || w === 'tos' || (w !== '' && matches(w, 'dsfield'))) unsupported(`ip route ... ${w}`);
    else if ((w !== '' && (matches(w, 'metric') || matches(w, 'priority'))) || w === 'preference') {
      const v = args.next();
      const m = getUnsigned(v);
      if (m === undefined) invarg('"metric" value is invalid\n', v);
      metric = m;
    } else if (w === 'scope') {
      const v = args.next();
      const s = scopeA2n(v);
      if (s === undefined) invarg('invalid "scope" value\n', v);
      if (scopeName(s) === undefined) unsupported(`ip route ... scope ${v}`);
      scope = s;
      scopeOk = true;
    } else if (w !== '' && MODIFY_UNMODELLED_PREFIX.some((k) => matches(w, k))) unsupported(`ip route ... ${w}`);
    else if (w === 'onlink') onlink = true;
    else if (w !== '' && matches(w, 'protocol')) {
      const v = args.next();
      const p = protoA2n(v);
      if (p === undefined) invarg('"protocol" value is invalid\n', v);
      proto = p;
    } else if (w !== '' && matches(w, 'table')) {
      const v = args.next();
      const t = tableA2n(v);
      if (t === undefined) invarg('"table" value is invalid\n', v);
      table = t;
    } else if (w !== '' && matches(w, 'vrf')) unsupported('ip route ... vrf');
    else if (w === 'dev' || w === 'oif') d = args.next();
    else if (w !== '' && matches(w, 'pref')) unsupported('ip route ... pref');
    else if (w !== '' && matches(w, 'fastopen_no_cookie')) unsupported('ip route ... fastopen_no_cookie');
    else {
      let v = w === 'to' ? args.next() : w;
      const t = /^[0-9]/.test(v) ? undefined : rtntypeA2n(v);
      if (t !== undefined) {
        v = args.next();
        if (routeTypeName(t) === undefined || t === RTN.local || t === RTN.broadcast) unsupported(`ip route ... type ${w}`);
        type = t;
      }
      if (matches(v, 'help')) unsupported('ip route help (usage text)');
      if (dst) duparg2('to', v);
      dst = getPrefix(v, family);
      if (family === 'unspec') family = dst.family;
    }
  }
  if (!dst) return fail(255, ROUTE_USAGE);
  let oif: number | undefined;
  if (d !== undefined) {
    oif = ctx.ifindex(d);
    if (!oif) nodev(d);
  }
  // Defaults iproute_modify fills in: a unicast route without a gateway is scope link; a delete leaves
  // scope, type and protocol open (RT_SCOPE_NOWHERE, 0, 0) so that they match anything.
  if (!scopeOk && type === RTN.unicast) scope = del ? 255 : gwOk ? 0 : 253;
  if (family !== 'inet' && family !== 'unspec') familyUnsupported(family, `route ${cmd}`);
  if (ctx.dry) return 0;
  const r: Route = {
    table,
    type: routeTypeName(type) ?? 'unicast',
    dst: dst.addr,
    dstLen: dst.bitlen,
    dev: oif,
    gateway: gw,
    proto: protoN2a(proto),
    scope: scopeName(scope) ?? 'global',
    prefsrc,
    metric,
    ...(onlink ? { onlink: true } : {}),
  };
  if (del) {
    const sel: RouteSelector = {
      table,
      dst: r.dst,
      dstLen: r.dstLen,
      ...(r.dev !== undefined ? { dev: r.dev } : {}),
      ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
      ...(type !== RTN.unspec ? { type: r.type } : {}),
      ...(metric ? { metric } : {}),
      ...(proto ? { proto: r.proto } : {}),
      ...(scope !== 255 ? { scope: r.scope } : {}),
      ...(prefsrc !== undefined ? { prefsrc } : {}),
    };
    const res = inet_rtm_delroute(ctx.ns, sel);
    if (!res.ok) rtnlFail(res);
    return 0;
  }
  // prepend is NLM_F_CREATE alone, append NLM_F_CREATE|NLM_F_APPEND: fib aliases beside the others.
  const res = cmd === 'append' || cmd === 'prepend' ? inet_rtm_newroute(ctx.ns, r, false, true, cmd) : inet_rtm_newroute(ctx.ns, r, cmd !== 'add', cmd !== 'change');
  if (!res.ok) rtnlFail(res);
  return 0;
}

interface ListFilter {
  /** 0: all tables. */
  tb: number;
  proto?: number;
  scope?: number;
  type?: number;
  dev?: string;
  cache: boolean;
  /** "root" (rdst), "match" (mdst); "exact" and a bare prefix set both. */
  root?: InetPrefix;
  match?: InetPrefix;
}

/** inet_addr_match: the first `bits` bits of the address are the prefix's. */
function prefixCovers(p: InetPrefix, addr: number, bits: number): boolean {
  const mask = bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((addr ^ p.addr) & mask) >>> 0 === 0;
}

/** filter_nlmsg for what the simulator's routes carry. */
function routeShown(r: Route, f: ListFilter, oif: number): boolean {
  if (f.tb > 0 && r.table !== f.tb) return false;
  if (f.proto !== undefined && protoN2a(f.proto) !== r.proto) return false;
  if (f.scope !== undefined && scopeName(f.scope) !== r.scope) return false;
  if (f.type !== undefined && routeTypeName(f.type) !== r.type) return false;
  if (oif && r.dev !== oif) return false;
  // root P: routes inside P; match P: routes that contain P; exact P: both.
  if (f.root && (f.root.bitlen > r.dstLen || !prefixCovers(f.root, r.dst, f.root.bitlen))) return false;
  if (f.match && (f.match.bitlen < r.dstLen || !prefixCovers(f.match, r.dst, r.dstLen))) return false;
  return true;
}

/** iproute_list_flush_or_save. */
function iprouteList(ctx: IpCtx, args: Args, flush: boolean): number {
  const family: Family = ctx.opts.family;
  const f: ListFilter = { tb: RT_TABLE_MAIN, cache: false };
  if (flush && !args.more) return fail(1, '"ip route flush" requires arguments.\n');
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w !== '' && matches(w, 'table')) {
      const v = args.next();
      const t = tableA2n(v);
      if (t === undefined) {
        if (v === 'all') f.tb = 0;
        else if (v === 'cache') f.cache = true;
        else if (v === 'help') unsupported('ip route help (usage text)');
        else invarg('table id value is invalid\n', v);
      } else f.tb = t;
    } else if (w !== '' && matches(w, 'vrf')) unsupported('ip route show vrf');
    else if (w !== '' && (matches(w, 'cached') || matches(w, 'cloned'))) f.cache = true;
    else if (w === 'tos' || (w !== '' && matches(w, 'dsfield'))) unsupported('ip route show tos');
    else if (w !== '' && matches(w, 'protocol')) {
      const v = args.next();
      const p = protoA2n(v);
      if (p === undefined && v !== 'all') invarg('invalid "protocol"\n', v);
      if (p !== undefined) f.proto = p;
    } else if (w !== '' && matches(w, 'scope')) {
      const v = args.next();
      const s = scopeA2n(v);
      if (s === undefined && v !== 'all') invarg('invalid "scope"\n', v);
      if (s !== undefined) f.scope = s;
    } else if (w !== '' && matches(w, 'type')) {
      const v = args.next();
      const t = rtntypeA2n(v);
      if (t === undefined) invarg('node type value is invalid\n', v);
      f.type = t;
    } else if (w === 'dev' || w === 'oif') f.dev = args.next();
    else if (w === 'iif' || w === 'mark' || w === 'via' || w === 'src') unsupported(`ip route show ${w}`);
    else if (w !== '' && (matches(w, 'metric') || matches(w, 'priority') || w === 'preference' || matches(w, 'realms') || matches(w, 'from'))) unsupported(`ip route show ${w}`);
    else {
      let v = w !== '' && matches(w, 'to') ? args.next() : w;
      // A prefix filters only when it has a family or a length: "all" alone matches everything.
      const filtering = (p: InetPrefix): InetPrefix | undefined => (p.family !== 'unspec' || p.prefixSpecified ? p : undefined);
      if (v !== '' && matches(v, 'root')) f.root = filtering(getPrefix(args.next(), family));
      else if (v !== '' && matches(v, 'match')) f.match = filtering(getPrefix(args.next(), family));
      else {
        if (v !== '' && matches(v, 'exact')) v = args.next();
        f.match = filtering(getPrefix(v, family));
        f.root = f.match;
      }
    }
  }
  let oif = 0;
  if (f.dev !== undefined) {
    oif = ctx.ifindex(f.dev);
    if (!oif) nodev(f.dev);
  }
  if (ctx.dry) return 0;
  const ns = ctx.ns.state;
  const stats = ctx.opts.stats ?? 0;
  const p = ctx.p;
  if (f.cache) {
    // There is no routing cache since Linux 3.6: nothing to list; a flush says so with -s.
    if (flush) {
      if (stats && family !== 'inet6') ctx.print('*** IPv4 routing cache is flushed.\n');
      return 0;
    }
    // The next-hop exceptions ICMP redirects made are what a dump of the cache finds (fnhe_dump_bucket).
    p.newJsonObj();
    if (!flush && (family === 'inet' || family === 'unspec')) {
      // Each route lists the exceptions of its fib_info's nexthop: routes sharing one list them each.
      const listed = [RT_TABLE_MAIN, ...[...new Set(ns.routes.map((r) => r.table))].filter((t) => t !== RT_TABLE_MAIN)].flatMap((t) => routesInTrieOrder(ns, t));
      const shown = listed.flatMap((r) => (ns.fnhe ?? []).filter((e) => r.dev === e.dev && routeGateway(r) === e.oldGw && fibInfoKey(r) === e.fi));
      for (const e of shown) {
        if (oif && e.dev !== oif) continue;
        const dn = ns.devices[e.dev]?.name ?? '';
        p.openObject();
        const d = ipString(e.daddr);
        p.str('dst', `${d} `, d, 'inet');
        printGateway(p, e.gw);
        printIfidx(p, 'dev', dn);
        printCacheFlags(p, ['redirected']);
        printExpires(p, e.expires - ctx.world.loop.now);
        p.fp('\n');
        p.closeObject();
      }
    }
    p.deleteJsonObj();
    return 0;
  }
  const pf: RoutePrintFilter = { table: f.tb > 0, dev: oif !== 0, proto: f.proto !== undefined, scope: f.scope !== undefined };
  // IPv6 is off (its FIB has only its empty main and local tables); link, MPLS and bridge dumps are empty.
  const otherFamily = family !== 'inet' && family !== 'unspec';
  const tableMissing = otherFamily ? family === 'inet6' && f.tb > 0 && f.tb !== RT_TABLE_MAIN && f.tb !== RT_TABLE_LOCAL : f.tb > 0 && !ipv4TableExists(ns, f.tb);
  if (flush) {
    if (tableMissing) return fail(2, `Error: ${family === 'inet6' ? 'ipv6' : 'ipv4'}: FIB table does not exist.\nFlush terminated\n`);
    const shown = otherFamily ? [] : routesShown(ns, f, oif);
    // iproute_flush: dump, delete what it showed, again until a dump shows nothing (one round: deleting
    // a route deletes no other). -s counts the rounds, -s -s lists the routes as they go.
    if (shown.length === 0) {
      if (stats) ctx.print('Nothing to flush.\n');
      return 0;
    }
    if (stats > 1) for (const r of shown) printRoute(p, ns, r, pf, ctx.opts.details ?? false);
    for (const r of shown) {
      inet_rtm_delroute(ctx.ns, {
        table: r.table,
        dst: r.dst,
        dstLen: r.dstLen,
        type: r.type,
        proto: r.proto,
        scope: r.scope,
        ...(r.dev !== undefined ? { dev: r.dev } : {}),
        ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
        ...(r.metric !== undefined ? { metric: r.metric } : {}),
      });
    }
    if (stats) ctx.print(`\n*** Round 1, deleting ${shown.length} entries ***\n*** Flush is complete after 1 round ***\n`);
    return 0;
  }
  p.newJsonObj();
  if (tableMissing) {
    // The main table's ENOENT is not reported (save_route_errhndlr).
    if (f.tb !== RT_TABLE_MAIN || otherFamily) return fail(2, `Error: ${family === 'inet6' ? 'ipv6' : 'ipv4'}: FIB table does not exist.\nDump terminated\n`);
  } else if (!otherFamily) for (const r of routesShown(ns, f, oif)) printRoute(p, ns, r, pf, ctx.opts.details ?? false);
  p.deleteJsonObj();
  return 0;
}

/**
 * fib_get_table: under the default rules fib_new_table makes main before local (local's routes live in
 * main's trie), so main exists as soon as local does — in the script's namespace from the start.
 */
function ipv4TableExists(ns: NsState, tb: number): boolean {
  return fib_table_exists(ns, tb) || (tb === RT_TABLE_MAIN && fib_table_exists(ns, RT_TABLE_LOCAL));
}

/** The routes a dump with this filter shows, in its order. */
function routesShown(ns: NsState, f: ListFilter, oif: number): Route[] {
  const tables = f.tb > 0 ? [f.tb] : tablesInDumpOrder(ns);
  const shown: Route[] = [];
  for (const t of tables) for (const r of routesInTrieOrder(ns, t)) if (routeShown(r, f, oif)) shown.push(r);
  return shown;
}

/** What iproute_get sends besides the addresses: the flow's keys, as RTA_MARK, RTA_UID, RTA_IP_PROTO... */
interface GetKeys {
  tos: number;
  mark: number;
  uid: number | undefined;
  proto: number | undefined;
  sport: number;
  dport: number;
}

/**
 * iproute_get → inet_rtm_getroute: the cached route the lookup builds (print_route of an RTM_F_CLONED
 * answer), or with fibmatch the FIB entry that matched (print_route of a dump's route). With iif, the
 * input path's answer (ip_route_input_rcu) for a packet arriving on that device.
 */
function iprouteGet(ctx: IpCtx, args: Args): number {
  let family: Family = ctx.opts.family;
  let from: InetPrefix | undefined;
  let odev: string | undefined;
  let idev: string | undefined;
  let dst: InetPrefix | undefined;
  let fibmatch = false;
  const keys: GetKeys = { tos: 0, mark: 0, uid: undefined, proto: undefined, sport: 0, dport: 0 };
  for (; args.more; args.shift()) {
    const w = args.word;
    if (w === 'tos' || (w !== '' && matches(w, 'dsfield'))) {
      const v = args.next();
      const t = dsfieldA2n(v);
      if (t === undefined) invarg('TOS value is invalid\n', v);
      keys.tos = t;
    } else if (w !== '' && matches(w, 'from')) {
      const v = args.next();
      if (matches(v, 'help')) unsupported('ip route help (usage text)');
      from = getPrefix(v, family);
      if (family === 'unspec') family = from.family;
    } else if (w !== '' && matches(w, 'iif')) idev = args.next();
    else if (w !== '' && matches(w, 'mark')) {
      const v = args.next();
      const m = getUnsigned(v);
      if (m === undefined) invarg('invalid mark value', v);
      keys.mark = m;
    } else if ((w !== '' && matches(w, 'oif')) || w === 'dev') odev = args.next();
    else if (w !== '' && ['notify', 'connected', 'vrf'].some((k) => matches(w, k))) unsupported(`ip route get ${w}`);
    else if (w !== '' && matches(w, 'uid')) {
      const v = args.next();
      const u = getUnsigned(v);
      if (u === undefined) invarg('invalid UID\n', v);
      keys.uid = u;
    } else if (w !== '' && matches(w, 'fibmatch')) fibmatch = true;
    else if (w === 'as') unsupported('ip route get as');
    else if (w !== '' && (matches(w, 'sport') || matches(w, 'dport'))) {
      const which = matches(w, 'sport') ? 'sport' : 'dport';
      const v = args.next();
      const port = getUnsigned(v);
      if (port === undefined || port > 0xffff) invarg(`invalid ${which}\n`, v);
      keys[which] = port;
    } else if (w !== '' && matches(w, 'ipproto')) {
      const v = args.next();
      if (v === 'mptcp') unsupported('ip route get ipproto mptcp');
      const n = inetProtoA2n(v);
      if (n === undefined) invarg('Invalid "ipproto" value\n', v);
      keys.proto = n;
    } else {
      const v = w === 'to' ? args.next() : w;
      if (matches(v, 'help')) unsupported('ip route help (usage text)');
      dst = getPrefix(v, family);
      if (family === 'unspec') family = dst.family;
      if (dst.bitlen !== 32) ctx.warn(`Warning: /${dst.bitlen} as prefix is invalid, only /32 (or none) is supported.\n`);
    }
  }
  if (!dst) return fail(1, 'need at least a destination address\n');
  if (family !== 'inet' && family !== 'unspec') familyUnsupported(family, 'route get');
  let iif = 0;
  if (idev !== undefined) {
    iif = ctx.ifindex(idev);
    if (!iif) nodev(idev);
  }
  let oif = 0;
  if (odev !== undefined) {
    oif = ctx.ifindex(odev);
    if (!oif) nodev(odev);
  }
  // print_rta_cacheinfo's users, used and age: the routing cache's reference counts, not modelled.
  if (ctx.opts.stats && !fibmatch) unsupported('ip -s route get (the cached route\'s users and age)');
  if (idev !== undefined) {
    if (odev !== undefined) unsupported('ip route get ... iif with oif');
    if (fibmatch) unsupported('ip route get ... iif with fibmatch');
    if (isMulticastIpv4(dst.addr)) unsupported('ip route get MULTICAST ... iif (multicast input routes are not simulated)');
    const p = keys.proto ?? IPPROTO_UDP;
    if ((keys.sport || keys.dport) && p !== IPPROTO_UDP && p !== IPPROTO_TCP && p !== IP_PROTO_ICMP) unsupported(`ip route get ... iif with ports for ipproto ${v4ProtoName(p)}`);
  }
  if (ctx.dry) return 0;
  const saddr = from && from.bytelen ? from.addr : 0;
  if (idev !== undefined) return iprouteGetInput(ctx, dst.addr, saddr, iif, keys);
  const ns = ctx.ns.state;
  if (saddr !== 0) {
    // ip_route_output_key_hash_rcu: a given source must be valid, and one of ours.
    if (isMulticastIpv4(saddr) || saddr === 0xffffffff) return rtnlFail({ errno: 'EINVAL' });
    if (!ns.addrs.some((a) => a.local === saddr)) return rtnlFail({ errno: 'ENETUNREACH' });
  }
  // inet_rtm_getroute: the caller's uid unless one is given; UDP unless a protocol is (measured: an
  // `ipproto udp` rule matches a plain ip route get, an `ipproto icmp` one does not).
  const flowKeys: FlowKeys = { mark: keys.mark, tos: keys.tos, uid: keys.uid ?? 0, proto: keys.proto ?? IPPROTO_UDP, sport: keys.sport, dport: keys.dport };
  const res = ip_route_output(ns, { daddr: dst.addr, saddr, oif, keys: flowKeys });
  if (!res.ok) return fail(2, `RTNETLINK answers: ${strerror(res.error)}\n`);
  const r = res.route;
  const p = ctx.p;
  const details = ctx.opts.details ?? false;
  // RTM_F_LOOKUP_TABLE: the table the answer came from; while the rules are the default ones local
  // routes live in main's trie and are reported as main.
  const table = reportedTable(ns, r?.table ?? 0);
  // __mkroute_output: the limited broadcast is a broadcast route whatever route it matched.
  const type = dst.addr === 0xffffffff ? 'broadcast' : res.type;
  if (fibmatch) {
    // The FIB entry the lookup used, under the type of the route it made (a default route matched by
    // a multicast destination prints as "multicast default ..."); none (a destination taken on link
    // through oif, 0.0.0.0) is EHOSTUNREACH.
    if (r === undefined) return rtnlFail({ errno: 'EHOSTUNREACH' });
    p.newJsonObj();
    printRoute(p, ns, { ...r, table }, { table: false, dev: false, proto: false, scope: false }, details, type);
    p.deleteJsonObj();
    return 0;
  }
  p.newJsonObj();
  p.openObject();
  if (type !== 'unicast' || details) p.str('type', `${type} `, type);
  const d = dstString({ dst: dst.addr, dstLen: 32 });
  p.str('dst', `${d} `, d, 'inet');
  if (saddr !== 0) p.str('from', `from ${ipString(saddr)} `, ipString(saddr), 'inet');
  const gw = res.redirected?.gw ?? (r === undefined ? undefined : routeGateway(r));
  if (gw !== undefined && type === 'unicast') printGateway(p, gw);
  printIfidx(p, 'dev', res.dev.name);
  if (table && (table !== RT_TABLE_MAIN || details)) p.str('table', `table ${tableN2a(table)} `, tableN2a(table));
  if (saddr === 0) printPrefsrc(p, res.saddr);
  // RTCF_MULTICAST shares its bit with RTM_F_OFFLOAD_FAILED, which print_rt_flags reads first.
  printRtFlags(p, type === 'multicast' ? ['rt_offload_failed'] : []);
  printMark(p, keys.mark);
  // RTA_UID unless the flow's uid is INVALID_UID ((uid_t)-1, which `uid 4294967295` asks for).
  const uid = keys.uid ?? 0;
  if (uid !== 0xffffffff) p.num('uid', `uid ${uid} `, uid);
  printCacheFlags(p, type === 'local' ? ['local'] : type === 'broadcast' ? ['local', 'brd'] : type === 'multicast' ? ['mc'] : res.redirected ? ['redirected'] : []);
  if (res.redirected) printExpires(p, res.redirected.expires - ctx.world.loop.now);
  p.fp('\n');
  p.closeObject();
  p.deleteJsonObj();
  return 0;
}

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

function v4ProtoName(n: number): string {
  return inetProtoN2a(n);
}

/** The table an answer names: under the default rules local routes live in main's trie and are reported as main. */
function reportedTable(ns: NsState, table: number): number {
  return table === RT_TABLE_LOCAL && !fib4_has_custom_rules(ns) ? RT_TABLE_MAIN : table;
}

/** print_route's RTA_MARK: none for 0, decimal below 16, else hexadecimal; a number in JSON. */
function printMark(p: Printer, mark: number): void {
  if (!mark) return;
  p.num('mark', mark >= 16 ? `mark 0x${mark.toString(16)} ` : `mark ${mark} `, mark);
}

/**
 * inet_rtm_getroute with RTA_IIF: a packet built from the request (its protocol UDP unless given, with
 * the ports for TCP and UDP) goes through ip_route_input_rcu on the device; a route whose input is
 * ip_error answers with its error. Printed without a source address and without uid unless one was
 * given, the arrival device after the cache flags.
 */
function iprouteGetInput(ctx: IpCtx, daddr: number, saddr: number, iif: number, keys: GetKeys): number {
  const ns = ctx.ns.state;
  const dev = ns.devices[iif] as DeviceState;
  const proto = keys.proto ?? IPPROTO_UDP;
  const ported = proto === IPPROTO_UDP || proto === IPPROTO_TCP;
  const rt = ip_route_input(ns, dev, saddr, daddr, { mark: keys.mark, tos: keys.tos, proto, sport: ported ? keys.sport : 0, dport: ported ? keys.dport : 0 });
  if (rt.kind === 'drop' || rt.kind === 'error') return rtnlFail({ errno: inputRouteErrno(rt) });
  const p = ctx.p;
  const details = ctx.opts.details ?? false;
  const type = rt.kind === 'forward' ? 'unicast' : rt.kind;
  const table = reportedTable(ns, rt.kind === 'forward' ? rt.route.table : (rt.table ?? 0));
  p.newJsonObj();
  p.openObject();
  if (type !== 'unicast' || details) p.str('type', `${type} `, type);
  p.str('dst', `${ipString(daddr)} `, ipString(daddr), 'inet');
  if (saddr !== 0) p.str('from', `from ${ipString(saddr)} `, ipString(saddr), 'inet');
  const gw = rt.kind === 'forward' ? routeGateway(rt.route) : undefined;
  if (gw !== undefined) printGateway(p, gw);
  // Local and broadcast input routes are lo's (ip_rt_get_dev).
  printIfidx(p, 'dev', rt.kind === 'forward' ? rt.outDev.name : (ns.devices[1] as DeviceState).name);
  if (table && (table !== RT_TABLE_MAIN || details)) p.str('table', `table ${tableN2a(table)} `, tableN2a(table));
  printRtFlags(p, []);
  printMark(p, keys.mark);
  if (keys.uid !== undefined && keys.uid !== 0xffffffff) p.num('uid', `uid ${keys.uid} `, keys.uid);
  const flags: string[] = rt.kind === 'local' ? ['local'] : rt.kind === 'broadcast' ? ['local', 'brd'] : [];
  // __mkroute_input's RTCF_DOREDIRECT: back out of the device it came in by, where redirects are sent,
  // to a sender the way back reaches on link (measured: not one behind a gateway, shared_media or not).
  if (rt.kind === 'forward' && mkroute_input_redirect(ns, saddr, daddr, dev, rt.outDev, gw, { tos: keys.tos, mark: keys.mark })) flags.push('redirect');
  printCacheFlags(p, flags);
  p.str('iif', `iif ${dev.name} `, dev.name, 'ifname');
  p.fp('\n');
  p.closeObject();
  p.deleteJsonObj();
  return 0;
}


/** print_rta_cacheinfo's expiry: whole seconds left (rta_expires in USER_HZ over get_user_hz()). */
function printExpires(p: Printer, left: number): void {
  const secs = Math.max(0, Math.floor(left / 1e9));
  p.num('expires', `expires ${secs}sec `, secs);
}

/** print_cache_flags: the RTCF_* flags of a cached route, on a line of their own ("cache" in JSON). */
function printCacheFlags(p: Printer, flags: readonly string[]): void {
  p.openArray('cache', `${p.sl}    cache `);
  if (p.json) for (const f of flags) p.jstr(null, f);
  else if (flags.length > 0) p.fp(`<${flags.join(',')}> `);
  p.closeArray();
}

/** do_iproute. */
export function doIproute(ctx: IpCtx, args: Args): number {
  if (!args.more) return iprouteList(ctx, args, false);
  const w = args.word;
  args.shift();
  if (matches(w, 'add')) return iprouteModify(ctx, args, 'add');
  if (matches(w, 'change') || w === 'chg') return iprouteModify(ctx, args, 'change');
  if (matches(w, 'replace')) return iprouteModify(ctx, args, 'replace');
  if (matches(w, 'prepend')) return iprouteModify(ctx, args, 'prepend');
  if (matches(w, 'append')) return iprouteModify(ctx, args, 'append');
  if (matches(w, 'test')) unsupported(`ip route ${w}`);
  if (matches(w, 'delete')) return iprouteModify(ctx, args, 'delete');
  if (matches(w, 'list') || matches(w, 'show') || matches(w, 'lst')) return iprouteList(ctx, args, false);
  if (matches(w, 'get')) return iprouteGet(ctx, args);
  if (matches(w, 'flush')) return iprouteList(ctx, args, true);
  if (matches(w, 'save') || matches(w, 'restore') || matches(w, 'showdump') || matches(w, 'help')) unsupported(`ip route ${w}`);
  return fail(255, `Command "${w}" is unknown, try "ip route help".\n`);
}
