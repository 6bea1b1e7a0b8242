/**
 * What a what-if run changed against the original: events added, gone and changed, and each capture's
 * lines. A change inserts a script line, which shifts every later time by the gap between lines, so
 * events are aligned on what they are (namespace, device, stage, verdict, text), never on time.
 */
import { diffArrays } from 'diff';
import type { RunView, UiEvent } from './run-view.js';

export type DiffRow =
  | { readonly kind: 'same'; readonly a: number; readonly b: number }
  | { readonly kind: 'changed'; readonly a: number; readonly b: number }
  | { readonly kind: 'added'; readonly b: number }
  | { readonly kind: 'gone'; readonly a: number };

export interface CaptureDiffLine {
  readonly sign: ' ' | '+' | '-';
  readonly text: string;
}

export interface RunDiff {
  /** The merged timeline: every event of both runs once, in order (`a` original, `b` what-if). */
  readonly rows: readonly DiffRow[];
  /** For each what-if event, what it is in the diff. */
  readonly ofB: readonly DiffRow['kind'][];
  readonly added: number;
  readonly gone: number;
  readonly changed: number;
  readonly captures: readonly { readonly point: string; readonly lines: readonly CaptureDiffLine[]; readonly differs: boolean }[];
  readonly outputDiffers: boolean;
}

function eventKey(e: UiEvent): string {
  return `${e.ns}\u0000${e.dev ?? ''}\u0000${e.stage}\u0000${e.drop ?? ''}\u0000${e.what}`;
}

function place(e: UiEvent): string {
  return `${e.ns}\u0000${e.dev ?? ''}\u0000${e.stage}`;
}

export function diffRuns(a: RunView, b: RunView): RunDiff {
  const changes = diffArrays(a.events.map(eventKey), b.events.map(eventKey));
  const rows: DiffRow[] = [];
  let ia = 0;
  let ib = 0;
  let gone: number[] = [];
  let added: number[] = [];
  // A run of removals next to a run of additions: the same stage at the same place is one event that changed.
  const flush = () => {
    let j = 0;
    for (const x of gone) {
      const k = added.findIndex((y, n) => n >= j && place(a.events[x] as UiEvent) === place(b.events[y] as UiEvent));
      if (k >= 0) {
        for (; j < k; j++) rows.push({ kind: 'added', b: added[j] as number });
        rows.push({ kind: 'changed', a: x, b: added[k] as number });
        j = k + 1;
      } else rows.push({ kind: 'gone', a: x });
    }
    for (; j < added.length; j++) rows.push({ kind: 'added', b: added[j] as number });
    gone = [];
    added = [];
  };
  for (const c of changes) {
    if (c.removed) for (let i = 0; i < c.count; i++) gone.push(ia++);
    else if (c.added) for (let i = 0; i < c.count; i++) added.push(ib++);
    else {
      flush();
      for (let i = 0; i < c.count; i++) rows.push({ kind: 'same', a: ia++, b: ib++ });
    }
  }
  flush();
  const ofB: DiffRow['kind'][] = new Array(b.events.length).fill('same');
  let nAdded = 0;
  let nGone = 0;
  let nChanged = 0;
  for (const r of rows) {
    if (r.kind === 'added') nAdded++;
    if (r.kind === 'gone') nGone++;
    if (r.kind === 'changed') nChanged++;
    if (r.kind !== 'gone') ofB[r.b] = r.kind;
  }

  const points = [...new Set([...a.captures.map((c) => c.point), ...b.captures.map((c) => c.point)])];
  const captures = points.map((point) => {
    const before = a.captures.find((c) => c.point === point)?.frames.map((f) => f.text) ?? [];
    const after = b.captures.find((c) => c.point === point)?.frames.map((f) => f.text) ?? [];
    const lines: CaptureDiffLine[] = [];
    for (const c of diffArrays(before, after)) for (const text of c.value) lines.push({ sign: c.added ? '+' : c.removed ? '-' : ' ', text });
    return { point, lines, differs: lines.some((l) => l.sign !== ' ') };
  });
  return { rows, ofB, added: nAdded, gone: nGone, changed: nChanged, captures, outputDiffers: a.run.report.output !== b.run.report.output };
}
