// Capture filters: which frames pass, and what libpcap says about the filters it refuses —
// compared with the real tcpdump reading a pcap (a file's semantics: `live: false`), plus the
// live capture's handling of 802.1Q tags, as measured on the kernel (scenarios/tcpdump-filter-vlan.yaml).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcapFile } from '../../src/capture/pcap.js';
import { compileFilter, type FrameFilter } from '../../src/capture/filter.js';
import { pushVlanTag } from '../../src/wire/vlan.js';
import { ARP_REQUEST_FRAME, ECHO_REQUEST_FRAME, FIXTURE_DIR, fixtureFrames } from '../wire/helpers.js';
import { simulatorFrames } from './simulator-frames.js';
import { tcpdumpAvailable } from './real-tcpdump.js';

const HAVE_TCPDUMP = tcpdumpAvailable();
const LIVE = '(runs the real tcpdump; skipped when tcpdump is not on PATH)';

function compiled(words: string, live = true): FrameFilter {
  const c = compileFilter(words.split(' '), { live });
  if (!c.ok) throw new Error(`${words}: ${c.kind === 'error' ? c.message : c.reason}`);
  return c.filter;
}

/** Filters as people write them, from pcap-filter(7), tutorials and the kernel's selftests. */
const FILTERS = [
  'arp', 'ip', 'icmp', 'igmp', 'udp', 'rarp', 'tcp', 'ip6', 'not ip6',
  'host 10.1.1.2', 'src host 10.1.1.2', 'dst 10.1.1.3', 'net 10.1.1.0/24', 'net 10.2.2', 'host 10.1.1',
  'src net 10.1.0.0 mask 255.255.0.0', 'dst net 224.0.0.0/4', 'ip dst 224.0.0.22',
  'host 10.1.1.2 and not 10.1.1.3', 'host 10.1.1.2 or 10.1.1.3', 'icmp or arp and host 10.1.1.3', 'not arp', '! icmp',
  '(arp or icmp) and not host 10.1.1.1', 'icmp and (host 10.1.1.2 or host 10.1.1.9)', 'ip and not icmp', 'arp && icmp || ip', 'ip and ! (icmp)',
  'ether host 52:54:00:00:01:02', 'ether src 52:54:00:00:01:03', 'ether dst ff:ff:ff:ff:ff:ff', 'ether broadcast', 'broadcast',
  'multicast', 'ip multicast', 'vlan', 'vlan 10', 'vlan and arp', 'vlan 11 and icmp', 'not vlan', 'arp or vlan', 'vlan or arp',
  'vlan 10 and vlan 20', 'icmp[icmptype] == icmp-echo', 'icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply',
  'icmp[0] = 11', 'icmp[icmpcode] = 1', 'icmp[4:2] = 22', 'ip[8] < 64', 'ip[8] = 64', 'ip[6:2] & 0x1fff != 0', 'ip[6] & 0x20 != 0',
  'ip[2:2] > 1000', 'ether[0] & 1 != 0', 'ether[12:2] = 0x8100', 'len > 100', 'len - 14 = 84', 'less 64', 'greater 100',
  'ip proto 1', 'ip proto \\icmp', 'ether proto 0x0806', 'ether proto \\arp', 'arp host 10.1.1.2', 'ip host 10.1.1.2',
  'src or dst host 10.1.1.3', 'src and dst host 10.1.1.2', 'arp[6:2] = 2', 'udp[2:2] = 4000', '1 = 1', '(ip[8] + 1) = 65', 'ip[8] * 2 = 128',
];

/** Filters libpcap refuses, each with its own message (checked against the real tcpdump too). */
const REFUSED: ReadonlyArray<[string, string]> = [
  ['foo', "can't parse filter expression: syntax error"],
  ['10.1.1.2', "can't parse filter expression: syntax error"],
  ['host', "can't parse filter expression: syntax error"],
  ['ip proto icmp', "can't parse filter expression: syntax error"],
  ['arp or', "can't parse filter expression: syntax error"],
  ['(arp', "can't parse filter expression: syntax error"],
  ['arp)', "can't parse filter expression: syntax error"],
  ['vlan abc', "can't parse filter expression: syntax error"],
  ['icmp[icmptype] == icmp-foo', "can't parse filter expression: syntax error"],
  ['host 10.1.1.300', "invalid IPv4 address '10.1.1.300'"],
  ['ether host 52:54:00:00:01', 'bogus ethernet address 52:54:00:00:'],
  ['net 10.1.1.1/24', 'non-network bits set in "10.1.1.1/24"'],
  ['net 10.1.1.0/33', 'mask length must be <= 32'],
  ['host 10.1.1.0/24', 'Mask syntax for networks only'],
  ['vlan 5000', 'VLAN tag 5000 greater than maximum 4095'],
  ['icmp host 10.1.1.2', "'icmp' modifier applied to host"],
  ['udp net 10.0.0.0/8', "'udp' modifier applied to net"],
  ['ip6 host 10.1.1.2', "'ip6' modifier applied to ip host"],
  ['ether net 10.0.0.0/8', 'link-layer modifier applied to net'],
  ['ip[0:3] = 1', 'data size must be 1, 2, or 4'],
  ['1 / 0 = 1', 'division by zero'],
];

/** Filters no packet passes: refused here (libpcap's optimizer may or may not prove it). */
const UNSATISFIABLE = ['arp and ip', 'icmp and udp', 'tcp and udp', 'src host 10.1.1.2 and src host 10.1.1.3', 'len = 98 and len = 42', 'less 50 and greater 100'];

function frames(): Uint8Array[] {
  const base = [...simulatorFrames(), ...fixtureFrames().map((f) => f.record.data)];
  return [...base, ...base.slice(0, 30).map((f, i) => pushVlanTag(f, { pcp: 0, dei: false, vid: 10 + (i % 3) }))];
}

describe('filters vs. the real tcpdump reading a pcap', () => {
  it.skipIf(!HAVE_TCPDUMP)(`pass the same frames ${LIVE}`, () => {
    const all = frames();
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-filter-'));
    try {
      const file = join(dir, 'f.pcap');
      writePcapFile(file, all.map((data, i) => ({ tsSec: 1000 + i, tsUsec: 0, data, origLen: data.length })));
      const diffs: string[] = [];
      for (const f of FILTERS) {
        const r = spawnSync('tcpdump', ['-r', file, '-tt', '-nn', f], { encoding: 'utf8' });
        expect(r.status, `${f}: ${r.stderr}`).toBe(0);
        const real = r.stdout.split('\n').filter((l) => /^\d+\./.test(l)).map((l) => Number(l.split('.')[0]) - 1000);
        const filter = compiled(f, false);
        const ours = all.map((fr, i) => (filter(fr, 'out') ? i : -1)).filter((i) => i >= 0);
        if (JSON.stringify(ours) !== JSON.stringify(real)) diffs.push(`${f}: ours ${ours.length}, tcpdump ${real.length}`);
      }
      expect(diffs).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(REFUSED)('refuses %s as libpcap does: %s', (f, message) => {
    expect(compileFilter(f.split(' '))).toEqual({ ok: false, kind: 'error', message });
  });

  it.skipIf(!HAVE_TCPDUMP)(`the refusals are the real tcpdump's words ${LIVE}`, () => {
    const file = join(FIXTURE_DIR, 'arp-icmp.pcap');
    for (const [f, message] of REFUSED) {
      const r = spawnSync('tcpdump', ['-r', file, '-nnt', f], { encoding: 'utf8' });
      expect(r.stderr.split('\n').find((l) => l.startsWith('tcpdump:')), f).toBe(`tcpdump: ${message}`);
    }
  });

  it.each(UNSATISFIABLE)('refuses %s, which no packet passes, as not simulated', (f) => {
    expect(compileFilter(f.split(' '))).toMatchObject({ ok: false, kind: 'unsupported' });
  });

  it('refuses names and primitives it does not model', () => {
    for (const f of ['host foo', 'ether host foo', 'port 53', 'ip broadcast', 'tcp[tcpflags] & tcp-syn != 0 and port 80', 'host fe80::1']) {
      expect(compileFilter(f.split(' ')), f).toMatchObject({ ok: false, kind: 'unsupported' });
    }
  });
});

describe('a live capture on Linux', () => {
  const tagged = pushVlanTag(ARP_REQUEST_FRAME, { pcp: 0, dei: false, vid: 10 });

  it('receives a tagged frame untagged, the tag beside it: arp matches, vlan does not move the offsets', () => {
    expect(compiled('arp')(tagged, 'in')).toBe(true);
    expect(compiled('vlan')(tagged, 'in')).toBe(true);
    expect(compiled('vlan 10')(tagged, 'in')).toBe(true);
    expect(compiled('vlan 11')(tagged, 'in')).toBe(false);
    expect(compiled('vlan and arp')(tagged, 'in')).toBe(true);
    expect(compiled('not vlan')(tagged, 'in')).toBe(false);
    expect(compiled('host 10.1.1.2')(tagged, 'in')).toBe(true);
  });

  it('sends a tagged frame with the tag in the data: only after vlan do the tests look past it', () => {
    expect(compiled('arp')(tagged, 'out')).toBe(false);
    expect(compiled('host 10.1.1.2')(tagged, 'out')).toBe(false);
    expect(compiled('vlan')(tagged, 'out')).toBe(true);
    expect(compiled('vlan and arp')(tagged, 'out')).toBe(true);
    expect(compiled('vlan 10 and host 10.1.1.2')(tagged, 'out')).toBe(true);
    expect(compiled('not vlan')(tagged, 'out')).toBe(false);
  });

  it('reads and/or left to right with equal precedence', () => {
    // (arp or icmp) and host 10.1.1.9: the echo request to 10.1.1.3 does not pass.
    expect(compiled('arp or icmp and host 10.1.1.9')(ECHO_REQUEST_FRAME, 'out')).toBe(false);
    expect(compiled('arp or (icmp and host 10.1.1.9)')(ECHO_REQUEST_FRAME, 'out')).toBe(false);
    expect(compiled('icmp and host 10.1.1.9 or arp')(ARP_REQUEST_FRAME, 'out')).toBe(true);
  });

  it('refuses inbound and outbound: a live capture loses its first matching packets to them', () => {
    expect(compileFilter(['outbound'])).toMatchObject({ ok: false, kind: 'unsupported' });
    expect(compileFilter(['not', 'inbound', 'and', 'arp'])).toMatchObject({ ok: false, kind: 'unsupported' });
  });

  it('drops a packet a load runs past, whatever the rest says (BPF returns 0)', () => {
    expect(compiled('not ip[100] = 1')(ECHO_REQUEST_FRAME, 'out')).toBe(false);
    expect(compiled('ip[100] = 1 or arp')(ARP_REQUEST_FRAME, 'out')).toBe(true);
  });
});
