/* @jsxRuntime automatic @jsxImportSource react */
/** Driving the UI as a person would: an App at a given size, keys one write at a time, frames as plain text. */
import { render } from 'ink-testing-library';
import { loadScenario } from '../../src/scenario/load.js';
import { TuiModel } from '../../src/tui/model/app-model.js';
import { openSession } from '../../src/tui/model/session.js';
import { App } from '../../src/tui/components/App.js';

export const ARTICLE = 'scenarios/veth-same-ns-default.yaml';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function plain(frame: string | undefined): string {
  return (frame ?? '').replace(ANSI, '');
}

export const ESC = '\x1b';
export const ENTER = '\r';
export const RIGHT = '\x1b[C';
export const LEFT = '\x1b[D';
export const DOWN = '\x1b[B';
export const UP = '\x1b[A';
export const TAB = '\t';

export function openModel(file = ARTICLE, columns = 80, rows = 24, pcapDir = '.'): TuiModel {
  return new TuiModel({ files: [file], seed: 1, pcapDir, columns, rows, open: openSession(loadScenario(file)) });
}

export interface Driven {
  readonly model: TuiModel;
  /** Sends each argument as one write (one key, or one burst), waiting for the frame after each. */
  press(...keys: string[]): Promise<void>;
  frame(): string;
  lines(): string[];
  /** Columns [from, to) of every line: one pane of a side-by-side layout. */
  columns(from: number, to?: number): string;
  unmount(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the frame a key causes (every key handled draws one), on a machine that may be busy. */
async function nextFrame(frames: readonly string[], before: number, limitMs = 2000): Promise<void> {
  for (let waited = 0; frames.length <= before && waited < limitMs; waited += 5) await sleep(5);
  await sleep(5);
}

export async function drive(model: TuiModel): Promise<Driven> {
  const app = render(<App model={model} />);
  await nextFrame(app.frames, 0);
  const lines = () => plain(app.lastFrame()).split('\n');
  return {
    model,
    async press(...keys) {
      for (const k of keys) {
        const before = app.frames.length;
        app.stdin.write(k);
        await nextFrame(app.frames, before, model.state.quit ? 0 : 2000);
      }
    },
    frame: () => plain(app.lastFrame()),
    lines,
    columns: (from, to) => lines().map((l) => [...l].slice(from, to).join('')).join('\n'),
    unmount: () => app.unmount(),
  };
}
