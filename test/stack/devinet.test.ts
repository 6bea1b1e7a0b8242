/** Addresses (devinet): primaries and secondaries, the routes they bring, lo's 127.0.0.1. */
import { describe, expect, it } from 'vitest';
import { inet_rtm_deladdr, inet_rtm_newaddr } from '../../src/stack/devinet.js';
import { dev_change_flags } from '../../src/core/dev.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../../src/sim/state.js';
import { A, stageWorld } from './fixtures.js';

describe('devinet', () => {
  it('makes a second address of the same subnet a secondary, after the primary', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    expect(inet_rtm_newaddr(s.ns, s.dev('mock0').ifindex, { local: A('10.0.0.2'), prefixlen: 24, broadcast: 'auto' })).toEqual({ ok: true });
    expect(s.ns.state.addrs.filter((a) => a.ifindex === s.dev('mock0').ifindex).map((a) => [a.local, a.secondary])).toEqual([
      [A('10.0.0.1'), false],
      [A('10.0.0.2'), true],
    ]);
  });

  it('refuses the same address twice (EEXIST, "Address already assigned")', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    expect(inet_rtm_newaddr(s.ns, s.dev('mock0').ifindex, { local: A('10.0.0.1'), prefixlen: 24 })).toEqual({ ok: false, errno: 'EEXIST', extack: 'ipv4: Address already assigned' });
  });

  it('adds the local, broadcast and prefix routes of an address on an up device', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    const mine = s.ns.state.routes.filter((r) => r.dev === s.dev('mock0').ifindex).map((r) => [r.table, r.type, r.dst, r.dstLen]);
    expect(mine).toEqual(
      expect.arrayContaining([
        [RT_TABLE_LOCAL, 'local', A('10.0.0.1'), 32],
        [RT_TABLE_LOCAL, 'broadcast', A('10.0.0.255'), 32],
        [RT_TABLE_MAIN, 'unicast', A('10.0.0.0'), 24],
      ]),
    );
  });

  it('deleting a primary takes its secondaries (promote_secondaries=0) and, being the last, every route through the device', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    const i = s.dev('mock0').ifindex;
    inet_rtm_newaddr(s.ns, i, { local: A('10.0.0.2'), prefixlen: 24, broadcast: 'auto' });
    expect(inet_rtm_deladdr(s.ns, i, A('10.0.0.1'), 24)).toEqual({ ok: true });
    expect(s.ns.state.addrs.filter((a) => a.ifindex === i)).toEqual([]);
    expect(s.ns.state.routes.filter((r) => r.dev === i)).toEqual([]);
  });

  it('gives lo 127.0.0.1/8 the first time it comes up, in a new namespace', () => {
    const s = stageWorld({});
    const ns2 = s.w.createNamespace('ns2', false);
    expect(ns2.state.addrs).toEqual([]);
    dev_change_flags(s.w, ns2, 1, true);
    expect(ns2.state.addrs.map((a) => [a.ifindex, a.local, a.prefixlen, a.scope])).toEqual([[1, A('127.0.0.1'), 8, 'host']]);
  });
});
