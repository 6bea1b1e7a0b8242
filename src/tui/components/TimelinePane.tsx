/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 1: every event, one row each, under the script line that caused it; the selection, drops and a what-if's differences marked. */
import { memo, useMemo } from 'react';
import type { Row } from '../model/rows.js';
import type { RunView, UiEvent } from '../model/run-view.js';
import { columns, eventRow, lineHeading, type TimelineItem } from '../model/timeline.js';
import { Pane } from './Pane.js';

export interface TimelineProps {
  readonly view: RunView;
  readonly base: RunView;
  readonly items: readonly TimelineItem[];
  readonly sel: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly info: string;
}

export const TimelinePane = memo(function TimelinePane({ view, base, items, sel, top, width, height, focused, info }: TimelineProps) {
  const inner = width - 2;
  const cols = useMemo(() => columns(view, inner), [view, inner]);
  const rows = useMemo(() => {
    const out: Row[] = [];
    // Only the rows on screen are made: a long run costs nothing per step.
    for (const it of items.slice(top, top + height - 2)) {
      if (it.kind === 'line') out.push({ text: lineHeading(view, it.line, inner), dim: true });
      else if (it.kind === 'gone') {
        const e = base.events[it.base] as UiEvent;
        out.push({ text: eventRow(base, e, cols, inner, false, 'gone'), dim: true });
      } else {
        const e = view.events[it.seq] as UiEvent;
        out.push({ text: eventRow(view, e, cols, inner, e.seq === sel, it.diff), selected: e.seq === sel, bad: e.kind === 'drop', good: it.diff === 'added' });
      }
    }
    return out;
  }, [view, base, items, sel, top, height, inner, cols]);
  return <Pane title="1 Timeline" info={info} width={width} height={height} focused={focused} rows={rows} scroll={top} total={items.length} />;
});
