/**
 * The `vethsim` command line. Every command goes through all the files it is given — a file it cannot
 * load or run is reported (its `file:line` errors) and counted, and the next one still runs — then
 * prints a summary line and exits with the worst status any file gave (see EXIT).
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { ScenarioErrors } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/scenario.js';
import { KERNEL_UNAVAILABLE_EXIT } from '../kernel/preflight.js';
import { KernelRunFailed, KernelRunInterrupted, KernelRunTimedOut, KernelUnavailable, runKernel } from '../kernel/run.js';
import { renderReport, reportBlocks, reportJson, type Report } from '../report/report.js';
import { checkExpectation, compareBlocks, renderVerdict } from '../report/compare.js';
import { withExpectation } from '../record/write-expect.js';
import { prepare, runSim, SimulationError, StormGuardStop, type SimRun } from '../runner/simulate.js';
import { formatTraceEvent, type TraceEvent } from '../sim/trace.js';
import { journeys } from '../sim/journey.js';
import { ensurePcapDir, PcapDirError, writePcaps } from './pcap-export.js';
import { conformTable, type ConformRow } from './conform.js';
import { tuiCommand } from '../tui/cli.js';

/**
 * Exit statuses. With several files the status is the highest any file gave, so the numbers are in
 * order of severity: a difference < a refused file < a capture that died < a storm < a timeout < ...
 */
export const EXIT = {
  ok: 0,
  /** A check, conform or record found a difference (or a file has no expect block to check). */
  differs: 1,
  /** Bad usage, or a scenario file that cannot be loaded or has a line the simulator cannot run. */
  usage: 2,
  /** Kernel mode: a tcpdump was killed mid-run; its capture ends there (a warning says which). */
  captureDied: 3,
  /** Simulator: the storm guard stopped a run that never went quiet (a forwarding loop). */
  storm: 4,
  /** Kernel mode: the run outlived --timeout and was torn down. */
  kernelTimeout: 5,
  /** A run failed for another reason: kernel mode's set-up broke, or a simulated line never ended. */
  runFailed: 6,
  /** Kernel mode cannot run on this machine (root, a tool, the right to make namespaces). */
  kernelUnavailable: KERNEL_UNAVAILABLE_EXIT,
  /** A bug in vethsim (VETHSIM_DEBUG=1 prints where). */
  internal: 70,
  /** Interrupted (Ctrl-C): the kernel run in progress was torn down, the remaining files not run. */
  interrupted: 130,
} as const;

const USAGE = `usage: vethsim <command> [options] FILE...

commands:
  run FILE...       run each scenario in the simulator (no root, virtual time) and print its captures
                    and output; --explain adds every frame's path and every drop with its reason
  check FILE...     run each scenario in the simulator and compare it canonically with the file's
                    expect block (recorded from the kernel); exit 1 on a difference
  conform FILE...   run each scenario in the simulator and on the kernel (root) and compare them:
                    a table of scenario x capture point, match or diff
  kernel FILE...    run each scenario's script on the real kernel (root; private namespaces) and print
                    its captures and output; --check compares them with the file's expect block
  record FILE...    run each scenario on the kernel three times and, if the three agree canonically,
                    write the result into the file as its expect block
  validate FILE...  load each scenario file and report, as file:line: message, every problem that
                    would stop 'run' (the same checks, nothing run)
  tui [FILE...]     step through a scenario in the terminal, event by event, forwards and back: why
                    each packet went where it went, the state at that moment, what-if; no FILE (or
                    several): pick one (? in the UI lists the keys)

options:
  --json            (run, check, conform, kernel, validate) print reports as JSON
  --explain         (run) print the trace: each frame's path through the stages, each drop's reason
  --by-packet       (run) the trace grouped by packet: each packet's journey with its clones, then the
                    state changes (implies --explain)
  --pcap DIR        (run) also write each capture as DIR/SCENARIO.POINT.pcap (NS/IF as NS_IF);
                    (tui) where e writes them (default: the current directory)
  --seed N          (run, check, conform, tui) the seed that fixes MACs, ids and timers: 0 to 4294967295
                    (default 1)
  --check           (kernel) compare with the scenario's expect block; exit 1 on a difference
  --timeout SEC     (kernel, record, conform) limit for one kernel run (default 600)
  -h, --help        this text

Every command goes through all its files and, given several, ends with a summary line.
exit status (with several files, the highest any file gave):
  0    all good
  1    a difference (check, conform, record, kernel --check), or no expect block to check
  2    bad usage, or a scenario file that cannot be loaded or run (reported as file:line: message)
  3    kernel mode: a tcpdump was killed mid-run, so its capture is cut short (a warning names it)
  4    simulator: the storm guard stopped a run that never went quiet (a forwarding loop)
  5    kernel mode: a run outlived --timeout and was torn down
  6    a run failed otherwise (kernel mode's set-up broke, a simulated line never ended)
  70   internal error in vethsim
  77   kernel mode cannot run here (it says what is missing: root, a tool, namespaces)
  130  interrupted (Ctrl-C); kernel runs are torn down first
`;

class UsageError extends Error {}

/**
 * --explain --by-packet: each packet's journey together (the packet built, then its clones, each line
 * marked with the packet it is about), in the order the journeys began; then the state changes.
 */
function explainByPacket(events: readonly TraceEvent[]): string {
  let text = '';
  for (const j of journeys(events)) {
    const first = j.events[0] as TraceEvent;
    const clones = j.packets.length - 1;
    text += `== packet #${j.root}${clones > 0 ? ` and ${clones} clone${clones === 1 ? '' : 's'}` : ''}: ${first.stage} ${first.what} ==\n`;
    for (const e of j.events) text += `${`#${e.pkt}`.padEnd(6)}${formatTraceEvent(e)}\n`;
  }
  const state = events.filter((e) => e.pkt === undefined);
  if (state.length > 0) text += `== state ==\n${state.map((e) => `${formatTraceEvent(e)}\n`).join('')}`;
  return text;
}

interface Options {
  readonly json: boolean;
  readonly check: boolean;
  readonly timeoutMs: number;
  readonly explain: boolean;
  readonly byPacket: boolean;
  readonly pcap: string | undefined;
  readonly seed: number;
}

/** The outcome of each file of one command: counts by label, the worst status, what was printed once. */
class Tally {
  status: number = EXIT.ok;
  interrupted = false;
  private readonly counts = new Map<string, number>();
  private readonly said = new Set<string>();

  constructor(
    /** Labels always shown in the summary, in order, even at 0 ("3 match, 0 differ, 1 refused"). */
    private readonly shown: readonly string[],
  ) {}

  count(label: string, status: number): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    this.status = Math.max(this.status, status);
  }

  /** Writes `text` to stderr unless the same text was written already (one "needs root" for ten files). */
  once(text: string): void {
    if (this.said.has(text)) return;
    this.said.add(text);
    process.stderr.write(text);
  }

  summary(): string {
    const labels = [...this.shown, ...[...this.counts.keys()].filter((l) => !this.shown.includes(l))];
    return `${labels.map((l) => `${this.counts.get(l) ?? 0} ${l}`).join(', ')}\n`;
  }
}

/**
 * Reports why a file failed to load or run, and counts it with its status. What is not one of the
 * failures a run can meet is a bug in vethsim, and is thrown on.
 */
function fileFailed(t: Tally, e: unknown): void {
  if (e instanceof ScenarioErrors) {
    process.stderr.write(`${e.message}\n`);
    return t.count('refused', EXIT.usage);
  }
  if (e instanceof PcapDirError) {
    process.stderr.write(`vethsim: ${e.message}\n`);
    return t.count('failed', EXIT.usage);
  }
  if (e instanceof KernelUnavailable) {
    t.once(`vethsim: ${e.message}\n`);
    return t.count('not run', EXIT.kernelUnavailable);
  }
  if (e instanceof KernelRunInterrupted) {
    t.interrupted = true;
    return t.count('interrupted', EXIT.interrupted);
  }
  if (e instanceof SimulationError || e instanceof KernelRunFailed) {
    process.stderr.write(`vethsim: ${e.message}\n`);
    const status = e instanceof StormGuardStop ? EXIT.storm : e instanceof KernelRunTimedOut ? EXIT.kernelTimeout : EXIT.runFailed;
    return t.count('failed', status);
  }
  throw e;
}

/**
 * Runs `body` for each file in turn: loading (and whatever `body` does) may fail for one file without
 * stopping the others. After an interrupt the rest are counted as not run.
 */
async function eachFile(files: readonly string[], t: Tally, body: (s: Scenario) => Promise<void> | void, failed?: (file: string, e: unknown) => void): Promise<void> {
  for (const file of files) {
    if (t.interrupted) {
      t.count('not run', EXIT.interrupted);
      continue;
    }
    try {
      await body(loadScenario(file));
    } catch (e) {
      if (!(e instanceof KernelRunInterrupted)) failed?.(file, e);
      fileFailed(t, e);
    }
  }
}

function failedWord(e: unknown): 'refused' | 'not run' | 'failed' {
  return e instanceof ScenarioErrors ? 'refused' : e instanceof KernelUnavailable ? 'not run' : 'failed';
}

/** How a file that could not be run shows among the others: a line on stdout, its errors on stderr. */
function failedLine(file: string, e: unknown): string {
  return `${failedWord(e).toUpperCase().padEnd(7)} ${file}\n`;
}

/** The summary line, after the files: on stdout, or stderr when stdout holds JSON. */
function summarise(files: readonly string[], t: Tally, o: Options): number {
  if (t.interrupted) process.stderr.write('vethsim: interrupted\n');
  if (files.length > 1) (o.json ? process.stderr : process.stdout).write(t.summary());
  return t.status;
}

/** A file that could not be run, as an entry among the JSON reports. */
function failedJson(file: string, e: unknown): object {
  if (e instanceof ScenarioErrors) return { file, refused: e.errors.map((x) => x.message) };
  return { file, failed: e instanceof Error ? e.message : String(e) };
}

/** Ctrl-C cancels the kernel run in progress; its teardown still runs before we exit. */
function interruptSignal(): AbortSignal {
  const ctl = new AbortController();
  const onInt = () => {
    process.stderr.write('vethsim: interrupted, tearing down\n');
    ctl.abort();
  };
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onInt);
  return ctl.signal;
}

function progress(s: Scenario): ((line: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (line) => process.stderr.write(`\r\x1b[K${s.file}:${line}: ${s.script.find((l) => l.line === line)?.text ?? ''}`.slice(0, process.stderr.columns ?? 100));
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

/** A kernel run; its warnings (a capture that died mid-run) go to stderr and into the status. */
async function kernelRun(s: Scenario, o: Options, signal: AbortSignal, t: Tally): Promise<Report> {
  const onLine = progress(s);
  let report: Report;
  try {
    report = await runKernel(s, { timeoutMs: o.timeoutMs, signal, ...(onLine ? { onLine } : {}) });
  } finally {
    clearProgress();
  }
  for (const w of report.warnings ?? []) process.stderr.write(`vethsim: ${s.file}: warning: ${w.message}\n`);
  if (report.warnings?.some((w) => w.kind === 'capture-died')) t.status = Math.max(t.status, EXIT.captureDied);
  return report;
}

function noExpect(s: Scenario, t: Tally, several: boolean): void {
  process.stderr.write(`${s.file}: no expect block to check against (vethsim record ${s.file} writes one)\n`);
  if (several) process.stdout.write(`NO EXPECT ${s.file}\n`);
  t.count('without expect', EXIT.differs);
}

async function cmdKernel(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(o.check ? ['match', 'differ', 'refused'] : ['ran', 'refused']);
  const signal = interruptSignal();
  const reports: object[] = [];
  await eachFile(
    files,
    t,
    async (s) => {
      if (o.check && !s.expect) return noExpect(s, t, files.length > 1);
      const report = await kernelRun(s, o, signal, t);
      const verdict = o.check && s.expect ? checkExpectation(s.expect, report) : undefined;
      if (verdict) t.count(verdict.ok ? 'match' : 'differ', verdict.ok ? EXIT.ok : EXIT.differs);
      else t.count('ran', EXIT.ok);
      if (o.json) reports.push({ ...reportJson(report), ...(verdict ? { check: verdict } : {}) });
      else {
        if (files.length > 1 || verdict) process.stdout.write(`### ${s.name} (${s.file}) — kernel\n`);
        if (verdict) process.stdout.write(renderVerdict(verdict, { expected: `${s.file} (expect)`, actual: 'kernel' }));
        else process.stdout.write(renderReport(report));
      }
    },
    (file, e) => (o.json ? reports.push(failedJson(file, e)) : files.length > 1 && process.stdout.write(failedLine(file, e))),
  );
  if (o.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  return summarise(files, t, o);
}

export const RECORD_RUNS = 3;

async function cmdRecord(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['recorded', 'unstable', 'refused']);
  const signal = interruptSignal();
  await eachFile(files, t, async (s) => {
    const runs: Report[] = [];
    for (let i = 0; i < RECORD_RUNS; i++) runs.push(await kernelRun(s, o, signal, t));
    const first = runs[0] as Report;
    const unstable = runs.slice(1).map((r) => compareBlocks(reportBlocks(first), reportBlocks(r))).findIndex((v) => !v.ok);
    if (unstable >= 0) {
      const v = compareBlocks(reportBlocks(first), reportBlocks(runs[unstable + 1] as Report));
      process.stdout.write(`${s.file}: not recorded — runs 1 and ${unstable + 2} differ, so the scenario depends on timing:\n`);
      process.stdout.write(renderVerdict(v, { expected: 'kernel run 1', actual: `kernel run ${unstable + 2}` }));
      return t.count('unstable', EXIT.differs);
    }
    writeFileSync(s.file, withExpectation(readFileSync(s.file, 'utf8'), first));
    process.stdout.write(`${s.file}: recorded (${RECORD_RUNS} kernel runs agree)\n`);
    t.count('recorded', EXIT.ok);
  }, (file, e) => files.length > 1 && process.stdout.write(failedLine(file, e)));
  return summarise(files, t, o);
}

function simRun(s: Scenario, o: Options): SimRun {
  return runSim(s, { seed: o.seed, explain: o.explain });
}

async function cmdRun(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['ran', 'refused']);
  // A --pcap DIR that cannot be used is found before anything runs.
  if (o.pcap !== undefined) ensurePcapDir(o.pcap);
  const reports: object[] = [];
  await eachFile(files, t, (s) => {
    const run = simRun(s, o);
    if (o.pcap !== undefined) for (const f of writePcaps(o.pcap, s.name, run.captures)) process.stderr.write(`wrote ${f}\n`);
    t.count('ran', EXIT.ok);
    if (o.json) {
      reports.push({ ...reportJson(run.report), ...(o.explain ? { trace: run.world.trace.events } : {}) });
      return;
    }
    if (files.length > 1) process.stdout.write(`### ${s.name} (${s.file}) — simulator\n`);
    process.stdout.write(renderReport(run.report));
    if (o.explain) process.stdout.write(o.byPacket ? explainByPacket(run.world.trace.events) : `== explain ==\n${run.world.trace.events.map((e) => `${formatTraceEvent(e)}\n`).join('')}`);
  }, (file, e) => (o.json ? reports.push(failedJson(file, e)) : files.length > 1 && process.stdout.write(`### ${file} — ${failedWord(e)}\n`)));
  if (o.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  return summarise(files, t, o);
}

async function cmdCheck(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['match', 'differ', 'refused']);
  const results: object[] = [];
  await eachFile(files, t, (s) => {
    // A file the simulator cannot run is refused, whether or not it has an expectation.
    prepare(s);
    if (!s.expect) return noExpect(s, t, files.length > 1);
    const v = checkExpectation(s.expect, simRun(s, o).report);
    t.count(v.ok ? 'match' : 'differ', v.ok ? EXIT.ok : EXIT.differs);
    if (o.json) results.push({ scenario: s.name, file: s.file, ok: v.ok, blocks: v.blocks });
    else if (!v.ok || files.length === 1) {
      process.stdout.write(`### ${s.name} (${s.file}) — simulator vs expect: ${v.ok ? 'match' : 'DIFF'}\n`);
      process.stdout.write(renderVerdict(v, { expected: `${s.file} (expect, recorded from the kernel)`, actual: 'simulator' }));
    } else process.stdout.write(`match   ${s.file}\n`);
  }, (file, e) => (o.json ? results.push(failedJson(file, e)) : files.length > 1 && process.stdout.write(failedLine(file, e))));
  if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return summarise(files, t, o);
}

async function cmdConform(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['match', 'differ', 'refused']);
  const signal = interruptSignal();
  const rows: ConformRow[] = [];
  await eachFile(files, t, async (s) => {
    const sim = simRun(s, o).report;
    const kernel = await kernelRun(s, o, signal, t);
    const verdict = compareBlocks(reportBlocks(kernel), reportBlocks(sim));
    rows.push({ scenario: s.name, verdict });
    t.count(verdict.ok ? 'match' : 'differ', verdict.ok ? EXIT.ok : EXIT.differs);
  });
  // Whatever happened to later files, the kernel runs already done are shown.
  if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length > 0) process.stdout.write(conformTable(rows));
  return summarise(files, t, o);
}

async function cmdValidate(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['ok', 'refused']);
  const results: object[] = [];
  await eachFile(
    files,
    t,
    (s) => {
      // The very checks `run` makes before it runs anything.
      prepare(s);
      t.count('ok', EXIT.ok);
      if (o.json) results.push({ file: s.file, ok: true, lines: s.script.length, captures: s.captures.length });
      else process.stdout.write(`${s.file}: ok (${s.script.length} lines, ${s.captures.length} captures)\n`);
    },
    (file, e) => (o.json ? results.push(failedJson(file, e)) : process.stdout.write(`${file}: ${failedWord(e)}\n`)),
  );
  if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return summarise(files, t, o);
}

/** The Rng takes a 32-bit seed: anything else would be silently wrapped or truncated. */
export function parseSeed(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`--seed takes a whole number from 0 to 4294967295, not '${v}'`);
  return Number(v);
}

/** setTimeout holds at most 2^31-1 ms (about 24.8 days); beyond it, it would fire at once. */
const MAX_TIMEOUT_SEC = Math.floor(0x7fffffff / 1000);

export function parseTimeout(v: string | undefined): number {
  if (v === undefined) return 600;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0) || n > MAX_TIMEOUT_SEC) throw new UsageError(`--timeout takes a number of seconds above 0, at most ${MAX_TIMEOUT_SEC}, not '${v}'`);
  return n;
}

/** Which command each option means something to: elsewhere it would be accepted and ignored. */
const OPTION_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  json: ['run', 'check', 'conform', 'kernel', 'validate'],
  check: ['kernel'],
  timeout: ['kernel', 'record', 'conform'],
  explain: ['run'],
  'by-packet': ['run'],
  pcap: ['run', 'tui'],
  seed: ['run', 'check', 'conform', 'tui'],
};

const COMMANDS: Readonly<Record<string, (files: readonly string[], o: Options) => Promise<number>>> = {
  run: cmdRun,
  check: cmdCheck,
  conform: cmdConform,
  kernel: cmdKernel,
  record: cmdRecord,
  validate: cmdValidate,
  tui: (files, o) => tuiCommand(files, { seed: o.seed, pcapDir: o.pcap, writePcaps }),
};

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        check: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        explain: { type: 'boolean' },
        'by-packet': { type: 'boolean' },
        pcap: { type: 'string' },
        seed: { type: 'string' },
      },
    });
    const [command, ...files] = positionals;
    if (values.help || command === undefined) {
      process.stdout.write(USAGE);
      return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}'`);
    for (const [name, commands] of Object.entries(OPTION_COMMANDS)) {
      if (values[name as keyof typeof values] !== undefined && !commands.includes(command)) throw new UsageError(`--${name} does not apply to '${command}' (only to: ${commands.join(', ')})`);
    }
    if (values.pcap === '') throw new UsageError('--pcap takes a directory');
    const o: Options = {
      json: values.json ?? false,
      check: values.check ?? false,
      timeoutMs: parseTimeout(values.timeout) * 1000,
      explain: (values.explain ?? false) || (values['by-packet'] ?? false),
      byPacket: values['by-packet'] ?? false,
      pcap: values.pcap,
      seed: parseSeed(values.seed),
    };
    // tui without a file opens the picker of the bundled scenarios.
    if (files.length === 0 && command !== 'tui') throw new UsageError('no scenario file given');
    return await run(files, o);
  } catch (e) {
    if (e instanceof PcapDirError) {
      process.stderr.write(`vethsim: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`vethsim: ${e.message}\n${USAGE}`);
      return EXIT.usage;
    }
    // Not one of the failures a run can meet: a bug in vethsim. Say so in one line; the stack is for
    // whoever debugs it.
    const detail = e instanceof Error ? e.message : String(e);
    process.stderr.write(`vethsim: internal error: ${detail}\n`);
    if (process.env.VETHSIM_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    else process.stderr.write('(VETHSIM_DEBUG=1 shows where)\n');
    return EXIT.internal;
  }
}
