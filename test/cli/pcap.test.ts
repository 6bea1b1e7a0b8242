/** `--pcap`: the files the simulator writes print, under the real tcpdump, as the simulator printed them. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';
import { writePcaps } from '../../src/cli/pcap-export.js';
import { findTool } from '../../src/kernel/preflight.js';

const tcpdump = findTool('tcpdump');

describe('pcap export', () => {
  it.skipIf(!tcpdump).each(['veth-same-ns-fixed', 'tcpdump-ether', 'mtu-fragments'])(`%s: tcpdump -nnt -r prints the simulator's text${tcpdump ? '' : ' (skipped: tcpdump is not installed)'}`, (name) => {
    const s = loadScenario(join(import.meta.dirname, '../../scenarios', `${name}.yaml`));
    const run = runSim(s);
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-pcap-'));
    const files = writePcaps(dir, s.name, run.captures);
    expect(files).toHaveLength(run.report.captures.length);
    files.forEach((f, i) => {
      const flags = s.script.find((l) => l.line === s.captures[i]?.line)?.words.includes('-e') || /-\w*e/.test(s.script.find((l) => l.line === s.captures[i]?.line)?.text ?? '') ? '-nnte' : '-nnt';
      const r = spawnSync(tcpdump as string, [flags, '-r', f], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(run.report.captures[i]?.text);
    });
  });
});
