/**
 * Does a run agree with what a scenario expects, or with another run? Both sides go through the same
 * canonical form; a mismatch comes with a unified diff per block, expected side first.
 */
import { structuredPatch } from 'diff';
import { canonicalBlocks } from './canonical.js';
import { OUTPUT_KEY, reportBlocks, type Block, type Report } from './report.js';
import type { Expectation } from '../scenario/scenario.js';

export interface BlockVerdict {
  readonly key: string;
  readonly ok: boolean;
  /** Unified diff lines (' ', '-', '+', '@@'), empty when ok. */
  readonly diff: readonly string[];
}

export interface Verdict {
  readonly ok: boolean;
  readonly blocks: readonly BlockVerdict[];
}

function blockDiff(expected: string, actual: string): string[] {
  const patch = structuredPatch('expected', 'actual', `${expected}\n`, `${actual}\n`, '', '', { context: 3 });
  return patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
}

/** Compares two lists of blocks with the same keys in the same order. */
export function compareBlocks(expected: readonly Block[], actual: readonly Block[]): Verdict {
  const e = canonicalBlocks(expected);
  const a = canonicalBlocks(actual);
  const keys = [...new Set([...e.map((b) => b.key), ...a.map((b) => b.key)])];
  const blocks = keys.map((key) => {
    const et = e.find((b) => b.key === key)?.text;
    const at = a.find((b) => b.key === key)?.text;
    if (et === undefined || at === undefined) {
      return { key, ok: false, diff: [et === undefined ? `+ block '${key}' is only in the actual run` : `- block '${key}' is missing from the actual run`] };
    }
    return et === at ? { key, ok: true, diff: [] } : { key, ok: false, diff: blockDiff(et, at) };
  });
  return { ok: blocks.every((b) => b.ok), blocks };
}

/** The blocks of `report` that `expect` has keys for, and the expected blocks, aligned. */
export function expectationBlocks(expect: Expectation, report: Report): { expected: Block[]; actual: Block[] } {
  const actual = reportBlocks(report).filter((b) => (b.key === OUTPUT_KEY ? expect.output !== undefined : expect.captures !== undefined));
  const expected: Block[] = [
    ...(expect.captures ? report.captures.map((c) => ({ key: c.point, text: expect.captures?.get(c.point) ?? '' })) : []),
    ...(expect.output !== undefined ? [{ key: OUTPUT_KEY, text: expect.output }] : []),
  ];
  return { expected, actual };
}

/** Compares a run canonically with a scenario's expect block: only the blocks the expectation has. */
export function checkExpectation(expect: Expectation, report: Report): Verdict {
  const { expected, actual } = expectationBlocks(expect, report);
  return compareBlocks(expected, actual);
}

/** Human text of a verdict: one line per block, diffs under the ones that differ. */
export function renderVerdict(v: Verdict, labels: { expected: string; actual: string }): string {
  const out: string[] = [];
  for (const b of v.blocks) {
    const name = b.key === OUTPUT_KEY ? 'output' : `capture ${b.key}`;
    out.push(`${b.ok ? 'match' : 'DIFF '}  ${name}`);
    if (!b.ok) {
      out.push(`    --- ${labels.expected}`, `    +++ ${labels.actual}`);
      for (const l of b.diff) out.push(`    ${l}`);
    }
  }
  return out.join('\n') + '\n';
}
