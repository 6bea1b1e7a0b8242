/**
 * Runs a scenario in the simulator: every line is checked first (an unsupported command is an error
 * naming its line, before anything runs), then executed in virtual time — a command that takes time
 * (ping, sleep) runs the event loop until it ends — and after the last line the world runs until
 * nothing that could still send a packet is scheduled. The report has the shape kernel mode's has.
 */
import { ScenarioError, ScenarioErrors } from '../scenario/errors.js';
import { commandList, invocation, pingIsBounded, programOf, type Discard, type ListCommand, type ListOp } from '../scenario/command.js';
import { arpingNeverEnds } from '../scenario/arping-args.js';
import { isOp, shellExpansion, toWords, type ShellWord } from '../scenario/script.js';
import type { ScriptLine } from '../scenario/script.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Report } from '../report/report.js';
import { TOOLS } from '../tools/index.js';
import { NotSimulated, type ToolOutput } from '../tools/tool.js';
import { capturedFrames, captureText, startCapture, tcpdumpCheck, tcpdumpSpec, type CaptureSpecArgs } from '../tools/tcpdump.js';
import { NS_PER_MS } from '../sim/event-loop.js';
import type { CaptureTap, Namespace, TappedFrame, World } from '../sim/world.js';
import { namedNamespaces } from '../tools/ip/netns.js';
import { createWorld } from '../init/index.js';
import { SimulationError, StormGuardStop } from './errors.js';

export interface SimOptions {
  readonly seed?: number;
  /** Record every stage of every frame (for --explain and the terminal UI), not only drops. */
  readonly explain?: boolean;
  /** Keep every namespace state for stepping back (the terminal UI); off for benchmarks. */
  readonly history?: boolean;
  /** Most events one run may execute before it is declared a storm. */
  readonly maxEvents?: number;
}

export interface SimCapture {
  readonly point: string;
  /** The frames tcpdump kept (after its filter): virtual timestamps, the packet, the trace position. */
  readonly frames: readonly TappedFrame[];
}

/** What one script line did: its output and exit status, the trace events it caused, its time. */
export interface LineRecord {
  /** The file line (1-based, as errors name it). */
  readonly line: number;
  readonly text: string;
  /** Its stdout then stderr, as it went into the report's output. */
  readonly output: string;
  /** Exit status; undefined for a capture started in the background. */
  readonly exit: number | undefined;
  /** The trace events recorded while it ran: seq from firstSeq up to (not including) endSeq. */
  readonly firstSeq: number;
  readonly endSeq: number;
  /** Virtual time it started and ended at. */
  readonly start: number;
  readonly end: number;
}

export interface SimRun {
  readonly report: Report;
  readonly captures: readonly SimCapture[];
  readonly world: World;
  /** Exit status of each foreground line, by file line. */
  readonly exits: ReadonlyMap<number, number>;
  /** Virtual time each line finished at, by file line. */
  readonly ends: ReadonlyMap<number, number>;
  /** Every script line, in order, with what it did. */
  readonly lines: readonly LineRecord[];
}

/** Virtual time between two script lines, as a person's shell leaves some between commands. */
export const LINE_GAP = 1 * NS_PER_MS;
export const DEFAULT_MAX_EVENTS = 5_000_000;

export { SimulationError, StormGuardStop };

/** Events waiting at once beyond which a run is a storm even before it has used its budget. */
export const MAX_PENDING = 1_000_000;

/** The storm guard's report: how much work, and the devices the frames keep going round. */
function stormError(w: World, where: string, maxEvents: number): StormGuardStop {
  const loop = w
    .busiestDevices()
    .slice(0, 12)
    .map((d) => `${d.ns === '' ? '' : `${d.ns}/`}${d.name} (${Math.round(d.share * 100)}%)`)
    .join(', ');
  const what = w.loop.pending > MAX_PENDING ? `${w.loop.pending} events waiting at once` : `${maxEvents} events`;
  return new StormGuardStop(
    `${where}: storm guard: ${what} in one line without the network going quiet — frames keep arriving at ${loop || 'no device'}; a forwarding loop (bridges without STP?) floods forever on a real kernel too`,
  );
}

/** One command of a line's shell list (`a && b`), checked. */
interface PreparedCommand {
  /** The list operator before it (undefined for the first): whether it runs depends on the status so far. */
  readonly op: ListOp | undefined;
  readonly netns: string | undefined;
  /** Entered with `nsenter --net=PATH`: its own message when PATH is missing. */
  readonly nsenter?: string;
  /** `ip -all netns exec`: run in every named namespace. */
  readonly allNetns?: boolean;
  readonly argv: readonly string[];
  readonly program: string;
  /** Output redirected to /dev/null. */
  readonly discard: Discard;
  /** `sh -c 'LIST'`: the list it runs, in the command's namespace unless a command names its own. */
  readonly list?: readonly PreparedCommand[];
}

interface Prepared {
  readonly line: ScriptLine;
  /** What the line runs, in order; empty for a capture. */
  readonly commands: readonly PreparedCommand[];
  /** A background tcpdump, in `netns`. */
  readonly netns?: string | undefined;
  readonly capture?: CaptureSpecArgs;
  readonly point?: string;
}

/** A shell list's commands checked, or why one cannot be simulated. `depth` counts `sh -c` levels. */
function prepareList(list: readonly ListCommand[], background: boolean, depth: number): PreparedCommand[] | string {
  const commands: PreparedCommand[] = [];
  for (const c of list) {
    if (c.words.length === 0) return `syntax error near unexpected token \`${c.op ?? (list[1]?.op as string)}'`;
    const inv = invocation(c.words);
    const program = programOf(inv) ?? '';
    const ops = inv.argv.filter(isOp).map((o) => o.op);
    const argv = inv.argv.map((w) => (isOp(w) ? w.op : w));
    if (ops.length > 0 && !(program === 'echo' && ops.length === 1 && ops[0] === '>')) {
      return `shell operator '${ops[0]}' is not simulated: commands joined by ';', '&&' or '||', output sent to /dev/null, and 'echo V > /proc/sys/...' are what a line may hold`;
    }
    if (program === 'tcpdump' || background) {
      return inv.allNetns ? `a capture under 'ip -all netns exec' is not simulated: start one per namespace` : `tcpdump is simulated as a capture on a line of its own, started with '&'`;
    }
    if (program === 'nsenter') return `nsenter is simulated only as 'nsenter --net=/run/netns/NAME COMMAND' (the simulator has no processes to enter by pid, and no shell to start)`;
    if (program === 'sh' || program === 'bash') {
      // `sh -c 'LIST'`, the way a line runs several commands inside one namespace.
      const script = argv[2];
      if (argv.length !== 3 || argv[1] !== '-c' || script === undefined) return `${program} is simulated only as '${program} -c COMMANDS'`;
      if (depth > 0) return `${program} -c inside ${program} -c is not simulated`;
      const expansion = shellExpansion(script);
      if (expansion !== undefined) return `shell expansion '${expansion}' in '${program} -c' is not simulated: bash would expand it — write the value`;
      let words: ShellWord[];
      try {
        words = toWords(script);
      } catch (e) {
        return `${program} -c: ${e instanceof Error ? e.message.toLowerCase() : String(e)}`;
      }
      const inner = prepareList(commandList(words), false, depth + 1);
      if (typeof inner === 'string') return `${program} -c: ${inner}`;
      commands.push({ op: c.op, netns: inv.netns, ...(inv.nsenter ? { nsenter: inv.nsenter } : {}), argv, program, discard: c.discard, list: inner });
      continue;
    }
    const tool = Object.hasOwn(TOOLS, program) ? TOOLS[program] : undefined;
    if (!tool) return `'${program}' is not simulated (the simulator runs: ${[...Object.keys(TOOLS), 'sh -c', 'tcpdump'].sort().join(', ')})`;
    // The loader checked the line's own commands for an end; those inside `sh -c` are checked here.
    if (depth > 0 && program === 'ping' && !pingIsBounded(argv.slice(1))) return `ping without -c or -w would never end: add '-c N'`;
    const endless = depth > 0 && program === 'arping' ? arpingNeverEnds(argv) : undefined;
    if (endless) return endless;
    const why = tool.check(argv);
    if (why) return why;
    commands.push({ op: c.op, netns: inv.netns, ...(inv.nsenter ? { nsenter: inv.nsenter } : {}), ...(inv.allNetns ? { allNetns: true } : {}), argv, program, discard: c.discard });
  }
  return commands;
}

/** What `ip netns exec NAME` says of a namespace that is not there. */
function noNetns(name: string | undefined): string {
  return `Cannot open network namespace "${name}": No such file or directory\n`;
}

/** Load-time checks: every line must be something the simulator runs. */
export function prepare(s: Scenario): Prepared[] {
  const errors: ScenarioError[] = [];
  const out: Prepared[] = [];
  if (s.ipv6) errors.push(new ScenarioError(s.file, undefined, "'ipv6: true' is not simulated (IPv6 is off in every simulated namespace)"));
  for (const line of s.script) {
    const list = commandList(line.words);
    if (list.length === 1 && (list[0] as ListCommand).discard === 'none' && !list[0]?.op) {
      const inv = invocation(line.words);
      if (programOf(inv) === 'tcpdump' && !inv.allNetns) {
        const argv = inv.argv.map((w) => (isOp(w) ? w.op : w));
        const why = tcpdumpCheck(argv.slice(1), line.background);
        if (why) errors.push(new ScenarioError(s.file, line.line, why));
        else {
          const point = s.captures.find((c) => c.line === line.line)?.point as string;
          out.push({ line, commands: [], netns: inv.netns, capture: tcpdumpSpec(argv.slice(1)), point });
        }
        continue;
      }
    }
    const commands = prepareList(list, line.background, 0);
    if (typeof commands === 'string') errors.push(new ScenarioError(s.file, line.line, commands));
    else out.push({ line, commands });
  }
  if (errors.length > 0) throw new ScenarioErrors(errors);
  return out;
}

/**
 * Runs `s` in the simulator, in virtual time, deterministically for a seed (default 1). Throws
 * ScenarioErrors before anything runs if a line cannot be simulated, StormGuardStop if the network
 * never goes quiet, SimulationError if a line never ends.
 */
export function runSim(s: Scenario, opts: SimOptions = {}): SimRun {
  const steps = prepare(s);
  const w = createWorld({ seed: opts.seed ?? 1, detailedTrace: opts.explain ?? false });
  w.keepHistory = opts.history ?? false;
  w.createNamespace('', true);
  const maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
  // Counted from the start of the line (or from a moment nothing that may send was scheduled): a long
  // scenario of many short exchanges (4,096 pings across a bridge) is no storm, however many events it
  // runs in all; a storm is work one line never finishes.
  let quietAt = 0;
  const guard = (line: number | undefined) => () => {
    if (!w.loop.busy) quietAt = w.loop.executed;
    if (w.loop.executed - quietAt > maxEvents || w.loop.pending > MAX_PENDING) throw stormError(w, `${s.file}${line ? `:${line}` : ''}`, maxEvents);
  };
  const captures: { point: string; tap?: CaptureTap; spec: CaptureSpecArgs }[] = [];
  const exits = new Map<number, number>();
  const ends = new Map<number, number>();
  const lines: LineRecord[] = [];
  let output = '';

  /** Runs a command in `ns` to its end (an asynchronous one in virtual time). */
  const runTool = (step: Prepared, c: PreparedCommand, ns: Namespace): ToolOutput => {
    const tool = TOOLS[c.program];
    if (!tool) throw new Error(`unreachable: ${c.program} was checked`);
    let r: ReturnType<typeof tool.run>;
    try {
      r = tool.run({ world: w, ns }, c.argv);
    } catch (e) {
      if (e instanceof NotSimulated) throw new SimulationError(`${s.file}:${step.line.line}: ${e.message}`);
      throw e;
    }
    if (!('async' in r)) return r;
    let result: ToolOutput | undefined;
    r.async((o) => (result = o));
    const g = guard(step.line.line);
    while (result === undefined) {
      if (!w.loop.step()) throw new SimulationError(`${s.file}:${step.line.line}: '${step.line.text}' never finished`);
      g();
    }
    return result;
  };

  /**
   * One command of a line, as bash runs it: its stdout and stderr (kernel mode's output is a line's
   * stdout, then its stderr) and its status.
   */
  const runCommand = (step: Prepared, c: PreparedCommand, home: Namespace | undefined): { stdout: string; stderr: string; exit: number } => {
    const ns = c.netns === undefined ? home : w.namespaces.get(c.netns);
    let r: { stdout: string; stderr: string; exit: number };
    if (!ns) r = c.nsenter ? { stdout: '', stderr: `nsenter: cannot open ${c.nsenter}: No such file or directory\n`, exit: 1 } : { stdout: '', stderr: noNetns(c.netns), exit: 255 };
    else if (c.list) r = runList(step, c.list, ns);
    else if (c.allNetns) {
      // on_netns_exec: a header, then the command, in each namespace; ip's own status is 0 whatever they return.
      let stdout = '';
      for (const each of namedNamespaces(w)) {
        const o = runTool(step, c, each);
        stdout += `\nnetns: ${each.name}\n${o.stdout}${o.stderr}`;
      }
      r = { stdout, stderr: '', exit: 0 };
    } else {
      const o = runTool(step, c, ns);
      r = { stdout: o.stdout, stderr: o.stderr, exit: o.exit };
    }
    if (c.discard === 'none') return r;
    return { stdout: '', stderr: c.discard === 'both' ? '' : r.stderr, exit: r.exit };
  };

  /**
   * A list runs left to right: `&&` runs the next command after a success, `||` after a failure, `;`
   * always; its status is the last command's that ran.
   */
  const runList = (step: Prepared, list: readonly PreparedCommand[], home: Namespace | undefined): { stdout: string; stderr: string; exit: number } => {
    let stdout = '';
    let stderr = '';
    let status = 0;
    for (const c of list) {
      if ((c.op === '&&' && status !== 0) || (c.op === '||' && status === 0)) continue;
      const r = runCommand(step, c, home);
      stdout += r.stdout;
      stderr += r.stderr;
      status = r.exit;
    }
    return { stdout, stderr, exit: status };
  };

  for (const step of steps) {
    quietAt = w.loop.executed;
    const firstSeq = w.trace.position;
    const start = w.loop.now;
    const outputBefore = output.length;
    w.trace.line = step.line.line;
    if (step.capture) {
      const ns = step.netns === undefined ? w.namespaces.get('') : w.namespaces.get(step.netns);
      if (!ns) {
        output += noNetns(step.netns);
        exits.set(step.line.line, 255);
        captures.push({ point: step.point as string, spec: step.capture });
      } else {
        const started = startCapture(w, ns, step.capture);
        if ('error' in started) {
          output += started.error;
          captures.push({ point: step.point as string, spec: step.capture });
        } else captures.push({ point: step.point as string, tap: started.tap, spec: step.capture });
      }
    } else {
      const { stdout, stderr, exit: status } = runList(step, step.commands, w.namespaces.get(''));
      output += stdout + stderr;
      exits.set(step.line.line, status);
    }
    const end = w.loop.now;
    ends.set(step.line.line, end);
    // What the line set going in the gap before the next one (a frame still crossing) is the line's too.
    w.loop.runUntil(w.loop.now + LINE_GAP, guard(step.line.line));
    lines.push({ line: step.line.line, text: step.line.text, output: output.slice(outputBefore), exit: exits.get(step.line.line), firstSeq, endSeq: w.trace.position, start, end });
  }
  w.trace.line = undefined;
  // The end: run on while anything that may still send is scheduled.
  const g = guard(undefined);
  quietAt = w.loop.executed;
  while (w.loop.busy && w.loop.step()) g();

  const report: Report = {
    scenario: s.name,
    file: s.file,
    mode: 'sim',
    captures: captures.map((c) => ({ point: c.point, text: c.tap ? captureText(c.tap, c.spec) : '' })),
    output,
  };
  const kept = captures.map((c) => ({ point: c.point, frames: c.tap ? capturedFrames(c.tap, c.spec) : [] }));
  return { report, captures: kept, world: w, exits, ends, lines };
}
