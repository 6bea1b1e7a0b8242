/**
 * The NUD state machine on a mock device, one test per edge (named '<from> → <to> when <event>', as
 * gVisor's neighbor_entry tests are), with virtual time as the manual clock.
 */
import { describe, expect, it } from 'vitest';
import { NS_PER_SEC } from '../../src/sim/event-loop.js';
import { alloc_skb } from '../../src/core/skbuff.js';
import { neigh_add, neigh_lookup } from '../../src/core/neighbour.js';
import { ip_route_output } from '../../src/stack/route.js';
import { buildDatagram, ip_output } from '../../src/stack/ipv4-output.js';
import { emitArp } from '../../src/wire/arp.js';
import { emitIcmp } from '../../src/wire/icmp.js';
import { eth_header } from '../../src/core/skbuff.js';
import { A, decode, PEER_MAC, stageWorld, type StageWorld } from './fixtures.js';

const PEER = '10.0.0.9';

function world() {
  return stageWorld({ mock0: '10.0.0.1/24' });
}

/** The stack sends one datagram to the peer (as a ping would). */
function send(s: StageWorld): void {
  const route = ip_route_output(s.ns.state, { daddr: A(PEER), saddr: 0, oif: 0 });
  if (!route.ok) throw new Error('no route');
  const d = buildDatagram({ src: route.saddr, dst: A(PEER), protocol: 1, ttl: 64, ident: 1, dontFragment: false }, emitIcmp({ kind: 'echo-request', ident: 1, seq: 1, data: new Uint8Array(4) }));
  ip_output(s.w, alloc_skb(s.w, s.ns, route.dev, d), route);
}

/** The peer answers (an ARP reply to us). */
function peerReplies(s: StageWorld, mac = PEER_MAC): void {
  s.receive('mock0', eth_header('02:00:00:00:00:01', mac, 0x0806, emitArp({ operation: 2, senderMac: mac, senderIp: A(PEER), targetMac: '02:00:00:00:00:01', targetIp: A('10.0.0.1') })));
}

const state = (s: StageWorld) => neigh_lookup(s.ns, s.dev('mock0').ifindex, A(PEER))?.state;
const arps = (s: StageWorld) => s.sent('mock0').map(decode).filter((d) => d.arp !== undefined).map((d) => `${d.eth.dst} who-has ${d.arp?.targetIp === A(PEER) ? PEER : '?'}`);

/** REACHABLE through a first resolution. */
function reachable(): StageWorld {
  const s = world();
  send(s);
  peerReplies(s);
  s.sent('mock0');
  return s;
}

describe('neighbour entries, edge by edge', () => {
  it('NONE → INCOMPLETE when a packet needs the neighbour: one broadcast request, the packet waits', () => {
    const s = world();
    send(s);
    expect(state(s)).toBe('INCOMPLETE');
    expect(arps(s)).toEqual([`ff:ff:ff:ff:ff:ff who-has ${PEER}`]);
  });

  it('INCOMPLETE → REACHABLE when the reply comes: the waiting packet goes to the MAC', () => {
    const s = world();
    send(s);
    s.sent('mock0');
    peerReplies(s);
    expect(state(s)).toBe('REACHABLE');
    expect(s.sent('mock0').map((f) => decode(f).eth.dst)).toEqual([PEER_MAC]);
  });

  it('INCOMPLETE → FAILED after mcast_solicit (3) requests one retrans_time (1 s) apart; the packet is dropped', () => {
    const s = world();
    send(s);
    s.advance(4 * NS_PER_SEC);
    expect(state(s)).toBe('FAILED');
    expect(arps(s)).toHaveLength(3);
    expect(s.drops().map((e) => e.drop)).toContain('NEIGH_FAILED');
  });

  it('REACHABLE → STALE when reachable_time (15-45 s) passes unused, with no probe', () => {
    const s = reachable();
    s.advance(60 * NS_PER_SEC);
    expect(state(s)).toBe('STALE');
    expect(arps(s)).toEqual([]);
  });

  it('STALE → DELAY when used: the packet goes out at once to the MAC it had', () => {
    const s = reachable();
    s.advance(60 * NS_PER_SEC);
    send(s);
    expect(state(s)).toBe('DELAY');
    expect(s.sent('mock0').map((f) => decode(f).eth.dst)).toEqual([PEER_MAC]);
  });

  it('DELAY → PROBE after delay_first_probe_time (5 s) unconfirmed: a unicast request', () => {
    const s = reachable();
    s.advance(60 * NS_PER_SEC);
    send(s);
    s.sent('mock0');
    s.advance(5 * NS_PER_SEC + 1);
    expect(state(s)).toBe('PROBE');
    expect(arps(s)).toEqual([`${PEER_MAC} who-has ${PEER}`]);
  });

  it('DELAY → REACHABLE when a reply confirms it in time', () => {
    const s = reachable();
    s.advance(60 * NS_PER_SEC);
    send(s);
    peerReplies(s);
    expect(state(s)).toBe('REACHABLE');
  });

  it('PROBE → REACHABLE when the probe is answered', () => {
    const s = reachable();
    s.advance(60 * NS_PER_SEC);
    send(s);
    s.advance(5 * NS_PER_SEC + 1);
    peerReplies(s);
    expect(state(s)).toBe('REACHABLE');
  });

  it('PROBE → FAILED after ucast_solicit (3) unanswered probes', () => {
    const s = reachable();
    s.advance(60 * NS_PER_SEC);
    send(s);
    s.sent('mock0');
    s.advance(10 * NS_PER_SEC);
    expect(state(s)).toBe('FAILED');
    expect(arps(s)).toEqual(Array(3).fill(`${PEER_MAC} who-has ${PEER}`));
  });

  it('PERMANENT stays PERMANENT when an ARP request brings another MAC (a learned update never touches it)', () => {
    const s = world();
    neigh_add(s.w, s.ns, s.dev('mock0').ifindex, A(PEER), PEER_MAC, 'PERMANENT', false);
    s.receive('mock0', eth_header('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:55', 0x0806, emitArp({ operation: 1, senderMac: '02:00:00:00:00:55', senderIp: A(PEER), targetMac: '00:00:00:00:00:00', targetIp: A('10.0.0.1') })));
    expect(neigh_lookup(s.ns, s.dev('mock0').ifindex, A(PEER))).toMatchObject({ state: 'PERMANENT', mac: PEER_MAC });
  });

  it('REACHABLE (set by `ip neigh add ... nud reachable`) → STALE when its reachable time passes: the add arms the timer', () => {
    const s = world();
    expect(neigh_add(s.w, s.ns, s.dev('mock0').ifindex, A(PEER), PEER_MAC, 'REACHABLE', false)).toEqual({ ok: true });
    expect(state(s)).toBe('REACHABLE');
    s.advance(60 * NS_PER_SEC);
    expect(state(s)).toBe('STALE');
  });
});
