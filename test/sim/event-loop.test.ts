import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventLoop } from '../../src/sim/event-loop.js';
import { Rng } from '../../src/sim/rng.js';

describe('EventLoop', () => {
  it('runs events in time order, and in scheduling order at the same instant', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }), (times) => {
        const loop = new EventLoop();
        const ran: [number, number][] = [];
        times.forEach((t, i) => loop.at(t, () => ran.push([loop.now, i])));
        while (loop.step());
        const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(ran).toEqual(expected);
      }),
    );
  });

  it('runs events scheduled from events, some cancelled, in the order a plain sorted list gives', () => {
    // Each event schedules children `after` the delays it draws (more distinct delays than the loop has
    // lanes, so lanes and the heap both fill) and may cancel an earlier event; the first events are
    // scheduled `at` their times. The reference is a list searched for its least (time, sequence).
    const program = fc.array(fc.record({ delays: fc.array(fc.constantFrom(0, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 40), { maxLength: 3 }), cancel: fc.nat(30) }), { minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(program, fc.array(fc.nat(20), { minLength: 1, maxLength: 5 }), (ops, starts) => {
        const run = (schedule: (at: number, fn: () => void, child: boolean) => { cancel(): void }, now: () => number) => {
          const order: string[] = [];
          const handles: { cancel(): void }[] = [];
          let next = 0;
          const spawn = (at: number, name: string, child: boolean): void => {
            handles.push(
              schedule(at, () => {
                order.push(`${name}@${now()}`);
                const op = ops[next++ % ops.length] as (typeof ops)[number];
                if (next > 400) return;
                handles[op.cancel % handles.length]?.cancel();
                op.delays.forEach((d, i) => spawn(now() + d, `${name}.${i}`, true));
              }, child),
            );
          };
          starts.forEach((t, i) => spawn(t, `s${i}`, false));
          return order;
        };
        const loop = new EventLoop();
        const real = run((at, fn, child) => {
          const t = child ? loop.after(at - loop.now, fn) : loop.at(at, fn);
          return { cancel: () => loop.cancel(t) };
        }, () => loop.now);
        while (loop.step());
        const list: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
        let seq = 0;
        let now = 0;
        const ref = run((at, fn) => {
          const e = { at: Math.max(at, now), seq: seq++, fn, cancelled: false };
          list.push(e);
          return { cancel: () => (e.cancelled = true) };
        }, () => now);
        for (;;) {
          const live = list.filter((e) => !e.cancelled);
          if (live.length === 0) break;
          const first = live.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a));
          list.splice(list.indexOf(first), 1);
          now = first.at;
          first.fn();
        }
        expect(real).toEqual(ref);
        expect(loop.pending).toBe(0);
      }),
    );
  });

  it('forgets cancelled events, and counts only loud ones as keeping the run alive', () => {
    const loop = new EventLoop();
    const a = loop.after(10, () => undefined);
    loop.after(20, () => undefined, true);
    expect(loop.busy).toBe(true);
    loop.cancel(a);
    expect(loop.busy).toBe(false);
    expect(loop.step()).toBe(true);
    expect(loop.now).toBe(20);
    expect(loop.step()).toBe(false);
  });
});

describe('Rng', () => {
  it('is fixed by its seed and makes locally administered unicast MACs', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const macs = Array.from({ length: 20 }, () => a.mac());
    expect(Array.from({ length: 20 }, () => b.mac())).toEqual(macs);
    for (const m of macs) expect(parseInt(m.slice(0, 2), 16) & 0x03).toBe(0x02);
    expect(new Rng(43).mac()).not.toBe(macs[0]);
  });
});
