/* @jsxRuntime automatic @jsxImportSource react */
/**
 * The terminal UI's two figures, measured in a process of their own so React and ink never load into
 * the simulator's benchmarks: tui_open_ms — from the scenario text to the first frame drawn, for a
 * scenario of about 10,000 events (the goal: under a second) — and tui_step_ms — one `n` and the frame
 * it draws at 160x48 (the goal: under 16 ms, a frame at 60 Hz).
 */
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { parseScenario } from '../src/scenario/load.js';
import { TuiModel } from '../src/tui/model/app-model.js';
import { openSession } from '../src/tui/model/session.js';
import { App } from '../src/tui/components/App.js';
import { writePcaps } from '../src/cli/pcap-export.js';

/** Two namespaces joined by a veth pair, captured on both ends, pinging every 10 ms: ~9 events a ping. */
export function tuiBenchScript(pings: number): string {
  const lines = [
    'ip netns add a',
    'ip netns add b',
    'ip link add veth0 netns a type veth peer name veth1 netns b',
    'ip -n a addr add 10.1.1.2/24 dev veth0',
    'ip -n b addr add 10.1.1.3/24 dev veth1',
    'ip -n a link set veth0 up',
    'ip -n b link set veth1 up',
    'ip netns exec a tcpdump -nnt -i veth0 &',
    'ip netns exec b tcpdump -nnt -i veth1 &',
    `ip netns exec a ping -c ${pings} -i 0.01 10.1.1.3`,
  ];
  return `name: tui-bench\ntitle: ${pings} pings between two namespaces\nscript: |\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** A terminal that keeps nothing: ink draws into it as into a real one of that size. */
class NullTerminal extends EventEmitter {
  readonly isTTY = false;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  /** Frames drawn: the step figure counts only steps that drew one. */
  frames = 0;
  write(): boolean {
    this.frames++;
    return true;
  }
}

/** A keyboard nobody types on (ink needs one it can put in raw mode). */
class NullInput extends EventEmitter {
  readonly isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

export function tuiCase(): { tui_open_ms: number; tui_open_events: number; tui_step_ms: number; tui_step_cpu_ms: number } {
  const columns = 160;
  const rows = 48;
  const text = tuiBenchScript(768);
  const t0 = process.hrtime.bigint();
  const model = new TuiModel({ files: [], seed: 1, pcapDir: '.', writePcaps, columns, rows, open: openSession(parseScenario(text, 'tui-bench.yaml')) });
  const stdout = new NullTerminal(columns, rows);
  const app = render(<App model={model} />, { stdout: stdout as unknown as NodeJS.WriteStream, stdin: new NullInput() as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false });
  const open = Number(process.hrtime.bigint() - t0) / 1e6;
  const events = model.view().events.length;
  // Steps from the middle of the run, where every pane has something to show.
  model.press(`:${Math.floor(events / 2)}\r`);
  app.rerender(<App model={model} />);
  stdout.frames = 0;
  const steps = 300;
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    model.press('n');
    app.rerender(<App model={model} />);
  }
  const step = Number(process.hrtime.bigint() - t1) / 1e6 / steps;
  const used = process.cpuUsage(cpu);
  // CPU time per step as well: on a shared machine the wall clock also counts waiting for a core.
  const stepCpu = (used.user + used.system) / 1000 / steps;
  const drawn = stdout.frames;
  app.unmount();
  if (drawn < steps) throw new Error(`only ${drawn} frames for ${steps} steps`);
  return { tui_open_ms: Math.round(open), tui_open_events: events, tui_step_ms: Number(step.toFixed(2)), tui_step_cpu_ms: Number(stepCpu.toFixed(2)) };
}
