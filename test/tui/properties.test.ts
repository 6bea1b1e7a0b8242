/**
 * The UI over random topologies (src/testing's topologyArb). The state it shows: "before event N+1" is
 * "after event N", the same as the world's history says by its own reader (src/sim/history.ts), and
 * after the last event it is the world's final state — no change went unrecorded. Journeys: every
 * packet starts where it was built (a clone where its parent is at that instant) and ends in exactly
 * one drop or consume, its last event. Stepping: forwards visits every event once and in order, back
 * visits them in reverse, `]`/`[` visit exactly the drops, and what the State and Why panes show at an
 * event depends on that event alone — reached forwards, backwards or by a jump.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { runTopology } from '../../src/testing/run.js';
import { TuiModel } from '../../src/tui/model/app-model.js';
import { runView, type RunView } from '../../src/tui/model/run-view.js';
import { openSession } from '../../src/tui/model/session.js';
import { stateView } from '../../src/tui/model/state-view.js';
import { journeyEvents, packetIndex } from '../../src/tui/model/journey.js';
import { stateAfter as historyAfter } from '../../src/sim/history.js';
import { whyRows } from '../../src/tui/model/why.js';
import { writePcaps } from '../../src/cli/pcap-export.js';

const RUNS = 25;

function opened(view: RunView): TuiModel {
  return new TuiModel({ files: [], seed: 1, pcapDir: '.', writePcaps, columns: 80, rows: 24, open: openSession(view.scenario, 1, view) });
}

/** What the panes that depend on the moment show at the model's selection. */
function panes(m: TuiModel): string {
  const view = m.view();
  const sel = m.run?.sel ?? 0;
  const ns = m.stateNs();
  const st = stateView({ ns, before: view.stateAt(ns, sel - 1), after: view.stateAt(ns, sel), peerName: (id) => String(id) });
  const why = whyRows({ view, seq: sel, width: 60, suggestion: m.suggestion() });
  return JSON.stringify([st.rows, why]);
}

const topologies = topologyArb({ maxPings: 3 }).map((t) => {
  const r = runTopology(t, { explain: true, history: true });
  return runView(r.scenario, r.run);
});

describe('the state at each event', () => {
  it('before event N+1 is after event N, as the history reader has it, and the end is the world\'s final state', () => {
    fc.assert(
      fc.property(topologies, (view) => {
        const history = view.run.world.history;
        for (let n = -1; n < view.events.length; n++) {
          const recorded = historyAfter(history, n).namespaces;
          for (const ns of view.namespaces) {
            expect(view.stateBefore(ns, n + 1)).toBe(view.stateAfter(ns, n));
            expect(view.stateAfter(ns, n)).toBe(recorded.get(ns));
          }
        }
        for (const [name, ns] of view.run.world.namespaces) expect(view.stateAfter(name, view.events.length - 1)).toBe(ns.state);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('packet journeys', () => {
  it('each packet starts where it was built, ends in exactly one drop or consume, and its journey holds every event of it', () => {
    fc.assert(
      fc.property(topologies, (view) => {
        const idx = packetIndex(view);
        for (const e of view.events) if (e.kind !== 'state') expect(e.pkt, `${e.stage} at seq ${e.seq} names no packet`).toBeDefined();
        for (const p of idx.packets.values()) {
          const evs = p.seqs.map((s) => view.events[s] as (typeof view.events)[number]);
          const first = evs[0] as (typeof evs)[number];
          if (p.parent === undefined) expect(first.parent).toBeUndefined();
          else {
            // A clone is made where its parent is at that instant (a flood's port, a packet socket's device).
            const parent = idx.packets.get(p.parent);
            expect(parent, `#${p.id}'s parent #${p.parent} has no events`).toBeDefined();
            expect(parent?.seqs.some((s) => view.events[s]?.t === first.t && view.events[s]?.ns === first.ns)).toBe(true);
            expect(parent?.seqs[0]).toBeLessThan(first.seq);
          }
          const ends = evs.filter((e) => e.kind === 'drop' || e.kind === 'consume');
          expect(ends.map((e) => e.seq), `#${p.id}: ${evs.map((e) => `${e.kind} ${e.stage}`).join(', ')}`).toEqual([evs[evs.length - 1]?.seq]);
          const journey = journeyEvents(view, idx, p.id).map((e) => e.seq);
          for (const s of p.seqs) expect(journey).toContain(s);
          expect(journey).toEqual([...journey].sort((a, b) => a - b));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('stepping through random runs', () => {
  it('n visits every event once in order, p the same in reverse, and each event shows the same state either way', () => {
    fc.assert(
      fc.property(topologies, (view) => {
        const m = opened(view);
        const forwards: number[] = [];
        const seen = new Map<number, string>();
        for (let i = 0; i < view.events.length; i++) {
          forwards.push(m.run?.sel as number);
          seen.set(m.run?.sel as number, panes(m));
          m.press('n');
        }
        expect(forwards).toEqual([...view.events.keys()]);
        const backwards: number[] = [];
        for (let i = 0; i < view.events.length; i++) {
          backwards.push(m.run?.sel as number);
          expect(panes(m)).toBe(seen.get(m.run?.sel as number));
          m.press('p');
        }
        expect(backwards).toEqual([...view.events.keys()].reverse());
      }),
      { numRuns: RUNS },
    );
  });

  it('] and [ visit exactly the drops; : jumps to any event and shows what stepping there shows', () => {
    fc.assert(
      fc.property(topologies, fc.nat(), (view, pick) => {
        const m = opened(view);
        const drops = view.events.filter((e) => e.kind === 'drop').map((e) => e.seq);
        const visited: number[] = [];
        if (view.events[0]?.kind === 'drop') visited.push(0);
        for (;;) {
          const before = m.run?.sel;
          m.press(']');
          if (m.run?.sel === before) break;
          visited.push(m.run?.sel as number);
        }
        expect(visited).toEqual(drops);
        const back: number[] = [];
        m.press('G');
        if (view.events[view.events.length - 1]?.kind === 'drop') back.push(view.events.length - 1);
        for (;;) {
          const before = m.run?.sel;
          m.press('[');
          if (m.run?.sel === before) break;
          back.push(m.run?.sel as number);
        }
        expect(back).toEqual([...drops].reverse());
        if (view.events.length === 0) return;
        const target = pick % view.events.length;
        m.press(`:${target + 1}\r`);
        const jumped = panes(m);
        const walk = opened(view);
        for (let i = 0; i < target; i++) walk.press('n');
        expect(walk.run?.sel).toBe(target);
        expect(panes(walk)).toBe(jumped);
      }),
      { numRuns: RUNS },
    );
  });
});
