/**
 * The kernel-mode driver. It runs as pid 1 of a private pid + network + mount namespace made by
 * `unshare` (see run.ts), so whatever it starts — tcpdump, ping, ovsdb-server, ovs-vswitchd, the
 * namespaces `ip netns add` pins under a private /run — dies with it, however it ends.
 * It reads one plan (JSON) on stdin, and treats the end of stdin as "stop now": the parent closes
 * it to cancel, and a parent that died closes it too. It writes JSON lines on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { defaultSysctlArgs } from './sysctl-defaults.js';
import { OVS_SCHEMA, toolPath } from './preflight.js';
import type { Plan, Step } from './plan.js';
import type { RunWarning } from '../report/report.js';

export type InsideMessage =
  | { readonly type: 'step'; readonly line: number }
  | {
      readonly type: 'result';
      readonly captures: { point: string; text: string }[];
      readonly output: string;
      readonly exits: { line: number; code: number | null }[];
      readonly warnings: RunWarning[];
    }
  | { readonly type: 'error'; readonly message: string };

/**
 * The script's working directory, and the only places besides /run where it can write: each a fresh
 * tmpfs in this private mount namespace, gone with it. Everything else is made read-only, so a
 * scenario (`tcpdump -w FILE`, `echo x > FILE`) never writes onto the machine.
 */
export const WORK_DIR = '/tmp';
const SCRATCH_DIRS = ['/tmp', '/var/tmp', '/dev/shm'];

const OVS_DIR = '/run/vethsim-ovs';
const env: NodeJS.ProcessEnv = {
  PATH: toolPath(),
  HOME: '/root',
  LC_ALL: 'C',
  TERM: 'dumb',
  OVS_RUNDIR: `${OVS_DIR}/run`,
  OVS_DBDIR: `${OVS_DIR}/db`,
  OVS_LOGDIR: `${OVS_DIR}/log`,
  OVS_SYSCONFDIR: `${OVS_DIR}/etc`,
};

const children = new Set<ChildProcess>();
let stopping = false;

function send(m: InsideMessage): void {
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Done {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a command to its end (or its timeout, when its whole process group is killed). */
function run(file: string, args: readonly string[], timeoutMs = 30_000): Promise<Done> {
  return new Promise((resolve) => {
    // Own process group: a timeout kills everything the line started, and a Ctrl-C at the terminal
    // reaches only us, so we decide the teardown order.
    const child = spawn(file, args, { env, cwd: WORK_DIR, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr, timedOut });
    };
    child.on('error', (e) => {
      stderr += `${e.message}\n`;
      finish(127);
    });
    child.on('close', (code) => finish(code));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function must(file: string, args: readonly string[]): Promise<void> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`setup step '${file} ${args.join(' ')}' failed: ${(r.stderr || r.stdout).trim()}`);
}

/** Kernel defaults for the decision sysctls, in the namespace `netns` (undefined: the script's own). */
async function resetSysctls(netns: string | undefined, ipv6: boolean): Promise<void> {
  const args = ['-e', '-q', '-w', ...defaultSysctlArgs(ipv6)];
  await (netns === undefined ? must('sysctl', args) : must('ip', ['netns', 'exec', netns, 'sysctl', ...args]));
}

async function startOvs(): Promise<void> {
  for (const d of ['run', 'db', 'log', 'etc']) mkdirSync(`${OVS_DIR}/${d}`, { recursive: true });
  const db = `${OVS_DIR}/db/conf.db`;
  const sock = `unix:${OVS_DIR}/run/db.sock`;
  await must('ovsdb-tool', ['create', db, OVS_SCHEMA]);
  await must('ovsdb-server', [db, `--remote=p${sock}`, '--pidfile', '--detach', '--log-file', '--no-chdir']);
  await must('ovs-vsctl', ['--no-wait', 'init']);
  await must('ovs-vswitchd', [sock, '--pidfile', '--detach', '--log-file', '--no-chdir']);
}

function ovsPids(): number[] {
  const pids: number[] = [];
  for (const name of ['ovs-vswitchd', 'ovsdb-server']) {
    try {
      pids.push(Number(readFileSync(`${OVS_DIR}/run/${name}.pid`, 'utf8').trim()));
    } catch {
      // not started
    }
  }
  return pids.filter((p) => p > 1);
}

interface Capture {
  readonly point: string;
  readonly line: number;
  readonly child: ChildProcess;
  text: string;
  stderr: string;
  readonly exited: Promise<void>;
  /** Set when the driver stops it; a capture that ends before then ended mid-run. */
  stopped: boolean;
  /** tcpdump has exited — by itself after -c N packets, or killed — and its process group is gone. */
  ended: boolean;
  /** How it ended, if it ended before it was stopped. */
  endedEarly?: { readonly code: number | null; readonly signal: NodeJS.Signals | null };
}

/** Starts a background tcpdump and resolves once it is listening (or has failed, with its message). */
function startCapture(step: Extract<Step, { kind: 'capture' }>): Promise<{ capture?: Capture; failure?: string }> {
  return new Promise((resolve) => {
    const [file, ...args] = step.argv as [string, ...string[]];
    const child = spawn(file, args, { env, cwd: WORK_DIR, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let settled = false;
    const exited = new Promise<void>((r) =>
      child.on('close', (code, signal) => {
        capture.ended = true;
        children.delete(child);
        if (!capture.stopped && !stopping) capture.endedEarly = { code, signal };
        r();
      }),
    );
    const capture: Capture = { point: step.point, line: step.line, child, text: '', stderr: '', exited, stopped: false, ended: false };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (capture.text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      capture.stderr += d;
      if (!settled && /listening on /.test(capture.stderr)) {
        settled = true;
        resolve({ capture });
      }
    });
    child.on('error', (e) => {
      if (!settled) (settled = true), resolve({ failure: `${e.message}\n` });
    });
    void exited.then(() => {
      if (!settled) (settled = true), resolve({ failure: capture.stderr });
    });
    setTimeout(() => {
      if (!settled) {
        settled = true;
        killGroup(child, 'SIGKILL');
        resolve({ failure: `${capture.stderr}vethsim: tcpdump did not start listening within 10 s\n` });
      }
    }, 10_000);
  });
}

/** True while some neighbour entry is still being resolved or probed: packets are still to come. */
async function neighboursBusy(): Promise<boolean> {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    // no namespaces made
  }
  const lists = await Promise.all([run('ip', ['neigh', 'show']), ...names.map((n) => run('ip', ['-n', n, 'neigh', 'show']))]);
  return lists.some((r) => /\b(INCOMPLETE|DELAY|PROBE)\b/.test(r.stdout));
}

/**
 * Waits until nothing is in flight: no neighbour entry resolving or probing (whose timers send ARP
 * and ICMP errors seconds after the last command), and no capture growing for half a second.
 */
async function settle(captures: readonly Capture[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let sizes = captures.map((c) => c.text.length).join();
  let quietSince = Date.now();
  while (!stopping && Date.now() < deadline) {
    await sleep(200);
    const now = captures.map((c) => c.text.length).join();
    if (now !== sizes) (sizes = now), (quietSince = Date.now());
    if (Date.now() - quietSince >= 500 && !(await neighboursBusy())) return;
  }
}

/** Interrupts the captures still running; one that ended by itself (-c N) has no group left to signal. */
async function stopCaptures(captures: readonly Capture[]): Promise<void> {
  for (const c of captures) c.stopped = true;
  const running = captures.filter((c) => !c.ended);
  for (const c of running) killGroup(c.child, 'SIGINT');
  await Promise.race([Promise.all(running.map((c) => c.exited)), sleep(5_000)]);
  for (const c of running) if (!c.ended) killGroup(c.child, 'SIGKILL');
}

/**
 * A capture that ended before the driver stopped it: killed by a signal from outside the script (its
 * text is cut short there — 'capture-died'), or ended by tcpdump itself, such as "tcpdump: pcap_loop:
 * The interface disappeared" when its device is deleted ('capture-ended').
 */
function captureWarning(c: Capture): RunWarning | undefined {
  const end = c.endedEarly;
  // Exit 0 by itself is tcpdump -c N having seen its N packets: the capture is complete.
  if (!end || (end.code === 0 && end.signal === null)) return undefined;
  const where = `capture ${c.point} (line ${c.line})`;
  if (end.signal !== null) return { kind: 'capture-died', point: c.point, message: `${where}: tcpdump was killed by ${end.signal} mid-run, so the capture ends there` };
  // Its own last word, without the banner and the packet counts it prints on the way out.
  const said = c.stderr
    .split('\n')
    .filter((l) => l !== '' && !/^(listening on |tcpdump: verbose output suppressed|\d+ packets? )/.test(l))
    .pop();
  return { kind: 'capture-ended', point: c.point, message: `${where}: tcpdump ended mid-run (exit ${end.code})${said ? `: ${said}` : ''}` };
}

/**
 * Makes the file system read-only for the script, except its scratch directories (fresh tmpfs each)
 * and the per-namespace /proc/sys/net; /sys is the script namespace's own. Only this private mount namespace's copies of the mounts change:
 * `remount,bind,ro` sets the per-mount read-only flag and never touches a file system itself.
 */
async function sandboxFileSystem(): Promise<void> {
  for (const d of SCRATCH_DIRS) if (existsSync(d)) await must('mount', ['-t', 'tmpfs', '-o', 'mode=1777', 'vethsim-scratch', d]);
  // /proc/sys outside net/ is the machine's (kernel.*, vm.*, fs.*); net/ belongs to each namespace.
  await must('mount', ['--bind', '/proc/sys', '/proc/sys']);
  await must('mount', ['-o', 'remount,bind,ro', '/proc/sys']);
  await must('mount', ['--bind', '/proc/sys/net', '/proc/sys/net']);
  await must('mount', ['-o', 'remount,bind,rw', '/proc/sys/net']);
  // The script namespace's own /sys/class/net (sysfs shows the devices of the namespace that mounts
  // it; `ip netns exec` mounts one for each namespace it enters), read-only like the rest.
  await must('mount', ['-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', '/sys']);
  for (const m of new Set(mounts().filter((m) => !writable(m.point)).map((m) => m.point))) {
    // A mount hidden under another cannot be reached (and cannot be remounted by path): left alone.
    if (!existsSync(m)) continue;
    await run('mount', ['-o', 'remount,bind,ro', m]);
  }
  const open = visibleMounts().filter((m) => !writable(m.point) && m.options.split(',').includes('rw'));
  if (open.length > 0) throw new Error(`cannot make the file system read-only for the script: ${open.map((m) => m.point).join(', ')} stays writable`);
}

/** The mounts a script may write through: /run (made private and fresh above), scratch dirs, /proc (the pid namespace's own) and /proc/sys/net. */
function writable(point: string): boolean {
  if (point === '/run' || point.startsWith('/run/')) return true;
  if (SCRATCH_DIRS.includes(point)) return true;
  if (point === '/proc' || point === '/proc/sys/net') return true;
  return point.startsWith('/proc/') && !point.startsWith('/proc/sys');
}

interface Mount {
  readonly id: number;
  readonly parent: number;
  readonly point: string;
  /** Per-mount options ("rw,nosuid,..."). */
  readonly options: string;
}

/** /proc/self/mountinfo, in mount order; fields are octal-escaped (\040 for a space). */
function mounts(): Mount[] {
  const unescape = (f: string) => f.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(' ');
      return { id: Number(f[0]), parent: Number(f[1]), point: unescape(f[4] ?? ''), options: f[5] ?? '' };
    });
}

/**
 * The mounts a path can reach: not covered by a later mount on the same point (which becomes its child
 * there), nor inside a covered one.
 */
function visibleMounts(): Mount[] {
  const all = mounts();
  const byId = new Map(all.map((m) => [m.id, m]));
  const covered = new Set(all.filter((m) => all.some((n) => n.parent === m.id && n.point === m.point)).map((m) => m.id));
  const hidden = (m: Mount, depth = 0): boolean => {
    if (covered.has(m.id)) return true;
    const p = byId.get(m.parent);
    return p !== undefined && p.id !== m.id && depth < all.length && hidden(p, depth + 1);
  };
  return all.filter((m) => !hidden(m));
}

/** tcpdump ends its output with a blank line when interrupted; that is not a packet. */
function captureText(raw: string): string {
  return raw.replace(/\n+$/, raw.trim() === '' ? '' : '\n');
}

async function execute(plan: Plan): Promise<void> {
  // The tmpfs is named after the scenario: a leak check on the machine can tell this run's mounts.
  await must('mount', ['-t', 'tmpfs', '-o', 'mode=0755', `vethsim-${plan.scenario}`, '/run']);
  mkdirSync('/run/netns', { recursive: true });
  await sandboxFileSystem();
  await must('ip', ['link', 'set', 'lo', 'up']);
  await resetSysctls(undefined, plan.ipv6);
  if (plan.ovs) await startOvs();

  const captures: Capture[] = [];
  const failedCaptures = new Map<string, string>();
  const exits: { line: number; code: number | null }[] = [];
  let output = '';
  for (const step of plan.steps) {
    if (stopping) return;
    send({ type: 'step', line: step.line });
    if (step.kind === 'capture') {
      const r = await startCapture(step);
      if (r.capture) captures.push(r.capture);
      else {
        failedCaptures.set(step.point, '');
        output += r.failure ?? '';
      }
      continue;
    }
    const r = await run('bash', ['-c', step.shell], step.timeoutMs);
    output += r.stdout + r.stderr;
    if (r.timedOut) output += `vethsim: line ${step.line} was killed after ${step.timeoutMs / 1000} s\n`;
    exits.push({ line: step.line, code: r.code });
    if (step.netnsAdded !== undefined && r.code === 0) await resetSysctls(step.netnsAdded, plan.ipv6);
  }
  await settle(captures);
  await stopCaptures(captures);
  const texts = new Map(captures.map((c) => [c.point, captureText(c.text)]));
  const ordered = plan.steps.flatMap((s) => (s.kind === 'capture' ? [{ point: s.point, text: texts.get(s.point) ?? failedCaptures.get(s.point) ?? '' }] : []));
  const warnings = captures.flatMap((c) => captureWarning(c) ?? []);
  send({ type: 'result', captures: ordered, output, exits, warnings });
}

function teardown(): void {
  stopping = true;
  for (const c of children) killGroup(c, 'SIGKILL');
  for (const pid of ovsPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

async function main(): Promise<void> {
  let input = '';
  let started = false;
  process.stdin.setEncoding('utf8');
  const abort = () => {
    teardown();
    process.exit(130);
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  process.stdin.on('end', abort);
  process.stdin.on('data', (d: string) => {
    input += d;
    const nl = input.indexOf('\n');
    if (started || nl < 0) return;
    started = true;
    const plan = JSON.parse(input.slice(0, nl)) as Plan;
    execute(plan)
      .catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        teardown();
        process.exit(0);
      });
  });
}

void main();
