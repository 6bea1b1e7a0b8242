/**
 * Recording a scenario's expectation from the kernel: run it several times and keep the result only
 * if every run agrees canonically with the first — a scenario whose runs differ depends on timing,
 * and what it printed once is no expectation.
 */
import { compareBlocks, type Verdict } from '../report/compare.js';
import { reportBlocks, type Report } from '../report/report.js';
import { runKernel, type KernelRunOptions } from './run.js';
import type { Scenario } from '../scenario/scenario.js';

/** How many kernel runs must agree before their result becomes a scenario's expect block. */
export const RECORD_RUNS = 3;

/** Whether runs agree: all with the first, or the first run (its index) that does not, and how. */
export type Agreement = { readonly ok: true } | { readonly ok: false; readonly run: number; readonly verdict: Verdict };

export function agreement(runs: readonly Report[]): Agreement {
  const first = runs[0];
  if (first === undefined) throw new Error('agreement of no runs');
  for (let i = 1; i < runs.length; i++) {
    const verdict = compareBlocks(reportBlocks(first), reportBlocks(runs[i] as Report));
    if (!verdict.ok) return { ok: false, run: i, verdict };
  }
  return { ok: true };
}

/**
 * The outcome of recording: the report to write as the expect block (withExpectation turns a file's
 * text and it into the new text) when the runs agreed; otherwise every run, and how they differ.
 */
export type Recording =
  | { readonly stable: true; readonly report: Report; readonly runs: readonly Report[] }
  | { readonly stable: false; readonly runs: readonly Report[]; readonly differs: Extract<Agreement, { ok: false }> };

/** Runs `s` on the kernel RECORD_RUNS times (or `opts.runs`), one after another, and compares the runs. */
export async function recordScenario(s: Scenario, opts: KernelRunOptions & { readonly runs?: number } = {}): Promise<Recording> {
  const runs: Report[] = [];
  for (let i = 0; i < (opts.runs ?? RECORD_RUNS); i++) runs.push(await runKernel(s, opts));
  const a = agreement(runs);
  return a.ok ? { stable: true, report: runs[0] as Report, runs } : { stable: false, runs, differs: a };
}
