import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CaptureTap } from '../../src/sim/capture-store.js';

/** A frame's bytes, from its number: each one different, some longer than an arena chunk (1 MiB). */
function frameBytes(i: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let k = 0; k < len; k++) b[k] = (i * 31 + k) & 0xff;
  return b;
}

describe('CaptureTap', () => {
  it('gives back every frame it kept, in order, across the first block’s doublings and the blocks after it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.array(fc.integer({ min: 0, max: 1600 }), { minLength: 1, maxLength: 7 }), (n, lengths) => {
        const tap = new CaptureTap(1);
        for (let i = 0; i < n; i++) tap.record(i * 1.5, frameBytes(i, lengths[i % lengths.length] as number), i % 3 === 0 ? 'in' : 'out', i + 1, 2 * i);
        expect(tap.length).toBe(n);
        // Compared by hand and told once: an expect per frame made this test minutes long.
        let seen = 0;
        const wrong: number[] = [];
        tap.forEachFrame((buf, off, len, dir, i) => {
          let same = i === seen && len === lengths[i % lengths.length] && dir === (i % 3 === 0 ? 'in' : 'out');
          for (let k = 0; same && k < len; k++) same = buf[off + k] === ((i * 31 + k) & 0xff);
          if (!same) wrong.push(i);
          seen++;
        });
        expect(wrong.slice(0, 5)).toEqual([]);
        expect(seen).toBe(n);
        const frames = tap.frames;
        expect(frames.length).toBe(n);
        for (const i of [0, n >> 1, n - 1].filter((k) => k >= 0 && k < n)) {
          const f = frames[i];
          expect(f && { t: f.t, dir: f.dir, pkt: f.pkt, seq: f.seq }).toEqual({ t: i * 1.5, dir: i % 3 === 0 ? 'in' : 'out', pkt: i + 1, seq: 2 * i });
          expect(f?.data).toEqual(frameBytes(i, lengths[i % lengths.length] as number));
        }
      }),
      { numRuns: 12 },
    );
  });

  it('keeps a frame longer than a chunk whole, and the frames after it in a fresh chunk', () => {
    const tap = new CaptureTap(1);
    const big = frameBytes(7, (1 << 20) + 10);
    tap.record(0, frameBytes(0, 100), 'out', 1, 0);
    tap.record(1, big, 'in', 2, 1);
    tap.record(2, frameBytes(2, 60), 'out', 3, 2);
    expect(tap.frames.map((f) => f.data.length)).toEqual([100, (1 << 20) + 10, 60]);
    expect(tap.frames[1]?.data).toEqual(big);
    expect(tap.frames[2]?.data).toEqual(frameBytes(2, 60));
  });
});
