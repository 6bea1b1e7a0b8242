/**
 * The `vethsim` command line. Exit status: 0 all good; 1 a check or record found a difference;
 * 2 bad usage or a bad scenario file; 77 kernel mode cannot run on this machine.
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { ScenarioErrors } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/scenario.js';
import { KERNEL_UNAVAILABLE_EXIT } from '../kernel/preflight.js';
import { KernelRunFailed, KernelUnavailable, runKernel } from '../kernel/run.js';
import { renderReport, reportBlocks, reportJson, type Report } from '../report/report.js';
import { checkExpectation, compareBlocks, renderVerdict } from '../report/compare.js';
import { withExpectation } from '../record/write-expect.js';
import { runSim, SimulationError, type SimRun } from '../runner/simulate.js';
import { formatTraceEvent } from '../sim/trace.js';
import { writePcaps } from './pcap-export.js';
import { conformTable, type ConformRow } from './conform.js';
import { tuiCommand } from '../tui/cli.js';

export const EXIT = { ok: 0, differs: 1, usage: 2, kernelUnavailable: KERNEL_UNAVAILABLE_EXIT } as const;

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
  validate FILE...  load each scenario file and report every problem as file:line: message
  tui [FILE...]     step through a scenario in the terminal, event by event, forwards and back: why
                    each packet went where it went, the state at that moment, what-if; no FILE (or
                    several): pick one (? in the UI lists the keys)

options:
  --json            print reports as JSON
  --explain         (run) print the trace: each frame's path through the stages, each drop's reason
  --pcap DIR        (run) also write each capture as DIR/SCENARIO.POINT.pcap (NS/IF as NS_IF);
                    (tui) where e writes them (default: the current directory)
  --seed N          (run, check, conform, tui) the seed that fixes MACs, ids and timers (default 1)
  --check           (kernel) compare with the scenario's expect block; exit 1 on a difference
  --timeout SEC     (kernel, record) limit for one kernel run (default 600)
  -h, --help        this text
`;

class UsageError extends Error {}

interface Options {
  readonly json: boolean;
  readonly check: boolean;
  readonly timeoutMs: number;
  readonly explain: boolean;
  readonly pcap: string | undefined;
  readonly seed: number;
}

function loadAll(files: readonly string[]): Scenario[] {
  if (files.length === 0) throw new UsageError('no scenario file given');
  const scenarios: Scenario[] = [];
  const errors = [];
  for (const f of files) {
    try {
      scenarios.push(loadScenario(f));
    } catch (e) {
      if (!(e instanceof ScenarioErrors)) throw e;
      errors.push(...e.errors);
    }
  }
  if (errors.length > 0) throw new ScenarioErrors(errors);
  return scenarios;
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

async function kernelRun(s: Scenario, o: Options, signal: AbortSignal): Promise<Report> {
  const onLine = progress(s);
  try {
    return await runKernel(s, { timeoutMs: o.timeoutMs, signal, ...(onLine ? { onLine } : {}) });
  } finally {
    clearProgress();
  }
}

async function cmdKernel(files: readonly string[], o: Options): Promise<number> {
  const scenarios = loadAll(files);
  const signal = interruptSignal();
  const reports: object[] = [];
  let status: number = EXIT.ok;
  for (const s of scenarios) {
    const report = await kernelRun(s, o, signal);
    const verdict = o.check ? (s.expect ? checkExpectation(s.expect, report) : undefined) : undefined;
    if (o.check && !s.expect) {
      process.stderr.write(`${s.file}: no expect block to check against (vethsim record ${s.file} writes one)\n`);
      status = EXIT.differs;
    }
    if (verdict && !verdict.ok) status = EXIT.differs;
    if (o.json) reports.push({ ...reportJson(report), ...(verdict ? { check: verdict } : {}) });
    else {
      if (scenarios.length > 1 || verdict) process.stdout.write(`### ${s.name} (${s.file}) — kernel\n`);
      if (verdict) process.stdout.write(renderVerdict(verdict, { expected: `${s.file} (expect)`, actual: 'kernel' }));
      else process.stdout.write(renderReport(report));
    }
  }
  if (o.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  return status;
}

export const RECORD_RUNS = 3;

async function cmdRecord(files: readonly string[], o: Options): Promise<number> {
  const scenarios = loadAll(files);
  const signal = interruptSignal();
  let status: number = EXIT.ok;
  for (const s of scenarios) {
    const runs: Report[] = [];
    for (let i = 0; i < RECORD_RUNS; i++) runs.push(await kernelRun(s, o, signal));
    const first = runs[0] as Report;
    const unstable = runs.slice(1).map((r) => compareBlocks(reportBlocks(first), reportBlocks(r))).findIndex((v) => !v.ok);
    if (unstable >= 0) {
      const v = compareBlocks(reportBlocks(first), reportBlocks(runs[unstable + 1] as Report));
      process.stdout.write(`${s.file}: not recorded — runs 1 and ${unstable + 2} differ, so the scenario depends on timing:\n`);
      process.stdout.write(renderVerdict(v, { expected: 'kernel run 1', actual: `kernel run ${unstable + 2}` }));
      status = EXIT.differs;
      continue;
    }
    writeFileSync(s.file, withExpectation(readFileSync(s.file, 'utf8'), first));
    process.stdout.write(`${s.file}: recorded (${RECORD_RUNS} kernel runs agree)\n`);
  }
  return status;
}

function simRun(s: Scenario, o: Options): SimRun {
  return runSim(s, { seed: o.seed, explain: o.explain });
}

function cmdRun(files: readonly string[], o: Options): number {
  const scenarios = loadAll(files);
  const reports: object[] = [];
  for (const s of scenarios) {
    const run = simRun(s, o);
    if (o.pcap !== undefined) for (const f of writePcaps(o.pcap, s.name, run.captures)) process.stderr.write(`wrote ${f}\n`);
    if (o.json) {
      reports.push({ ...reportJson(run.report), ...(o.explain ? { trace: run.world.trace.events } : {}) });
      continue;
    }
    if (scenarios.length > 1) process.stdout.write(`### ${s.name} (${s.file}) — simulator\n`);
    process.stdout.write(renderReport(run.report));
    if (o.explain) {
      process.stdout.write('== explain ==\n');
      for (const e of run.world.trace.events) process.stdout.write(`${formatTraceEvent(e)}\n`);
    }
  }
  if (o.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  return EXIT.ok;
}

function cmdCheck(files: readonly string[], o: Options): number {
  const scenarios = loadAll(files);
  let status: number = EXIT.ok;
  const results: object[] = [];
  let passed = 0;
  for (const s of scenarios) {
    if (!s.expect) {
      process.stderr.write(`${s.file}: no expect block to check against (vethsim record ${s.file} writes one)\n`);
      status = EXIT.differs;
      continue;
    }
    const v = checkExpectation(s.expect, simRun(s, o).report);
    if (v.ok) passed++;
    else status = EXIT.differs;
    if (o.json) results.push({ scenario: s.name, file: s.file, ok: v.ok, blocks: v.blocks });
    else if (!v.ok || scenarios.length === 1) {
      process.stdout.write(`### ${s.name} (${s.file}) — simulator vs expect: ${v.ok ? 'match' : 'DIFF'}\n`);
      process.stdout.write(renderVerdict(v, { expected: `${s.file} (expect, recorded from the kernel)`, actual: 'simulator' }));
    } else process.stdout.write(`match  ${s.file}\n`);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else if (scenarios.length > 1) process.stdout.write(`${passed} passed, ${scenarios.length - passed} failed\n`);
  return status;
}

async function cmdConform(files: readonly string[], o: Options): Promise<number> {
  const scenarios = loadAll(files);
  const signal = interruptSignal();
  const rows: ConformRow[] = [];
  for (const s of scenarios) {
    const sim = simRun(s, o).report;
    const kernel = await kernelRun(s, o, signal);
    rows.push({ scenario: s.name, verdict: compareBlocks(reportBlocks(kernel), reportBlocks(sim)) });
  }
  if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else process.stdout.write(conformTable(rows));
  return rows.every((r) => r.verdict.ok) ? EXIT.ok : EXIT.differs;
}

function cmdValidate(files: readonly string[]): number {
  for (const s of loadAll(files)) process.stdout.write(`${s.file}: ok (${s.script.length} lines, ${s.captures.length} captures)\n`);
  return EXIT.ok;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        explain: { type: 'boolean', default: false },
        pcap: { type: 'string' },
        seed: { type: 'string' },
      },
    });
    const [command, ...files] = positionals;
    if (values.help || command === undefined) {
      process.stdout.write(USAGE);
      return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
    }
    const timeout = values.timeout === undefined ? 600 : Number(values.timeout);
    if (!(timeout > 0)) throw new UsageError(`--timeout takes a number of seconds, not '${values.timeout}'`);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed takes a whole number, not '${values.seed}'`);
    const o: Options = { json: values.json ?? false, check: values.check ?? false, timeoutMs: timeout * 1000, explain: values.explain ?? false, pcap: values.pcap, seed };
    switch (command) {
      case 'run':
        return cmdRun(files, o);
      case 'check':
        return cmdCheck(files, o);
      case 'conform':
        return await cmdConform(files, o);
      case 'kernel':
        return await cmdKernel(files, o);
      case 'record':
        return await cmdRecord(files, o);
      case 'validate':
        return cmdValidate(files);
      case 'tui':
        return await tuiCommand(files, { seed: o.seed, pcapDir: o.pcap });
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof ScenarioErrors) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof KernelUnavailable) {
      process.stderr.write(`vethsim: ${e.message}\n`);
      return EXIT.kernelUnavailable;
    }
    if (e instanceof SimulationError) {
      process.stderr.write(`vethsim: ${e.message}\n`);
      return EXIT.differs;
    }
    if (e instanceof KernelRunFailed) {
      process.stderr.write(`vethsim: ${e.message}\n`);
      return EXIT.differs;
    }
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`vethsim: ${e.message}\n${USAGE}`);
      return EXIT.usage;
    }
    throw e;
  }
}
