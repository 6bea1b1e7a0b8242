/** ovs-appctl, for `fdb/show BR`: the NORMAL action's MAC learning table, oldest entry first. */
import { OVS_AGEING_TIME, ofportOf, ovsDb } from '../devices/ovs.js';
import { OFPP_LOCAL } from '../devices/ovs-flows.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import { out, type Tool } from './tool.js';

export const ovsAppctl: Tool = {
  check(argv) {
    const args = argv.slice(1);
    if (args[0] !== 'fdb/show' || args.length !== 2) return `'ovs-appctl ${args.join(' ')}' is not simulated (only fdb/show BRIDGE)`;
    return undefined;
  },
  run(ctx, argv) {
    const w = ctx.world;
    const b = ovsDb(w).bridges.find((x) => x.name === argv[2]);
    if (!b) return out('', 'no such bridge\novs-appctl: ovs-vswitchd: server returned an error\n', 2);
    let text = ' port  VLAN  MAC                Age\n';
    for (const e of b.ml.values()) {
      const age = w.loop.now - e.updated;
      if (age > OVS_AGEING_TIME) continue;
      const port = ofportOf(b, e.port);
      if (port === undefined) continue;
      const p = port === OFPP_LOCAL ? 'LOCAL' : String(port);
      text += `${p.padStart(5)}  ${String(e.vlan).padStart(4)}  ${e.mac}  ${String(Math.floor(age / NS_PER_SEC)).padStart(3)}\n`;
    }
    return out(text);
  },
};
