/**
 * ovs-ofctl (Open vSwitch 3.1) on a bridge's flow tables: `dump-flows BR [--no-stats] [MATCH]`,
 * `add-flow BR FLOW` (with idle_timeout/hard_timeout in virtual seconds), `mod-flows BR [--strict] FLOW`,
 * `del-flows BR [--strict] [MATCH]`. dump-flows lists table by table, by priority
 * (highest first) within one; with statistics its header is "NXST_FLOW reply (xid=0x4):" and
 * durations are virtual seconds. A flow's table and cookie show only when not 0, its priority only
 * when not 32768.
 */
import { NS_PER_SEC } from '../sim/event-loop.js';
import { DEFAULT_PRIORITY, formatActions, formatMatch, looseCovers, parseFlow, sameMatch, expireFlows, type Flow, type FlowSpec } from '../devices/ovs-flows.js';
import { ovsDb, type OvsBridge } from '../devices/ovs.js';
import { subtables } from '../devices/ovs-classifier.js';
import type { World } from '../sim/world.js';
import { out, type Tool, type ToolOutput } from './tool.js';

type Parsed = { readonly cmd: string; readonly bridge: string; readonly arg: string | undefined; readonly noStats: boolean; readonly strict: boolean } | { readonly unsupported: string };

function parse(argv: readonly string[]): Parsed {
  const opts = argv.slice(1).filter((a) => a.startsWith('--'));
  const words = argv.slice(1).filter((a) => !a.startsWith('--'));
  const bad = opts.find((o) => o !== '--no-stats' && o !== '--strict');
  if (bad) return { unsupported: `ovs-ofctl option ${bad} is not simulated` };
  const [cmd, bridge, arg, extra] = words;
  if (!cmd || !['dump-flows', 'add-flow', 'del-flows', 'mod-flows'].includes(cmd))
    return { unsupported: `'ovs-ofctl ${cmd ?? ''}' is not simulated (supported: dump-flows, add-flow, mod-flows, del-flows; show prints the bridge's random datapath id, dump-tables and dump-ports counters the simulator does not keep)` };
  if (!bridge) return { unsupported: `'ovs-ofctl ${cmd}' needs a bridge` };
  if (extra !== undefined) return { unsupported: `'ovs-ofctl ${cmd}' with those arguments is not simulated` };
  // Its header's xid then depends on what ovs-ofctl negotiated first.
  if (cmd === 'dump-flows' && arg !== undefined && !opts.includes('--no-stats')) return { unsupported: `'ovs-ofctl dump-flows BR MATCH' is simulated with --no-stats only` };
  if ((cmd === 'add-flow' || cmd === 'mod-flows') && arg === undefined) return { unsupported: `'ovs-ofctl ${cmd}' needs a flow` };
  if (arg !== undefined) {
    const f = parseFlow(arg, cmd === 'add-flow' || cmd === 'mod-flows');
    if ('error' in f && /simulat/.test(f.error)) return { unsupported: f.error };
    if (cmd === 'mod-flows' && !('error' in f) && (f.idleTimeout !== undefined || f.hardTimeout !== undefined)) return { unsupported: `'ovs-ofctl mod-flows' with timeouts is not simulated` };
    if (cmd !== 'add-flow' && !('error' in f) && f.cookie !== undefined) return { unsupported: `'ovs-ofctl ${cmd}' with a cookie is not simulated (it takes cookie=V/MASK)` };
  }
  return { cmd, bridge, arg, noStats: opts.includes('--no-stats'), strict: opts.includes('--strict') };
}

function secs(ns: number, digits: number): string {
  return (ns / NS_PER_SEC).toFixed(digits);
}

function covers(sel: FlowSpec | undefined, f: Flow): boolean {
  return !sel || ((sel.table === undefined || sel.table === f.table) && looseCovers(sel.match, f.match));
}

function dump(w: World, b: OvsBridge, noStats: boolean, sel: FlowSpec | undefined): ToolOutput {
  // A table's flows come as its classifier holds them: subtable by subtable (highest max priority
  // first), and within one in the order they were added (measured: priority=0 NORMAL lists before a
  // later priority=7 flow with the same empty match).
  const tables = [...new Set(b.flows.map((f) => f.table))].sort((x, y) => x - y);
  const flows = tables.flatMap((t) => subtables(b.flows.filter((f) => f.table === t)).flatMap((st) => st.flows)).filter((f) => covers(sel, f));
  const now = w.loop.now;
  const line = (f: Flow) => {
    const match = formatMatch(f.priority, f.match);
    const rest = `${match}${match ? ' ' : ''}actions=${formatActions(f.actions)}`;
    const cookie = `cookie=0x${f.cookie.toString(16)}, `;
    const timeouts = `${f.idleTimeout ? `idle_timeout=${f.idleTimeout}, ` : ''}${f.hardTimeout ? `hard_timeout=${f.hardTimeout}, ` : ''}`;
    if (noStats) return ` ${f.cookie === 0n ? '' : cookie}${f.table === 0 ? '' : `table=${f.table}, `}${timeouts}${rest}\n`;
    const idle = Math.floor((now - (f.used ?? f.created)) / NS_PER_SEC);
    const duration = Math.floor((now - f.created) / NS_PER_SEC);
    const hardAge = Math.floor((now - f.modified) / NS_PER_SEC);
    const hard = hardAge === duration ? '' : `hard_age=${hardAge}, `;
    return ` ${cookie}duration=${secs(now - f.created, 3)}s, table=${f.table}, n_packets=${f.nPackets}, n_bytes=${f.nBytes}, ${timeouts}idle_age=${idle}, ${hard}${rest}\n`;
  };
  return out(`${noStats ? '' : 'NXST_FLOW reply (xid=0x4):\n'}${flows.map(line).join('')}`);
}

export const ovsOfctl: Tool = {
  check(argv) {
    const p = parse(argv);
    return 'unsupported' in p ? p.unsupported : undefined;
  },
  run(ctx, argv) {
    const p = parse(argv);
    if ('unsupported' in p) return out('', `${p.unsupported}\n`, 1);
    const b = ovsDb(ctx.world).bridges.find((x) => x.name === p.bridge);
    if (!b) return out('', `ovs-ofctl: ${p.bridge} is not a bridge or a socket\n`, 1);
    const now = ctx.world.loop.now;
    b.flows = expireFlows(b.flows, now, NS_PER_SEC) ?? b.flows;
    const spec = p.arg === undefined ? undefined : parseFlow(p.arg, p.cmd === 'add-flow' || p.cmd === 'mod-flows');
    if (spec && 'error' in spec) return out('', `ovs-ofctl: ${spec.error}\n`, 1);
    if (p.cmd === 'dump-flows') return dump(ctx.world, b, p.noStats, spec);
    if (p.cmd === 'add-flow' && spec) {
      const priority = spec.priority ?? DEFAULT_PRIORITY;
      const table = spec.table ?? 0;
      const flow: Flow = {
        table,
        cookie: spec.cookie ?? 0n,
        priority,
        match: spec.match,
        actions: spec.actions ?? [],
        created: now,
        modified: now,
        used: undefined,
        idleTimeout: spec.idleTimeout ?? 0,
        hardTimeout: spec.hardTimeout ?? 0,
        nPackets: 0,
        nBytes: 0,
      };
      // A flow with the same table, match and priority replaces the old one (its counters start again).
      b.flows = [...b.flows.filter((f) => !(f.table === table && f.priority === priority && sameMatch(f.match, spec.match))), flow];
      return out('');
    }
    if (p.cmd === 'mod-flows' && spec) {
      // The flows a loose (or --strict, exact) match covers get the new actions and keep their counters;
      // when none is covered, OpenFlow 1.0's modify adds the flow (measured).
      const hit = b.flows.filter((f) => (p.strict ? (spec.table === undefined || f.table === spec.table) && f.priority === (spec.priority ?? DEFAULT_PRIORITY) && sameMatch(f.match, spec.match) : covers(spec, f)));
      if (hit.length === 0) {
        const flow: Flow = { table: spec.table ?? 0, cookie: 0n, priority: spec.priority ?? DEFAULT_PRIORITY, match: spec.match, actions: spec.actions ?? [], created: now, modified: now, used: undefined, idleTimeout: 0, hardTimeout: 0, nPackets: 0, nBytes: 0 };
        b.flows = [...b.flows, flow];
      } else b.flows = b.flows.map((f) => (hit.includes(f) ? { ...f, actions: spec.actions ?? [], modified: now } : f));
      return out('');
    }
    // del-flows: everything, the flows a loose match covers (in one table or all), or (--strict) exactly one.
    b.flows = b.flows.filter((f) => {
      if (!spec) return false;
      if (p.strict) return !((spec.table === undefined || f.table === spec.table) && f.priority === (spec.priority ?? DEFAULT_PRIORITY) && sameMatch(f.match, spec.match));
      return !covers(spec, f);
    });
    return out('');
  },
};
