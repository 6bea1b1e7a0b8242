/** Every generated topology prints as a scenario file the loader accepts and the simulator can run. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { hostIfaces } from '../../src/testing/model.js';
import { topologyScript, topologyYaml } from '../../src/testing/to-scenario.js';
import { parseScenario } from '../../src/scenario/load.js';
import { prepare } from '../../src/runner/simulate.js';

describe('generated topologies', () => {
  it('print as valid scenario files whose every line the simulator runs', () => {
    const seen = { veth: 0, bridge: 0, ovs: 0, macvlan: 0, sysctl: 0, route: 0, dev: 0, overlap: 0, linkEvent: 0 };
    fc.assert(
      fc.property(topologyArb(), (t) => {
        const text = topologyYaml(t, { name: 'generated' });
        const s = parseScenario(text, 'generated.yaml');
        expect(prepare(s).length).toBe(s.script.length);
        expect(s.script.map((l) => l.text)).toEqual(topologyScript(t).map((l) => l.replace(/ &$/, '')));
        expect(s.captures.map((c) => c.point)).toEqual([...t.captures]);
        for (const seg of t.segments) seen[seg.kind]++;
        if (s.script.some((l) => l.text.includes('sysctl'))) seen.sysctl++;
        if (t.routes.length > 0) seen.route++;
        if (t.pings.some((p) => p.dev !== undefined)) seen.dev++;
        if ((t.linkEvents ?? []).length > 0) seen.linkEvent++;
        const addrs = hostIfaces(t).flatMap((i) => i.addrs.map((a) => a.split('/')[0]));
        if (new Set(addrs).size < addrs.length) seen.overlap++;
      }),
      { seed: 3, numRuns: 500 },
    );
    // The generator reaches every kind of thing it promises, often.
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(40);
  });

  it('shrink toward smaller topologies', () => {
    const r = fc.check(fc.property(topologyArb(), (t) => t.segments.length < 2), { seed: 9 });
    expect(r.failed).toBe(true);
    const [t] = r.counterexample as [import('../../src/testing/model.js').Topology];
    expect(t.segments.length).toBe(2);
    expect(t.pings.length).toBe(1);
  });
});
