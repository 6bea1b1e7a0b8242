/* @jsxRuntime automatic @jsxImportSource react */
/** Driving the UI as a person would: an App at a given size, keys one write at a time, frames as plain text. */
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import { loadScenario } from '../../src/scenario/load.js';
import { TuiModel } from '../../src/tui/model/app-model.js';
import { openSession } from '../../src/tui/model/session.js';
import { App } from '../../src/tui/components/App.js';
import { writePcaps } from '../../src/cli/pcap-export.js';

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
  return new TuiModel({ files: [file], seed: 1, pcapDir, writePcaps, columns, rows, open: openSession(loadScenario(file)) });
}

export interface Driven {
  readonly model: TuiModel;
  /** Sends each argument as one write (one key, or one burst), waiting for the frame after each. */
  press(...keys: string[]): Promise<void>;
  frame(): string;
  /** The last frame as drawn, escape sequences and all. */
  raw(): string;
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
    raw: () => app.lastFrame() ?? '',
    lines,
    columns: (from, to) => lines().map((l) => [...l].slice(from, to).join('')).join('\n'),
    unmount: () => app.unmount(),
  };
}

/** A terminal of any size (ink-testing-library's is 100 columns wide): ink draws each frame into it. */
class SizedTerminal extends EventEmitter {
  readonly isTTY = false;
  readonly frames: string[] = [];
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(frame: string): boolean {
    this.frames.push(frame);
    return true;
  }
}

class Keyboard extends EventEmitter {
  readonly isTTY = true;
  private pending: string | null = null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): string | null {
    const p = this.pending;
    this.pending = null;
    return p;
  }
  type(s: string): void {
    this.pending = s;
    this.emit('readable');
  }
}

/** The App at `columns` x `rows`, driven like `drive`. */
export async function driveSized(model: TuiModel): Promise<Driven> {
  const out = new SizedTerminal(model.state.columns, model.state.rows);
  const keys = new Keyboard();
  const app = inkRender(<App model={model} />, { stdout: out as unknown as NodeJS.WriteStream, stdin: keys as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  await nextFrame(out.frames, 0);
  const lines = () => plain(out.frames[out.frames.length - 1]).split('\n');
  return {
    model,
    async press(...ks) {
      for (const k of ks) {
        const before = out.frames.length;
        keys.type(k);
        await nextFrame(out.frames, before);
      }
    },
    frame: () => plain(out.frames[out.frames.length - 1]),
    raw: () => out.frames[out.frames.length - 1] ?? '',
    lines,
    columns: (from, to) => lines().map((l) => [...l].slice(from, to).join('')).join('\n'),
    unmount: () => app.unmount(),
  };
}
