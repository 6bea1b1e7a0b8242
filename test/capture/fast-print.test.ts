/**
 * The printer's fast path for ICMP echo frames (echoLine in src/capture/tcpdump-print.ts) prints what the
 * generic printer prints, for any frame and any options; and it is taken for the frames it exists for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genericPrintPacket, prettyPrintPacket, printPacketAt, type TcpdumpPrintOptions } from '../../src/capture/tcpdump-print.js';
import { AsciiSink } from '../../src/capture/ascii-sink.js';
import { emitEthernet, emitIcmp, emitIpv4Packet, set16 } from '../../src/wire/index.js';
import { frameArb, ipv4Arb, macArb } from './frame-arbitraries.js';

const optsArb: fc.Arbitrary<TcpdumpPrintOptions> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.record({ linkHeader: fc.boolean(), verbose: fc.integer({ min: 0, max: 2 }), quiet: fc.boolean() }, { requiredKeys: [] }) },
);

/** Echo frames, whole and then bent: a byte anywhere changed, cut short, padded, a length field off. */
const echoFrameArb = fc
  .record({
    src: macArb,
    dst: macArb,
    saddr: ipv4Arb,
    daddr: ipv4Arb,
    request: fc.boolean(),
    ident: fc.integer({ min: 0, max: 0xffff }),
    seq: fc.integer({ min: 0, max: 0xffff }),
    data: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 1500, size: 'max' })),
    bend: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), by: fc.integer({ min: 1, max: 40 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('pad' as const), by: fc.integer({ min: 1, max: 20 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('totlen' as const), value: fc.integer({ min: 0, max: 0xffff }) }) },
    ),
  })
  .map((r) => {
    const icmp = emitIcmp({ kind: r.request ? 'echo-request' : 'echo-reply', ident: r.ident, seq: r.seq, data: r.data });
    const ip = emitIpv4Packet({ tos: 0, ident: 1, reservedFlag: false, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 1, src: r.saddr, dst: r.daddr, options: new Uint8Array(0) }, icmp);
    let frame = emitEthernet({ src: r.src, dst: r.dst, ethertype: 0x0800 }, ip);
    const b = r.bend;
    if (b.kind === 'byte') {
      frame = frame.slice();
      frame[b.at % frame.length] = b.value;
    } else if (b.kind === 'cut') frame = frame.slice(0, Math.max(0, frame.length - b.by));
    else if (b.kind === 'pad') frame = new Uint8Array([...frame, ...new Uint8Array(b.by)]);
    else if (b.kind === 'totlen') {
      frame = frame.slice();
      set16(frame, 16, b.value);
    }
    return frame;
  });

describe('the fast path for ICMP echo lines', () => {
  it('prints what the generic printer prints, for echo frames whole and bent, under any options', () => {
    let fast = 0;
    fc.assert(
      fc.property(echoFrameArb, optsArb, (frame, opts) => {
        const generic = genericPrintPacket(frame, opts);
        expect(prettyPrintPacket(frame, opts)).toBe(generic);
        if (!opts.linkHeader && !opts.verbose && !opts.quiet && /^IP [\d.]+ > [\d.]+: ICMP echo/.test(generic)) fast++;
      }),
      { numRuns: 5000, seed: 20261202 },
    );
    // The frames it exists for were drawn: the property compared the fast path, not only the fallback.
    expect(fast).toBeGreaterThan(1000);
  });

  it('prints the same reading the frame in place, from anywhere in a larger buffer (a capture arena)', () => {
    fc.assert(
      fc.property(echoFrameArb, optsArb, fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (frame, opts, before, after) => {
        const arena = new Uint8Array([...before, ...frame, ...after]);
        const sink = new AsciiSink(8);
        printPacketAt(sink, arena, before.length, frame.length, opts);
        expect(sink.toString()).toBe(genericPrintPacket(frame, opts));
      }),
      { numRuns: 3000, seed: 20261203 },
    );
  });

  it('prints what the generic printer prints for any frame the printer tests draw', () => {
    fc.assert(
      fc.property(frameArb, optsArb, (f, opts) => {
        const o = { ...opts, wireLength: f.origLen };
        expect(prettyPrintPacket(f.data, o)).toBe(genericPrintPacket(f.data, o));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
