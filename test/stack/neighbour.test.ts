/** The NUD state machine in virtual time, edge by edge. */
import { describe, expect, it } from 'vitest';
import { NS_PER_SEC } from '../../src/sim/event-loop.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { neighKey } from '../../src/sim/state.js';
import { addr, capture, dev, move, runPing, up, veth, world } from '../sim/helpers.js';

function twoNamespaces() {
  const { w, host } = world();
  const ns1 = w.createNamespace('ns1', false);
  const ns2 = w.createNamespace('ns2', false);
  veth(w, host, 'veth0', 'veth1');
  move(w, host, 'veth0', ns1);
  move(w, host, 'veth1', ns2);
  addr(ns1, 'veth0', '10.1.1.2/24');
  addr(ns2, 'veth1', '10.1.1.3/24');
  up(w, ns1, 'veth0');
  up(w, ns2, 'veth1');
  return { w, ns1, ns2 };
}

describe('neighbour entries', () => {
  it('INCOMPLETE -> FAILED after mcast_solicit (3) broadcast probes, one per retrans_time', () => {
    const { w, ns1 } = twoNamespaces();
    const c = capture(w, ns1, 'veth0');
    const r = runPing(w, ns1, ['-c', '1', '-W', '1', '10.1.1.9']);
    expect(c()).toBe('ARP, Request who-has 10.1.1.9 tell 10.1.1.2, length 28\n'.repeat(3));
    const e = ns1.state.neigh[neighKey(dev(ns1, 'veth0').ifindex, parseIpv4('10.1.1.9') as number)];
    expect(e?.state).toBe('FAILED');
    expect(e?.updated).toBe(3 * NS_PER_SEC);
    expect(r.exit).toBe(1);
  });

  it('the answering side learns the asker as STALE; its reply makes it DELAY; 5 s later PROBE, then REACHABLE', () => {
    const { w, ns1, ns2 } = twoNamespaces();
    const c2 = capture(w, ns2, 'veth1');
    const r = runPing(w, ns1, ['-c', '1', '10.1.1.3']);
    expect(r.exit).toBe(0);
    const lines = c2().trim().split('\n');
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/^ARP, Request who-has 10.1.1.2 tell 10.1.1.3, length 28$/), expect.stringMatching(/^ARP, Reply 10.1.1.2 is-at /)]);
    const e = ns2.state.neigh[neighKey(dev(ns2, 'veth1').ifindex, parseIpv4('10.1.1.2') as number)];
    expect(e?.state).toBe('REACHABLE');
    const probe = w.trace.events.find((x) => x.stage === 'neigh_timer_handler' && x.what.includes('DELAY -> PROBE'));
    expect(probe?.ns).toBe('ns2');
    expect(probe && Math.round(probe.t / NS_PER_SEC)).toBe(5);
  });

  it('the asker, answered, is REACHABLE and stays so when the peer later asks back', () => {
    const { w, ns1 } = twoNamespaces();
    runPing(w, ns1, ['-c', '1', '10.1.1.3']);
    const e = ns1.state.neigh[neighKey(dev(ns1, 'veth0').ifindex, parseIpv4('10.1.1.3') as number)];
    expect(e?.state).toBe('REACHABLE');
  });

  it('REACHABLE → STALE when the reachable time runs out unused, with the timer never re-armed for the same instant', () => {
    const { w, ns1, ns2 } = twoNamespaces();
    runPing(w, ns1, ['-c', '1', '10.1.1.3']);
    const before = w.loop.executed;
    w.loop.runUntil(w.loop.now + 120 * NS_PER_SEC);
    // A handful of timers (DELAY, PROBE, the REACHABLE deadlines 8 ms on), not millions.
    expect(w.loop.executed - before).toBeLessThan(50);
    expect(ns1.state.neigh[neighKey(dev(ns1, 'veth0').ifindex, parseIpv4('10.1.1.3') as number)]?.state).toBe('STALE');
    expect(ns2.state.neigh[neighKey(dev(ns2, 'veth1').ifindex, parseIpv4('10.1.1.2') as number)]?.state).toBe('STALE');
    // A STALE entry has no timer: nothing is left that could send.
    expect(w.loop.busy).toBe(false);
  });
});
