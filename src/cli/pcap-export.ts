/** `vethsim run --pcap DIR`: each capture as a pcap file the real `tcpdump -nnt -r` prints identically. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../capture/pcap.js';
import type { SimCapture } from '../runner/simulate.js';

export function pcapFileName(scenario: string, point: string): string {
  return `${scenario}.${point.replace(/\//g, '_')}.pcap`;
}

export function writePcaps(dir: string, scenario: string, captures: readonly SimCapture[]): string[] {
  mkdirSync(dir, { recursive: true });
  return captures.map((c) => {
    const w = new PcapWriter();
    // Virtual time starts at the epoch: a capture's timestamps are the scenario's clock.
    for (const f of c.frames) w.add(f.data, Math.floor(f.t / 1000));
    const path = join(dir, pcapFileName(scenario, c.point));
    w.writeTo(path);
    return path;
  });
}
