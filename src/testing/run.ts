/** Running a generated topology in the simulator, and what each of its pings came to. */
import { runSim, type SimOptions, type SimRun } from '../runner/simulate.js';
import type { Scenario } from '../scenario/scenario.js';
import type { PingSpec, Topology } from './model.js';
import { topologyScenario } from './to-scenario.js';

export interface TopologyRun {
  readonly scenario: Scenario;
  readonly run: SimRun;
  /** Each ping with ping's exit status (0 some reply came, 1 none did, 2 it could not start) and the virtual time it ended. */
  readonly pings: readonly { readonly spec: PingSpec; readonly exit: number; readonly end: number }[];
}

export function runTopology(t: Topology, opts: SimOptions = {}): TopologyRun {
  const scenario = topologyScenario(t, { name: 'generated' });
  const run = runSim(scenario, opts);
  const pingLines = scenario.script.filter((l) => /(^|\s)ping -c /.test(l.text));
  const pings = t.pings.map((spec, i) => {
    const line = pingLines[i]?.line ?? -1;
    return { spec, exit: run.exits.get(line) ?? -1, end: run.ends.get(line) ?? -1 };
  });
  return { scenario, run, pings };
}
