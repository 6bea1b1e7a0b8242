// Runs the real tcpdump on a pcap file: the oracle for the printer tests.

import { execFileSync, spawnSync } from 'node:child_process';

/** Whether `tcpdump` can be run (it is looked up on PATH). */
export function tcpdumpAvailable(): boolean {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** tcpdump's version line, e.g. "tcpdump version 4.99.3", or undefined. */
export function tcpdumpVersion(): string | undefined {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

/** stdout of `tcpdump <flags> -r file` (its "reading from file" banner goes to stderr). */
export function tcpdumpRead(file: string, flags: readonly string[]): string {
  return execFileSync('tcpdump', [...flags, '-r', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Splits tcpdump's output into one string per packet: continuation lines
 * (hex dumps, -v's second line, quoted datagrams) start with a tab or
 * spaces and belong to the packet above them.
 */
export function splitPackets(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  for (const line of lines) {
    if (/^(\t|    )/.test(line) && out.length > 0) out[out.length - 1] += '\n' + line;
    else out.push(line);
  }
  return out;
}
