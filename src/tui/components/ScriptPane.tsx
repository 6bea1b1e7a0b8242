/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 6: the scenario's lines, the one that caused the selected event marked, with its status and output. */
import { memo, useMemo } from 'react';
import type { RunView } from '../model/run-view.js';
import { scriptRows } from '../model/script-view.js';
import { lineName } from '../model/timeline.js';
import { Pane } from './Pane.js';

export interface ScriptProps {
  readonly view: RunView;
  readonly sel: number;
  readonly inserted: ReadonlySet<number>;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly scroll: number;
  readonly title: string;
}

export const ScriptPane = memo(function ScriptPane({ view, sel, inserted, width, height, focused, scroll, title }: ScriptProps) {
  const rows = useMemo(() => scriptRows(view, sel, inserted), [view, sel, inserted]);
  const line = view.events[sel]?.line;
  // Keep the current line in view when the script is longer than the pane.
  const at = rows.findIndex((r) => r.selected);
  const auto = at >= height - 2 ? at - Math.floor((height - 2) / 2) : 0;
  return <Pane title={title} info={line === undefined ? '' : lineName(line)} width={width} height={height} focused={focused} rows={rows} scroll={scroll + auto} />;
});
