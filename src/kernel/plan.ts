/**
 * A scenario turned into the steps kernel mode executes, with the few rewrites the real tools need to
 * behave as the scenario means them: captures that flush each packet and stay root, IPv6 filtered out
 * when the scenario has it off, and OVS bridges on the userspace datapath when the kernel has no
 * openvswitch module. The plan is plain data: it crosses into the private namespace as JSON.
 */
import { quote } from 'shell-quote';
import { commandList, invocation, ipv4OnlyFilter, isSimple, netnsAdded, programOf, tcpdumpArgs, type ListCommand } from '../scenario/command.js';
import { isOp } from '../scenario/script.js';
import { defaultSysctlArgs } from './sysctl-defaults.js';
import type { ShellWord } from '../scenario/script.js';
import type { Scenario } from '../scenario/scenario.js';
import { arpingSeconds } from '../scenario/arping-args.js';

export type Step =
  /** A background tcpdump: spawned without a shell; the next step waits until it is listening. */
  | { readonly kind: 'capture'; readonly line: number; readonly point: string; readonly argv: readonly string[] }
  /** A foreground line, run by bash as typed (after rewrites); `netnsAdded` is set for `ip netns add NAME`. */
  | { readonly kind: 'run'; readonly line: number; readonly shell: string; readonly netnsAdded?: string; readonly timeoutMs: number };

export interface Plan {
  readonly scenario: string;
  readonly ipv6: boolean;
  readonly ovs: boolean;
  /** Append `-- set bridge X datapath_type=netdev` to each `ovs-vsctl add-br X`. */
  readonly ovsNetdev: boolean;
  readonly steps: readonly Step[];
  /** Longest a foreground line may run beyond what it means to take (a sleep, a ping's probes) before it is killed and reported. */
  readonly commandTimeoutMs: number;
}

/** A duration as sleep(1) and ping read it: seconds, with sleep's s/m/h/d suffixes. */
function seconds(word: string | undefined): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(word ?? '');
  if (!m) return 0;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2] as string]!;
}

/**
 * How long a line means to take: a `sleep` its argument, a `ping` its probes (count × interval, or its
 * deadline) and its wait for the last answer, an `arping` its probes or its deadline. The line's timeout is this plus the plan's limit.
 */
export function intendedSeconds(words: readonly ShellWord[]): number {
  const list = commandList(words);
  if (list.length > 1) return list.reduce((t, c) => t + intendedSeconds(c.words), 0);
  const inv = invocation((list[0] as ListCommand).words);
  const argv = inv.argv.filter((w): w is string => typeof w === 'string');
  const prog = programOf(inv);
  if (prog === 'sleep') return argv.slice(1).reduce((t, a) => t + seconds(a), 0);
  if (prog === 'arping') return arpingSeconds(argv);
  if (prog !== 'ping') return 0;
  const opt = (f: string): string | undefined => {
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === `-${f}`) return argv[i + 1];
      if (a.startsWith(`-${f}`) && a.length > 2) return a.slice(2);
    }
    return undefined;
  };
  const deadline = seconds(opt('w'));
  if (deadline > 0) return deadline;
  const count = Number(opt('c') ?? 1) || 1;
  const interval = opt('i') === undefined ? 1 : seconds(opt('i'));
  const linger = opt('W') === undefined ? 10 : seconds(opt('W'));
  return count * interval + linger;
}

export function usesOvs(s: Scenario): boolean {
  return programs(s).some((p) => /^ovs-/.test(p));
}

export function usesArping(s: Scenario): boolean {
  return programs(s).includes('arping');
}

/** Does the script run net-tools (ifconfig, route, arp)? */
export function usesNetTools(s: Scenario): boolean {
  return programs(s).some((p) => ['ifconfig', 'route', 'arp'].includes(p));
}

/** Every program the script runs, each command of a list included. */
function programs(s: Scenario): string[] {
  return s.script.flatMap((l) => commandList(l.words).map((c) => programOf(invocation(c.words)) ?? ''));
}

/**
 * A line that is a shell list (`a && b`, `a; b`, output to /dev/null), rewritten command by command:
 * ovs-vsctl's bridges made netdev, and each `ip netns add NAME` followed at once by the reset of the new
 * namespace's sysctls that a line of its own gets after it ends — here inside the line, before the next
 * command can read them or copy them into a device — with the add's own status kept.
 */
function listShell(words: readonly ShellWord[], ovsNetdev: boolean, ipv6: boolean): string {
  return commandList(words)
    .map((c) => {
      const cmd = (ovsNetdev ? ovsNetdevWords(c.words) : undefined) ?? c.words;
      let text = cmd.map((w) => (isOp(w) ? w.op : quote([w]))).join(' ');
      const added = netnsAdded(c.words);
      if (added !== undefined) text = `{ ${text} && { ${quote(['ip', 'netns', 'exec', added, 'sysctl', '-e', '-q', '-w', ...defaultSysctlArgs(ipv6)])} >/dev/null 2>&1; true; }; }`;
      const redirect = c.discard === 'both' ? ' >/dev/null 2>&1' : c.discard === 'stdout' ? ' >/dev/null' : '';
      return `${c.op === undefined ? '' : ` ${c.op} `}${text}${redirect}`;
    })
    .join('');
}

/** The tcpdump argv kernel mode really runs for a capture written as `words`. */
function captureArgv(words: readonly ShellWord[], ipv6: boolean): string[] {
  const inv = invocation(words);
  const argv = inv.argv as string[];
  const t = tcpdumpArgs(argv.slice(1));
  if ('error' in t) throw new Error(`capture line was validated at load: ${t.error}`);
  // -l and --immediate-mode: every packet reaches us as it is seen, none waits in a buffer at the end.
  // Not on `any`: there immediate mode loses frames a person's `tcpdump -i any` shows (measured: a
  // bridge's forwarded copy of the first echo reply, "p0 Out", gone in every run with it, there in every
  // run without), and without it tcpdump still prints what its buffer holds when interrupted.
  // -Z root: tcpdump would otherwise drop to the 'tcpdump' user.
  const filter = ipv6 ? [...t.filter] : ipv4OnlyFilter(t.filter);
  const prefix = inv.netns === undefined ? [] : ['ip', 'netns', 'exec', inv.netns];
  const immediate = t.iface === 'any' ? [] : ['--immediate-mode'];
  return [...prefix, argv[0] as string, '-l', ...immediate, '-Z', 'root', ...t.options, ...filter];
}

/** `ovs-vsctl ... add-br X ...` with each single-argument add-br made a netdev bridge in the same transaction. */
function ovsNetdevWords(words: readonly ShellWord[]): ShellWord[] | undefined {
  const inv = invocation(words);
  if (programOf(inv) !== 'ovs-vsctl' || !isSimple(words)) return undefined;
  const args = inv.argv.slice(1) as string[];
  const segments: string[][] = [[]];
  for (const a of args) {
    if (a === '--') segments.push([]);
    else segments[segments.length - 1]?.push(a);
  }
  const extra: string[] = [];
  for (const seg of segments) {
    const rest = seg.filter((a) => !a.startsWith('--'));
    if (rest[0] === 'add-br' && rest.length === 2) extra.push('--', 'set', 'bridge', rest[1] as string, 'datapath_type=netdev');
  }
  if (extra.length === 0) return undefined;
  return [...words, ...extra];
}

export function makePlan(s: Scenario, opts: { ovsNetdev: boolean; commandTimeoutMs?: number }): Plan {
  const steps: Step[] = s.script.map((l) => {
    if (l.background) {
      const point = s.captures.find((c) => c.line === l.line)?.point as string;
      return { kind: 'capture', line: l.line, point, argv: captureArgv(l.words, s.ipv6) };
    }
    const list = commandList(l.words);
    // Only a list the simulator reads the same way is rewritten; any other operator (a pipe, `2>&1` on
    // its own, which shell-quote cannot tell from an argument 2) keeps the line exactly as typed.
    const plain = list.every((c) => c.words.every((w) => !isOp(w) || (w.op === '>' && programOf(invocation(c.words)) === 'echo')));
    if (plain && (list.length > 1 || list[0]?.discard !== 'none')) {
      const timeoutMs = (opts.commandTimeoutMs ?? 120_000) + Math.ceil(intendedSeconds(l.words) * 1000);
      return { kind: 'run', line: l.line, shell: listShell(l.words, opts.ovsNetdev, s.ipv6), timeoutMs };
    }
    const rewritten = opts.ovsNetdev ? ovsNetdevWords(l.words) : undefined;
    const shell = rewritten ? quote(rewritten as string[]) : l.text;
    const added = netnsAdded(l.words);
    const timeoutMs = (opts.commandTimeoutMs ?? 120_000) + Math.ceil(intendedSeconds(l.words) * 1000);
    return { kind: 'run', line: l.line, shell, timeoutMs, ...(added ? { netnsAdded: added } : {}) };
  });
  return {
    scenario: s.name,
    ipv6: s.ipv6,
    ovs: usesOvs(s),
    ovsNetdev: opts.ovsNetdev,
    steps,
    commandTimeoutMs: opts.commandTimeoutMs ?? 120_000,
  };
}
