import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapFile, writePcapFile } from '../../src/capture/pcap.js';
import { prettyPrintPacket, tcpdumpLine } from '../../src/capture/tcpdump-print.js';
import { emitEthernet } from '../../src/wire/index.js';
import {
  ECHO_REQUEST_FRAME,
  FIXTURE_DIR,
  HOST_UNREACH_LO_FRAME,
  IGMP_V3_REPORT_FRAME,
  VLAN_ARP_FRAME,
  fixturePcaps,
} from '../wire/helpers.js';
import { frameArb } from './frame-arbitraries.js';
import { simulatorFrames } from './simulator-frames.js';
import { splitPackets, tcpdumpAvailable, tcpdumpRead, tcpdumpVersion } from './real-tcpdump.js';

const HAVE_TCPDUMP = tcpdumpAvailable();
/** In the test names, so a skip says why. */
const LIVE = '(runs the real tcpdump; skipped when tcpdump is not on PATH)';
if (!HAVE_TCPDUMP) console.warn('tcpdump-print.test: tcpdump is not on PATH, live comparisons skipped (apt-get install tcpdump)');

/** Our printer over every record of a pcap, as tcpdump would write it to stdout. */
function printFile(file: string, eflag: boolean): string {
  const r = readPcapFile(file);
  if (!r.ok) throw new Error(`${file}: ${r.error.kind}`);
  return r.value.records
    .map((rec) => prettyPrintPacket(rec.data, { linkHeader: eflag, wireLength: rec.origLen }) + '\n')
    .join('');
}

describe('printer vs. the real tcpdump on kernel-made captures (test/fixtures/pcap)', () => {
  const pcaps = fixturePcaps();

  it('has the fixtures', () => {
    expect(pcaps).toEqual(
      expect.arrayContaining([
        'arp-icmp.pcap',
        'fragments.pcap',
        'host-unreach-lo.pcap',
        'igmp-bridge.pcap',
        'ttl-exceeded.pcap',
        'vlan.pcap',
        'broadcast.pcap',
      ]),
    );
  });

  for (const pcap of pcaps) {
    for (const [suffix, eflag] of [
      ['.txt', false],
      ['.e.txt', true],
    ] as const) {
      it(`${pcap} matches ${pcap.replace('.pcap', suffix)} line for line`, () => {
        const want = readFileSync(join(FIXTURE_DIR, pcap.replace('.pcap', suffix)), 'utf8');
        const got = printFile(join(FIXTURE_DIR, pcap), eflag);
        expect(want.length).toBeGreaterThan(0);
        expect(got.split('\n')).toEqual(want.split('\n'));
      });
    }
  }
});

describe('exact texts (verified against tcpdump 4.99.3)', () => {
  it('prints ARP, ICMP and the -e link header', () => {
    expect(tcpdumpLine(VLAN_ARP_FRAME)).toBe('ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28');
    expect(tcpdumpLine(VLAN_ARP_FRAME, { linkHeader: true })).toBe(
      '52:54:00:00:01:02 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 46: vlan 10, p 0, ethertype ARP (0x0806), ' +
        'Request who-has 10.1.1.3 tell 10.1.1.2, length 28',
    );
    expect(tcpdumpLine(ECHO_REQUEST_FRAME)).toBe('IP 10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64');
    expect(tcpdumpLine(IGMP_V3_REPORT_FRAME)).toBe('IP 0.0.0.0 > 224.0.0.22: igmp v3 report, 1 group record(s)');
  });

  it('prints lo frames (DLT_EN10MB with zero MACs) like Ethernet', () => {
    expect(tcpdumpLine(HOST_UNREACH_LO_FRAME, { link: 'linux-lo' })).toBe(
      'IP 10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.9 unreachable, length 92',
    );
    expect(tcpdumpLine(HOST_UNREACH_LO_FRAME, { link: 'linux-lo', linkHeader: true })).toBe(
      '00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 126: ' +
        '10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.9 unreachable, length 92',
    );
  });

  it('prints the first fragment through ICMP and later ones as ip-proto-1', () => {
    const r = readPcapFile(join(FIXTURE_DIR, 'fragments.pcap'));
    if (!r.ok) throw new Error('fixture');
    const lines = r.value.records.map((rec) => tcpdumpLine(rec.data));
    expect(lines[2]).toMatch(/^IP 10\.1\.1\.2 > 10\.1\.1\.3: ICMP echo request, id \d+, seq 1, length 1480$/);
    expect(lines[3]).toBe('IP 10.1.1.2 > 10.1.1.3: ip-proto-1');
  });

  it('falls back to a hex dump for ethertypes tcpdump does not decode', () => {
    const f = emitEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '52:54:00:00:01:02', ethertype: 0x88b5 }, Uint8Array.of(0x41, 0x42, 0x01));
    expect(tcpdumpLine(f)).toBe(
      '52:54:00:00:01:02 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x88b5), length 17: \n\t0x0000:  4142 01                                  AB.',
    );
    expect(tcpdumpLine(f.subarray(0, 13))).toBe(' [|ether]');
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (b, e) => {
        expect(typeof prettyPrintPacket(b, { linkHeader: e })).toBe('string');
      }),
    );
    fc.assert(
      fc.property(frameArb, fc.boolean(), (f, e) => {
        expect(typeof prettyPrintPacket(f.data, { linkHeader: e, wireLength: f.origLen })).toBe('string');
      }),
    );
  });
});

// ------------------------------------------------------------------ live

/**
 * Writes `frames` with our pcap writer, has the real tcpdump read the file
 * (-nnt, then -nnte) and compares its text with our printer's, frame by frame.
 */
function compareWithRealTcpdump(frames: ReadonlyArray<{ data: Uint8Array; origLen?: number }>): void {
  const dir = mkdtempSync(join(tmpdir(), 'vethsim-tcpdump-'));
  try {
    const file = join(dir, 'ours.pcap');
    writePcapFile(
      file,
      frames.map((f, i) => ({ tsSec: 1_700_000_000 + i, tsUsec: i % 1_000_000, data: f.data, origLen: f.origLen ?? f.data.length })),
    );
    for (const eflag of [false, true]) {
      const real = splitPackets(tcpdumpRead(file, [eflag ? '-nnte' : '-nnt']));
      expect(real.length).toBe(frames.length);
      const diffs = frames
        .map((f, i) => ({
          i,
          ours: prettyPrintPacket(f.data, { linkHeader: eflag, wireLength: f.origLen }),
          real: real[i],
          hex: Buffer.from(f.data).toString('hex'),
        }))
        .filter((d) => d.ours !== d.real);
      expect(diffs.slice(0, 5), `${diffs.length} of ${frames.length} differ (-e: ${eflag})`).toEqual([]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('our pcap writer, read back by the real tcpdump, matches our printer', () => {
  it.skipIf(!HAVE_TCPDUMP)(`every kind of frame the simulator sends ${LIVE}`, () => {
    expect(tcpdumpVersion()).toMatch(/^tcpdump version /);
    compareWithRealTcpdump(simulatorFrames().map((data) => ({ data })));
  });

  it.skipIf(!HAVE_TCPDUMP)(`3000 generated frames, odd and cut-short ones included ${LIVE}`, () => {
    const frames = fc.sample(frameArb, { numRuns: 3000, seed: 20240607 });
    compareWithRealTcpdump(frames);
  });
});
