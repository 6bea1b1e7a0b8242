/** `vethsim run --pcap DIR`: each capture as a pcap file the real `tcpdump -nnt -r` prints identically. */
import { mkdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { PcapWriter } from '../capture/pcap.js';
import type { SimCapture } from '../runner/simulate.js';

/** --pcap DIR cannot be used or written; the message names the path and why. */
export class PcapDirError extends Error {
  override name = 'PcapDirError';
}

const WHY: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it exists and is not a directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
};

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && WHY[code]) ?? (code ? code : String(e));
}

export function pcapFileName(scenario: string, point: string): string {
  return `${scenario}.${point.replace(/\//g, '_')}.pcap`;
}

/**
 * `mkdir -p DIR`, one component at a time. Node's recursive mkdir never returns under /proc (mkdir
 * there fails with ENOENT, which it reads as "make the parent first", forever); this one stops at the
 * first component it cannot make, and says which.
 */
export function ensurePcapDir(dir: string): void {
  const abs = resolve(dir);
  const parts = abs.split(sep).filter(Boolean);
  let path = isAbsolute(abs) ? sep : '';
  for (const part of parts) {
    path = join(path, part);
    let isDir: boolean | undefined;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PcapDirError(`--pcap ${dir}: cannot use ${path}: ${why(e)}`);
    }
    if (isDir === false) throw new PcapDirError(`--pcap ${dir}: ${path} is a file, not a directory`);
    if (isDir === undefined) {
      try {
        mkdirSync(path);
      } catch (e) {
        throw new PcapDirError(`--pcap ${dir}: cannot create the directory ${path}: ${why(e)}`);
      }
    }
  }
}

export function writePcaps(dir: string, scenario: string, captures: readonly SimCapture[]): string[] {
  ensurePcapDir(dir);
  return captures.map((c) => {
    const w = new PcapWriter();
    // Virtual time starts at the epoch: a capture's timestamps are the scenario's clock.
    for (const f of c.frames) w.add(f.data, Math.floor(f.t / 1000));
    const path = join(dir, pcapFileName(scenario, c.point));
    try {
      w.writeTo(path);
    } catch (e) {
      throw new PcapDirError(`--pcap ${dir}: cannot write ${path}: ${why(e)}`);
    }
    return path;
  });
}
