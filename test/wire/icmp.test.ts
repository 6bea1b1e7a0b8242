import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  IcmpPacket,
  LINUX_ICMP_QUOTE_LIMIT,
  emitIcmp,
  nextHopMtu,
  parseIcmp,
  quoteOriginal,
  turnIntoEchoReply,
  type IcmpRepr,
} from '../../src/wire/icmp.js';
import { checksumIsValid, internetChecksum } from '../../src/wire/checksum.js';
import { ipv4ToString, parseIpv4Packet } from '../../src/wire/ipv4.js';
import {
  ECHO_REQUEST_FRAME,
  HOST_UNREACH_LO_FRAME,
  PORT_UNREACH_FRAME,
  TIME_EXCEEDED_FRAME,
  UDP_FRAME,
  fixtureFrames,
} from './helpers.js';

/** The ICMP message of an untagged Ethernet frame with a 20-byte IP header. */
const icmpOf = (frame: Uint8Array): Uint8Array => frame.subarray(34);

const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });
const reprArb: fc.Arbitrary<IcmpRepr> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const),
    ident: fc.integer({ min: 0, max: 0xffff }),
    seq: fc.integer({ min: 0, max: 0xffff }),
    data: bytes(64),
  }),
  fc.record({
    kind: fc.constantFrom('dest-unreachable' as const, 'time-exceeded' as const),
    code: fc.integer({ min: 0, max: 255 }),
    rest: fc.integer({ min: 0, max: 0xffffffff }),
    original: bytes(64),
  }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.integer({ min: 0, max: 255 }).filter((t) => ![0, 3, 8, 11].includes(t)),
    code: fc.integer({ min: 0, max: 255 }),
    rest: fc.integer({ min: 0, max: 0xffffffff }),
    data: bytes(64),
  }),
);

describe('ICMPv4', () => {
  it('decodes the kernel echo request and re-encodes it exactly', () => {
    const msg = icmpOf(ECHO_REQUEST_FRAME);
    const r = parseIcmp(msg);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ kind: 'echo-request', ident: 20, seq: 1 });
    expect(r.value.kind === 'echo-request' && r.value.data.length).toBe(56);
    expect(emitIcmp(r.value)).toEqual(msg);
  });

  it('decodes host unreachable (sent to itself through lo) with the quoted datagram', () => {
    const msg = icmpOf(HOST_UNREACH_LO_FRAME);
    const r = parseIcmp(msg);
    expect(r.ok).toBe(true);
    if (!r.ok || r.value.kind !== 'dest-unreachable') throw new Error('expected dest-unreachable');
    expect(r.value.code).toBe(1);
    expect(r.value.rest).toBe(0);
    // Linux quotes the whole 84-byte echo request, not just header + 8.
    expect(r.value.original.length).toBe(84);
    const quoted = parseIpv4Packet(r.value.original);
    expect(quoted.ok && ipv4ToString(quoted.value.repr.dst)).toBe('10.1.1.9');
    expect(emitIcmp(r.value)).toEqual(msg);
    const view = IcmpPacket.check(msg);
    expect(view.ok && view.value.embeddedIpv4 && ipv4ToString(view.value.embeddedIpv4.dst)).toBe('10.1.1.9');
  });

  it('decodes time exceeded in transit and port unreachable', () => {
    const te = parseIcmp(icmpOf(TIME_EXCEEDED_FRAME));
    expect(te).toMatchObject({ ok: true, value: { kind: 'time-exceeded', code: 0, rest: 0 } });
    if (te.ok) expect(emitIcmp(te.value)).toEqual(icmpOf(TIME_EXCEEDED_FRAME));
    const pu = parseIcmp(icmpOf(PORT_UNREACH_FRAME));
    expect(pu).toMatchObject({ ok: true, value: { kind: 'dest-unreachable', code: 3 } });
    // The quoted datagram is exactly the UDP packet that caused it.
    if (pu.ok && pu.value.kind === 'dest-unreachable') expect(pu.value.original).toEqual(UDP_FRAME.subarray(14));
  });

  it('verifies the checksum over the whole message', () => {
    const bad = icmpOf(ECHO_REQUEST_FRAME).slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff; // last payload byte
    const r = parseIcmp(bad);
    expect(r).toMatchObject({ ok: false, error: { kind: 'checksum', layer: 'icmp', stored: 0xb416 } });
    expect(parseIcmp(bad, { verifyChecksum: false }).ok).toBe(true);
  });

  it('keeps unknown types, and echoes with a nonzero code, representable', () => {
    const ts = emitIcmp({ kind: 'other', type: 13, code: 0, rest: 0x00010002, data: new Uint8Array(12) });
    expect(parseIcmp(ts)).toMatchObject({ ok: true, value: { kind: 'other', type: 13, rest: 0x00010002 } });
    const odd = emitIcmp({ kind: 'other', type: 8, code: 5, rest: 0x00140001, data: new Uint8Array(4) });
    const r = parseIcmp(odd);
    expect(r).toMatchObject({ ok: true, value: { kind: 'other', type: 8, code: 5 } });
    if (r.ok) expect(emitIcmp(r.value)).toEqual(odd);
  });

  it('reads the next-hop MTU of "fragmentation needed"', () => {
    const m = emitIcmp({ kind: 'dest-unreachable', code: 4, rest: 1400, original: new Uint8Array(28) });
    const r = parseIcmp(m);
    expect(r.ok && r.value.kind === 'dest-unreachable' && nextHopMtu(r.value.rest)).toBe(1400);
  });

  it('quotes at most 548 bytes of the offending datagram, as Linux does', () => {
    expect(LINUX_ICMP_QUOTE_LIMIT).toBe(548);
    expect(quoteOriginal(new Uint8Array(2008)).length).toBe(548);
    expect(quoteOriginal(new Uint8Array(84)).length).toBe(84);
  });

  it('reports truncation', () => {
    expect(parseIcmp(new Uint8Array(7))).toMatchObject({ ok: false, error: { kind: 'truncated', need: 8, have: 7 } });
  });

  it('round-trips every complete ICMP message of the kernel-made fixtures', () => {
    let n = 0;
    for (const { label, record } of fixtureFrames()) {
      const d = record.data;
      const off = d[12] === 0x81 ? 18 : 14;
      if (((d[off - 2]! << 8) | d[off - 1]!) !== 0x0800) continue;
      const ip = parseIpv4Packet(d.subarray(off));
      if (!ip.ok || ip.value.repr.protocol !== 1) continue;
      // A fragment carries part of a message: its checksum cannot be checked.
      if (ip.value.repr.moreFragments || ip.value.repr.fragmentOffset !== 0) continue;
      const r = parseIcmp(ip.value.payload);
      expect(r.ok, label).toBe(true);
      if (r.ok) expect(emitIcmp(r.value), label).toEqual(ip.value.payload);
      n++;
    }
    expect(n).toBeGreaterThan(15);
  });

  it('emit -> parse -> emit is the identity', () => {
    fc.assert(
      fc.property(reprArb, (repr) => {
        const b = emitIcmp(repr);
        const r = parseIcmp(b);
        expect(r).toEqual({ ok: true, value: repr });
        if (r.ok) expect(emitIcmp(r.value)).toEqual(b);
      }),
    );
  });

  it('parse never throws on random bytes', () => {
    fc.assert(
      fc.property(bytes(80), fc.boolean(), (b, verify) => {
        expect(typeof parseIcmp(b, { verifyChecksum: verify }).ok).toBe('boolean');
      }),
    );
  });

  it('turns a request into its reply with the checksum a full sum gives, the all-zero reply included', () => {
    const zeroable = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(zeroable, zeroable, fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.nat(64).map((n) => new Uint8Array(n))), (ident, seq, data) => {
        const request = emitIcmp({ kind: 'echo-request', ident, seq, data });
        // Turned where it sits, after the bytes of a header in front (as icmp_echo's reply is).
        const d = new Uint8Array(20 + request.length).fill(0xa5);
        d.set(request, 20);
        turnIntoEchoReply(d, 20);
        expect([...d.subarray(0, 20)]).toEqual(new Array(20).fill(0xa5));
        const m = d.subarray(20);
        const full = m.slice();
        full[2] = 0;
        full[3] = 0;
        const want = internetChecksum(full);
        expect(((m[2] as number) << 8) | (m[3] as number)).toBe(want);
        expect(m[0]).toBe(0);
        expect(checksumIsValid(m)).toBe(true);
      }),
    );
  });
});
