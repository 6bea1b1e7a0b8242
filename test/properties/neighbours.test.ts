/**
 * After a ping that got its reply, both neighbour entries exist: the pinger's for the destination names
 * the MAC of a device whose namespace owns that address, and that namespace's entry for the ping's
 * source names a MAC of the pinger's. (On-link pings without static routes, so the next hop is the
 * destination itself; pings of the pinger's own addresses go through lo and resolve nothing.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { runTopology } from '../../src/testing/run.js';
import { hostIfaces, pointOf, type Topology } from '../../src/testing/model.js';
import type { World } from '../../src/sim/world.js';
import type { NsState } from '../../src/sim/state.js';
import { fmt } from '../../src/stack/route.js';
import { echoOf, framesAt } from './helpers.js';

const VALID = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);

function localAddrs(ns: NsState): Set<string> {
  return new Set(ns.addrs.map((a) => fmt(a.local)));
}

function macsOf(ns: NsState): Set<string> {
  return new Set(Object.values(ns.devices).map((d) => d.mac));
}

function entry(ns: NsState, ip: string) {
  return Object.values(ns.neigh).filter((n) => fmt(n.ip) === ip && n.mac !== undefined && VALID.has(n.state));
}

/** Every namespace's state as it was at virtual time `t` (entries may fail later: nobody promised to answer probes). */
function statesAt(w: World, t: number): Map<string, NsState> {
  const out = new Map<string, NsState>();
  for (const h of w.history) if (h.t <= t && 'ns' in h) out.set(h.ns, h.state);
  return out;
}

const noRoutes = topologyArb({ captureAll: true, linkStates: false, sysctls: false, maxPings: 4 }).map((t): Topology => ({ ...t, routes: [] }));

describe('neighbours after a successful ping', () => {
  it('both ends hold an entry for the other, naming the right addresses', () => {
    let checked = 0;
    fc.assert(
      fc.property(noRoutes, (t) => {
        const { run, pings } = runTopology(t, { history: true });
        let start = -1;
        for (const { spec, exit, end } of pings) {
          // This ping's own echo requests: a later ping of the same address may come from another source.
          const from = start;
          start = end;
          const states = statesAt(run.world, end);
          const a = states.get(spec.ns);
          if (exit !== 0 || !a || spec.dev !== undefined || localAddrs(a).has(spec.dst)) continue;
          checked++;
          const mine = entry(a, spec.dst);
          expect(mine.length, `${spec.ns || 'root'} has an entry for ${spec.dst}`).toBeGreaterThan(0);
          const owners = [...states.values()].filter((b) => localAddrs(b).has(spec.dst) && mine.some((e) => macsOf(b).has(e.mac as string)));
          expect(owners.length, `${spec.dst}'s MAC belongs to a namespace owning ${spec.dst}`).toBeGreaterThan(0);
          // The ping's source: what its echo requests carried.
          const sources = new Set(
            hostIfaces(t)
              .filter((i) => i.ns === spec.ns)
              .map((i) => pointOf(i.ns, i.name))
              .flatMap((p) => framesAt(run, p, 'out').filter((f) => f.t > from && f.t <= end).map((f) => echoOf(f.data)))
              .filter((e) => e?.type === 'request' && e.dst === spec.dst)
              .map((e) => e?.src as string),
          );
          for (const src of sources) {
            const back = owners.flatMap((b) => entry(b, src).filter((e) => macsOf(a).has(e.mac as string)));
            expect(back.length, `an owner of ${spec.dst} has an entry for ${src} with one of ${spec.ns || 'root'}'s MACs`).toBeGreaterThan(0);
          }
        }
      }),
      { seed: 7, numRuns: 600 },
    );
    expect(checked).toBeGreaterThan(150);
  });
});
