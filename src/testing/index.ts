/**
 * vethsim/testing: generate topologies, print them as scenarios, run them in the simulator and on the
 * kernel — for writing your own properties about the Linux virtual network path.
 *
 *   import fc from 'fast-check';
 *   import { topologyArb, runTopology } from 'vethsim/testing';
 *   fc.assert(fc.property(topologyArb(), (t) => runTopology(t).pings.every((p) => p.exit !== 2 || ...)));
 */
export * from './model.js';
export { topologyArb, confArb, cidrArb, type TopologyOptions } from './arbitraries.js';
export { topologyScript, topologyYaml, topologyScenario, SETTLE_SECONDS, type ScenarioText } from './to-scenario.js';
export { runTopology, type TopologyRun } from './run.js';
export { differential, compareRuns, describeComparison, kernelReport, simReport, type Comparison, type DifferentialOptions, type DifferentialResult } from './differential.js';
export { predictPings, explainPings, type Prediction, type Explained } from './oracle.js';
