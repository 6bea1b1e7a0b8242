/**
 * One scenario opened in the UI: its run (trace, per-line records and state history kept), and the
 * what-if runs made from it, each cached by the changes it applies so `u` and a second `w` of the same
 * change cost nothing.
 */
import type { Scenario } from '../../scenario/scenario.js';
import { ScenarioErrors } from '../../scenario/errors.js';
import { runSim, SimulationError } from '../../runner/simulate.js';
import { diffRuns, type RunDiff } from './diff.js';
import { runView, type RunView } from './run-view.js';
import { applyChanges, type Change } from './whatif.js';

export interface WhatIfRun {
  readonly changes: readonly Change[];
  readonly view: RunView;
  readonly diff: RunDiff;
}

export interface Session {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly base: RunView;
  /** The scenario re-run with `changes`, or why it could not be. */
  whatIf(changes: readonly Change[]): WhatIfRun | { readonly error: string };
}

export function simulate(s: Scenario, seed: number): RunView {
  return runView(s, runSim(s, { seed, explain: true, history: true }));
}

function changeKey(changes: readonly Change[]): string {
  return JSON.stringify(changes);
}

export function openSession(scenario: Scenario, seed = 1, base: RunView = simulate(scenario, seed)): Session {
  const cache = new Map<string, WhatIfRun | { error: string }>();
  return {
    scenario,
    seed,
    base,
    whatIf(changes) {
      const key = changeKey(changes);
      const hit = cache.get(key);
      if (hit) return hit;
      let result: WhatIfRun | { error: string };
      try {
        const view = simulate(applyChanges(scenario, changes), seed);
        result = { changes, view, diff: diffRuns(base, view) };
      } catch (e) {
        if (!(e instanceof ScenarioErrors) && !(e instanceof SimulationError)) throw e;
        result = { error: e.message };
      }
      cache.set(key, result);
      return result;
    },
  };
}
