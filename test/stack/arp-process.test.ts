/** arp_rcv → arp_process on a mock device: the exact reply, the table after, and each refusal's reason. */
import { describe, expect, it } from 'vitest';
import { devinet_conf_set } from '../../src/stack/devinet.js';
import { neigh_lookup } from '../../src/core/neighbour.js';
import { emitArp, type ArpRepr } from '../../src/wire/arp.js';
import { eth_header } from '../../src/core/skbuff.js';
import { A, decode, PEER_MAC, stageWorld } from './fixtures.js';

function arpFrame(a: Partial<ArpRepr> & { operation: number; targetIp: number }, dst = 'ff:ff:ff:ff:ff:ff'): Uint8Array {
  const repr: ArpRepr = { senderMac: PEER_MAC, senderIp: A('10.0.0.9'), targetMac: '00:00:00:00:00:00', ...a };
  return eth_header(dst, repr.senderMac, 0x0806, emitArp(repr));
}

describe('arp_process', () => {
  it('answers a request for its own address and learns the asker as STALE', () => {
    // Arrange
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    // Act
    s.receive('mock0', arpFrame({ operation: 1, targetIp: A('10.0.0.1') }));
    // Assert
    const out = s.sent('mock0').map(decode);
    expect(out.map((d) => d.arp)).toEqual([{ operation: 2, senderMac: '02:00:00:00:00:01', senderIp: A('10.0.0.1'), targetMac: PEER_MAC, targetIp: A('10.0.0.9') }]);
    expect(out[0]?.eth.dst).toBe(PEER_MAC);
    expect(neigh_lookup(s.ns, s.dev('mock0').ifindex, A('10.0.0.9'))).toMatchObject({ state: 'STALE', mac: PEER_MAC });
  });

  it('does not answer for an address of another device with arp_ignore=1, and says why', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24', mock1: '10.0.1.1/24' });
    devinet_conf_set(s.ns, s.dev('mock0').ifindex, 'arp_ignore', 1);
    s.receive('mock0', arpFrame({ operation: 1, targetIp: A('10.0.1.1') }));
    expect(s.sent('mock0')).toEqual([]);
    expect(s.drops().map((e) => [e.drop, e.what.includes('arp_ignore=1')])).toEqual([['ARP_IGNORE', true]]);
  });

  it('refuses a request whose sender is its own address (accept_local=0), and does not learn it', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24', mock1: '10.0.0.2/24' });
    s.receive('mock0', arpFrame({ operation: 1, senderIp: A('10.0.0.2'), targetIp: A('10.0.0.1') }));
    expect(s.sent('mock0')).toEqual([]);
    expect(s.drops().map((e) => e.drop)).toEqual(['IP_LOCAL_SOURCE']);
    expect(neigh_lookup(s.ns, s.dev('mock0').ifindex, A('10.0.0.2'))).toBeUndefined();
  });

  it('ignores an unsolicited reply (arp_accept=0): consumed, no entry, no drop', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    s.receive('mock0', arpFrame({ operation: 2, targetIp: A('10.0.0.1'), targetMac: '02:00:00:00:00:01' }, '02:00:00:00:00:01'));
    expect(neigh_lookup(s.ns, s.dev('mock0').ifindex, A('10.0.0.9'))).toBeUndefined();
    expect(s.drops()).toEqual([]);
    const ends = s.w.trace.events.filter((e) => e.kind === 'consume' && e.stage === 'arp_process');
    expect(ends.map((e) => e.what)).toEqual([expect.stringContaining('unsolicited reply ignored')]);
  });

  it.each([
    ['cut short', (f: Uint8Array) => f.subarray(0, 14 + 20), 'PKT_TOO_SMALL'],
    ['for another hardware type', (f: Uint8Array) => ((f[14 + 1] = 6), f), 'INVALID_PROTO'],
  ])('drops an ARP packet %s as %s', (_what, spoil, reason) => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    s.receive('mock0', spoil(arpFrame({ operation: 1, targetIp: A('10.0.0.1') })));
    expect(s.drops().map((e) => [e.stage, e.drop])).toEqual([['arp_rcv', reason]]);
  });

  it('never answers for a multicast target', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    s.receive('mock0', arpFrame({ operation: 1, targetIp: A('224.0.0.1') }));
    expect(s.drops().map((e) => e.drop)).toEqual(['ARP_BAD_TARGET']);
  });
});
