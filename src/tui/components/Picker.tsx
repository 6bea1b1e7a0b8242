/* @jsxRuntime automatic @jsxImportSource react */
/** The scenario picker: every bundled scenario (or every file given) with its title, filtered by typing; the selected one's description below. */
import { memo, useMemo } from 'react';
import { Box } from 'ink';
import type { Row } from '../model/rows.js';
import { filterEntries, type PickerEntry } from '../model/picker.js';
import { wrap } from '../model/text.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { Pane } from './Pane.js';

export interface PickerProps {
  readonly entries: readonly PickerEntry[];
  readonly query: string;
  readonly cursor: number;
  readonly error: string | undefined;
  readonly width: number;
  readonly height: number;
}

export const Picker = memo(function Picker({ entries, query, cursor, error, width, height }: PickerProps) {
  const shown = useMemo(() => filterEntries(entries, query), [entries, query]);
  const descH = Math.max(6, Math.floor((height - 2) / 3));
  const listH = height - 2 - descH;
  const inner = listH - 2;
  const start = Math.max(0, Math.min(cursor - Math.floor(inner / 2), shown.length - inner));
  const nameW = Math.min(34, Math.max(8, ...shown.map((e) => e.name.length)));
  const rows: Row[] = useMemo(
    () =>
      shown.slice(start, start + inner).map((e, i) => {
        const sel = start + i === cursor;
        return { text: `${sel ? '▶' : ' '} ${e.name.padEnd(nameW)}  ${e.title}`, selected: sel, bad: e.error !== undefined };
      }),
    [shown, start, inner, cursor, nameW],
  );
  const cur = shown[cursor];
  const desc: Row[] = useMemo(() => {
    if (error) return wrap(error, width - 2).map((text) => ({ text, bad: true }));
    if (!cur) return [{ text: `no scenario matches '${query}'`, dim: true }];
    // A YAML block keeps the file's line breaks; a paragraph is what a blank line ends.
    return [{ text: cur.title, head: true }, ...wrap(cur.description.replace(/([^\n])\n(?!\n)/g, '$1 '), width - 2).map((text) => ({ text })), { text: cur.file, dim: true }];
  }, [cur, error, query, width]);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header text={` vethsim ▸ choose a scenario  ${shown.length} of ${entries.length}  filter: ${query}█`} width={width} />
      <Pane title="Scenarios" info={shown.length > 0 ? `${cursor + 1}/${shown.length}` : ''} width={width} height={listH} focused rows={rows} scroll={start} total={shown.length} />
      <Pane title="Description" info="" width={width} height={descH} focused={false} rows={desc} scroll={0} />
      <Footer text=" type to filter  ↑/↓ choose  Enter open  Esc clear/back  Ctrl-C quit" width={width} prompt={false} />
    </Box>
  );
});
