/**
 * ovs-appctl, for `fdb/show BR` (the NORMAL action's MAC learning table, oldest entry first) and
 * `ofproto/trace BR FLOW` (see ovs-trace.ts). The datapath's flow cache (dpctl/*) is not modelled:
 * the simulator runs every packet through the OpenFlow tables.
 */
import { ofportOf, ovsAgeingTime, ovsDb } from '../devices/ovs.js';
import { OFPP_LOCAL } from '../devices/ovs-flows.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import { ofprotoTrace, parseTraceFlow, traceHasVlans } from './ovs-trace.js';
import { out, type Tool } from './tool.js';

const SERVER_ERROR = 'ovs-appctl: ovs-vswitchd: server returned an error\n';

export const ovsAppctl: Tool = {
  check(argv) {
    const args = argv.slice(1);
    if (args[0]?.startsWith('dpctl/')) return `'ovs-appctl ${args[0]}' is not simulated (the datapath's flow cache is not modelled: every packet goes through the OpenFlow tables)`;
    if (args[0] === 'ofproto/trace') {
      if (args.length !== 3) return `'ovs-appctl ofproto/trace' is simulated as 'ofproto/trace BRIDGE FLOW' only`;
      const p = parseTraceFlow(args[2] as string);
      return 'unsupported' in p ? p.unsupported : undefined;
    }
    if (args[0] !== 'fdb/show' || args.length !== 2) return `'ovs-appctl ${args.join(' ')}' is not simulated (only fdb/show BRIDGE, ofproto/trace BRIDGE FLOW)`;
    return undefined;
  },
  run(ctx, argv) {
    const w = ctx.world;
    const b = ovsDb(w).bridges.find((x) => x.name === argv[2]);
    if (argv[1] === 'ofproto/trace') {
      if (!b) return out('', `${argv[2]}: unknown bridge\n${SERVER_ERROR}`, 2);
      const p = parseTraceFlow(argv[3] as string);
      if ('error' in p) return out('', `${p.error}\n${SERVER_ERROR}`, 2);
      if ('unsupported' in p) return out('', `${p.unsupported}\n`, 1);
      // NORMAL's tagging shows as push_vlan/pop_vlan datapath actions, which are not modelled.
      if (traceHasVlans(b)) return out('', `ofproto/trace on a bridge whose ports have VLAN columns set is not simulated\n`, 1);
      return out(ofprotoTrace(w, b, p.flow));
    }
    if (!b) return out('', `no such bridge\n${SERVER_ERROR}`, 2);
    let text = ' port  VLAN  MAC                Age\n';
    for (const e of b.ml.values()) {
      const age = w.loop.now - e.updated;
      if (age > ovsAgeingTime(b)) continue;
      const port = ofportOf(b, e.port);
      if (port === undefined) continue;
      const p = port === OFPP_LOCAL ? 'LOCAL' : String(port);
      text += `${p.padStart(5)}  ${String(e.vlan).padStart(4)}  ${e.mac}  ${String(Math.floor(age / NS_PER_SEC)).padStart(3)}\n`;
    }
    return out(text);
  },
};
