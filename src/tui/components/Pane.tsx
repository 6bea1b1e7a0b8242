/* @jsxRuntime automatic @jsxImportSource react */
/**
 * A bordered pane: title and a right-hand note in the top border, rows inside, and a note in the bottom
 * border when rows are cut off above or below. The focused pane is drawn with a double border and its
 * title in brackets, so focus shows without colour too.
 */
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { Row } from '../model/rows.js';
import { borderLine, RowLine } from './RowLine.js';

export interface PaneProps {
  readonly title: string;
  readonly info: string;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly rows: readonly Row[];
  /** The first row to show. */
  readonly scroll: number;
  /** When `rows` is only the window on screen (starting at `scroll`): how many rows there are in all. */
  readonly total?: number;
}

export const Pane = memo(function Pane({ title, info, width, height, focused, rows, scroll, total }: PaneProps) {
  const inner = Math.max(0, height - 2);
  const windowed = total !== undefined;
  const start = windowed ? scroll : Math.max(0, Math.min(scroll, rows.length - inner));
  const shown = windowed ? rows.slice(0, inner) : rows.slice(start, start + inner);
  const below = (total ?? rows.length) - start - shown.length;
  const b = focused ? { tl: '╔', tr: '╗', bl: '╚', br: '╝', h: '═' } : { tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─' };
  const color = focused ? 'cyan' : undefined;
  const head = focused && !title.includes('[') ? `[${title}]` : ` ${title} `;
  const more = [start > 0 ? `▲ ${start} above` : '', below > 0 ? `▼ ${below} more` : ''].filter((x) => x !== '').join(' ');
  // The side borders are ink's (drawn as one column each), so rows carry no padding out to a border
  // of their own: every cell ink does not have to lay out and measure is time saved on each frame.
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text color={color}>{borderLine(b.tl, b.h, b.tr, width, head, info)}</Text>
      {/* A new box when the focus changes: ink 6.8 keeps stale yoga borders when a box's border props change in place. */}
      <Box key={focused ? 'focused' : 'plain'} flexDirection="column" width={width} height={inner} borderStyle={focused ? 'double' : 'single'} borderTop={false} borderBottom={false} {...(color ? { borderColor: color } : {})}>
        {shown.map((row, i) => (
          <RowLine key={i} row={row} width={width - 2} />
        ))}
      </Box>
      <Text color={color}>{borderLine(b.bl, b.h, b.br, width, '', more === '' ? '' : ` ${more} `)}</Text>
    </Box>
  );
});
