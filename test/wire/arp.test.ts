import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArpPacket, emitArp, parseArp, type ArpRepr } from '../../src/wire/arp.js';
import { macToString } from '../../src/wire/ethernet.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { ARP_REPLY_FRAME, ARP_REQUEST_FRAME, fixtureFrames, hex } from './helpers.js';

const ip = (s: string): number => parseIpv4(s) ?? NaN;

const reprArb: fc.Arbitrary<ArpRepr> = fc.record({
  operation: fc.integer({ min: 0, max: 0xffff }),
  senderMac: fc.uint8Array({ minLength: 6, maxLength: 6 }).map(macToString),
  senderIp: fc.integer({ min: 0, max: 0xffffffff }),
  targetMac: fc.uint8Array({ minLength: 6, maxLength: 6 }).map(macToString),
  targetIp: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('ARP', () => {
  it('decodes the kernel request and reply and re-encodes them exactly', () => {
    const req = parseArp(ARP_REQUEST_FRAME.subarray(14));
    expect(req).toEqual({
      ok: true,
      value: {
        operation: 1,
        senderMac: '52:54:00:00:01:02',
        senderIp: ip('10.1.1.2'),
        targetMac: '00:00:00:00:00:00',
        targetIp: ip('10.1.1.3'),
      },
    });
    const rep = parseArp(ARP_REPLY_FRAME.subarray(14));
    expect(rep.ok && rep.value).toEqual({
      operation: 2,
      senderMac: '52:54:00:00:01:03',
      senderIp: ip('10.1.1.3'),
      targetMac: '52:54:00:00:01:02',
      targetIp: ip('10.1.1.2'),
    });
    if (req.ok) expect(emitArp(req.value)).toEqual(ARP_REQUEST_FRAME.subarray(14));
    if (rep.ok) expect(emitArp(rep.value)).toEqual(ARP_REPLY_FRAME.subarray(14));
  });

  it('ignores link-layer padding after the 28 bytes', () => {
    const padded = new Uint8Array([...ARP_REQUEST_FRAME.subarray(14), ...new Uint8Array(18)]);
    const r = parseArp(padded);
    expect(r.ok && emitArp(r.value)).toEqual(ARP_REQUEST_FRAME.subarray(14));
  });

  it('rejects other hardware/protocol types, which the view still reads', () => {
    // Token Ring hardware (6), IPv4 protocol.
    const tokenRing = hex('0006080006040001525400000102' + '0a010102' + '000000000000' + '0a010103');
    expect(parseArp(tokenRing)).toEqual({ ok: false, error: { kind: 'unsupported', layer: 'arp', field: 'hardware type', value: 6 } });
    // Ethernet hardware, IPv6 protocol with 16-byte addresses.
    const v6 = new Uint8Array(8 + 2 * (6 + 16));
    v6.set(hex('000186dd06100001'));
    expect(parseArp(v6)).toMatchObject({ ok: false, error: { kind: 'unsupported', field: 'protocol type', value: 0x86dd } });
    const view = ArpPacket.check(v6);
    expect(view.ok).toBe(true);
    if (view.ok) {
      expect(view.value.protocolLen).toBe(16);
      expect(view.value.targetProtocolAddr.length).toBe(16);
      expect(view.value.length).toBe(52);
    }
  });

  it('rejects Ethernet/IPv4 with wrong address lengths', () => {
    const b = ARP_REQUEST_FRAME.slice(14);
    b[4] = 8;
    expect(parseArp(new Uint8Array([...b, 0, 0, 0, 0]))).toMatchObject({ ok: false, error: { kind: 'malformed', field: 'hardware length' } });
  });

  it('reports truncation', () => {
    expect(parseArp(ARP_REQUEST_FRAME.subarray(14, 20))).toMatchObject({ ok: false, error: { kind: 'truncated', need: 8 } });
    expect(parseArp(ARP_REQUEST_FRAME.subarray(14, 40))).toMatchObject({ ok: false, error: { kind: 'truncated', need: 28 } });
  });

  it('round-trips every ARP frame of the kernel-made fixtures', () => {
    let n = 0;
    for (const { label, record } of fixtureFrames()) {
      const d = record.data;
      const off = d[12] === 0x81 ? 18 : 14;
      if (((d[off - 2]! << 8) | d[off - 1]!) !== 0x0806) continue;
      const r = parseArp(d.subarray(off));
      expect(r.ok, label).toBe(true);
      if (r.ok) expect(emitArp(r.value), label).toEqual(d.subarray(off, off + 28));
      n++;
    }
    expect(n).toBeGreaterThan(10);
  });

  it('emit -> parse -> emit is the identity', () => {
    fc.assert(
      fc.property(reprArb, (repr) => {
        const b = emitArp(repr);
        const r = parseArp(b);
        expect(r).toEqual({ ok: true, value: repr });
        if (r.ok) expect(emitArp(r.value)).toEqual(b);
      }),
    );
  });

  it('parse never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(typeof parseArp(b).ok).toBe('boolean');
        const v = ArpPacket.check(b);
        if (v.ok) expect(v.value.length).toBeLessThanOrEqual(b.length);
      }),
    );
  });
});
