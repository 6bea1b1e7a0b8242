import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Ipv4Packet,
  broadcastOf,
  emitIpv4Header,
  emitIpv4Packet,
  inSubnet,
  ipv4ToString,
  isMulticastIpv4,
  networkOf,
  parseIpv4,
  parseIpv4Cidr,
  parseIpv4Packet,
  prefixToMask,
  type Ipv4Repr,
} from '../../src/wire/ipv4.js';
import { checksumIsValid } from '../../src/wire/checksum.js';
import { ECHO_REQUEST_FRAME, IGMP_V3_REPORT_FRAME, FIXTURE_DIR, fixtureFrames } from './helpers.js';
import { readPcapFile } from '../../src/capture/pcap.js';
import { join } from 'node:path';

const ip = (s: string): number => parseIpv4(s) ?? NaN;

const ipv4ReprArb: fc.Arbitrary<Ipv4Repr> = fc.record({
  tos: fc.integer({ min: 0, max: 255 }),
  ident: fc.integer({ min: 0, max: 0xffff }),
  reservedFlag: fc.boolean(),
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8),
  ttl: fc.integer({ min: 0, max: 255 }),
  protocol: fc.integer({ min: 0, max: 255 }),
  src: fc.integer({ min: 0, max: 0xffffffff }),
  dst: fc.integer({ min: 0, max: 0xffffffff }),
  options: fc.integer({ min: 0, max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
});

/** The IPv4 datagram inside an untagged Ethernet frame. */
const ipOf = (frame: Uint8Array): Uint8Array => frame.subarray(14);

describe('IPv4 header', () => {
  it('decodes the kernel echo request and re-encodes it exactly', () => {
    const r = parseIpv4Packet(ipOf(ECHO_REQUEST_FRAME));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.repr).toEqual({
      tos: 0,
      ident: 0x7ce6,
      reservedFlag: false,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: 1,
      src: ip('10.1.1.2'),
      dst: ip('10.1.1.3'),
      options: new Uint8Array(0),
    });
    expect(r.value.payload.length).toBe(64);
    expect(emitIpv4Packet(r.value.repr, r.value.payload)).toEqual(ipOf(ECHO_REQUEST_FRAME));
  });

  it('keeps options as bytes (the bridge IGMP report carries Router Alert)', () => {
    const r = parseIpv4Packet(ipOf(IGMP_V3_REPORT_FRAME));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Array.from(r.value.repr.options)).toEqual([0x94, 0x04, 0x00, 0x00]);
    expect(r.value.repr.tos).toBe(0xc0);
    expect(r.value.repr.ttl).toBe(1);
    expect(emitIpv4Packet(r.value.repr, r.value.payload)).toEqual(ipOf(IGMP_V3_REPORT_FRAME));
  });

  it('reads the fragments of `ping -s 2000` over a 1500-byte MTU', () => {
    const pcap = readPcapFile(join(FIXTURE_DIR, 'fragments.pcap'));
    expect(pcap.ok).toBe(true);
    if (!pcap.ok) return;
    const frags = pcap.value.records
      .map((rec) => parseIpv4Packet(ipOf(rec.data)))
      .flatMap((r) => (r.ok ? [r.value] : []));
    expect(frags.length).toBe(8);
    const [first, second] = frags;
    expect(first!.repr.moreFragments).toBe(true);
    expect(first!.repr.fragmentOffset).toBe(0);
    expect(first!.payload.length).toBe(1480);
    expect(second!.repr.moreFragments).toBe(false);
    expect(second!.repr.fragmentOffset).toBe(1480);
    expect(second!.payload.length).toBe(2008 - 1480);
    expect(second!.repr.ident).toBe(first!.repr.ident);
  });

  it('verifies the header checksum on decode and says what it should be', () => {
    const bad = ipOf(ECHO_REQUEST_FRAME).slice();
    bad[8] = 63; // TTL changed, checksum not updated
    expect(parseIpv4Packet(bad)).toEqual({
      ok: false,
      error: { kind: 'checksum', layer: 'ipv4', stored: 0xa7bc, computed: 0xa8bc },
    });
    expect(parseIpv4Packet(bad, { verifyChecksum: false }).ok).toBe(true);
    const view = Ipv4Packet.check(bad);
    expect(view.ok && view.value.checksumValid).toBe(false);
  });

  it('rejects malformed headers with typed errors', () => {
    const good = ipOf(ECHO_REQUEST_FRAME);
    const v6 = good.slice();
    v6[0] = 0x65;
    expect(parseIpv4Packet(v6)).toMatchObject({ ok: false, error: { kind: 'malformed', field: 'version', value: 6 } });
    const ihl4 = good.slice();
    ihl4[0] = 0x44;
    expect(parseIpv4Packet(ihl4)).toMatchObject({ ok: false, error: { kind: 'malformed', field: 'ihl', value: 4 } });
    expect(parseIpv4Packet(good.subarray(0, 60))).toMatchObject({ ok: false, error: { kind: 'truncated', need: 84, have: 60 } });
    expect(parseIpv4Packet(good.subarray(0, 19))).toMatchObject({ ok: false, error: { kind: 'truncated', need: 20 } });
    const short = good.slice();
    short[2] = 0;
    short[3] = 16;
    expect(parseIpv4Packet(short, { verifyChecksum: false })).toMatchObject({
      ok: false,
      error: { kind: 'malformed', field: 'total length', value: 16 },
    });
  });

  it('drops link padding beyond total length', () => {
    const padded = new Uint8Array([...ipOf(ECHO_REQUEST_FRAME), 0, 0, 0, 0]);
    const r = parseIpv4Packet(padded);
    expect(r.ok && r.value.payload.length).toBe(64);
  });

  it('round-trips every IPv4 datagram of the kernel-made fixtures, checksums valid', () => {
    let n = 0;
    for (const { label, record } of fixtureFrames()) {
      const d = record.data;
      const off = d[12] === 0x81 ? 18 : 14;
      if (((d[off - 2]! << 8) | d[off - 1]!) !== 0x0800) continue;
      const r = parseIpv4Packet(d.subarray(off));
      expect(r.ok, label).toBe(true);
      if (r.ok) expect(emitIpv4Packet(r.value.repr, r.value.payload), label).toEqual(d.subarray(off));
      n++;
    }
    expect(n).toBeGreaterThan(30);
  });

  it('emit -> parse -> emit is the identity, and emit always checksums right', () => {
    fc.assert(
      fc.property(ipv4ReprArb, fc.uint8Array({ maxLength: 100 }), (repr, payload) => {
        const b = emitIpv4Packet(repr, payload);
        expect(checksumIsValid(b.subarray(0, 20 + repr.options.length))).toBe(true);
        const r = parseIpv4Packet(b);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value.repr).toEqual(repr);
        expect(emitIpv4Packet(r.value.repr, r.value.payload)).toEqual(b);
      }),
    );
  });

  it("the stack's header writer sums its checksum from the fields right, and parses back to them", () => {
    const fieldsArb = fc.record({
      src: fc.integer({ min: 0, max: 0xffffffff }),
      dst: fc.integer({ min: 0, max: 0xffffffff }),
      protocol: fc.integer({ min: 0, max: 255 }),
      ttl: fc.integer({ min: 0, max: 255 }),
      ident: fc.integer({ min: 0, max: 0xffff }),
      dontFragment: fc.boolean(),
      moreFragments: fc.boolean(),
      fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8),
      tos: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fieldsArb, fc.integer({ min: 0, max: 80 }), (h, payloadLen) => {
        const b = new Uint8Array(20 + payloadLen).fill(0xee);
        emitIpv4Header(b, h, b.length);
        expect(checksumIsValid(b.subarray(0, 20))).toBe(true);
        const r = parseIpv4Packet(b);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const { repr } = r.value;
        expect([repr.src, repr.dst, repr.protocol, repr.ttl, repr.ident, repr.dontFragment, repr.moreFragments, repr.fragmentOffset, repr.tos]).toEqual([h.src, h.dst, h.protocol, h.ttl, h.ident, h.dontFragment, h.moreFragments, h.fragmentOffset, h.tos]);
      }),
    );
  });

  it('parse never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (b, verify) => {
        expect(typeof parseIpv4Packet(b, { verifyChecksum: verify }).ok).toBe('boolean');
      }),
    );
    // Random bytes that start like an IPv4 header reach the deeper checks.
    fc.assert(
      fc.property(fc.integer({ min: 0x40, max: 0x4f }), fc.uint8Array({ maxLength: 80 }), (vhl, rest) => {
        expect(typeof parseIpv4Packet(new Uint8Array([vhl, ...rest]), { verifyChecksum: false }).ok).toBe('boolean');
      }),
    );
  });

  it('emit refuses reprs it cannot encode', () => {
    const base = parseIpv4Packet(ipOf(ECHO_REQUEST_FRAME));
    if (!base.ok) throw new Error('fixture');
    expect(() => emitIpv4Packet({ ...base.value.repr, options: new Uint8Array(3) }, new Uint8Array())).toThrow(RangeError);
    expect(() => emitIpv4Packet({ ...base.value.repr, fragmentOffset: 12 }, new Uint8Array())).toThrow(RangeError);
  });
});

describe('IPv4 addresses and prefixes', () => {
  it('converts between dotted quads and 32-bit unsigned numbers', () => {
    expect(parseIpv4('10.1.1.2')).toBe(0x0a010102);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToString(0xe0000016)).toBe('224.0.0.22');
    expect(ipv4ToString(0)).toBe('0.0.0.0');
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '', '1..2.3']) {
      expect(parseIpv4(bad), bad).toBeNull();
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseIpv4(ipv4ToString(n))).toBe(n);
      }),
    );
  });

  it('computes masks, networks and broadcasts', () => {
    expect(prefixToMask(24)).toBe(0xffffff00);
    expect(prefixToMask(0)).toBe(0);
    expect(prefixToMask(32)).toBe(0xffffffff);
    expect(() => prefixToMask(33)).toThrow(RangeError);
    expect(ipv4ToString(networkOf(ip('10.1.1.2'), 24))).toBe('10.1.1.0');
    expect(ipv4ToString(broadcastOf(ip('10.1.1.2'), 24))).toBe('10.1.1.255');
    expect(ipv4ToString(broadcastOf(ip('10.1.1.2'), 0))).toBe('255.255.255.255');
    expect(inSubnet(ip('10.1.1.9'), ip('10.1.1.0'), 24)).toBe(true);
    expect(inSubnet(ip('10.1.2.9'), ip('10.1.1.0'), 24)).toBe(false);
    expect(parseIpv4Cidr('10.1.1.2/24')).toEqual({ addr: ip('10.1.1.2'), prefixLen: 24 });
    expect(parseIpv4Cidr('10.1.1.2/33')).toBeNull();
    expect(parseIpv4Cidr('10.1.1.2')).toBeNull();
    expect(isMulticastIpv4(ip('224.0.0.22'))).toBe(true);
    expect(isMulticastIpv4(ip('10.1.1.255'))).toBe(false);
  });
});
