/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 3: the namespace in focus as it was at the selected event, what the event changed marked. */
import { memo, useMemo } from 'react';
import type { RunView } from '../model/run-view.js';
import { bridgeTables, stateView } from '../model/state-view.js';
import { nsLabel } from '../model/text.js';
import { Pane } from './Pane.js';

export interface StateProps {
  readonly view: RunView;
  readonly sel: number;
  readonly ns: string;
  readonly pinned: boolean;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly scroll: number;
  readonly title: string;
}

export const StatePane = memo(function StatePane({ view, sel, ns, pinned, width, height, focused, scroll, title }: StateProps) {
  const sv = useMemo(
    () => stateView({ ns, before: view.stateAt(ns, sel - 1), after: view.stateAt(ns, sel), peerName: (id) => view.peerName(id), fdbBefore: bridgeTables(view, ns, sel - 1), fdb: bridgeTables(view, ns, sel) }),
    [view, sel, ns],
  );
  const info = `${nsLabel(ns)}${pinned ? ' (s)' : ''} · ${sv.changes} change${sv.changes === 1 ? '' : 's'}`;
  // What the event changed is brought into view: from the heading of the section it is in.
  const first = sv.rows.findIndex((r) => r.mark !== undefined);
  let auto = 0;
  if (first >= height - 2) for (let i = first; i >= 0; i--) if (sv.rows[i]?.head) {
    auto = i;
    break;
  }
  return <Pane title={title} info={info} width={width} height={height} focused={focused} rows={sv.rows} scroll={scroll + auto} />;
});
