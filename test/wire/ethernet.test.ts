import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EthernetFrame,
  decodeTci,
  emitEthernet,
  encodeTci,
  isMulticastMac,
  macToBytes,
  macToString,
  parseEthernet,
  parseMac,
  type EthernetRepr,
} from '../../src/wire/ethernet.js';
import { ARP_REQUEST_FRAME, VLAN_ARP_FRAME, VLAN_ECHO_REPLY_FRAME, fixtureFrames, hex } from './helpers.js';

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 }).map(macToString);
const reprArb: fc.Arbitrary<EthernetRepr> = fc.oneof(
  fc.record({
    dst: macArb,
    src: macArb,
    // Untagged: the type field must not itself announce a tag.
    ethertype: fc.integer({ min: 0, max: 0xffff }).filter((t) => t !== 0x8100),
  }),
  fc.record({
    dst: macArb,
    src: macArb,
    vlan: fc.record({ pcp: fc.integer({ min: 0, max: 7 }), dei: fc.boolean(), vid: fc.integer({ min: 0, max: 4095 }) }),
    ethertype: fc.integer({ min: 0, max: 0xffff }),
  }),
);

describe('Ethernet II', () => {
  it('parses a kernel ARP broadcast and emits the same bytes', () => {
    const r = parseEthernet(ARP_REQUEST_FRAME);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.repr).toEqual({ dst: 'ff:ff:ff:ff:ff:ff', src: '52:54:00:00:01:02', ethertype: 0x0806 });
    expect(r.value.payload.length).toBe(28);
    expect(emitEthernet(r.value.repr, r.value.payload)).toEqual(ARP_REQUEST_FRAME);
  });

  it('parses 802.1Q tags: PCP, DEI and VID', () => {
    const a = parseEthernet(VLAN_ARP_FRAME);
    const b = parseEthernet(VLAN_ECHO_REPLY_FRAME);
    expect(a.ok && a.value.repr).toEqual({
      dst: 'ff:ff:ff:ff:ff:ff',
      src: '52:54:00:00:01:02',
      vlan: { pcp: 0, dei: false, vid: 10 },
      ethertype: 0x0806,
    });
    expect(b.ok && b.value.repr.vlan).toEqual({ pcp: 7, dei: true, vid: 4094 });
    if (a.ok) expect(emitEthernet(a.value.repr, a.value.payload)).toEqual(VLAN_ARP_FRAME);
    if (b.ok) expect(emitEthernet(b.value.repr, b.value.payload)).toEqual(VLAN_ECHO_REPLY_FRAME);
  });

  it('the frame view reads the same fields', () => {
    const f = EthernetFrame.check(VLAN_ECHO_REPLY_FRAME);
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.value.outerType).toBe(0x8100);
    expect(f.value.ethertype).toBe(0x0800);
    expect(f.value.headerLen).toBe(18);
    expect(f.value.payload[0]).toBe(0x45);
  });

  it('reports truncation instead of throwing', () => {
    expect(parseEthernet(hex('ffffffffffff525400000102'))).toEqual({
      ok: false,
      error: { kind: 'truncated', layer: 'ethernet', need: 14, have: 12 },
    });
    // A tag announced but cut off.
    expect(parseEthernet(VLAN_ARP_FRAME.subarray(0, 16))).toMatchObject({ ok: false, error: { kind: 'truncated', need: 18 } });
  });

  it('round-trips every frame of the kernel-made fixtures', () => {
    for (const { label, record } of fixtureFrames()) {
      const r = parseEthernet(record.data);
      expect(r.ok, label).toBe(true);
      if (r.ok) expect(emitEthernet(r.value.repr, r.value.payload), label).toEqual(record.data);
    }
  });

  it('TCI encodes and decodes', () => {
    expect(decodeTci(0xfffe)).toEqual({ pcp: 7, dei: true, vid: 4094 });
    expect(encodeTci({ pcp: 5, dei: false, vid: 10 })).toBe(0xa00a);
  });

  it('emit -> parse -> emit is the identity', () => {
    fc.assert(
      fc.property(reprArb, fc.uint8Array({ maxLength: 64 }), (repr, payload) => {
        const bytes = emitEthernet(repr, payload);
        const r = parseEthernet(bytes);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value.repr).toEqual(repr);
        expect(r.value.payload).toEqual(payload);
        expect(emitEthernet(r.value.repr, r.value.payload)).toEqual(bytes);
      }),
    );
  });

  it('parse never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const r = parseEthernet(b);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

describe('MAC addresses', () => {
  it('prints lower-case colon form and parses either case or dashes', () => {
    expect(macToString(hex('52c8f44e1a64'))).toBe('52:c8:f4:4e:1a:64');
    expect(parseMac('52:C8:F4:4E:1A:64')).toBe('52:c8:f4:4e:1a:64');
    expect(parseMac('52-c8-f4-4e-1a-64')).toBe('52:c8:f4:4e:1a:64');
    expect(parseMac('2:0:0:0:0:a')).toBe('02:00:00:00:00:0a');
    expect(macToBytes('52:c8:f4:4e:1a:64')).toEqual(hex('52c8f44e1a64'));
  });

  it('rejects malformed addresses with null', () => {
    for (const bad of ['', '52:c8:f4:4e:1a', '52:c8:f4:4e:1a:64:00', '52:c8:f4:4e:1a:6g', '520:c8:f4:4e:1a:64']) {
      expect(parseMac(bad), bad).toBeNull();
    }
  });

  it('knows multicast by the I/G bit', () => {
    expect(isMulticastMac('01:00:5e:00:00:16')).toBe(true);
    expect(isMulticastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isMulticastMac('52:54:00:00:01:02')).toBe(false);
  });
});
