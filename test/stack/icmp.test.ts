/** icmp_rcv and icmp_echo's decisions: what is answered, and why what is not is not. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { A, decode, icmpFrame, ipv4Repr, knownNeighbour, stageWorld } from './fixtures.js';
import { checksumIsValid } from '../../src/wire/checksum.js';

const echo = { kind: 'echo-request' as const, ident: 3, seq: 1, data: new Uint8Array(8) };

describe('icmp_rcv', () => {
  it('ignores an echo to the subnet broadcast (icmp_echo_ignore_broadcasts=1) as INVALID_PROTO', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    knownNeighbour(s, 'mock0', '10.0.0.9');
    s.receive('mock0', icmpFrame({ dst: 'ff:ff:ff:ff:ff:ff' }, ipv4Repr('10.0.0.9', '10.0.0.255', 1), echo));
    expect(s.sent('mock0')).toEqual([]);
    expect(s.drops().map((e) => [e.stage, e.drop])).toEqual([['icmp_rcv', 'INVALID_PROTO']]);
  });

  it('answers the broadcast echo from its own address once icmp_echo_ignore_broadcasts=0', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    knownNeighbour(s, 'mock0', '10.0.0.9');
    s.ns.update((d) => {
      d.sysctl.icmp_echo_ignore_broadcasts = 0;
    });
    s.receive('mock0', icmpFrame({ dst: 'ff:ff:ff:ff:ff:ff' }, ipv4Repr('10.0.0.9', '10.0.0.255', 1), echo));
    expect(s.sent('mock0').map((f) => decode(f).ip?.src)).toEqual([A('10.0.0.1')]);
  });

  it('answers nothing with icmp_echo_ignore_all=1', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    knownNeighbour(s, 'mock0', '10.0.0.9');
    s.ns.update((d) => {
      d.sysctl.icmp_echo_ignore_all = 1;
    });
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.0.1', 1), echo));
    expect(s.sent('mock0')).toEqual([]);
    expect(s.drops().map((e) => e.drop)).toEqual(['ICMP_ECHO_IGNORE_ALL']);
  });

  // The receiving side skips summing what a packet built here carries (checksumsKnownGood): that is
  // sound only while every reply built here really sums right, whatever the request's payload.
  it('builds echo replies whose IP header and ICMP checksums sum right, for any payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (data, ident, seq) => {
        const s = stageWorld({ mock0: '10.0.0.1/24' });
        knownNeighbour(s, 'mock0', '10.0.0.9');
        s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.0.1', 1), { kind: 'echo-request', ident, seq, data }));
        const sent = s.sent('mock0');
        expect(sent).toHaveLength(1);
        const dgram = (sent[0] as Uint8Array).subarray(14);
        const ihl = ((dgram[0] as number) & 0xf) * 4;
        expect(checksumIsValid(dgram.subarray(0, ihl))).toBe(true);
        expect(checksumIsValid(dgram.subarray(ihl))).toBe(true);
      }),
      { seed: 20261203, numRuns: 200 },
    );
  });

  it('drops a message with a bad checksum as ICMP_CSUM', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    const f = icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.0.1', 1), echo);
    f[14 + 20 + 2] = (f[14 + 20 + 2] as number) ^ 0xff;
    s.receive('mock0', f);
    expect(s.drops().map((e) => e.drop)).toEqual(['ICMP_CSUM']);
  });

  it('never answers an error with an error: a time exceeded for us is consumed', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.0.1', 1), { kind: 'time-exceeded', code: 0, rest: 0, original: new Uint8Array(28) }));
    expect(s.sent('mock0')).toEqual([]);
    expect(s.drops()).toEqual([]);
  });
});
