/**
 * ovs-ofctl (Open vSwitch 3.1) on a bridge's flow table: `dump-flows BR [--no-stats]`,
 * `add-flow BR FLOW`, `del-flows BR [--strict] [MATCH]`. dump-flows lists by priority, highest first;
 * with statistics its header is "NXST_FLOW reply (xid=0x4):" and durations are virtual seconds.
 */
import { NS_PER_SEC } from '../sim/event-loop.js';
import { DEFAULT_PRIORITY, formatActions, formatMatch, looseCovers, parseFlow, sameMatch, type Flow } from '../devices/ovs-flows.js';
import { ovsDb, type OvsBridge } from '../devices/ovs.js';
import type { World } from '../sim/world.js';
import { out, type Tool, type ToolOutput } from './tool.js';

type Parsed = { readonly cmd: string; readonly bridge: string; readonly arg: string | undefined; readonly noStats: boolean; readonly strict: boolean } | { readonly unsupported: string };

function parse(argv: readonly string[]): Parsed {
  const opts = argv.slice(1).filter((a) => a.startsWith('--'));
  const words = argv.slice(1).filter((a) => !a.startsWith('--'));
  const bad = opts.find((o) => o !== '--no-stats' && o !== '--strict');
  if (bad) return { unsupported: `ovs-ofctl option ${bad} is not simulated` };
  const [cmd, bridge, arg, extra] = words;
  if (!cmd || !['dump-flows', 'add-flow', 'del-flows'].includes(cmd)) return { unsupported: `'ovs-ofctl ${cmd ?? ''}' is not simulated (supported: dump-flows, add-flow, del-flows)` };
  if (!bridge) return { unsupported: `'ovs-ofctl ${cmd}' needs a bridge` };
  if (extra !== undefined || (cmd === 'dump-flows' && arg !== undefined)) return { unsupported: `'ovs-ofctl ${cmd}' with those arguments is not simulated` };
  if (cmd === 'add-flow' && arg === undefined) return { unsupported: `'ovs-ofctl add-flow' needs a flow` };
  if (arg !== undefined) {
    const f = parseFlow(arg, cmd === 'add-flow');
    if ('error' in f && /simulator/.test(f.error)) return { unsupported: f.error };
  }
  return { cmd, bridge, arg, noStats: opts.includes('--no-stats'), strict: opts.includes('--strict') };
}

function secs(ns: number, digits: number): string {
  return (ns / NS_PER_SEC).toFixed(digits);
}

function dump(w: World, b: OvsBridge, noStats: boolean): ToolOutput {
  const flows = [...b.flows].sort((x, y) => y.priority - x.priority);
  const now = w.loop.now;
  const line = (f: Flow) => {
    const match = formatMatch(f.priority, f.match);
    const rest = `${match}${match ? ' ' : ''}actions=${formatActions(f.actions)}`;
    if (noStats) return ` ${rest}\n`;
    const idle = Math.floor((now - (f.used ?? f.created)) / NS_PER_SEC);
    return ` cookie=0x0, duration=${secs(now - f.created, 3)}s, table=0, n_packets=${f.nPackets}, n_bytes=${f.nBytes}, idle_age=${idle}, ${rest}\n`;
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
    if (p.cmd === 'dump-flows') return dump(ctx.world, b, p.noStats);
    const spec = p.arg === undefined ? undefined : parseFlow(p.arg, p.cmd === 'add-flow');
    if (spec && 'error' in spec) return out('', `ovs-ofctl: ${spec.error}\n`, 1);
    if (p.cmd === 'add-flow' && spec) {
      const priority = spec.priority ?? DEFAULT_PRIORITY;
      const flow: Flow = { priority, match: spec.match, actions: spec.actions ?? [], created: ctx.world.loop.now, used: undefined, nPackets: 0, nBytes: 0 };
      // A flow with the same match and priority replaces the old one (its counters start again).
      b.flows = [...b.flows.filter((f) => !(f.priority === priority && sameMatch(f.match, spec.match))), flow];
      return out('');
    }
    // del-flows: everything, the flows a loose match covers, or (--strict) exactly one.
    b.flows = b.flows.filter((f) => {
      if (!spec) return false;
      if (p.strict) return !(f.priority === (spec.priority ?? DEFAULT_PRIORITY) && sameMatch(f.match, spec.match));
      return !looseCovers(spec.match, f.match);
    });
    return out('');
  },
};
