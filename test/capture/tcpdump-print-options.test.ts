// The printer under the options scenarios give tcpdump (-v, -vv, -q, -x, -xx,
// -X, -XX, with and without -e): exact texts, then the real tcpdump reading
// our pcap of the simulator's frames, the kernel-made fixtures and thousands
// of generated frames under each combination.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapFile, writePcapFile } from '../../src/capture/pcap.js';
import { prettyPrintPacket, type TcpdumpPrintOptions } from '../../src/capture/tcpdump-print.js';
import { ARP_REQUEST_FRAME, ECHO_REQUEST_FRAME, FIXTURE_DIR, fixtureFrames } from '../wire/helpers.js';
import { frameArb, verboseFrameArb } from './frame-arbitraries.js';
import { simulatorFrames } from './simulator-frames.js';
import { splitPackets, tcpdumpAvailable, tcpdumpRead } from './real-tcpdump.js';

const HAVE_TCPDUMP = tcpdumpAvailable();
const LIVE = '(runs the real tcpdump; skipped when tcpdump is not on PATH)';

const X = { ascii: false, withLinkHeader: false };
const XX = { ascii: false, withLinkHeader: true };
const XA = { ascii: true, withLinkHeader: false };
const XXA = { ascii: true, withLinkHeader: true };

describe('exact texts under options (verified against tcpdump 4.99.3)', () => {
  it('-v: the IPv4 header line, then the datagram on an indented line', () => {
    expect(prettyPrintPacket(ECHO_REQUEST_FRAME, { verbose: 1 })).toBe(
      'IP (tos 0x0, ttl 64, id 31974, offset 0, flags [DF], proto ICMP (1), length 84)\n' +
        '    10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64',
    );
    expect(prettyPrintPacket(ECHO_REQUEST_FRAME, { verbose: 1, linkHeader: true })).toBe(
      '52:54:00:00:01:02 > 52:54:00:00:01:03, ethertype IPv4 (0x0800), length 98: ' +
        '(tos 0x0, ttl 64, id 31974, offset 0, flags [DF], proto ICMP (1), length 84)\n' +
        '    10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64',
    );
  });

  it('-v: ARP names the hardware and protocol types', () => {
    expect(prettyPrintPacket(ARP_REQUEST_FRAME, { verbose: 1 })).toBe(
      'ARP, Ethernet (len 6), IPv4 (len 4), Request who-has 10.1.1.3 tell 10.1.1.2, length 28',
    );
  });

  it('-v: an ICMP error prints the datagram it quotes, as a datagram', () => {
    const r = readPcapFile(join(FIXTURE_DIR, 'ttl-exceeded.pcap'));
    if (!r.ok) throw new Error('fixture');
    const error = r.value.records.find((rec) => prettyPrintPacket(rec.data).includes('time exceeded'));
    expect(error).toBeDefined();
    expect(prettyPrintPacket(error!.data, { verbose: 1 })).toMatch(
      /^IP \(tos 0xc0, ttl 64, id \d+, offset 0, flags \[none\], proto ICMP \(1\), length 112\)\n {4}10\.1\.1\.1 > 10\.1\.1\.2: ICMP time exceeded in-transit, length 92\n\tIP \(tos 0x0, ttl 1, id \d+, offset 0, flags \[DF\], proto ICMP \(1\), length 84\)\n {4}10\.1\.1\.2 > 10\.2\.2\.3: ICMP echo request, id \d+, seq 1, length 64$/,
    );
  });

  it('-v: a bad checksum is shown with the value that would be right', () => {
    const f = ECHO_REQUEST_FRAME.slice();
    f[14 + 10] = 0xa6; // IP header checksum a7bc
    f[34 + 2] = 0xb5; // ICMP checksum b416
    expect(prettyPrintPacket(f, { verbose: 1 })).toBe(
      'IP (tos 0x0, ttl 64, id 31974, offset 0, flags [DF], proto ICMP (1), length 84, bad cksum a6bc (->a7bc)!)\n' +
        '    10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64 (wrong icmp cksum b516 (->b416)!)',
    );
  });

  it('-x and -X dump what follows the link header; -xx and -XX the whole frame', () => {
    const arp = ARP_REQUEST_FRAME;
    const text = 'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28';
    expect(prettyPrintPacket(arp, { hex: X })).toBe(
      `${text}\n\t0x0000:  0001 0800 0604 0001 5254 0000 0102 0a01\n\t0x0010:  0102 0000 0000 0000 0a01 0103`,
    );
    expect(prettyPrintPacket(arp, { hex: XX })).toBe(
      `${text}\n\t0x0000:  ffff ffff ffff 5254 0000 0102 0806 0001\n\t0x0010:  0800 0604 0001 5254 0000 0102 0a01 0102\n\t0x0020:  0000 0000 0000 0a01 0103`,
    );
    expect(prettyPrintPacket(arp, { hex: XA })).toBe(
      `${text}\n\t0x0000:  0001 0800 0604 0001 5254 0000 0102 0a01  ........RT......\n\t0x0010:  0102 0000 0000 0000 0a01 0103            ............`,
    );
    expect(prettyPrintPacket(arp, { hex: XXA }).split('\n')).toHaveLength(4);
  });

  it('-q -e: the ethertype by name only', () => {
    expect(prettyPrintPacket(ARP_REQUEST_FRAME, { quiet: true, linkHeader: true })).toBe(
      '52:54:00:00:01:02 > ff:ff:ff:ff:ff:ff, ARP, length 42: Request who-has 10.1.1.3 tell 10.1.1.2, length 28',
    );
  });
});

/** tcpdump's flags and the same as printer options. */
const COMBINATIONS: ReadonlyArray<{ flags: string[]; opts: TcpdumpPrintOptions }> = [
  { flags: ['-v'], opts: { verbose: 1 } },
  { flags: ['-vv'], opts: { verbose: 2 } },
  { flags: ['-vvv'], opts: { verbose: 3 } },
  { flags: ['-e', '-v'], opts: { verbose: 1, linkHeader: true } },
  { flags: ['-q'], opts: { quiet: true } },
  { flags: ['-e', '-q'], opts: { quiet: true, linkHeader: true } },
  { flags: ['-x'], opts: { hex: X } },
  { flags: ['-xx'], opts: { hex: XX } },
  { flags: ['-X'], opts: { hex: XA } },
  { flags: ['-XX'], opts: { hex: XXA } },
  { flags: ['-e', '-x'], opts: { linkHeader: true, hex: X } },
  { flags: ['-v', '-X'], opts: { verbose: 1, hex: XA } },
  { flags: ['-vv', '-q', '-e', '-xx'], opts: { verbose: 2, quiet: true, linkHeader: true, hex: XX } },
];

/** Our text and the real tcpdump's for each frame, under one combination; the first few that differ. */
function differences(frames: ReadonlyArray<{ data: Uint8Array; origLen: number }>, flags: string[], opts: TcpdumpPrintOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'vethsim-tcpdump-opts-'));
  try {
    const file = join(dir, 'frames.pcap');
    writePcapFile(
      file,
      frames.map((f, i) => ({ tsSec: 1_700_000_000 + i, tsUsec: 0, data: f.data, origLen: f.origLen })),
    );
    const real = splitPackets(tcpdumpRead(file, ['-nnt', ...flags]));
    expect(real.length).toBe(frames.length);
    return frames
      .map((f, i) => ({ i, hex: Buffer.from(f.data).toString('hex'), real: real[i], ours: prettyPrintPacket(f.data, { ...opts, wireLength: f.origLen }) }))
      .filter((d) => d.real !== d.ours)
      .slice(0, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('printer vs. the real tcpdump under each option combination', () => {
  const made = [
    ...simulatorFrames().map((data) => ({ data, origLen: data.length })),
    ...fixtureFrames().map((f) => ({ data: f.record.data, origLen: f.record.origLen ?? f.record.data.length })),
  ];
  for (const { flags, opts } of COMBINATIONS) {
    it.skipIf(!HAVE_TCPDUMP)(`${flags.join(' ')}: the simulator's frames and the kernel's fixtures ${LIVE}`, () => {
      expect(differences(made, flags, opts)).toEqual([]);
    });
    it.skipIf(!HAVE_TCPDUMP)(`${flags.join(' ')}: 1500 generated frames, odd and cut-short ones included ${LIVE}`, () => {
      // A quoted datagram is decoded only under -v: there its transport must be one we print.
      const arb = (opts.verbose ?? 0) > 0 ? verboseFrameArb : frameArb;
      expect(differences(fc.sample(arb, { numRuns: 1500, seed: 20250101 }), flags, opts)).toEqual([]);
    });
  }
});
