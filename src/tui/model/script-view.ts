/**
 * The Script pane: the scenario's lines with the one that caused the selected event marked, each
 * line's exit status, and what it printed where the run recorded output per line.
 */
import type { RunView } from './run-view.js';
import type { Row } from './rows.js';
import { lineName } from './timeline.js';
import { secs } from './text.js';

export function scriptRows(view: RunView, seq: number, insertedLines: ReadonlySet<number>, all = false): Row[] {
  const current = view.events[seq]?.line;
  const rows: Row[] = [];
  const nameW = Math.max(...view.lines.map((l) => lineName(l.line).length));
  for (const l of view.lines) {
    const at = l.line === current;
    const exit = l.background ? '&' : l.exit === undefined ? ' ' : l.exit === 0 ? '✓' : `${l.exit}`;
    const events = l.firstSeq !== undefined && l.lastSeq !== undefined ? `  ev ${l.firstSeq + 1}–${l.lastSeq + 1}` : '';
    rows.push({
      text: `${at ? '▶' : ' '}${lineName(l.line).padStart(nameW)} ${exit.padStart(3)} ${l.text}${l.background ? ' &' : ''}`,
      selected: at,
      bad: l.exit !== undefined && l.exit !== 0,
      mark: insertedLines.has(l.line) ? 'new' : undefined,
    });
    if (at) rows.push({ text: `${' '.repeat(nameW + 6)}t ${secs(l.start ?? 0)}–${secs(l.end ?? 0)}${events}`, dim: true });
    // What the line printed, under it: the selected line's always, the others' when `all` is asked for.
    if (l.output !== '' && (at || all)) for (const o of l.output.replace(/\n$/, '').split('\n')) rows.push({ text: `${' '.repeat(nameW + 6)}${o}`, dim: !at });
  }
  return rows;
}
