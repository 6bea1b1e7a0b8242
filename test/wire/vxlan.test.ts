import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitVxlan, parseVxlan, vxlanFieldsUnchecked, VXLAN_FLAG_I, VXLAN_HEADER_LEN, VXLAN_N_VID } from '../../src/wire/vxlan.js';
import { ARP_REQUEST_FRAME, hex, toHex } from './helpers.js';

const vniArb = fc.integer({ min: 0, max: VXLAN_N_VID - 1 });

describe('VXLAN header (RFC 7348)', () => {
  it('emits flags 0x08, three zero bytes, the VNI in three bytes and a zero byte, then the inner frame', () => {
    const b = emitVxlan(42, ARP_REQUEST_FRAME);
    expect(toHex(b.subarray(0, VXLAN_HEADER_LEN))).toBe('0800000000002a00');
    expect(b.subarray(VXLAN_HEADER_LEN)).toEqual(ARP_REQUEST_FRAME);
    expect(toHex(emitVxlan(0xabcdef, new Uint8Array(0)))).toBe('08000000abcdef00');
  });

  it('emit -> parse gives back the VNI, the I flag and zero reserved bits; the inner bytes follow untouched', () => {
    fc.assert(
      fc.property(vniArb, fc.uint8Array({ maxLength: 96 }), (vni, inner) => {
        const b = emitVxlan(vni, inner);
        expect(b.length).toBe(VXLAN_HEADER_LEN + inner.length);
        expect(parseVxlan(b)).toEqual({ ok: true, value: { flags: VXLAN_FLAG_I, vni, reserved: 0 } });
        expect(vxlanFieldsUnchecked(b)).toEqual({ flags: VXLAN_FLAG_I, vni, reserved: 0 });
        expect(b.subarray(VXLAN_HEADER_LEN)).toEqual(inner);
      }),
    );
  });

  it('parse -> emit is the identity on every valid header (I flag only, reserved zero)', () => {
    fc.assert(
      fc.property(vniArb, fc.uint8Array({ maxLength: 32 }), (vni, inner) => {
        const b = Uint8Array.from([0x08, 0, 0, 0, vni >>> 16, (vni >>> 8) & 0xff, vni & 0xff, 0, ...inner]);
        const r = parseVxlan(b);
        expect(r.ok).toBe(true);
        if (r.ok) expect(emitVxlan(r.value.vni, b.subarray(VXLAN_HEADER_LEN))).toEqual(b);
      }),
    );
  });

  it('refuses a VNI outside 24 bits when emitting', () => {
    expect(() => emitVxlan(VXLAN_N_VID, new Uint8Array(0))).toThrow(RangeError);
    expect(() => emitVxlan(-1, new Uint8Array(0))).toThrow(RangeError);
    expect(() => emitVxlan(VXLAN_N_VID - 1, new Uint8Array(0))).not.toThrow();
  });

  it('a buffer shorter than the 8-byte header is truncated', () => {
    for (let n = 0; n < VXLAN_HEADER_LEN; n++) {
      expect(parseVxlan(new Uint8Array(n).fill(0x08))).toEqual({ ok: false, error: { kind: 'truncated', layer: 'vxlan', need: 8, have: n } });
    }
    // Exactly a header and nothing behind it parses (the receiver checks the inner frame's length itself).
    expect(parseVxlan(hex('0800000000002a00'))).toEqual({ ok: true, value: { flags: 8, vni: 42, reserved: 0 } });
  });

  it('a header without the I flag, or with any other flag bit, is unsupported (flags named)', () => {
    expect(parseVxlan(hex('0000000000002a00'))).toEqual({ ok: false, error: { kind: 'unsupported', layer: 'vxlan', field: 'flags', value: 0 } });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }).filter((f) => f !== VXLAN_FLAG_I), vniArb, (flags, vni) => {
        const b = emitVxlan(vni, new Uint8Array(14));
        b[0] = flags;
        expect(parseVxlan(b)).toEqual({ ok: false, error: { kind: 'unsupported', layer: 'vxlan', field: 'flags', value: flags } });
        // The printers' reading takes the header as it is.
        expect(vxlanFieldsUnchecked(b)).toMatchObject({ flags, vni });
      }),
    );
  });

  it('reserved bits are parsed, not refused: reported in `reserved` (vxlan_rcv drops such a header) and kept out of the VNI', () => {
    // The 24 bits after the flags and the 8 after the VNI, one at a time.
    for (let bit = 0; bit < 32; bit++) {
      const b = emitVxlan(0x123456, new Uint8Array(0));
      const at = bit < 24 ? 1 + (bit >> 3) : 7;
      b[at] = (b[at] as number) | (1 << (bit & 7));
      const r = parseVxlan(b);
      expect(r.ok, `bit ${bit}`).toBe(true);
      if (!r.ok) continue;
      expect(r.value.flags).toBe(VXLAN_FLAG_I);
      expect(r.value.vni).toBe(0x123456);
      expect(r.value.reserved).not.toBe(0);
      expect(vxlanFieldsUnchecked(b)).toEqual(r.value);
    }
    expect(parseVxlan(hex('08ffffff123456ff'))).toEqual({ ok: true, value: { flags: 8, vni: 0x123456, reserved: 0xffffff | 0xff } });
  });

  it('parse never throws and never reads past the header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        const before = Uint8Array.from(b);
        const r = parseVxlan(b);
        expect(typeof r.ok).toBe('boolean');
        if (r.ok) {
          expect(r.value.vni).toBeLessThan(VXLAN_N_VID);
          expect(r.value.vni).toBeGreaterThanOrEqual(0);
          expect(r.value.reserved).toBeGreaterThanOrEqual(0);
        }
        expect(b).toEqual(before);
      }),
    );
  });
});
