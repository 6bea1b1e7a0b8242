/* @jsxRuntime automatic @jsxImportSource react */
/** Below 80x24 no layout is drawn: a clear message says what is needed instead. */
import { memo } from 'react';
import { Box, Text } from 'ink';
import { MIN_COLUMNS, MIN_ROWS } from '../model/layout.js';
import { truncate } from '../model/text.js';

export const TooSmall = memo(function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  const w = Math.max(1, columns);
  const lines = [
    `vethsim tui needs a terminal of at least ${MIN_COLUMNS}x${MIN_ROWS};`,
    `this one is ${columns}x${rows}.`,
    'Make the window larger (the UI comes back at once),',
    'or quit with q and use: vethsim run --explain FILE',
  ];
  return (
    <Box flexDirection="column" width={w}>
      {lines.map((l, i) => (
        <Text key={i}>{truncate(l, w)}</Text>
      ))}
    </Box>
  );
});
