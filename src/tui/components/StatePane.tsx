/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 3: the namespace in focus as it was right after the selected event, what the event changed marked. */
import { memo, useMemo } from 'react';
import type { RunView } from '../model/run-view.js';
import { stateView } from '../model/state-view.js';
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

/** A device's name by world-wide id, wherever it lives at the end of the run. */
function peerNamer(view: RunView): (id: number) => string | undefined {
  return (id) => {
    const d = view.run.world.device(id);
    if (d) return `${d.ns.name === '' ? '' : `${d.ns.name}/`}${d.dev.name}`;
    for (const ns of view.namespaces) for (const st of view.statesOf(ns)) for (const x of Object.values(st.devices)) if (x.id === id) return `${ns === '' ? '' : `${ns}/`}${x.name}`;
    return undefined;
  };
}

export const StatePane = memo(function StatePane({ view, sel, ns, pinned, width, height, focused, scroll, title }: StateProps) {
  const sv = useMemo(() => stateView({ ns, before: view.stateBefore(ns, sel), after: view.stateAfter(ns, sel), peerName: peerNamer(view) }), [view, sel, ns]);
  const info = `${nsLabel(ns)}${pinned ? ' (s)' : ''} · ${sv.changes} change${sv.changes === 1 ? '' : 's'}${view.exactState ? '' : ' · as of its instant'}`;
  return <Pane title={title} info={info} width={width} height={height} focused={focused} rows={sv.rows} scroll={scroll} />;
});
