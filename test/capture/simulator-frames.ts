// Every kind of frame the simulator sends, built with src/wire's emitters: the
// printer tests compare our text for them with the real tcpdump's, under each
// option a scenario may give tcpdump.

import {
  emitArp,
  emitEthernet,
  emitIcmp,
  emitIgmp,
  emitIpv4Packet,
  emitUdp,
  parseIpv4,
  quoteOriginal,
  type EthernetRepr,
  type Ipv4Repr,
} from '../../src/wire/index.js';

const ip = (s: string): number => {
  const n = parseIpv4(s);
  if (n === null) throw new Error(s);
  return n;
};

const A_MAC = '52:54:00:00:01:02';
const B_MAC = '52:54:00:00:01:03';
const A = ip('10.1.1.2');
const B = ip('10.1.1.3');

function ipRepr(over: Partial<Ipv4Repr>): Ipv4Repr {
  return {
    tos: 0,
    ident: 0x1234,
    reservedFlag: false,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 1,
    src: A,
    dst: B,
    options: new Uint8Array(0),
    ...over,
  };
}

function eth(payload: Uint8Array, over: Partial<EthernetRepr> = {}): Uint8Array {
  return emitEthernet({ dst: B_MAC, src: A_MAC, ethertype: 0x0800, ...over }, payload);
}

/** Every kind of frame the simulator sends, built with src/wire's emitters. */
export function simulatorFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const echo = (kind: 'echo-request' | 'echo-reply', seq: number, size = 56): Uint8Array =>
    emitIcmp({ kind, ident: 17, seq, data: Uint8Array.from({ length: size }, (_, i) => i & 0xff) });
  const zero = '00:00:00:00:00:00';
  // ARP: request, reply, gratuitous request, gratuitous reply, tagged, padded to 60 bytes.
  const req = emitArp({ operation: 1, senderMac: A_MAC, senderIp: A, targetMac: zero, targetIp: B });
  frames.push(eth(req, { dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x0806 }));
  frames.push(eth(emitArp({ operation: 2, senderMac: B_MAC, senderIp: B, targetMac: A_MAC, targetIp: A }), { src: B_MAC, dst: A_MAC, ethertype: 0x0806 }));
  frames.push(eth(emitArp({ operation: 1, senderMac: A_MAC, senderIp: A, targetMac: zero, targetIp: A }), { dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x0806 }));
  frames.push(eth(emitArp({ operation: 2, senderMac: A_MAC, senderIp: A, targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: A }), { dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x0806 }));
  frames.push(eth(emitArp({ operation: 1, senderMac: A_MAC, senderIp: A, targetMac: B_MAC, targetIp: B }), { ethertype: 0x0806 }));
  frames.push(eth(req, { dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x0806, vlan: { pcp: 0, dei: false, vid: 10 } }));
  frames.push(eth(new Uint8Array([...req, ...new Uint8Array(18)]), { dst: 'ff:ff:ff:ff:ff:ff', ethertype: 0x0806 }));
  // Echo, to a host, to a broadcast, tagged, on lo.
  const request = emitIpv4Packet(ipRepr({}), echo('echo-request', 1));
  frames.push(eth(request));
  frames.push(eth(emitIpv4Packet(ipRepr({ src: B, dst: A, dontFragment: false }), echo('echo-reply', 1)), { src: B_MAC, dst: A_MAC }));
  frames.push(eth(emitIpv4Packet(ipRepr({ dst: ip('10.1.1.255') }), echo('echo-request', 2)), { dst: 'ff:ff:ff:ff:ff:ff' }));
  frames.push(eth(request, { vlan: { pcp: 5, dei: true, vid: 100 } }));
  frames.push(eth(emitIpv4Packet(ipRepr({ dst: A }), echo('echo-request', 3)), { src: zero, dst: zero }));
  // Errors quoting the request: host/net/port/protocol unreachable, need-frag, time exceeded.
  const err = (kind: 'dest-unreachable' | 'time-exceeded', code: number, rest = 0, quoted = request): Uint8Array =>
    eth(
      emitIpv4Packet(ipRepr({ tos: 0xc0, dontFragment: false, src: ip('10.1.1.1'), dst: A }), emitIcmp({ kind, code, rest, original: quoteOriginal(quoted) })),
      { src: B_MAC, dst: A_MAC },
    );
  frames.push(err('dest-unreachable', 0));
  frames.push(err('dest-unreachable', 1));
  frames.push(err('dest-unreachable', 2));
  frames.push(err('dest-unreachable', 4, 1400));
  frames.push(err('dest-unreachable', 13));
  frames.push(err('time-exceeded', 0));
  frames.push(err('time-exceeded', 1));
  const udp = emitIpv4Packet(ipRepr({ protocol: 17 }), emitUdp({ srcPort: 40000, dstPort: 4000, data: new Uint8Array(5) }, A, B));
  frames.push(eth(udp));
  frames.push(err('dest-unreachable', 3, 0, udp));
  // Fragments of a 2008-byte ICMP message over a 1500 MTU.
  const big = echo('echo-request', 4, 2000);
  frames.push(eth(emitIpv4Packet(ipRepr({ dontFragment: false, moreFragments: true }), big.subarray(0, 1480))));
  frames.push(eth(emitIpv4Packet(ipRepr({ dontFragment: false, fragmentOffset: 1480 }), big.subarray(1480))));
  // IGMP from a bridge (Router Alert option, TTL 1).
  const igmpIp = (dst: string, src = 0): Ipv4Repr =>
    ipRepr({ tos: 0xc0, ttl: 1, protocol: 2, src, dst: ip(dst), ident: 0, options: Uint8Array.of(0x94, 4, 0, 0) });
  const mc = (group: number): string =>
    `01:00:5e:${[(group >>> 16) & 0x7f, (group >>> 8) & 0xff, group & 0xff].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
  const igmp = [
    { to: '224.0.0.22', m: emitIgmp({ kind: 'v3-report', records: [{ recordType: 4, group: ip('224.0.0.106'), sources: [], auxData: new Uint8Array(0) }] }) },
    { to: '224.0.0.22', m: emitIgmp({ kind: 'v3-report', records: [{ recordType: 3, group: ip('239.1.1.1'), sources: [A], auxData: new Uint8Array(0) }, { recordType: 2, group: ip('239.1.1.2'), sources: [], auxData: new Uint8Array(0) }] }) },
    { to: '224.0.0.1', m: emitIgmp({ kind: 'query', maxRespCode: 100, group: 0 }) },
    { to: '224.0.0.1', m: emitIgmp({ kind: 'query', maxRespCode: 10, group: 0 }) },
    { to: '224.0.0.1', m: emitIgmp({ kind: 'query', maxRespCode: 100, group: 0, v3: { suppressRouterProcessing: false, qrv: 2, qqic: 125, sources: [] } }) },
    { to: '224.0.0.106', m: emitIgmp({ kind: 'v2-report', maxRespCode: 0, group: ip('224.0.0.106') }) },
    { to: '224.0.0.2', m: emitIgmp({ kind: 'leave', maxRespCode: 0, group: ip('239.1.1.1') }) },
  ];
  for (const { to, m } of igmp) frames.push(eth(emitIpv4Packet(igmpIp(to), m), { dst: mc(ip(to)) }));
  return frames;
}

