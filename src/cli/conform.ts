/** `vethsim conform`: the simulator against the kernel, as a table of scenario x capture point. */
import type { Verdict } from '../report/compare.js';
import { OUTPUT_KEY } from '../report/report.js';

export interface ConformRow {
  readonly scenario: string;
  readonly verdict: Verdict;
}

export function conformTable(rows: readonly ConformRow[]): string {
  const lines: string[] = [];
  const w = Math.max(8, ...rows.map((r) => r.scenario.length));
  const pw = Math.max(5, ...rows.flatMap((r) => r.verdict.blocks.map((b) => b.key.length)));
  lines.push(`${'scenario'.padEnd(w)}  ${'point'.padEnd(pw)}  verdict`);
  for (const r of rows) {
    for (const b of r.verdict.blocks) lines.push(`${r.scenario.padEnd(w)}  ${(b.key === OUTPUT_KEY ? 'output' : b.key).padEnd(pw)}  ${b.ok ? 'match' : 'diff'}`);
  }
  const diffs = rows.flatMap((r) => r.verdict.blocks.filter((b) => !b.ok).map((b) => ({ r, b })));
  for (const { r, b } of diffs) {
    lines.push('', `--- ${r.scenario} ${b.key}: kernel (-) vs simulator (+)`);
    for (const l of b.diff) lines.push(`    ${l}`);
  }
  const ok = rows.filter((r) => r.verdict.ok).length;
  lines.push('', `${ok} of ${rows.length} scenarios agree with the kernel`);
  return `${lines.join('\n')}\n`;
}
