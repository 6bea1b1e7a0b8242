/** The byte-buffer text writer captures print into (src/capture/ascii-sink.ts), against plain strings. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascii, AsciiSink } from '../../src/capture/ascii-sink.js';

type Piece = { kind: 'bytes'; s: string } | { kind: 'text'; s: string } | { kind: 'decimal'; v: number } | { kind: 'ipv4'; v: number } | { kind: 'byte'; c: number };

const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), s: fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'grapheme' })) }),
  fc.record({ kind: fc.constant('decimal' as const), v: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(9, 10, 99, 100, 65535, 0xffffffff)) }),
  fc.record({ kind: fc.constant('ipv4' as const), v: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('byte' as const), c: fc.integer({ min: 0, max: 0x7f }) }),
  fc.record({ kind: fc.constant('bytes' as const), s: fc.string({ unit: 'binary-ascii' }) }),
);

function plain(p: Piece): string {
  if (p.kind === 'text' || p.kind === 'bytes') return p.s;
  if (p.kind === 'decimal') return `${p.v}`;
  if (p.kind === 'byte') return String.fromCharCode(p.c);
  return `${p.v >>> 24}.${(p.v >>> 16) & 255}.${(p.v >>> 8) & 255}.${p.v & 255}`;
}

describe('AsciiSink', () => {
  it('writes what the same pieces joined as strings make, through growth and non-ASCII text', () => {
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 200 }), fc.integer({ min: 1, max: 64 }), (pieces, initial) => {
        const sink = new AsciiSink(initial);
        for (const p of pieces) {
          if (p.kind === 'text') sink.text(p.s);
          else if (p.kind === 'decimal') sink.decimal(p.v);
          else if (p.kind === 'ipv4') sink.ipv4(p.v);
          else if (p.kind === 'bytes') sink.bytes(ascii(p.s));
          else sink.byte(p.c);
        }
        expect(sink.toString()).toBe(pieces.map(plain).join(''));
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
  it('a finished sink leaves its buffer to the next long one: both texts are whole and the first stays as it was', () => {
    const line = (c: string, n: number): string => `${c.repeat(n - 1)}\n`;
    const first = new AsciiSink(2 << 20);
    for (let i = 0; i < 30_000; i++) first.text(line('a', 70));
    const a = first.finish();
    const second = new AsciiSink(2 << 20);
    for (let i = 0; i < 20_000; i++) second.text(line('b', 70));
    second.text('é');
    const b = second.finish();
    expect(a).toBe(line('a', 70).repeat(30_000));
    expect(b).toBe(`${line('b', 70).repeat(20_000)}é`);
  });
});
