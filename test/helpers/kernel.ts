/** Shared by the tests that drive the real kernel: why they must skip, and how to run the CLI. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kernelPreflight } from '../../src/kernel/preflight.js';

export const ROOT = join(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/vethsim.js');

/** Undefined when kernel mode can run here (OVS included); otherwise why not, for the skip message. */
export function kernelSkipReason(): string | undefined {
  const missing = kernelPreflight({ ovs: true });
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

export function runCli(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Command lines of every process on the machine (the test looks for what a run left behind). */
export function processCommandLines(): string[] {
  const r = spawnSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

export function hostNetnsList(): string {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
}
