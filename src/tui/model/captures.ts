/**
 * The Captures pane: per capture point, the lines tcpdump had printed by the selected moment (the last
 * one marked when the selected event printed it), or — with a what-if diff shown — each capture's diff
 * against the original run. `e` writes what is shown as pcap files, as `vethsim run --pcap` does.
 */
import type { SimCapture } from '../../runner/simulate.js';
import type { RunDiff } from './diff.js';
import type { RunView } from './run-view.js';
import { head, type Row } from './rows.js';

export function captureRows(view: RunView, seq: number): Row[] {
  const rows: Row[] = [];
  if (view.captures.length === 0) return [{ text: 'this scenario starts no capture (tcpdump ... &)', dim: true }];
  for (const c of view.captures) {
    const shown = c.frames.filter((f) => f.seq <= seq);
    rows.push(head(`${c.point}  ${shown.length} of ${c.frames.length} lines by now`));
    for (const f of shown) rows.push({ text: ` ${f.text}`, mark: f.seq === seq ? 'new' : undefined });
    if (shown.length === 0) rows.push({ text: ' (nothing yet)', dim: true });
  }
  return rows;
}

export function captureDiffRows(diff: RunDiff): Row[] {
  const rows: Row[] = [];
  for (const c of diff.captures) {
    rows.push(head(`${c.point}  ${c.differs ? 'differs from the original run' : 'same as the original run'}`));
    for (const l of c.lines) rows.push({ text: `${l.sign}${l.text}`, good: l.sign === '+', bad: l.sign === '-', dim: l.sign === ' ' });
  }
  if (diff.captures.length === 0) rows.push({ text: 'no captures in either run', dim: true });
  return rows;
}

/**
 * What writes pcap files: `vethsim run --pcap`'s writer (src/cli/pcap-export.ts), handed down by the
 * command line, which sits above the UI.
 */
export type PcapWriterFn = (dir: string, scenario: string, captures: readonly SimCapture[]) => string[];

/** Writes each capture's frames up to the selected moment as DIR/SCENARIO.POINT.pcap; returns the paths. */
export function exportPcaps(view: RunView, seq: number, dir: string, writePcaps: PcapWriterFn): string[] {
  const captures = view.captures.map((c) => ({ point: c.point, frames: c.frames.filter((f) => f.seq <= seq).map((f) => ({ t: f.t, data: f.data, dir: f.dir, pkt: f.pkt, seq: f.seq })) }));
  return writePcaps(dir, view.scenario.name, captures);
}
