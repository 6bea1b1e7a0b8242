/**
 * xlate_actions: a packet's way through the bridge's OpenFlow tables. Table 0 first; a table's
 * flow's actions run in order, resubmit(,N) looks table N up and comes back; a table with no
 * matching flow ends that lookup ("No match.", drop). What the pipeline decided is a list of
 * outputs, each with the Ethernet destination the packet had then; ovs.ts carries them out, and
 * ofproto/trace prints them with the tree of tables and actions (oftrace nodes) recorded here.
 */
import { classifierLookup, initialWildcards, type PacketFlow, type Wildcards } from './ovs-classifier.js';
import { formatAction, formatMatch, DEFAULT_PRIORITY, OFPP_LOCAL, type Flow } from './ovs-flows.js';

export type TraceNodeType = 'table' | 'action' | 'detail' | 'warn' | 'error';
export interface TraceNode {
  readonly type: TraceNodeType;
  readonly text: string;
  readonly subs: TraceNode[];
}

export type XlateOp =
  | { readonly kind: 'output'; readonly port: number; readonly dlDst: string }
  | { readonly kind: 'flood'; readonly dlDst: string }
  /** NORMAL; `outs` are the ports it chose when a trace asked (see XlateHooks.normal). */
  | { readonly kind: 'normal'; readonly dlDst: string; readonly outs: readonly number[] | undefined };

export interface XlateHooks {
  /** Trace only: is there an OpenFlow port with this number? (check_output_prerequisites) */
  portExists?(port: number): boolean;
  /** Trace only: xlate_normal's decision for the flow as it is now, with its report lines. */
  normal?(flow: PacketFlow, report: (type: TraceNodeType, text: string) => void): readonly number[];
}

export interface XlateResult {
  /** Every flow that decided in some table, in order (each counts the packet). */
  readonly hits: Flow[];
  readonly ops: XlateOp[];
  readonly wc: Wildcards;
  readonly final: PacketFlow;
  readonly trace: TraceNode[];
  /** A resubmit chain deeper than OVS allows, if one was cut. */
  readonly tooDeep: boolean;
}

/** MAX_DEPTH in ofproto-dpif-xlate.c. */
const MAX_RESUBMIT_DEPTH = 64;

export function xlate_actions(flows: readonly Flow[], packet: PacketFlow, tracing: boolean, hooks: XlateHooks = {}): XlateResult {
  const wc = initialWildcards();
  const hits: Flow[] = [];
  const ops: XlateOp[] = [];
  let flow = packet;
  let tooDeep = false;
  const root: TraceNode[] = [];
  const byTable = new Map<number, Flow[]>();
  for (const f of flows) {
    const t = byTable.get(f.table);
    if (t) t.push(f);
    else byTable.set(f.table, [f]);
  }
  const report = (list: TraceNode[], type: TraceNodeType, text: string): TraceNode => {
    const n: TraceNode = { type, text, subs: [] };
    if (tracing) list.push(n);
    return n;
  };

  const table = (id: number, list: TraceNode[], depth: number): void => {
    if (depth > MAX_RESUBMIT_DEPTH) {
      tooDeep = true;
      return;
    }
    const rule = classifierLookup(byTable.get(id) ?? [], flow, wc);
    const head = `${String(id).padStart(2)}. `;
    if (!rule) {
      const node = report(list, 'table', `${head}No match.`);
      report(node.subs, 'action', 'drop');
      return;
    }
    hits.push(rule);
    const match = formatMatch(DEFAULT_PRIORITY, rule.match);
    const cookie = rule.cookie === 0n ? '' : `, cookie 0x${rule.cookie.toString(16)}`;
    const node = report(list, 'table', `${head}${match}${match ? ', ' : ''}priority ${rule.priority}${cookie}`);
    const here = node.subs;
    if (rule.actions.length === 0) report(here, 'action', 'drop');
    for (const a of rule.actions) {
      report(here, 'action', formatAction(a));
      switch (a.kind) {
        case 'drop':
          break;
        case 'normal': {
          wc.dlSrc = true;
          wc.dlDst = true;
          const outs = hooks.normal?.(flow, (type, text) => report(here, type, text));
          ops.push({ kind: 'normal', dlDst: flow.dlDst, outs });
          break;
        }
        case 'flood':
          ops.push({ kind: 'flood', dlDst: flow.dlDst });
          break;
        case 'output':
          if (hooks.portExists && !hooks.portExists(a.port)) report(here, 'warn', 'Nonexistent output port');
          else if (a.port === flow.inPort) report(here, 'warn', 'skipping output to input port');
          else ops.push({ kind: 'output', port: a.port, dlDst: flow.dlDst });
          break;
        case 'mod_dl_dst':
          wc.dlDst = true;
          flow = { ...flow, dlDst: a.mac };
          break;
        case 'resubmit':
          table(a.table, here, depth + 1);
          break;
      }
    }
  };
  table(0, root, 1);
  return { hits, ops, wc, final: flow, trace: root, tooDeep };
}

export function portName(port: number): string {
  return port === OFPP_LOCAL ? 'LOCAL' : String(port);
}
