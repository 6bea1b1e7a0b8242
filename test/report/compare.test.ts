import { describe, expect, it } from 'vitest';
import { checkExpectation, renderVerdict } from '../../src/report/compare.js';
import type { Report } from '../../src/report/report.js';

const report: Report = {
  scenario: 'demo',
  file: 'demo.yaml',
  mode: 'kernel',
  captures: [{ point: 'veth0', text: 'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\nARP, Reply 10.1.1.3 is-at 02:11:22:33:44:55, length 28\n' }],
  output: 'PING 10.1.1.3 (10.1.1.3) 56(84) bytes of data.\n64 bytes from 10.1.1.3: icmp_seq=1 ttl=64 time=0.050 ms\n',
};

describe('checkExpectation', () => {
  it('agrees with an expectation recorded on another run (other MAC, other times)', () => {
    const v = checkExpectation(
      {
        captures: new Map([['veth0', 'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\nARP, Reply 10.1.1.3 is-at 9a:bb:cc:dd:ee:ff, length 28\n']]),
        output: 'PING 10.1.1.3 (10.1.1.3) 56(84) bytes of data.\n64 bytes from 10.1.1.3: icmp_seq=1 ttl=64 time=0.311 ms\n',
      },
      report,
    );
    expect(v.ok).toBe(true);
  });

  it('checks only the keys the expectation has', () => {
    expect(checkExpectation({ output: report.output }, report).blocks.map((b) => b.key)).toEqual(['output']);
  });

  it('reports a wrong expectation with a readable diff, block by block', () => {
    const v = checkExpectation(
      {
        captures: new Map([['veth0', 'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\n']]),
        output: 'PING 10.1.1.3 (10.1.1.3) 56(84) bytes of data.\n64 bytes from 10.1.1.3: icmp_seq=1 ttl=64 time=0.311 ms\n',
      },
      report,
    );
    expect(v.ok).toBe(false);
    expect(renderVerdict(v, { expected: 'demo.yaml (expect)', actual: 'kernel' })).toBe(
      [
        'DIFF   capture veth0',
        '    --- demo.yaml (expect)',
        '    +++ kernel',
        '    @@ -1,1 +1,2 @@',
        '     ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28',
        '    +ARP, Reply 10.1.1.3 is-at <mac1>, length 28',
        'match  output',
        '',
      ].join('\n'),
    );
  });
});
