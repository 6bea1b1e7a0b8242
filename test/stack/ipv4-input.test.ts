/** ip_rcv → ip_route_input → ip_local_deliver | ip_forward, one frame in, the exact frames out. */
import { describe, expect, it } from 'vitest';
import { devinet_conf_set } from '../../src/stack/devinet.js';
import { inet_rtm_newroute } from '../../src/stack/fib_semantics.js';
import { emitIpv4Packet } from '../../src/wire/ipv4.js';
import { emitIcmp } from '../../src/wire/icmp.js';
import { eth_header } from '../../src/core/skbuff.js';
import { A, decode, icmpFrame, ipv4Repr, knownNeighbour, PEER_MAC, stageWorld } from './fixtures.js';

const echo = (seq = 1) => ({ kind: 'echo-request' as const, ident: 0x4242, seq, data: new Uint8Array([1, 2, 3, 4]) });

describe('ip_rcv and local delivery', () => {
  it('answers an echo request for its own address with the same id, sequence and data', () => {
    // Arrange
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    knownNeighbour(s, 'mock0', '10.0.0.9');
    // Act
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.0.1', 1), echo(5)));
    // Assert
    const [reply, ...more] = s.sent('mock0');
    expect(more).toEqual([]);
    const d = decode(reply as Uint8Array);
    expect(d.eth).toMatchObject({ dst: PEER_MAC, src: '02:00:00:00:00:01', ethertype: 0x0800 });
    expect(d.ip).toMatchObject({ src: A('10.0.0.1'), dst: A('10.0.0.9'), protocol: 1, ttl: 64 });
    expect(d.icmp).toEqual({ kind: 'echo-reply', ident: 0x4242, seq: 5, data: new Uint8Array([1, 2, 3, 4]) });
    expect(s.drops()).toEqual([]);
  });

  it.each([
    ['a corrupt header checksum', (f: Uint8Array) => void (f[14 + 10] = (f[14 + 10] as number) ^ 0xff), 'IP_CSUM'],
    ['a total length beyond the frame', (f: Uint8Array) => void (f[14 + 3] = 0xff), 'IP_INHDR'],
    ['version 6 in an IPv4 header', (f: Uint8Array) => void (f[14] = 0x65), 'IP_INHDR'],
  ])('drops %s as %s, answering nothing', (_what, spoil, reason) => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    knownNeighbour(s, 'mock0', '10.0.0.9');
    const f = icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.0.1', 1), echo());
    spoil(f);
    s.receive('mock0', f);
    expect(s.sent('mock0')).toEqual([]);
    expect(s.drops().map((e) => e.drop)).toEqual([reason]);
  });

  it('drops a frame for another MAC as OTHERHOST', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    s.receive('mock0', icmpFrame({ dst: '02:00:00:00:00:77' }, ipv4Repr('10.0.0.9', '10.0.0.1', 1), echo()));
    expect(s.drops().map((e) => [e.stage, e.drop])).toEqual([['ip_rcv', 'OTHERHOST']]);
  });

  it('drops a datagram for an unknown protocol at ip_local_deliver (IP_NOPROTO)', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    s.receive('mock0', eth_header('02:00:00:00:00:01', PEER_MAC, 0x0800, emitIpv4Packet(ipv4Repr('10.0.0.9', '10.0.0.1', 99), new Uint8Array(8))));
    expect(s.drops().map((e) => [e.stage, e.drop])).toEqual([['ip_local_deliver', 'IP_NOPROTO']]);
  });

  it('reassembles two fragments and answers the whole echo request once', () => {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    knownNeighbour(s, 'mock0', '10.0.0.9');
    const whole = emitIcmp({ kind: 'echo-request', ident: 9, seq: 1, data: new Uint8Array(40).fill(7) });
    const frag = (off: number, bytes: Uint8Array, more: boolean) =>
      eth_header('02:00:00:00:00:01', PEER_MAC, 0x0800, emitIpv4Packet(ipv4Repr('10.0.0.9', '10.0.0.1', 1, { ident: 77, fragmentOffset: off, moreFragments: more }), bytes));
    s.receive('mock0', frag(24, whole.subarray(24), false));
    expect(s.sent('mock0')).toEqual([]);
    s.receive('mock0', frag(0, whole.subarray(0, 24), true));
    const out = s.sent('mock0').map(decode);
    expect(out).toHaveLength(1);
    expect(out[0]?.icmp).toEqual({ kind: 'echo-reply', ident: 9, seq: 1, data: new Uint8Array(40).fill(7) });
  });
});

describe('ip_forward', () => {
  function router(forwarding: boolean) {
    const s = stageWorld({ mock0: '10.0.0.1/24', mock1: '10.0.1.1/24' });
    if (forwarding) devinet_conf_set(s.ns, 'all', 'forwarding', 1);
    knownNeighbour(s, 'mock0', '10.0.0.9');
    knownNeighbour(s, 'mock1', '10.0.1.9', '02:00:00:00:00:aa');
    return s;
  }

  it('forwards out of the route\'s device to its neighbour with the TTL one less', () => {
    const s = router(true);
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.1.9', 1, { ttl: 9 }), echo()));
    const [f] = s.sent('mock1').map(decode);
    expect(f?.eth).toMatchObject({ dst: '02:00:00:00:00:aa', src: '02:00:00:00:00:02' });
    expect(f?.ip).toMatchObject({ src: A('10.0.0.9'), dst: A('10.0.1.9'), ttl: 8 });
    expect(s.sent('mock0')).toEqual([]);
  });

  it('drops what is not for it when forwarding is off (IP_INADDRERRORS)', () => {
    const s = router(false);
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.1.9', 1), echo()));
    expect(s.sent('mock1')).toEqual([]);
    expect(s.drops().map((e) => e.drop)).toEqual(['IP_INADDRERRORS']);
  });

  it('answers a TTL that would reach 0 with ICMP time exceeded, quoting the datagram', () => {
    const s = router(true);
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.1.9', 1, { ttl: 1 }), echo()));
    expect(s.sent('mock1')).toEqual([]);
    const [err] = s.sent('mock0').map(decode);
    expect(err?.ip).toMatchObject({ src: A('10.0.0.1'), dst: A('10.0.0.9'), tos: 0xc0 });
    expect(err?.icmp).toMatchObject({ kind: 'time-exceeded', code: 0 });
    expect(s.drops().map((e) => e.drop)).toEqual(['TTL_EXPIRED']);
  });

  it('answers an unroutable destination with net unreachable when forwarding (ip_error)', () => {
    const s = router(true);
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '192.0.2.1', 1), echo()));
    const [err] = s.sent('mock0').map(decode);
    expect(err?.icmp).toMatchObject({ kind: 'dest-unreachable', code: 0 });
    expect(s.drops().map((e) => e.drop)).toEqual(['IP_INNOROUTES']);
  });

  it.each([
    ['blackhole', []],
    ['unreachable', [1]],
    ['prohibit', [13]],
  ] as const)('answers a %s route with ip_error\'s code (%j)', (type, codes) => {
    const s = router(true);
    inet_rtm_newroute(s.ns, { table: 254, type, dst: A('10.9.0.0'), dstLen: 16, dev: undefined, gateway: undefined, proto: 'boot', scope: 'global', prefsrc: undefined, metric: undefined }, false);
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.9.1.1', 1), echo()));
    expect(s.sent('mock0').map((f) => (decode(f).icmp as { code: number }).code)).toEqual(codes);
    expect(s.sent('mock1')).toEqual([]);
  });

  it('charges the sender\'s inet_peer twice per error: of six at one instant, two are answered', () => {
    const s = router(true);
    for (let i = 0; i < 6; i++) s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '192.0.2.1', 1), echo(i + 1)));
    // A new peer's bucket is ip_rt_error_burst (5 s of jiffies): ip_error takes 1 s, icmpv4_xrlim_allow
    // 1 s (icmp_ratelimit) — 5 → 3 → 1, then ip_error's second passes and xrlim refuses, then ip_error refuses.
    expect(s.sent('mock0').length).toBe(2);
    expect(s.drops().filter((e) => e.drop === 'ICMP_RATELIMIT').length).toBe(1);
  });

  it('lets every error through with icmp_ratelimit=0 as far as ip_error\'s own bucket allows', () => {
    const s = router(true);
    s.ns.update((d) => {
      d.sysctl.icmp_ratelimit = 0;
    });
    for (let i = 0; i < 6; i++) s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '192.0.2.1', 1), echo(i + 1)));
    expect(s.sent('mock0').length).toBe(5);
  });

  it('fragments a datagram without DF for a smaller MTU, and refuses one with DF (fragmentation needed)', () => {
    const s = router(true);
    inet_rtm_newroute(s.ns, { table: 254, type: 'unicast', dst: A('10.0.2.0'), dstLen: 24, dev: s.dev('mock1').ifindex, gateway: A('10.0.1.9'), proto: 'boot', scope: 'global', prefsrc: undefined, metric: undefined }, false);
    const big = { kind: 'echo-request' as const, ident: 1, seq: 1, data: new Uint8Array(1400) };
    // An MTU of 600 on mock1, set as `ip link set mock1 mtu 600` would.
    s.ns.update((d) => {
      (d.devices[s.dev('mock1').ifindex] as { mtu: number }).mtu = 600;
    });
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.2.5', 1), big));
    const pieces = s.sent('mock1').map(decode);
    expect(pieces.map((p) => [p.ip?.fragmentOffset, p.ip?.moreFragments])).toEqual([
      [0, true],
      [576, true],
      [1152, false],
    ]);
    s.receive('mock0', icmpFrame({}, ipv4Repr('10.0.0.9', '10.0.2.5', 1, { dontFragment: true }), big));
    expect(s.sent('mock1')).toEqual([]);
    const [err] = s.sent('mock0').map(decode);
    expect(err?.icmp).toMatchObject({ kind: 'dest-unreachable', code: 4, rest: 600 });
  });
});
