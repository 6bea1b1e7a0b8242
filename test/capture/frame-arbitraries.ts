// fast-check generators of Ethernet frames for the printer-vs-real-tcpdump
// tests: well-formed ones built with src/wire's emitters, plus deliberately
// odd ones (bad lengths, unknown types, cut-short captures) since tcpdump's
// text for those is part of what we promise to match.

import fc from 'fast-check';
import {
  emitArp,
  emitEthernet,
  emitIcmp,
  emitIgmp,
  emitIpv4Packet,
  emitUdp,
  set16,
  type EthernetRepr,
  type IcmpRepr,
  type IgmpRepr,
  type Ipv4Repr,
  type VlanTag,
} from '../../src/wire/index.js';
import {
  UNSUPPORTED_ARP_HARDWARE,
  UNSUPPORTED_ETHERTYPES,
  UNSUPPORTED_IP_PROTOCOLS,
  udpPortHasTcpdumpDissector,
} from '../../src/capture/tcpdump-print.js';

export interface GeneratedFrame {
  readonly data: Uint8Array;
  /** Length on the wire: more than data.length for a capture cut short. */
  readonly origLen: number;
  readonly label: string;
}

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const macArb: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));

// Mostly small private-looking addresses, sometimes anything.
export const ipv4Arb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0x0a010102, 0x0a010103, 0x0a0101ff, 0xe0000016, 0xe0000001, 0, 0xffffffff),
  u32,
);

export const vlanTagArb: fc.Arbitrary<VlanTag> = fc.record({
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.boolean(),
  vid: fc.integer({ min: 0, max: 4095 }),
});

/** IPv4 options: NOP/EOL padding or router alert, or random bytes; always a multiple of 4. */
const optionsArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: fc.constant(Uint8Array.of(0x94, 0x04, 0x00, 0x00)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }).chain((n) => bytes(4 * n, 4 * n)) },
);

export const ipv4ReprArb = (protocol: fc.Arbitrary<number>): fc.Arbitrary<Ipv4Repr> =>
  fc.record({
    tos: u8,
    ident: u16,
    reservedFlag: fc.boolean(),
    dontFragment: fc.boolean(),
    moreFragments: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    fragmentOffset: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 0x1fff }).map((n) => n * 8) },
    ),
    ttl: u8,
    protocol,
    src: ipv4Arb,
    dst: ipv4Arb,
    options: optionsArb,
  });

/** UDP ports tcpdump prints no application protocol for. */
const udpPortArb = fc
  .oneof(fc.constantFrom(4000, 9999, 33434, 40000, 54321), fc.integer({ min: 1024, max: 65535 }))
  .filter((p) => !udpPortHasTcpdumpDissector(p));

export interface FrameArbOptions {
  /** IP protocols of the datagrams ICMP errors quote. */
  readonly quotedProtocols: readonly number[];
  /**
   * Every ICMP error quotes an IP datagram, and a quoted ICMP message is an
   * echo request — not random bytes, which -v would go on to decode as a
   * quote of their own, with protocols our printer does not decode.
   */
  readonly wellFormedQuotes: boolean;
}

/** ICMP types whose body is a quoted datagram (tcpdump's ICMP_ERRTYPE). */
const ICMP_ERROR_TYPES = [3, 4, 5, 11, 12];

/**
 * Frames built as `opts` says. -v prints a quoted datagram's transport
 * header too, so its tests leave out the protocols our printer does not
 * decode (TCP, GRE).
 */
export function frameArbWith(opts: FrameArbOptions): fc.Arbitrary<GeneratedFrame> {
  const { quotedProtocols, wellFormedQuotes } = opts;
  /** An offending datagram as quoted in an ICMP error: a header plus some of its payload. */
  const quotedArb: fc.Arbitrary<Uint8Array> = fc
    .tuple(
      ipv4ReprArb(fc.constantFrom(...quotedProtocols)),
      bytes(0, 64),
      fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 80 }) }),
      udpPortArb,
      udpPortArb,
      fc.record({ ident: u16, seq: u16, data: bytes(0, 56) }),
    )
    .map(([repr, payload, cut, sport, dport, echo]) => {
      if (wellFormedQuotes && repr.protocol === 1) payload = emitIcmp({ kind: 'echo-request', ...echo });
      // -v prints a quoted UDP header with its ports: keep them off ports tcpdump dissects.
      if (repr.protocol === 17 && payload.length >= 4) {
        payload = payload.slice();
        set16(payload, 0, sport);
        set16(payload, 2, dport);
      }
      const full = emitIpv4Packet(repr, payload);
      return full.subarray(0, Math.max(0, full.length - cut));
    });

  const icmpReprArb: fc.Arbitrary<IcmpRepr> = fc.oneof(
    fc.record({
      kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const),
      ident: u16,
      seq: u16,
      data: bytes(0, 64),
    }),
    fc.record({
      kind: fc.constantFrom('dest-unreachable' as const, 'time-exceeded' as const),
      code: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 16 }) },
        { weight: 1, arbitrary: u8 },
      ),
      rest: fc.oneof(fc.constant(0), u16, u32),
      original: quotedArb,
    }),
    fc
      .record({
        kind: fc.constant('other' as const),
        type: fc.oneof(fc.constantFrom(4, 5, 9, 10, 12, 13, 14, 15, 16, 17, 18), u8),
        code: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }), u8),
        rest: fc.oneof(u32, fc.constant(0x02020708), fc.constant(0x01021c20)),
        data: fc.oneof(bytes(0, 40), quotedArb),
        quoted: quotedArb,
      })
      .map(({ quoted, ...r }) => (wellFormedQuotes && ICMP_ERROR_TYPES.includes(r.type) ? { ...r, data: quoted } : r)),
  );

  const igmpReprArb: fc.Arbitrary<IgmpRepr> = fc.oneof(
    fc.record({ kind: fc.constant('query' as const), maxRespCode: fc.oneof(fc.constantFrom(0, 10, 100), u8), group: ipv4Arb }),
    fc.record({
      kind: fc.constant('query' as const),
      maxRespCode: u8,
      group: fc.oneof(fc.constant(0), ipv4Arb),
      v3: fc.record({
        suppressRouterProcessing: fc.boolean(),
        qrv: fc.integer({ min: 0, max: 7 }),
        qqic: u8,
        sources: fc.array(ipv4Arb, { maxLength: 3 }),
      }),
    }),
    fc.record({
      kind: fc.constantFrom('v1-report' as const, 'v2-report' as const, 'leave' as const),
      maxRespCode: fc.constant(0),
      group: ipv4Arb,
    }),
    fc.record({
      kind: fc.constant('v3-report' as const),
      records: fc.array(
        fc.record({
          recordType: fc.integer({ min: 1, max: 6 }),
          group: ipv4Arb,
          sources: fc.array(ipv4Arb, { maxLength: 2 }),
          auxData: fc.constant(new Uint8Array(0)),
        }),
        { maxLength: 3 },
      ),
    }),
    fc.record({
      kind: fc.constant('other' as const),
      // Not DVMRP (0x13) or PIMv1 (0x14): tcpdump decodes those, we do not.
      type: fc.oneof(fc.constantFrom(0x1e, 0x1f), u8.filter((t) => t !== 0x13 && t !== 0x14)),
      code: u8,
      body: fc.oneof(bytes(0, 40), bytes(28, 40)),
    }),
  );

  /** Where the UDP length field should point relative to the real length. */
  const udpFrameArb = fc
    .tuple(udpPortArb, udpPortArb, bytes(0, 40), fc.constantFrom(0, 0, 0, -3, 5, -100))
    .map(([srcPort, dstPort, data, lenDelta]) => ({ srcPort, dstPort, data, lenDelta }));

  /** IP protocols whose payload is random bytes: anything tcpdump has no (or a trivial) printer for. */
  const otherProtoArb = fc.oneof(
    fc.constantFrom(0, 58, 59, 77, 143, 253, 255),
    u8.filter((p) => ![1, 2, 4, 17].includes(p) && !UNSUPPORTED_IP_PROTOCOLS.has(p)),
  );

  const ipPayloadArb: fc.Arbitrary<{ protocol: number; build: (repr: Ipv4Repr) => Uint8Array }> = fc.oneof(
    { weight: 4, arbitrary: icmpReprArb.map((r) => ({ protocol: 1, build: () => emitIcmp(r) })) },
    { weight: 2, arbitrary: igmpReprArb.map((r) => ({ protocol: 2, build: () => emitIgmp(r) })) },
    {
      weight: 2,
      arbitrary: udpFrameArb.map((u) => ({
        protocol: 17,
        build: (ip: Ipv4Repr) => {
          const d = emitUdp(u, ip.src, ip.dst);
          set16(d, 4, (d.length + u.lenDelta) & 0xffff);
          return d;
        },
      })),
    },
    { weight: 1, arbitrary: otherProtoArb.chain((p) => bytes(0, 30).map((b) => ({ protocol: p, build: () => b }))) },
    {
      // IP in IP: an inner echo request.
      weight: 1,
      arbitrary: fc
        .tuple(ipv4ReprArb(fc.constant(1)), icmpReprArb)
        .map(([inner, icmp]) => ({ protocol: 4, build: () => emitIpv4Packet(inner, emitIcmp(icmp)) })),
    },
  );

  /** How to damage an IPv4 header after emitting it (before the checksum matters: tcpdump -nn ignores it). */
  const ipDamageArb = fc.oneof(
    { weight: 24, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }).map((ihl) => ({ kind: 'ihl' as const, ihl })) },
    { weight: 1, arbitrary: fc.integer({ min: -30, max: 30 }).map((delta) => ({ kind: 'totlen' as const, delta })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }).map((v) => ({ kind: 'version' as const, v })) },
  );

  const ipv4PacketArb: fc.Arbitrary<Uint8Array> = fc
    .tuple(ipPayloadArb, ipDamageArb)
    .chain(([payload, damage]) =>
      ipv4ReprArb(fc.constant(payload.protocol)).map((repr) => {
        const p = emitIpv4Packet(repr, payload.build(repr));
        switch (damage.kind) {
          case 'ihl':
            p[0] = (p[0]! & 0xf0) | damage.ihl;
            break;
          case 'totlen':
            set16(p, 2, Math.max(0, p.length + damage.delta) & 0xffff);
            break;
          case 'version':
            p[0] = (damage.v << 4) | (p[0]! & 0x0f);
            break;
        }
        return p;
      }),
    );

  const arpPacketArb: fc.Arbitrary<Uint8Array> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({
          operation: fc.oneof(fc.constantFrom(1, 2), fc.constantFrom(3, 4, 8, 9, 10), u16),
          senderMac: macArb,
          senderIp: ipv4Arb,
          targetMac: fc.oneof(fc.constant('00:00:00:00:00:00'), macArb),
          targetIp: ipv4Arb,
        })
        .map(emitArp),
    },
    {
      // Any hardware/protocol combination, addresses sized as the header says.
      weight: 1,
      arbitrary: fc
        .record({
          htype: fc.oneof(fc.constantFrom(1, 6, 7, 23, 24, 32), u16).filter((h) => !UNSUPPORTED_ARP_HARDWARE.has(h)),
          ptype: fc.oneof(fc.constantFrom(0x0800, 0x1000, 0x86dd), u16),
          hlen: fc.oneof(fc.constantFrom(0, 6, 8), fc.integer({ min: 0, max: 16 })),
          plen: fc.oneof(fc.constantFrom(4, 16), fc.integer({ min: 0, max: 8 })),
          op: fc.oneof(fc.constantFrom(1, 2, 3, 4, 8, 9), u16),
          fill: u8,
        })
        .chain((h) =>
          bytes(2 * (h.hlen + h.plen), 2 * (h.hlen + h.plen)).map((addrs) => {
            const out = new Uint8Array(8 + addrs.length);
            set16(out, 0, h.htype);
            set16(out, 2, h.ptype);
            out[4] = h.hlen;
            out[5] = h.plen;
            set16(out, 6, h.op);
            out.set(addrs, 8);
            return out;
          }),
        ),
    },
  );

  /** Ethertypes tcpdump only names (or not even that) and hex-dumps. */
  const dumpedEthertypeArb = fc
    .oneof(fc.constantFrom(0x88b5, 0x6004, 0x6558, 0x0600, 0x1000, 0x9999), fc.integer({ min: 0x0600, max: 0xffff }))
    .filter(
      (t) =>
        t !== 0x0800 && t !== 0x0806 && t !== 0x8035 && ![0x8100, 0x88a8, 0x9100, 0x9200].includes(t) && !UNSUPPORTED_ETHERTYPES.has(t),
    );

  const l3Arb: fc.Arbitrary<{ ethertype: number; payload: Uint8Array; label: string }> = fc.oneof(
    { weight: 6, arbitrary: ipv4PacketArb.map((p) => ({ ethertype: 0x0800, payload: p, label: 'ipv4' })) },
    { weight: 3, arbitrary: arpPacketArb.map((p) => ({ ethertype: 0x0806, payload: p, label: 'arp' })) },
    { weight: 1, arbitrary: arpPacketArb.map((p) => ({ ethertype: 0x8035, payload: p, label: 'rarp' })) },
    {
      weight: 1,
      arbitrary: fc.tuple(dumpedEthertypeArb, bytes(0, 50)).map(([t, p]) => ({ ethertype: t, payload: p, label: 'other' })),
    },
  );

  /** Extra tags in front: 0 (most), 1 or 2, with any of the TPIDs tcpdump unwraps. */
  const extraTagsArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as Array<{ tpid: number; tag: VlanTag }>) },
    {
      weight: 2,
      arbitrary: fc.array(fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100, 0x9200), tag: vlanTagArb }), {
        minLength: 1,
        maxLength: 2,
      }),
    },
  );

  const frameArb: fc.Arbitrary<GeneratedFrame> = fc
    .record({
      dst: fc.oneof(fc.constant('ff:ff:ff:ff:ff:ff'), macArb),
      src: macArb,
      tags: extraTagsArb,
      l3: l3Arb,
      padding: fc.oneof({ weight: 5, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: bytes(1, 18) }),
      cut: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }) }),
    })
    .map(({ dst, src, tags, l3, padding, cut }) => {
      // Tags are emitted by hand: EthernetRepr models a single 802.1Q tag only.
      let inner = new Uint8Array([...l3.payload, ...padding]);
      let type = l3.ethertype;
      for (const { tpid, tag } of [...tags].reverse()) {
        const t = new Uint8Array(4 + inner.length);
        set16(t, 0, ((tag.pcp & 7) << 13) | (tag.dei ? 0x1000 : 0) | tag.vid);
        set16(t, 2, type);
        t.set(inner, 4);
        inner = t;
        type = tpid;
      }
      const repr: EthernetRepr = { dst, src, ethertype: type };
      const full = emitEthernet(repr, inner);
      const data = full.subarray(0, Math.max(1, full.length - cut));
      return { data, origLen: full.length, label: `${l3.label}${tags.length ? `+${tags.length}tag` : ''}${cut ? '+cut' : ''}` };
    });
  return frameArb;
}

export const frameArb: fc.Arbitrary<GeneratedFrame> = frameArbWith({ quotedProtocols: [1, 6, 17, 47, 200], wellFormedQuotes: false });
/** For -v and -vv: no quoted datagram needs a printer we lack (IGMP's random bodies could be DVMRP). */
export const verboseFrameArb: fc.Arbitrary<GeneratedFrame> = frameArbWith({ quotedProtocols: [1, 17, 200], wellFormedQuotes: true });
