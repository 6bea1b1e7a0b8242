/* @jsxRuntime automatic @jsxImportSource react */
/** The top bar: scenario, virtual time, event, script line, drops, and what is applied (what-if, filter, follow). */
import { memo } from 'react';
import { Text } from 'ink';
import { fit } from '../model/text.js';

export const Header = memo(function Header({ text, width }: { text: string; width: number }) {
  return (
    <Text inverse bold>
      {fit(text, width)}
    </Text>
  );
});
