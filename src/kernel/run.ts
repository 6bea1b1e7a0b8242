/**
 * Kernel mode: replay a scenario's script on the real kernel, inside a private namespace, and report
 * what tcpdump and the commands printed. The machine's own namespace is never touched: everything
 * runs under `unshare --net --mount --pid`, whose end takes every namespace, mount and process along.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasOvsKernelModule, kernelPreflight, toolPath } from './preflight.js';
import { makePlan, usesArping, usesNetTools, usesOvs } from './plan.js';
import type { InsideMessage } from './inside.js';
import type { Report } from '../report/report.js';
import type { Scenario } from '../scenario/scenario.js';

/** Kernel mode cannot run here; `missing` says why, one sentence each. */
export class KernelUnavailable extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`kernel mode cannot run here:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    this.name = 'KernelUnavailable';
  }
}

/** The kernel run itself broke (not the scenario's commands, whose failures are part of the output). */
export class KernelRunFailed extends Error {
  override name = 'KernelRunFailed';
}

/** The run outlived its whole-run limit (--timeout) and was torn down. */
export class KernelRunTimedOut extends KernelRunFailed {
  override name = 'KernelRunTimedOut';
}

/** The run was cancelled through its signal (Ctrl-C) and torn down. */
export class KernelRunInterrupted extends KernelRunFailed {
  override name = 'KernelRunInterrupted';
}

export interface KernelRunOptions {
  /** Whole-run limit; past it the run is cancelled and torn down. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called as each script line starts, for progress display. */
  readonly onLine?: (line: number) => void;
}

const INSIDE = fileURLToPath(new URL('./inside.ts', import.meta.url));
// The driver is TypeScript too: node loads it through tsx's ESM hooks.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

export function kernelAvailability(s: Scenario): string[] {
  return kernelPreflight({ ovs: usesOvs(s), netTools: usesNetTools(s), arping: usesArping(s) });
}

export async function runKernel(s: Scenario, opts: KernelRunOptions = {}): Promise<Report> {
  const missing = kernelAvailability(s);
  if (missing.length > 0) throw new KernelUnavailable(missing);
  const timeoutMs = opts.timeoutMs ?? 600_000;
  // One line may take as long as the whole run (a scenario of minutes of sleep is one `sleep 300`).
  const plan = makePlan(s, { ovsNetdev: !hasOvsKernelModule(), commandTimeoutMs: timeoutMs });
  // --kill-child: if unshare itself is killed, the driver (and with it the pid namespace) dies too.
  const child = spawn(
    'unshare',
    ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private', '--kill-child', process.execPath, '--import', TSX_LOADER, INSIDE],
    { env: { ...process.env, PATH: toolPath() }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let result: Extract<InsideMessage, { type: 'result' }> | undefined;
  let failure: string | undefined;
  let diagnostics = '';
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const m = JSON.parse(buffered.slice(0, nl)) as InsideMessage;
      buffered = buffered.slice(nl + 1);
      if (m.type === 'step') opts.onLine?.(m.line);
      else if (m.type === 'result') result = m;
      else failure = m.message;
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (diagnostics += d));
  child.stdin.on('error', () => undefined); // the driver may be gone already
  child.stdin.write(`${JSON.stringify(plan)}\n`);

  let cancelled: KernelRunFailed | undefined;
  const cancel = (why: KernelRunFailed) => {
    if (cancelled !== undefined) return;
    cancelled = why;
    // Closing stdin is the driver's signal to tear down; SIGKILL is the backstop.
    child.stdin.end();
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  };
  const timer = setTimeout(() => cancel(new KernelRunTimedOut(`${s.file}: kernel run timed out after ${timeoutMs / 1000} s (--timeout SEC sets the limit)`)), timeoutMs);
  const onAbort = () => cancel(new KernelRunInterrupted(`${s.file}: kernel run cancelled`));
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) onAbort();

  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      failure = `cannot start unshare: ${e.message}`;
      resolve(null);
    });
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  if (cancelled !== undefined) throw cancelled;
  if (failure !== undefined) throw new KernelRunFailed(`${s.file}: kernel run failed: ${failure}`);
  if (result === undefined) throw new KernelRunFailed(`${s.file}: kernel run ended (exit ${code}) without a result${diagnostics ? `:\n${diagnostics.trim()}` : ''}`);
  return { scenario: s.name, file: s.file, mode: 'kernel', captures: result.captures, output: result.output, ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}) };
}
