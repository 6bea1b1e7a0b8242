/**
 * vethsim as a library: load a scenario, run it in the simulator (or on the real kernel), read its
 * report, trace and journeys, compare it with what the kernel printed. Plain data in, plain data out:
 * nothing here prints or exits, and every failure is a typed error — {@link ScenarioErrors} for what a
 * scenario says (each entry with its file and line), {@link SimulationError} for a run that cannot end,
 * the `KernelRun*` errors and {@link KernelUnavailable} for kernel mode.
 *
 * ```ts
 * import { loadScenario, runSim, checkExpectation } from 'vethsim';
 *
 * const s = loadScenario('scenarios/veth-same-ns-default.yaml');
 * const run = runSim(s, { seed: 1, explain: true });
 * console.log(run.report.captures.map((c) => `${c.point}:\n${c.text}`).join(''));
 * for (const e of run.world.trace.drops) console.log(e.stage, e.drop, e.what);
 * if (s.expect) console.log(checkExpectation(s.expect, run.report).ok);
 * ```
 *
 * The generators and oracles for writing properties are `vethsim/testing`.
 *
 * @packageDocumentation
 */

import { prepare } from './runner/simulate.js';
import type { Scenario } from './scenario/scenario.js';

// Scenario files: loading (every problem at once, as file:line entries) and the simulator's checks.
export { loadScenario, parseScenario } from './scenario/load.js';
export { ScenarioError, ScenarioErrors } from './scenario/errors.js';
export type { Scenario, CaptureSpec, Expectation } from './scenario/scenario.js';
export type { ScriptLine, ShellWord, ShellOp } from './scenario/script.js';

// The simulator.
export { runSim, LINE_GAP, DEFAULT_MAX_EVENTS, MAX_PENDING, type SimOptions, type SimRun, type SimCapture, type LineRecord } from './runner/simulate.js';
export { SimulationError, StormGuardStop } from './runner/errors.js';
export type { World, Namespace, TappedFrame, CaptureTap, HistoryEntry, DevStats } from './sim/world.js';
// A namespace's state, as the history keeps it and `ip` prints it.
export { NS_PER_MS, NS_PER_SEC, type EventLoop, type Timer } from './sim/event-loop.js';
export type { Rng } from './sim/rng.js';
export type { NsState, DeviceState, DeviceKind, IfAddr, AddrScope, Route, RouteType, RouteScope, Rule, NeighEntry, Nud } from './sim/state.js';

// What happened: the trace, packets' journeys, the state history.
export { formatTraceEvent, type TraceEvent, type TraceKind, type DropReason, type Trace } from './sim/trace.js';
export { journeys, packetEnd, type Journey } from './sim/journey.js';
export { stateBefore, stateAfter, type StateAt } from './sim/history.js';

// Reports, their canonical form, comparison with an expectation or another run.
export { reportBlocks, renderBlocks, renderReport, reportJson, OUTPUT_KEY, type Report, type CaptureResult, type RunWarning, type Mode, type Block } from './report/report.js';
export { canonicalBlocks, canonicalText } from './report/canonical.js';
export { checkExpectation, compareBlocks, expectationBlocks, renderVerdict, type Verdict, type BlockVerdict } from './report/compare.js';

// Kernel mode: the same scenario on the real kernel, inside private namespaces (root), and recording.
export { runKernel, kernelAvailability, type KernelRunOptions } from './kernel/run.js';
export { KernelUnavailable, KernelRunFailed, KernelRunTimedOut, KernelRunInterrupted } from './kernel/errors.js';
export { recordScenario, agreement, RECORD_RUNS, type Recording, type Agreement } from './kernel/record.js';
export { withExpectation } from './record/write-expect.js';

// Captured frames as pcap files, which the real tcpdump reads back identically.
export { PcapWriter, encodePcap, parsePcap, type PcapRecord, type PcapFile, type PcapWriteOptions } from './capture/pcap.js';
export type { Result, WireError, WireLayer } from './wire/result.js';

/**
 * Checks that the simulator runs every line of `s` — the very checks {@link runSim} makes before it runs
 * anything, and `vethsim validate` reports. Throws {@link ScenarioErrors}, one entry per line it cannot
 * run (`file:line: 'iptables' is not simulated ...`); returns if all is well.
 */
export function validateScenario(s: Scenario): void {
  prepare(s);
}
