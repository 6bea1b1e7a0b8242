/* @jsxRuntime automatic @jsxImportSource react */
/** The bottom bar: the keys, or the prompt being typed, or what the last key did. */
import { memo } from 'react';
import { Text } from 'ink';
import { fit } from '../model/text.js';

export const Footer = memo(function Footer({ text, width, prompt }: { text: string; width: number; prompt: boolean }) {
  return prompt ? <Text bold>{fit(text, width)}</Text> : <Text dimColor>{fit(text, width)}</Text>;
});
