/* @jsxRuntime automatic @jsxImportSource react */
/** Pane 5: what each tcpdump had printed by the selected moment, or a what-if's capture diff. */
import { memo, useMemo } from 'react';
import { captureDiffRows, captureRows } from '../model/captures.js';
import type { RunDiff } from '../model/diff.js';
import type { RunView } from '../model/run-view.js';
import { Pane } from './Pane.js';

export interface CapturesProps {
  readonly view: RunView;
  readonly sel: number;
  readonly diff: RunDiff | undefined;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly scroll: number;
  readonly title: string;
}

export const CapturesPane = memo(function CapturesPane({ view, sel, diff, width, height, focused, scroll, title }: CapturesProps) {
  const rows = useMemo(() => (diff ? captureDiffRows(diff) : captureRows(view, sel)), [view, sel, diff]);
  return <Pane title={title} info={diff ? 'diff vs the original run' : `by ev ${sel + 1} · e: pcap`} width={width} height={height} focused={focused} rows={rows} scroll={scroll} />;
});
