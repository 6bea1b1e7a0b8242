/**
 * Shared by the tests that drive the real kernel: why they must skip, how to run the CLI, and how to
 * find what one kernel run made — its processes by pid namespace, pid and start time, its mounts by
 * the names it gave them — so that a leak check sees only that run, never the rest of the machine
 * (its own namespaces, its own OVS, other kernel-mode runs going on at the same time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { kernelPreflight } from '../../src/kernel/preflight.js';

export const ROOT = join(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/vethsim.js');

/** Undefined when kernel mode can run here (OVS and arping included); otherwise why not, for the skip message. */
export function kernelSkipReason(): string | undefined {
  const missing = kernelPreflight({ ovs: true, arping: true });
  if (missing.length === 0) return undefined;
  const reason = `kernel mode unavailable: ${missing.join('; ')}`;
  console.warn(`[vethsim] skipping kernel-mode tests — ${reason}`);
  return reason;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `vethsim ARGS` to its end. One that hangs (as `--pcap /proc/x` once did) is killed before the
 * test's own timeout, so a failing test never leaves a process spinning behind it.
 */
export function runCli(args: readonly string[], timeoutMs = 100_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `[test] vethsim ${args.join(' ')} still running after ${timeoutMs / 1000} s: killed\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One process of the machine, identified as the kernel does: a pid is only unique with its start time. */
export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22). */
  readonly start: number;
  /** Its pid namespace, as `pid:[INODE]`. */
  readonly pidns: string;
  readonly args: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(rest[1]), start: Number(rest[19]), pidns: readlinkSync(`/proc/${pid}/ns/pid`), args };
  } catch {
    return undefined; // gone while we looked
  }
}

/** Every process of the machine, at this moment. */
export function processes(): Proc[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => readProc(Number(d)) ?? []);
}

/**
 * The pid namespace a kernel-mode run made, found from the `vethsim` process that started it:
 * vethsim → unshare → the driver, pid 1 of the new namespace. Undefined until the driver exists.
 */
export function runPidNamespace(vethsimPid: number, procs = processes()): string | undefined {
  const own = readlinkSync('/proc/self/ns/pid');
  const below = new Set([vethsimPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        if (p.pidns !== own) return p.pidns;
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return undefined;
}

/** The processes of one run: those in its pid namespace. */
export function runProcesses(pidns: string, procs = processes()): Proc[] {
  return procs.filter((p) => p.pidns === pidns);
}

/** Which of `seen` (pid and start time) still exist. */
export function stillRunning(seen: readonly Proc[], procs = processes()): Proc[] {
  return procs.filter((p) => seen.some((s) => s.pid === p.pid && s.start === p.start));
}

/** Seconds since boot, in the clock ticks /proc/PID/stat counts start times in. */
export function uptimeTicks(): number {
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * hz);
}

/** The machine's named network namespaces (`ip netns list`), names only. */
export function hostNetnsNames(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** The machine's mount table lines (this process's mount namespace: the machine's own). */
export function hostMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean);
}
