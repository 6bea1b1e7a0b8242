/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 4: namespaces, devices and links at the selected moment, the selected event's device marked. */
import { memo, useMemo } from 'react';
import type { RunView } from '../model/run-view.js';
import { secs } from '../model/text.js';
import { topologyRows } from '../model/topology.js';
import { Pane } from './Pane.js';

export interface TopologyProps {
  readonly view: RunView;
  readonly sel: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly scroll: number;
  readonly title: string;
}

export const TopologyPane = memo(function TopologyPane({ view, sel, width, height, focused, scroll, title }: TopologyProps) {
  const e = view.events[sel];
  const rows = useMemo(() => topologyRows(view, sel, width - 2, e ? { ns: e.ns, dev: e.dev } : undefined), [view, sel, width, e]);
  return <Pane title={title} info={`@ ${secs(e?.t ?? 0)}`} width={width} height={height} focused={focused} rows={rows} scroll={scroll} />;
});
