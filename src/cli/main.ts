/**
 * The `vethsim` command line. Every command goes through all the files it is given — a file it cannot
 * load or run is reported (its `file:line` errors) and counted, and the next one still runs — then
 * prints a summary line and exits with the worst status any file gave (see EXIT).
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { ScenarioErrors } from '../scenario/errors.js';
import type { Scenario } from '../scenario/scenario.js';
import { KERNEL_UNAVAILABLE_EXIT } from '../kernel/preflight.js';
import { KernelRunFailed, KernelRunInterrupted, KernelRunTimedOut, KernelUnavailable } from '../kernel/errors.js';
import { renderReport, reportBlocks, reportJson, type Report } from '../report/report.js';
import { SimulationError, StormGuardStop } from '../runner/errors.js';
import type { SimRun } from '../runner/simulate.js';
import { formatTraceEvent, type TraceEvent } from '../sim/trace.js';
import { journeys } from '../sim/journey.js';
import { ensurePcapDir, PcapDirError, writePcaps } from './pcap-export.js';
import { conformTable, type ConformRow } from './conform.js';

// What only some commands need is loaded when one of them runs: `--help` loads none of the simulator,
// `run` neither kernel mode, the diff library nor the terminal UI (start-up time is mostly module loading).
const scenarioLoader = () => import('../scenario/load.js');
const simulator = () => import('../runner/simulate.js');
const comparison = () => import('../report/compare.js');
const kernelMode = () => import('../kernel/run.js');
const recorder = () => import('../record/write-expect.js');
const recording = () => import('../kernel/record.js');
const terminalUi = () => import('../tui/cli.js');

/**
 * Exit statuses. With several files the status is the highest any file gave, so the numbers are in
 * order of severity: a difference < a refused file < a capture that died < a storm < a timeout < ...
 * What each means is EXIT_MEANING's.
 */
export const EXIT = {
  ok: 0,
  differs: 1,
  usage: 2,
  captureDied: 3,
  storm: 4,
  kernelTimeout: 5,
  runFailed: 6,
  kernelUnavailable: KERNEL_UNAVAILABLE_EXIT,
  internal: 70,
  interrupted: 130,
} as const;

/**
 * What each exit status means: the one table of them. --help prints it, and the README's table says
 * the same words (test/cli/help.test.ts holds them together).
 */
export const EXIT_MEANING: Readonly<Record<keyof typeof EXIT, string>> = {
  ok: 'all good',
  differs: 'a difference (check, conform, record, kernel --check), or no expect block to check',
  usage: 'bad usage, or a scenario file that cannot be loaded or run (not UTF-8, bad YAML, a line the simulator does not run)',
  captureDied: 'kernel mode: a tcpdump was killed mid-run, so its capture is cut short (a warning names the capture)',
  storm: 'simulator: the storm guard stopped a run that never went quiet (a forwarding loop)',
  kernelTimeout: 'kernel mode: a run outlived --timeout and was torn down',
  runFailed: "a run failed otherwise (kernel mode's set-up broke, a simulated line never ended)",
  internal: 'internal error in vethsim (VETHSIM_DEBUG=1 prints where)',
  kernelUnavailable: 'kernel mode cannot run here (it says exactly what is missing: root, a tool, the right to make namespaces)',
  interrupted: 'interrupted (Ctrl-C): the kernel run in progress is torn down first, the remaining files are not run',
};

/** Each command's arguments and what it does, as --help and `vethsim help COMMAND` print them. */
const COMMAND_HELP: Readonly<Record<string, { readonly args: string; readonly what: string }>> = {
  run: {
    args: 'FILE...',
    what: "run each scenario in the simulator (no root, virtual time) and print its captures and output; --explain adds every frame's path and every drop with its reason",
  },
  check: {
    args: 'FILE...',
    what: "run each scenario in the simulator and compare it canonically with the file's expect block (recorded from the kernel); exit 1 on a difference",
  },
  conform: { args: 'FILE...', what: 'run each scenario in the simulator and on the kernel (root) and compare them: a table of scenario x capture point, match or diff' },
  kernel: {
    args: 'FILE...',
    what: "run each scenario's script on the real kernel (root; private namespaces) and print its captures and output; --check compares them with the file's expect block",
  },
  record: { args: 'FILE...', what: 'run each scenario on the kernel three times and, if the three agree canonically, write the result into the file as its expect block' },
  validate: { args: 'FILE...', what: "load each scenario file and report, as file:line: message, every problem that would stop 'run' (the same checks, nothing run)" },
  tui: {
    args: '[FILE...]',
    what: 'step through a scenario in the terminal, event by event, forwards and back: why each packet went where it went, the state at that moment, what-if; no FILE (or several): pick one (? in the UI lists the keys)',
  },
  help: { args: '[COMMAND]', what: 'this text, or what COMMAND does and the options it takes' },
};

/**
 * Each option: the commands it means something to (anywhere else it would be accepted and ignored,
 * so it is refused), its argument, what it does (for each command, where that differs).
 */
const OPTIONS: Readonly<Record<string, { readonly commands: readonly string[]; readonly arg?: string; readonly what: string | Readonly<Record<string, string>> }>> = {
  json: { commands: ['run', 'check', 'conform', 'kernel', 'validate'], what: 'print reports as JSON' },
  explain: { commands: ['run'], what: "print the trace: each frame's path through the stages, each drop's reason" },
  'by-packet': { commands: ['run'], what: "the trace grouped by packet: each packet's journey with its clones, then the state changes (implies --explain)" },
  pcap: {
    commands: ['run', 'tui'],
    arg: 'DIR',
    what: { run: 'also write each capture as DIR/SCENARIO.POINT.pcap (NS/IF as NS_IF)', tui: 'where the e key writes the captures as pcap files (default: the current directory)' },
  },
  seed: { commands: ['run', 'check', 'conform', 'tui'], arg: 'N', what: 'the seed that fixes MACs, ids and timers: 0 to 4294967295 (default 1)' },
  check: { commands: ['kernel'], what: "compare with the scenario's expect block; exit 1 on a difference" },
  timeout: { commands: ['kernel', 'record', 'conform'], arg: 'SEC', what: 'limit for one kernel run (default 600)' },
};

const WIDTH = 100;

/** `head` after `indent` spaces, then `text` from the column `column` on, filled to WIDTH. */
function entry(indent: number, head: string, column: number, text: string): string {
  const start = `${' '.repeat(indent)}${head}`;
  const lines: string[] = [];
  let line = start.length < column ? start.padEnd(column) : start === '' ? '' : `${start} `;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(column);
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  return `${[...lines, line].join('\n')}\n`;
}

function exitTable(): string {
  let text = 'exit status (with several files, the highest any file gave):\n';
  const byStatus = (Object.entries(EXIT) as [keyof typeof EXIT, number][]).sort((a, b) => a[1] - b[1]);
  for (const [key, status] of byStatus) text += entry(2, String(status), 7, EXIT_MEANING[key]);
  return text;
}

function optionHead(name: string, arg: string | undefined): string {
  return `--${name}${arg ? ` ${arg}` : ''}`;
}

/** The whole usage: every command, every option with the commands it applies to, the exit statuses. */
function usage(): string {
  let text = 'usage: vethsim <command> [options] FILE...\n\ncommands:\n';
  for (const [name, c] of Object.entries(COMMAND_HELP)) text += entry(2, `${name} ${c.args}`, 20, c.what);
  text += '\noptions:\n';
  for (const [name, o] of Object.entries(OPTIONS)) {
    const what = typeof o.what === 'string' ? `(${o.commands.join(', ')}) ${o.what}` : Object.entries(o.what).map(([c, w]) => `(${c}) ${w}`).join('; ');
    text += entry(2, optionHead(name, o.arg), 20, what);
  }
  text += entry(2, '-h, --help', 20, "this text; with a command, that command's");
  text += entry(2, '--version', 20, "vethsim's version");
  text += '\nEvery command goes through all its files and, given several, ends with a summary line.\n';
  return text + exitTable();
}

/** One command's usage: what it does, the options it takes, the exit statuses. */
function commandUsage(command: string): string {
  const c = COMMAND_HELP[command];
  if (!c) return usage();
  let text = `usage: vethsim ${command}${command === 'help' ? '' : ' [options]'} ${c.args}\n\n${entry(0, '', 0, c.what)}\noptions:\n`;
  for (const [name, o] of Object.entries(OPTIONS)) {
    if (o.commands.includes(command)) text += entry(2, optionHead(name, o.arg), 20, typeof o.what === 'string' ? o.what : (o.what[command] as string));
  }
  text += entry(2, '-h, --help', 20, 'this text');
  return `${text}\n${exitTable()}`;
}

/** The version in package.json, two folders up from src/cli/main.ts, dist/cli/main.js and the bundle in dist/bin. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

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
  const { loadScenario } = await scenarioLoader();
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
    const { runKernel } = await kernelMode();
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
  const { checkExpectation, renderVerdict } = await comparison();
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

async function cmdRecord(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['recorded', 'unstable', 'refused']);
  const signal = interruptSignal();
  const { renderVerdict } = await comparison();
  const { withExpectation } = await recorder();
  const { agreement, RECORD_RUNS } = await recording();
  await eachFile(files, t, async (s) => {
    const runs: Report[] = [];
    for (let i = 0; i < RECORD_RUNS; i++) runs.push(await kernelRun(s, o, signal, t));
    const a = agreement(runs);
    if (!a.ok) {
      process.stdout.write(`${s.file}: not recorded — runs 1 and ${a.run + 1} differ, so the scenario depends on timing:\n`);
      process.stdout.write(renderVerdict(a.verdict, { expected: 'kernel run 1', actual: `kernel run ${a.run + 1}` }));
      return t.count('unstable', EXIT.differs);
    }
    writeFileSync(s.file, withExpectation(readFileSync(s.file, 'utf8'), runs[0] as Report));
    process.stdout.write(`${s.file}: recorded (${RECORD_RUNS} kernel runs agree)\n`);
    t.count('recorded', EXIT.ok);
  }, (file, e) => files.length > 1 && process.stdout.write(failedLine(file, e)));
  return summarise(files, t, o);
}

async function simRun(s: Scenario, o: Options): Promise<SimRun> {
  const { runSim } = await simulator();
  return runSim(s, { seed: o.seed, explain: o.explain });
}

async function cmdRun(files: readonly string[], o: Options): Promise<number> {
  const t = new Tally(['ran', 'refused']);
  // A --pcap DIR that cannot be used is found before anything runs.
  if (o.pcap !== undefined) ensurePcapDir(o.pcap);
  const reports: object[] = [];
  await eachFile(files, t, async (s) => {
    const run = await simRun(s, o);
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
  const { prepare } = await simulator();
  const { checkExpectation, renderVerdict } = await comparison();
  await eachFile(files, t, async (s) => {
    // A file the simulator cannot run is refused, whether or not it has an expectation.
    prepare(s);
    if (!s.expect) return noExpect(s, t, files.length > 1);
    const v = checkExpectation(s.expect, (await simRun(s, o)).report);
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
  const { compareBlocks } = await comparison();
  await eachFile(files, t, async (s) => {
    const sim = (await simRun(s, o)).report;
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
  const { prepare } = await simulator();
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

const COMMANDS: Readonly<Record<string, (files: readonly string[], o: Options) => Promise<number>>> = {
  run: cmdRun,
  check: cmdCheck,
  conform: cmdConform,
  kernel: cmdKernel,
  record: cmdRecord,
  validate: cmdValidate,
  tui: async (files, o) => (await terminalUi()).tuiCommand(files, { seed: o.seed, pcapDir: o.pcap, writePcaps }),
};

export async function main(argv: readonly string[]): Promise<number> {
  // Known once the arguments parse: a usage error shows that command's usage.
  let command: string | undefined;
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
        version: { type: 'boolean' },
      },
    });
    command = positionals[0];
    const files = positionals.slice(1);
    if (values.version) {
      if (command !== undefined) throw new UsageError(`--version takes no command (vethsim --version)`);
      process.stdout.write(`vethsim ${version()}\n`);
      return EXIT.ok;
    }
    if (command === 'help') {
      const [topic, ...rest] = files;
      if (rest.length > 0) throw new UsageError(`help takes one command, not '${files.join(' ')}'`);
      if (topic !== undefined && !COMMAND_HELP[topic]) throw new UsageError(`unknown command '${topic}'`);
      const given = Object.keys(OPTIONS).find((name) => values[name as keyof typeof values] !== undefined);
      if (given) throw new UsageError(`--${given} does not apply to 'help'`);
      process.stdout.write(topic === undefined ? usage() : commandUsage(topic));
      return EXIT.ok;
    }
    if (values.help || command === undefined) {
      process.stdout.write(command !== undefined && COMMAND_HELP[command] ? commandUsage(command) : usage());
      return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}'`);
    for (const [name, { commands }] of Object.entries(OPTIONS)) {
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
      process.stderr.write(`vethsim: ${e.message}\n${command !== undefined && command !== 'help' ? commandUsage(command) : usage()}`);
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
