/**
 * Conservation on veth pairs: what one end transmits, its peer receives — the same frames, in the same
 * order (a macvlan's lower device receives its bridge-mode macvlans' frames too, uncounted) — and what
 * it could not deliver is counted (tx_dropped) and has a drop reason in the trace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { runTopology } from '../../src/testing/run.js';
import { pointOf } from '../../src/testing/model.js';
import { deviceAt, framesAt, hex } from './helpers.js';

describe('conservation over random topologies', () => {
  it('every frame sent on an up veth end with carrier is received by its peer, in order; nothing vanishes without a drop reason', () => {
    let pairsChecked = 0;
    fc.assert(
      fc.property(topologyArb({ captureAll: true }), (t) => {
        const { run } = runTopology(t, { explain: true });
        const w = run.world;
        const captured = new Set(t.captures);
        const ends = [...w.namespaces.values()].flatMap((ns) => Object.values(ns.state.devices).filter((d) => d.kind === 'veth').map((dev) => ({ ns, dev })));
        for (const x of ends) {
          const y = x.dev.peer === undefined ? undefined : w.device(x.dev.peer);
          expect(y, `${x.dev.name} has its peer`).toBeDefined();
          if (!y) continue;
          const sx = w.statsOf(x.dev.id);
          const sy = w.statsOf(y.dev.id);
          // Counters: what x delivered is what y received (no device is deleted in these topologies).
          expect(sy.rx_packets, `${x.dev.name} -> ${y.dev.name}`).toBe(sx.tx_packets);
          const px = pointOf(x.ns.name, x.dev.name);
          const py = pointOf(y.ns.name, y.dev.name);
          if (!captured.has(px) || !captured.has(py)) continue;
          // A macvlan's lower device also receives what its bridge-mode macvlans hand each other
          // (dev_forward_skb "for its network taps"): its capture shows more than its peer sent.
          const lowerOfMacvlans = [...w.namespaces.values()].some((ns) => Object.values(ns.state.devices).some((d) => d.link === y.dev.id));
          if (lowerOfMacvlans) continue;
          pairsChecked++;
          const sent = framesAt(run, px, 'out');
          const got = framesAt(run, py, 'in');
          if (sx.tx_dropped === 0) expect(got.map((f) => hex(f.data)), `${px} -> ${py}`).toEqual(sent.map((f) => hex(f.data)));
          expect(sent.length).toBe(sx.tx_packets + sx.tx_dropped);
        }
        // Every frame a veth end refused is a drop in the trace, with its reason.
        const refused = ends.reduce((n, e) => n + w.statsOf(e.dev.id).tx_dropped, 0);
        const traced = w.trace.drops.filter((d) => d.stage === 'veth_xmit').length;
        expect(traced).toBe(refused);
        for (const d of w.trace.drops) expect(d.what.length, `drop at ${d.stage} has a reason`).toBeGreaterThan(0);
      }),
      { seed: 1128, numRuns: 200 },
    );
    expect(pairsChecked).toBeGreaterThan(200);
  });
});
