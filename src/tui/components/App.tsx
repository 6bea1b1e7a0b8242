/* @jsxRuntime automatic @jsxImportSource react */
// (JSX settings in the file itself: tsx reads tsconfig.json from the current directory, which may be anywhere.)
/**
 * The root: keys go to the model, the model's new state is drawn. Input is handled here only — no
 * ink focus hooks, which would take Tab and Esc for themselves.
 */
import { useEffect, useReducer } from 'react';
import { useApp, useInput, useStdout } from 'ink';
import type { TuiModel } from '../model/app-model.js';
import { Picker } from './Picker.js';
import { RunScreen } from './RunScreen.js';
import { TooSmall } from './TooSmall.js';

export function App({ model }: { model: TuiModel }) {
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const { exit } = useApp();
  const { stdout } = useStdout();

  useInput((input, key) => {
    model.press(input, key);
    if (model.state.quit) exit();
    else redraw();
  });

  useEffect(() => {
    const onResize = () => {
      model.resize(stdout.columns, stdout.rows);
      redraw();
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [model, stdout]);

  const r = model.state.run;
  const playing = model.state.screen === 'run' && r?.playing === true;
  const speed = r?.speed ?? 1;
  useEffect(() => {
    if (!playing) return;
    const t = setInterval(() => {
      if (!model.tick()) clearInterval(t);
      redraw();
    }, 1000 / speed);
    return () => clearInterval(t);
  }, [model, playing, speed]);

  const { columns, rows } = model.state;
  if (model.tooSmall()) return <TooSmall columns={columns} rows={rows} />;
  if (model.state.screen === 'picker' || !r) {
    const p = model.state.picker;
    return <Picker entries={p.entries} query={p.query} cursor={p.cursor} error={p.error} width={columns} height={rows} />;
  }
  return <RunScreen model={model} r={r} />;
}
