/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 2: why the selected event happened — verdict and reason, stage functions, the knobs that decided, the packet's journey. */
import { memo, useMemo } from 'react';
import type { RunView } from '../model/run-view.js';
import type { Change } from '../model/whatif.js';
import { whyRows } from '../model/why.js';
import { Pane } from './Pane.js';

export interface WhyProps {
  readonly view: RunView;
  readonly sel: number;
  readonly suggestion: Change | undefined;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly scroll: number;
  readonly title: string;
}

export const WhyPane = memo(function WhyPane({ view, sel, suggestion, width, height, focused, scroll, title }: WhyProps) {
  const rows = useMemo(() => whyRows({ view, seq: sel, width: width - 2, suggestion }), [view, sel, suggestion, width]);
  return <Pane title={title} info={`ev ${sel + 1}/${view.events.length}`} width={width} height={height} focused={focused} rows={rows} scroll={scroll} />;
});
