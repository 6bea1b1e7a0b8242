/**
 * Bridges over random topologies (Linux and OVS): a frame never goes back out of the port it came in
 * on; every fdb entry names the port its MAC was last seen on; a loop-free topology always goes quiet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import type { Topology } from '../../src/testing/model.js';
import { runTopology } from '../../src/testing/run.js';
import { ovsBridgeOf } from '../../src/devices/ovs.js';
import { fdbOf } from '../../src/devices/bridge.js';
import { deviceAt, framesAt, hex, macString } from './helpers.js';

type Segment = Topology['segments'][number];
const isBridge = (s: Segment): s is Extract<Segment, { kind: 'bridge' | 'ovs' }> => s.kind === 'bridge' || s.kind === 'ovs';
const withBridge = (t: Topology) => t.segments.some(isBridge);
const bridged = topologyArb({ captureAll: true, maxSegments: 2, maxLegs: 4 }).filter(withBridge);
/** Everything up: more traffic crosses the bridges, so more is learned. */
const busy = topologyArb({ captureAll: true, maxSegments: 2, maxLegs: 4, linkStates: false, maxPings: 4 }).filter(withBridge);

describe('bridges over random topologies', () => {
  it('never send a frame back out of its ingress port', () => {
    let ports = 0;
    fc.assert(
      fc.property(bridged, (t) => {
        const { run } = runTopology(t);
        for (const s of t.segments) {
          if (!isBridge(s)) continue;
          for (const l of s.legs) {
            const came = new Set(framesAt(run, l.port, 'in').map((f) => hex(f.data)));
            if (came.size > 0) ports++;
            for (const f of framesAt(run, l.port, 'out')) expect(came.has(hex(f.data)), `${s.name} sent a frame back out of ${l.port}`).toBe(false);
          }
        }
      }),
      { seed: 4, numRuns: 200 },
    );
    expect(ports).toBeGreaterThan(100);
  });

  it('an fdb entry names the port where its MAC was last seen', () => {
    let entries = 0;
    let ovsEntries = 0;
    fc.assert(
      fc.property(busy, (t) => {
        const { run } = runTopology(t);
        const w = run.world;
        for (const s of t.segments) {
          if (!isBridge(s) || !s.up) continue;
          const br = deviceAt(run, '', s.name);
          if (!br) continue;
          // Where each source MAC entered the switch last: a port's received frames, and for OVS what
          // the bridge's own internal port sent into it.
          const seen: { t: number; mac: string; port: number }[] = [];
          for (const l of s.legs) {
            const p = deviceAt(run, '', l.port);
            if (p) for (const f of framesAt(run, l.port, 'in')) seen.push({ t: f.t, mac: macString(f.data, 6), port: p.dev.id });
          }
          const ovs = s.kind === 'ovs' ? ovsBridgeOf(w, br.dev.id) : undefined;
          if (ovs) for (const f of framesAt(run, s.name, 'out')) seen.push({ t: f.t, mac: macString(f.data, 6), port: ovs.internal });
          const last = new Map<string, number>();
          for (const x of seen.sort((a, b) => a.t - b.t)) last.set(x.mac, x.port);
          // The Linux bridge's fdb, or OVS's MAC learning table (untagged ports: all in VLAN 0).
          const learned = ovs ? [...ovs.ml.values()].map((e) => [e.mac, e] as const) : [...fdbOf(w, br.dev.id)];
          for (const [mac, e] of learned) {
            entries++;
            if (ovs) ovsEntries++;
            expect(last.get(mac), `${s.name}: ${mac}`).toBe(e.port);
          }
        }
      }),
      { seed: 5, numRuns: 400 },
    );
    expect(entries).toBeGreaterThan(300);
    expect(ovsEntries).toBeGreaterThan(100);
  });

  it('a loop-free topology always goes quiet', () => {
    fc.assert(
      fc.property(topologyArb({ maxSegments: 3, maxLegs: 4 }), (t) => {
        // runSim throws its storm error if the work does not end; after it nothing but quiet timers waits.
        const { run } = runTopology(t);
        expect(run.world.loop.busy).toBe(false);
      }),
      { seed: 6, numRuns: 200 },
    );
  });
});
