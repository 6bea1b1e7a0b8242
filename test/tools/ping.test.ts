/**
 * ping's long runs: sequence numbers are 16 bits and wrap, as iputils' do, yet every reply is counted
 * once (iputils clears a sequence number's bit in its received bitmap as it sends that number again).
 * Measured on the kernel (iputils 20221126, kernel 6.18, inside a private namespace): `ping -q -c 70000
 * -i 0.002 127.0.0.1` prints "70000 packets transmitted, 70000 received, 0% packet loss"; `ping -c 65538
 * -i 0.0005 127.0.0.1` prints icmp_seq=65534, 65535, 0, 1, 2, no (DUP!), and "65538 received".
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';

function output(line: string): string {
  const s = parseScenario(`name: p\ntitle: p\nscript: |\n  ${line}\n`, 'p.yaml');
  return runSim(s).report.output;
}

describe('ping past 65,536 probes', () => {
  it('counts 130,000 replies on lo as 130,000 received, no duplicates, and ends with its statistics', () => {
    const out = output('ping -q -c 130000 -i 0.002 127.0.0.1');
    expect(out).toContain('\n130000 packets transmitted, 130000 received, 0% packet loss, time 259998ms\n');
    expect(out).not.toContain('duplicates');
    expect(out).toMatch(/^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/m);
  });

  it('prints icmp_seq modulo 65,536 and marks none of the wrapped replies (DUP!)', () => {
    const lines = output('ping -c 65538 -i 0.002 127.0.0.1').split('\n');
    const seqs = lines.filter((l) => l.includes('icmp_seq=')).map((l) => Number(/icmp_seq=(\d+)/.exec(l)?.[1]));
    expect(seqs).toHaveLength(65538);
    expect(seqs.slice(65533)).toEqual([65534, 65535, 0, 1, 2]);
    expect(lines.filter((l) => l.includes('(DUP!)'))).toEqual([]);
    expect(lines).toContain('65538 packets transmitted, 65538 received, 0% packet loss, time 131074ms');
  });
});
