/* @jsxRuntime automatic @jsxImportSource react */
/**
 * One row of a pane, fitted to its width and drawn between the pane's side borders. Meaning is carried
 * by glyphs in the text (▶ selected, ✗ drop, ◀ changed, '-' gone), so it reads the same without colour;
 * colour and inverse only help.
 */
import { memo } from 'react';
import { Text } from 'ink';
import type { Row } from '../model/rows.js';
import { fit, truncate, width } from '../model/text.js';

/** The row's text at exactly `w` cells, with its change mark at the right edge. */
export function rowText(row: Row, w: number): string {
  if (row.mark === 'gone') return fit(`-${row.text.replace(/^ /, '')}`, w - 2) + (w >= 2 ? ' ◀' : '');
  if (row.mark) return fit(row.text, w - 2) + (w >= 2 ? ' ◀' : '');
  return fit(row.text, w);
}

function colorOf(row: Row): string | undefined {
  if (row.bad) return 'red';
  if (row.good) return 'green';
  if (row.mark) return 'yellow';
  if (row.head) return 'cyan';
  return undefined;
}

export const RowLine = memo(function RowLine({ row, width: w }: { row: Row; width: number }) {
  const color = colorOf(row);
  // Trailing blanks are left to the pane, except under a selection bar, which spans the row.
  const text = row.selected ? rowText(row, w) : rowText(row, w).trimEnd();
  return (
    <Text wrap="truncate" inverse={row.selected === true} bold={row.head === true} dimColor={row.dim === true || row.mark === 'gone'} strikethrough={row.mark === 'gone'} {...(color ? { color } : {})}>
      {text === '' ? ' ' : text}
    </Text>
  );
});

/** A border line: `┌ title ──── info ┐`, heavier when the pane has the focus. */
export function borderLine(left: string, fill: string, right: string, w: number, title: string, info: string): string {
  const inner = w - 2;
  const t = title === '' ? '' : truncate(title, Math.max(0, inner - 2));
  let line = t === '' ? '' : `${fill}${t}`;
  const i = info === '' ? '' : truncate(info, Math.max(0, inner - width(line) - 3));
  const gap = inner - width(line) - (i === '' ? 0 : width(i) + 1);
  line += fill.repeat(Math.max(0, gap)) + (i === '' ? '' : `${i}${fill}`);
  return `${left}${line}${right}`;
}
