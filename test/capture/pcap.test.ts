import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PcapWriter,
  encodePcap,
  encodePcapHeader,
  parsePcap,
  readPcapFile,
  writePcapFile,
  type PcapRecord,
} from '../../src/capture/pcap.js';
import { FIXTURE_DIR, hex, toHex } from '../wire/helpers.js';

describe('pcap files', () => {
  it('writes the same file header tcpdump -w does (LE, 2.4, snaplen 262144, EN10MB)', () => {
    expect(toHex(encodePcapHeader())).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
    const real = readFileSync(join(FIXTURE_DIR, 'garp.pcap'));
    expect(toHex(encodePcapHeader())).toBe(real.subarray(0, 24).toString('hex'));
  });

  it('reads a file written by the real tcpdump, and writes it back byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, 'arp-icmp.pcap')));
    const r = parsePcap(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.linktype).toBe(1);
    expect(r.value.snaplen).toBe(262144);
    expect(r.value.nanosecond).toBe(false);
    expect(r.value.records.length).toBe(6);
    expect(r.value.records[0]!.data.length).toBe(42);
    expect(encodePcap(r.value.records)).toEqual(bytes);
  });

  it('reads big-endian and nanosecond files', () => {
    const be = hex('a1b23c4d 0002 0004 00000000 00000000 00040000 00000001' + '00000005 000f4240 00000002 00000003' + 'abcd');
    const r = parsePcap(be);
    expect(r).toEqual({
      ok: true,
      value: {
        snaplen: 262144,
        linktype: 1,
        nanosecond: true,
        records: [{ tsSec: 5, tsUsec: 1000, data: hex('abcd'), origLen: 3 }],
      },
    });
  });

  it('cuts records to the snaplen and keeps the original length', () => {
    const out = encodePcap([{ tsSec: 1, tsUsec: 2, data: new Uint8Array(100) }], { snaplen: 64 });
    const r = parsePcap(out);
    expect(r.ok && r.value.records[0]).toMatchObject({ origLen: 100 });
    expect(r.ok && r.value.records[0]!.data.length).toBe(64);
  });

  it('reports malformed files as errors', () => {
    expect(parsePcap(new Uint8Array(10))).toMatchObject({ ok: false, error: { kind: 'truncated', layer: 'pcap' } });
    expect(parsePcap(new Uint8Array(24))).toMatchObject({ ok: false, error: { kind: 'unsupported', field: 'magic' } });
    const cut = encodePcap([{ tsSec: 0, tsUsec: 0, data: new Uint8Array(10) }]).subarray(0, 45);
    expect(parsePcap(cut)).toMatchObject({ ok: false, error: { kind: 'truncated' } });
  });

  it('PcapWriter turns a microsecond clock into seconds + microseconds', () => {
    const w = new PcapWriter();
    w.add(hex('00'), 3_000_001);
    w.add(hex('01'), 999_999);
    const r = parsePcap(w.toBytes());
    expect(r.ok && r.value.records.map((x) => [x.tsSec, x.tsUsec])).toEqual([
      [3, 1],
      [0, 999_999],
    ]);
    expect(() => w.add(hex('00'), -1)).toThrow(RangeError);
  });

  it('files round-trip through disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-pcap-'));
    try {
      const recs: PcapRecord[] = [{ tsSec: 7, tsUsec: 8, data: hex('0102030405'), origLen: 5 }];
      writePcapFile(join(dir, 'a.pcap'), recs);
      expect(readPcapFile(join(dir, 'a.pcap'))).toEqual({
        ok: true,
        value: { snaplen: 262144, linktype: 1, nanosecond: false, records: recs },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('encode -> parse is the identity; parse never throws', () => {
    const rec = fc.record({
      tsSec: fc.integer({ min: 0, max: 0xffffffff }),
      tsUsec: fc.integer({ min: 0, max: 999_999 }),
      data: fc.uint8Array({ maxLength: 80 }),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 5 }), (recs) => {
        const r = parsePcap(encodePcap(recs));
        expect(r.ok && r.value.records).toEqual(recs.map((x) => ({ ...x, origLen: x.data.length })));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(typeof parsePcap(b).ok).toBe('boolean');
      }),
    );
    // Past a valid file header, random record bytes.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(typeof parsePcap(new Uint8Array([...encodePcapHeader(), ...b])).ok).toBe('boolean');
      }),
    );
  });
});
