/**
 * `vethsim tui [FILE...]`: the terminal UI. Everything the terminal needs is prepared and undone here:
 * the environment ink and React read when they load (so they are imported only after it is set), the
 * alternate screen and the cursor, and the restore on every way out — q, Ctrl-C, SIGTERM, SIGHUP, a
 * crash — so the shell gets back exactly the terminal it had.
 */
import { ScenarioErrors } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { SimulationError, StormGuardStop } from '../runner/simulate.js';
import { bundledFiles } from './model/picker.js';
import { openSession, type Session } from './model/session.js';
import type { PcapWriterFn } from './model/captures.js';

export interface TuiOptions {
  readonly seed: number;
  /** Where `e` writes pcap files (default: the current directory), and the writer `vethsim run --pcap` uses. */
  readonly pcapDir: string | undefined;
  readonly writePcaps: PcapWriterFn;
}

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const CURSOR_HIDE = '\x1b[?25l';
const CURSOR_SHOW = '\x1b[?25h';

/** ink and chalk read these when they load; they must be set before either is imported. */
function prepareEnvironment(): void {
  // React's development build takes about three times as long per frame.
  process.env.NODE_ENV = 'production';
  // chalk 5 ignores NO_COLOR; FORCE_COLOR=0 is what it honours (https://no-color.org: any non-empty value).
  if ((process.env.NO_COLOR ?? '') !== '') process.env.FORCE_COLOR = '0';
  // ink draws only the last frame when it believes it runs in CI; on a terminal a person is looking at.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}

export async function tuiCommand(files: readonly string[], o: TuiOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(
      `vethsim tui: needs a terminal (standard input and output must be a TTY)${files.length > 0 ? `; for a report without one: vethsim run --explain ${files.join(' ')}` : '; for a report without one: vethsim run --explain FILE'}\n`,
    );
    return 2;
  }
  // One file opens at once; several, or none, go to the picker. Bad files fail here, before the screen
  // changes, with the statuses every command gives them (2 refused, 4 storm guard, 6 a run that failed).
  let open: Session | undefined;
  try {
    if (files.length === 1) open = openSession(loadScenario(files[0] as string), o.seed);
    else if (files.length > 1) for (const f of files) loadScenario(f);
  } catch (e) {
    if (e instanceof ScenarioErrors) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof SimulationError) {
      process.stderr.write(`vethsim: ${e.message}\n`);
      return e instanceof StormGuardStop ? 4 : 6;
    }
    throw e;
  }
  const list = files.length === 0 ? bundledFiles() : files;

  prepareEnvironment();
  const [{ render }, React, { App }, { TuiModel }, { shareInkOutputCaches }] = await Promise.all([import('ink'), import('react'), import('./components/App.js'), import('./model/app-model.js'), import('./ink-output-cache.js')]);
  await shareInkOutputCaches();
  const model = new TuiModel({ files: list, seed: o.seed, pcapDir: o.pcapDir ?? process.cwd(), writePcaps: o.writePcaps, columns: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24, ...(open ? { open } : {}) });

  process.stdout.write(ALT_SCREEN_ON + CURSOR_HIDE);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdout.write(CURSOR_SHOW + ALT_SCREEN_OFF);
  };
  const instance = render(React.createElement(App, { model }), { exitOnCtrlC: false, patchConsole: true, maxFps: 60, incrementalRendering: true });
  const onSignal = (signal: NodeJS.Signals, n: number) => () => {
    instance.unmount();
    restore();
    process.exit(128 + n);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', onSignal('SIGTERM', 15)],
    ['SIGHUP', onSignal('SIGHUP', 1)],
    ['SIGINT', onSignal('SIGINT', 2)],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  const onCrash = () => restore();
  process.on('exit', onCrash);
  try {
    await instance.waitUntilExit();
  } finally {
    restore();
    for (const [s, h] of handlers) process.off(s, h);
    process.off('exit', onCrash);
  }
  return 0;
}
