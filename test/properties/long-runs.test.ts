/**
 * Long runs over random topologies: pings of dozens of probes and sleeps of minutes, ten virtual
 * minutes in all. Neighbour entries go round REACHABLE, DELAY, PROBE and STALE many times, bridges age
 * what they learned; none of it is a storm. The generated topologies have no L2 loop, so the storm
 * guard must never fire, and the world must end quiet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { topologyScript } from '../../src/testing/to-scenario.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';
import { NS_PER_SEC } from '../../src/sim/event-loop.js';
import type { Topology } from '../../src/testing/model.js';

const TEN_MINUTES = 600 * NS_PER_SEC;

interface Lingering {
  readonly ping: number;
  readonly count: number;
  readonly interval: number;
  readonly sleep: number;
}

const lingeringArb = fc.array(
  fc.record({ ping: fc.nat(), count: fc.integer({ min: 10, max: 60 }), interval: fc.constantFrom(0.2, 1, 2), sleep: fc.integer({ min: 10, max: 240 }) }),
  { minLength: 1, maxLength: 3 },
);

/** The topology's own lines, then long pings along the same paths with sleeps between, then quiet until ten minutes have passed. */
function longScript(t: Topology, extra: readonly Lingering[]): string {
  const lines = topologyScript(t);
  for (const x of extra) {
    const p = t.pings[x.ping % t.pings.length];
    if (p) {
      const cmd = `ping -q -c ${x.count} -i ${x.interval} -W 4${p.dev ? ` -I ${p.dev}` : ''} ${p.dst}`;
      lines.push(p.ns === '' ? cmd : `ip netns exec ${p.ns} ${cmd}`);
    }
    lines.push(`sleep ${x.sleep}`);
  }
  lines.push('sleep 600');
  return `name: long-run\ntitle: a generated topology, run for ten minutes\nscript: |\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

describe('long runs over random topologies', () => {
  it('ten virtual minutes of pings and sleeps go quiet without the storm guard', () => {
    fc.assert(
      fc.property(topologyArb({ maxSegments: 3, maxLegs: 3 }), lingeringArb, (t, extra) => {
        // runSim throws its storm error if the work does not end.
        const run = runSim(parseScenario(longScript(t, extra), 'long-run.yaml'));
        expect(run.world.loop.now).toBeGreaterThanOrEqual(TEN_MINUTES);
        expect(run.world.loop.busy).toBe(false);
      }),
      { seed: 14, numRuns: 60 },
    );
  });
});
