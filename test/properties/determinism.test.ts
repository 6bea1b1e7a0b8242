/** The same generated scenario and seed give byte-identical reports, traces and captured frames. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { runTopology } from '../../src/testing/run.js';

const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');

describe('determinism over random topologies', () => {
  it('same topology, same seed: the same report, trace and frames, byte for byte', () => {
    fc.assert(
      fc.property(topologyArb({ captureAll: true }), fc.integer({ min: 1, max: 1_000_000 }), (t, seed) => {
        const a = runTopology(t, { seed, explain: true }).run;
        const b = runTopology(t, { seed, explain: true }).run;
        expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report));
        expect(JSON.stringify(b.world.trace.events)).toBe(JSON.stringify(a.world.trace.events));
        expect(b.captures.map((c) => c.frames.map((f) => `${f.t} ${f.dir} ${hex(f.data)}`))).toEqual(a.captures.map((c) => c.frames.map((f) => `${f.t} ${f.dir} ${hex(f.data)}`)));
      }),
      { seed: 20261128, numRuns: 200 },
    );
  });
});
