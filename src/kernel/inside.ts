/**
 * The kernel-mode driver. It runs as pid 1 of a private pid + network + mount namespace made by
 * `unshare` (see run.ts), so whatever it starts — tcpdump, ping, ovsdb-server, ovs-vswitchd, the
 * namespaces `ip netns add` pins under a private /run — dies with it, however it ends.
 * It reads one plan (JSON) on stdin, and treats the end of stdin as "stop now": the parent closes
 * it to cancel, and a parent that died closes it too. It writes JSON lines on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { defaultSysctlArgs } from './sysctl-defaults.js';
import { OVS_SCHEMA, toolPath } from './preflight.js';
import type { Plan, Step } from './plan.js';

export type InsideMessage =
  | { readonly type: 'step'; readonly line: number }
  | { readonly type: 'result'; readonly captures: { point: string; text: string }[]; readonly output: string; readonly exits: { line: number; code: number | null }[] }
  | { readonly type: 'error'; readonly message: string };

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
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
  readonly child: ChildProcess;
  text: string;
  readonly exited: Promise<void>;
}

/** Starts a background tcpdump and resolves once it is listening (or has failed, with its message). */
function startCapture(step: Extract<Step, { kind: 'capture' }>): Promise<{ capture?: Capture; failure?: string }> {
  return new Promise((resolve) => {
    const [file, ...args] = step.argv as [string, ...string[]];
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stderr = '';
    let settled = false;
    const exited = new Promise<void>((r) => child.on('close', () => (children.delete(child), r())));
    const capture: Capture = { point: step.point, child, text: '', exited };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (capture.text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!settled && /listening on /.test(stderr)) {
        settled = true;
        resolve({ capture });
      }
    });
    child.on('error', (e) => {
      if (!settled) (settled = true), resolve({ failure: `${e.message}\n` });
    });
    void exited.then(() => {
      if (!settled) (settled = true), resolve({ failure: stderr });
    });
    setTimeout(() => {
      if (!settled) {
        settled = true;
        killGroup(child, 'SIGKILL');
        resolve({ failure: `${stderr}vethsim: tcpdump did not start listening within 10 s\n` });
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

async function stopCaptures(captures: readonly Capture[]): Promise<void> {
  for (const c of captures) killGroup(c.child, 'SIGINT');
  await Promise.race([Promise.all(captures.map((c) => c.exited)), sleep(5_000)]);
  for (const c of captures) killGroup(c.child, 'SIGKILL');
}

/** tcpdump ends its output with a blank line when interrupted; that is not a packet. */
function captureText(raw: string): string {
  return raw.replace(/\n+$/, raw.trim() === '' ? '' : '\n');
}

async function execute(plan: Plan): Promise<void> {
  await must('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'vethsim', '/run']);
  mkdirSync('/run/netns', { recursive: true });
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
  send({ type: 'result', captures: ordered, output, exits });
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
