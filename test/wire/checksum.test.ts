import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksumIsValid, internetChecksum, internetChecksumRange, onesComplementSum } from '../../src/wire/checksum.js';
import { ECHO_REQUEST_FRAME, hex } from './helpers.js';

describe('internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 section 3', () => {
    const data = hex('0001 f203 f4f5 f6f7');
    expect(onesComplementSum(data)).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(onesComplementSum(hex('0102 03'))).toBe(0x0102 + 0x0300);
  });

  it('accepts the header checksum the kernel computed, and rejects a flipped bit', () => {
    const header = ECHO_REQUEST_FRAME.slice(14, 34);
    expect(checksumIsValid(header)).toBe(true);
    header[8] = header[8]! ^ 0x01; // TTL
    expect(checksumIsValid(header)).toBe(false);
  });

  it('recomputes the kernel value from a zeroed field', () => {
    const header = ECHO_REQUEST_FRAME.slice(14, 34);
    const stored = (header[10]! << 8) | header[11]!;
    header[10] = 0;
    header[11] = 0;
    expect(internetChecksum(header)).toBe(stored);
  });

  it('chains: summing two parts with `initial` equals summing the concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }).map((a) => a.subarray(0, a.length & ~1)), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const whole = new Uint8Array([...a, ...b]);
        expect(onesComplementSum(b, onesComplementSum(a))).toBe(onesComplementSum(whole));
      }),
    );
  });

  it('a message with its checksum filled in always verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 200 }), (data) => {
        const msg = data.slice();
        msg[2] = 0;
        msg[3] = 0;
        const c = internetChecksum(msg);
        msg[2] = c >>> 8;
        msg[3] = c & 0xff;
        expect(checksumIsValid(msg)).toBe(true);
      }),
    );
  });

  it('sums as RFC 1071 words one at a time do, over any range, odd ends included', () => {
    // The reference: the definition, a big-endian word at a time, folded as it goes.
    const reference = (d: Uint8Array, start: number, end: number, initial: number) => {
      let sum = initial;
      for (let i = start; i < end; i += 2) {
        sum += ((d[i] as number) << 8) | (i + 1 < end ? (d[i + 1] as number) : 0);
        sum = (sum & 0xffff) + (sum >>> 16);
      }
      return (sum & 0xffff) + (sum >>> 16);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (data, a, b, initial) => {
        const start = data.length === 0 ? 0 : a % (data.length + 1);
        const end = start + (data.length === 0 ? 0 : b % (data.length - start + 1));
        expect(onesComplementSum(data.subarray(start, end), initial)).toBe(reference(data, start, end, initial));
        expect(internetChecksumRange(data, start, end)).toBe(~reference(data, start, end, 0) & 0xffff);
      }),
    );
  });
});
