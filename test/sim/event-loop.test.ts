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
