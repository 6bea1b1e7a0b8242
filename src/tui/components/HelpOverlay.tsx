/* @jsxRuntime automatic @jsxImportSource react */
/** `?`: every key and what it does, scrollable and searchable. */
import { memo, useMemo } from 'react';
import type { Row } from '../model/rows.js';
import { wrap } from '../model/text.js';
import { Pane } from './Pane.js';

export const HelpOverlay = memo(function HelpOverlay({ entries, query, searching, scroll, width, height }: { entries: readonly (readonly [string, string])[]; query: string; searching: boolean; scroll: number; width: number; height: number }) {
  const rows = useMemo(() => {
    const keyW = Math.max(...entries.map(([k]) => k.length), 4);
    const out: Row[] = [{ text: 'vethsim tui — step through a scenario packet by packet, see why, ask what-if', head: true }, { text: '' }];
    for (const [k, v] of entries) wrap(v, Math.max(20, width - keyW - 5)).forEach((l, i) => out.push({ text: ` ${(i === 0 ? k : '').padEnd(keyW)}  ${l}` }));
    if (entries.length === 0) out.push({ text: ` no key matches '${query}'`, dim: true });
    out.push({ text: '' });
    out.push({ text: 'Marks: ▶ selected  ✗ drop  ✓ consumed  • state change  ◀ changed by this event', dim: true });
    out.push({ text: 'What-if diff: + added  - gone  ~ changed (against the original run)', dim: true });
    out.push({ text: 'Topology: ▲ up  △ no carrier  ▽ down  · not there now  ⊂ port of  A,B veth pairs', dim: true });
    return out;
  }, [entries, query, width]);
  const info = searching || query !== '' ? `search: ${query}${searching ? '█' : ''}` : '/ search  Esc close';
  return <Pane title="? Help" info={info} width={width} height={height} focused rows={rows} scroll={scroll} />;
});
