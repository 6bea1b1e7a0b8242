/* @jsxRuntime automatic @jsxImportSource react */
/** `w`: the knobs of every namespace and device at the moment the change would be made, to pick one and re-run. */
import { memo, useMemo } from 'react';
import type { Row } from '../model/rows.js';
import { lineName } from '../model/timeline.js';
import { changeLabel, knobLabel, type Change, type Knob } from '../model/whatif.js';
import { Pane } from './Pane.js';

export interface WhatIfMenuProps {
  readonly knobs: readonly Knob[];
  readonly cursor: number;
  readonly value: number | undefined;
  readonly query: string;
  readonly before: number;
  readonly applied: readonly Change[];
  readonly width: number;
  readonly height: number;
}

function valueName(k: Knob, v: number): string {
  return k.key === 'link' ? (v ? 'up' : 'down') : String(v);
}

export const WhatIfMenu = memo(function WhatIfMenu({ knobs, cursor, value, query, before, applied, width, height }: WhatIfMenuProps) {
  const top: Row[] = useMemo(() => {
    const out: Row[] = [{ text: `the change is made right before ${lineName(before)}, then the scenario runs again from the start`, dim: true }];
    for (const c of applied) out.push({ text: `applied: ${changeLabel(c)}`, good: true });
    out.push({ text: `filter: ${query}█` });
    return out;
  }, [before, applied, query]);
  const listH = Math.max(1, height - 2 - top.length);
  const start = Math.max(0, Math.min(cursor - Math.floor(listH / 2), knobs.length - listH));
  const list: Row[] = useMemo(() => {
    const out: Row[] = [];
    const labelW = Math.min(width - 16, Math.max(10, ...knobs.slice(start, start + listH).map((k) => `${k.ns === '' ? '' : `${k.ns} `}${knobLabel(k)}`.length)));
    knobs.slice(start, start + listH).forEach((k, i) => {
      const sel = start + i === cursor;
      const to = sel && value !== undefined ? value : k.current === 0 ? 1 : 0;
      const label = knobLabel(k);
      const eff = k.effective !== undefined && k.effective !== k.current ? ` (in effect ${k.effective})` : '';
      out.push({ text: `${sel ? '▶' : ' '} ${label.padEnd(labelW)} ${valueName(k, k.current)} → ${valueName(k, to)}${eff}`, selected: sel });
    });
    if (knobs.length === 0) out.push({ text: ` nothing matches '${query}'`, dim: true });
    return out;
  }, [knobs, start, listH, cursor, value, query, width]);
  return <Pane title="w What-if" info={`${knobs.length} knobs · ←/→ value · Enter re-run`} width={width} height={height} focused rows={[...top, ...list]} scroll={0} />;
});
