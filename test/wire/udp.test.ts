import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitUdp, parseUdp, udpPartialChecksum } from '../../src/wire/udp.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { UDP_FRAME } from './helpers.js';

const ip = (s: string): number => parseIpv4(s) ?? NaN;
const SRC = ip('10.1.1.2');
const DST = ip('10.1.1.1');

describe('UDP', () => {
  it('decodes the datagram bash sent with /dev/udp over a veth and re-encodes it exactly', () => {
    const dgram = UDP_FRAME.subarray(34);
    // The veth offloaded the checksum: the field holds only the pseudo-header sum.
    expect(parseUdp(dgram, SRC, DST)).toMatchObject({ ok: false, error: { kind: 'checksum', stored: 0x1623 } });
    expect(udpPartialChecksum(SRC, DST, 13)).toBe(0x1623);
    const r = parseUdp(dgram, SRC, DST, { verifyChecksum: false });
    expect(r).toEqual({ ok: true, value: { srcPort: 46726, dstPort: 4000, data: new TextEncoder().encode('hello') } });
    if (r.ok) expect(emitUdp(r.value, SRC, DST, 'partial')).toEqual(dgram);
  });

  it('checks a full checksum with the pseudo-header (other addresses fail); zero means none', () => {
    const dgram = emitUdp({ srcPort: 46726, dstPort: 4000, data: new TextEncoder().encode('hello') }, SRC, DST);
    expect(parseUdp(dgram, SRC, DST).ok).toBe(true);
    expect(parseUdp(dgram, SRC, ip('10.1.1.3'))).toMatchObject({ ok: false, error: { kind: 'checksum', layer: 'udp' } });
    const noSum = emitUdp({ srcPort: 1, dstPort: 2, data: new Uint8Array(3) }, SRC, DST, 'none');
    expect(noSum[6]! | noSum[7]!).toBe(0);
    expect(parseUdp(noSum, SRC, ip('10.1.1.3')).ok).toBe(true);
  });

  it('emit -> parse -> emit is the identity; parse never throws', () => {
    fc.assert(
      fc.property(
        fc.record({
          srcPort: fc.integer({ min: 0, max: 0xffff }),
          dstPort: fc.integer({ min: 0, max: 0xffff }),
          data: fc.uint8Array({ maxLength: 64 }),
        }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (repr, s, d) => {
          const b = emitUdp(repr, s, d);
          const r = parseUdp(b, s, d);
          expect(r).toEqual({ ok: true, value: repr });
          if (r.ok) expect(emitUdp(r.value, s, d)).toEqual(b);
        },
      ),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(typeof parseUdp(b, SRC, DST).ok).toBe('boolean');
      }),
    );
  });
});
