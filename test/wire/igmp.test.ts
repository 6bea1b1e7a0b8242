import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitIgmp, parseIgmp, type IgmpRepr } from '../../src/wire/igmp.js';
import { parseIpv4, parseIpv4Packet } from '../../src/wire/ipv4.js';
import { IGMP_V2_QUERY_FRAME, IGMP_V2_REPORT_FRAME, IGMP_V3_REPORT_FRAME } from './helpers.js';

const ip = (s: string): number => parseIpv4(s) ?? NaN;
/** The IGMP message: these frames have a 24-byte IP header (Router Alert). */
const igmpOf = (frame: Uint8Array): Uint8Array => frame.subarray(14 + 24);

const addr = fc.integer({ min: 0, max: 0xffffffff });
const reprArb: fc.Arbitrary<IgmpRepr> = fc.oneof(
  fc.record({ kind: fc.constant('query' as const), maxRespCode: fc.integer({ min: 0, max: 255 }), group: addr }),
  fc.record({
    kind: fc.constant('query' as const),
    maxRespCode: fc.integer({ min: 0, max: 255 }),
    group: addr,
    v3: fc.record({
      suppressRouterProcessing: fc.boolean(),
      qrv: fc.integer({ min: 0, max: 7 }),
      qqic: fc.integer({ min: 0, max: 255 }),
      sources: fc.array(addr, { maxLength: 4 }),
    }),
  }),
  fc.record({
    kind: fc.constantFrom('v1-report' as const, 'v2-report' as const, 'leave' as const),
    maxRespCode: fc.integer({ min: 0, max: 255 }),
    group: addr,
  }),
  fc.record({
    kind: fc.constant('v3-report' as const),
    records: fc.array(
      fc.record({
        recordType: fc.integer({ min: 0, max: 255 }),
        group: addr,
        sources: fc.array(addr, { maxLength: 3 }),
        auxData: fc.integer({ min: 0, max: 2 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.integer({ min: 0, max: 255 }).filter((t) => ![0x11, 0x12, 0x16, 0x17, 0x22].includes(t)),
    code: fc.integer({ min: 0, max: 255 }),
    body: fc.uint8Array({ maxLength: 32 }),
  }),
);

describe('IGMP', () => {
  it("decodes a Linux bridge's IGMPv3 report and re-encodes it exactly", () => {
    const msg = igmpOf(IGMP_V3_REPORT_FRAME);
    const r = parseIgmp(msg);
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'v3-report',
        records: [{ recordType: 4, group: ip('224.0.0.106'), sources: [], auxData: new Uint8Array(0) }],
      },
    });
    if (r.ok) expect(emitIgmp(r.value)).toEqual(msg);
  });

  it('decodes the bridge querier v2 query and the v2 report', () => {
    const q = parseIgmp(igmpOf(IGMP_V2_QUERY_FRAME));
    expect(q).toEqual({ ok: true, value: { kind: 'query', maxRespCode: 10, group: 0 } });
    const rep = parseIgmp(igmpOf(IGMP_V2_REPORT_FRAME));
    expect(rep).toEqual({ ok: true, value: { kind: 'v2-report', maxRespCode: 0, group: ip('224.0.0.106') } });
    if (q.ok) expect(emitIgmp(q.value)).toEqual(igmpOf(IGMP_V2_QUERY_FRAME));
    if (rep.ok) expect(emitIgmp(rep.value)).toEqual(igmpOf(IGMP_V2_REPORT_FRAME));
    // The IP layer around them is intact too.
    expect(parseIpv4Packet(IGMP_V2_QUERY_FRAME.subarray(14)).ok).toBe(true);
  });

  it('verifies the checksum', () => {
    const bad = igmpOf(IGMP_V3_REPORT_FRAME).slice();
    bad[15] = bad[15]! ^ 1;
    expect(parseIgmp(bad)).toMatchObject({ ok: false, error: { kind: 'checksum', layer: 'igmp' } });
    expect(parseIgmp(bad, { verifyChecksum: false }).ok).toBe(true);
  });

  it('emit -> parse -> emit is the identity', () => {
    fc.assert(
      fc.property(reprArb, (repr) => {
        const b = emitIgmp(repr);
        const r = parseIgmp(b);
        expect(r).toEqual({ ok: true, value: repr });
        if (r.ok) expect(emitIgmp(r.value)).toEqual(b);
      }),
    );
  });

  it('parse never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, verify) => {
        expect(typeof parseIgmp(b, { verifyChecksum: verify }).ok).toBe('boolean');
      }),
    );
  });
});
