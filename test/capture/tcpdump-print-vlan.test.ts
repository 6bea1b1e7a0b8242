// 802.1Q frames as the simulated Open vSwitch puts them on a trunk port: the kernel-made untagged
// frames of the fixtures with a tag pushed in. With -e tcpdump shows the tag; without it, a tagged
// frame prints exactly like the untagged one (measured live on a trunk port's peer, see
// scenarios/ovs-vlan-trunk.yaml). Compared with the real tcpdump when it is on PATH.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcapFile } from '../../src/capture/pcap.js';
import { prettyPrintPacket } from '../../src/capture/tcpdump-print.js';
import { pushVlanTag } from '../../src/wire/vlan.js';
import { ARP_REPLY_FRAME, ARP_REQUEST_FRAME, ECHO_REQUEST_FRAME, fixtureFrames } from '../wire/helpers.js';
import { splitPackets, tcpdumpAvailable, tcpdumpRead } from './real-tcpdump.js';

const HAVE_TCPDUMP = tcpdumpAvailable();
const LIVE = '(runs the real tcpdump; skipped when tcpdump is not on PATH)';

describe('tagged frames from pushVlanTag', () => {
  it('print with -e as tcpdump 4.99.3 does: the 802.1Q header, then the inner ethertype', () => {
    const tagged = pushVlanTag(ARP_REQUEST_FRAME, { pcp: 0, dei: false, vid: 10 });
    expect(prettyPrintPacket(tagged, { linkHeader: true })).toBe(
      '52:54:00:00:01:02 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 46: vlan 10, p 0, ethertype ARP (0x0806), Request who-has 10.1.1.3 tell 10.1.1.2, length 28',
    );
    const echo = pushVlanTag(ECHO_REQUEST_FRAME, { pcp: 0, dei: false, vid: 20 });
    expect(prettyPrintPacket(echo, { linkHeader: true })).toBe(
      '52:54:00:00:01:02 > 52:54:00:00:01:03, ethertype 802.1Q (0x8100), length 102: vlan 20, p 0, ethertype IPv4 (0x0800), 10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64',
    );
  });

  it('print without -e exactly like the untagged frame', () => {
    for (const f of [ARP_REQUEST_FRAME, ARP_REPLY_FRAME, ECHO_REQUEST_FRAME]) {
      expect(prettyPrintPacket(pushVlanTag(f, { pcp: 3, dei: false, vid: 4094 }))).toBe(prettyPrintPacket(f));
    }
  });

  it.skipIf(!HAVE_TCPDUMP)(`every fixture frame, tagged, prints as the real tcpdump prints it, with and without -e ${LIVE}`, () => {
    const frames = fixtureFrames()
      .map((f) => f.record.data)
      .filter((d) => d.length >= 14 && !(d[12] === 0x81 && d[13] === 0x00))
      .map((d, i) => pushVlanTag(d, { pcp: i % 8, dei: false, vid: (i * 37) % 4096 }));
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-vlan-'));
    try {
      const file = join(dir, 'tagged.pcap');
      writePcapFile(
        file,
        frames.map((data, i) => ({ tsSec: 1_700_000_000 + i, tsUsec: 0, data, origLen: data.length })),
      );
      for (const eflag of [false, true]) {
        const real = splitPackets(tcpdumpRead(file, [eflag ? '-nnte' : '-nnt']));
        expect(frames.map((data) => prettyPrintPacket(data, { linkHeader: eflag }))).toEqual(real);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
