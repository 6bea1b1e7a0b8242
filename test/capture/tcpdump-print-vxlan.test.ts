// VXLAN datagrams as tcpdump 4.99 prints them: UDP port 4789 is dissected as VXLAN ("VXLAN, flags
// [I] (0x08), vni N", then the inner frame on the next line), 8472 (Linux's default) as OTV ("OTV,
// flags [I] (0x08), overlay 0, instance N"). The expected lines are copied from the kernel-recorded
// scenarios/vxlan-p2p.yaml and vxlan-flood.yaml; the frames are built from the wire emitters with the
// addresses and ports those runs had, and the scenarios are also run whole in the simulator. Odd
// headers (no I flag, other flags, reserved bits, truncation) are compared with the real tcpdump
// when it is on PATH.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcapFile } from '../../src/capture/pcap.js';
import { prettyPrintPacket } from '../../src/capture/tcpdump-print.js';
import { emitEthernet, ETHERTYPE_IPV4 } from '../../src/wire/ethernet.js';
import { emitArp } from '../../src/wire/arp.js';
import { emitUdp } from '../../src/wire/udp.js';
import { emitVxlan } from '../../src/wire/vxlan.js';
import { IP_PROTO_UDP, parseIpv4 } from '../../src/wire/ipv4.js';
import { buildDatagram } from '../../src/stack/ipv4-output.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';
import { canonicalBlocks } from '../../src/report/canonical.js';
import { ECHO_REQUEST_FRAME } from '../wire/helpers.js';
import { splitPackets, tcpdumpAvailable, tcpdumpRead } from './real-tcpdump.js';

const HAVE_TCPDUMP = tcpdumpAvailable();
const LIVE = '(runs the real tcpdump; skipped when tcpdump is not on PATH)';
const ROOT = join(import.meta.dirname, '../..');

const ip = (s: string): number => parseIpv4(s) ?? NaN;

/** A whole outer frame: Ethernet, IPv4 (no DF, as vxlan_xmit_one sends), UDP, then `payload` (a VXLAN header and more). */
function outer(src: string, sport: number, dst: string, dport: number, payload: Uint8Array): Uint8Array {
  const udp = emitUdp({ srcPort: sport, dstPort: dport, data: payload }, ip(src), ip(dst), 'partial');
  const dgram = buildDatagram({ src: ip(src), dst: ip(dst), protocol: IP_PROTO_UDP, ttl: 64, ident: 7, dontFragment: false }, udp);
  return emitEthernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', ethertype: ETHERTYPE_IPV4 }, dgram);
}

function arpRequest(sender: string, target: string): Uint8Array {
  const mac = 'ee:50:1c:47:36:d6';
  return emitEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: mac, ethertype: 0x0806 }, emitArp({ operation: 1, senderMac: mac, senderIp: ip(sender), targetMac: '00:00:00:00:00:00', targetIp: ip(target) }));
}

/** The expected capture of a recorded scenario, as its lines. */
function recorded(file: string, point: string): string[] {
  const s = loadScenario(join(ROOT, 'scenarios', file));
  const text = s.expect?.captures?.get(point);
  if (text === undefined) throw new Error(`${file} has no capture ${point}`);
  return text.trimEnd().split('\n');
}

describe('VXLAN and OTV over UDP', () => {
  it('port 4789: the recorded VXLAN line (vxlan-p2p.yaml), the inner frame on the next', () => {
    const lines = recorded('vxlan-p2p.yaml', 'ns1/veth1');
    expect(prettyPrintPacket(outer('10.0.0.1', 43982, '10.0.0.2', 4789, emitVxlan(42, arpRequest('192.168.100.1', '192.168.100.2'))))).toBe(lines.slice(0, 2).join('\n'));
    // Which end has 4789 does not matter: the reply direction's line has the same form.
    expect(prettyPrintPacket(outer('10.0.0.2', 4789, '10.0.0.1', 43982, emitVxlan(42, arpRequest('192.168.100.1', '192.168.100.2'))))).toBe(
      'IP 10.0.0.2.4789 > 10.0.0.1.43982: VXLAN, flags [I] (0x08), vni 42\nARP, Request who-has 192.168.100.2 tell 192.168.100.1, length 28',
    );
  });

  it('port 8472: the recorded OTV line (vxlan-flood.yaml): the VNI is the instance, the 24 bits after the flags the overlay', () => {
    const lines = recorded('vxlan-flood.yaml', 'ns1/e0');
    const at = lines.findIndex((l) => l.includes(': OTV,'));
    expect(at).toBeGreaterThan(0);
    expect(prettyPrintPacket(outer('10.0.0.1', 43982, '10.0.0.2', 8472, emitVxlan(8, arpRequest('192.168.88.1', '192.168.88.2'))))).toBe(lines.slice(at, at + 2).join('\n'));
    const reserved = emitVxlan(8, arpRequest('192.168.88.1', '192.168.88.2'));
    reserved.set([0x01, 0x02, 0x03], 1);
    expect(prettyPrintPacket(outer('10.0.0.1', 43982, '10.0.0.2', 8472, reserved)).split('\n')[0]).toBe('IP 10.0.0.1.43982 > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 66051, instance 8');
  });

  // Verified against tcpdump 4.99.3 (the live test below runs these headers through it too).
  it('prints the header as it is: no I flag is [invalid] for VXLAN, [.] for OTV, the flags byte in hex; the VNI is all 24 bits', () => {
    const h = emitVxlan(0xffffff, ECHO_REQUEST_FRAME);
    h[0] = 0x00;
    expect(prettyPrintPacket(outer('10.0.0.1', 1000, '10.0.0.2', 4789, h)).split('\n')[0]).toBe('IP 10.0.0.1.1000 > 10.0.0.2.4789: VXLAN, flags [invalid] (0x00), vni 16777215');
    expect(prettyPrintPacket(outer('10.0.0.1', 1000, '10.0.0.2', 8472, h)).split('\n')[0]).toBe('IP 10.0.0.1.1000 > 10.0.0.2.8472: OTV, flags [.] (0x00), overlay 0, instance 16777215');
    h[0] = 0x0c;
    expect(prettyPrintPacket(outer('10.0.0.1', 1000, '10.0.0.2', 4789, h)).split('\n')[0]).toBe('IP 10.0.0.1.1000 > 10.0.0.2.4789: VXLAN, flags [I] (0x0c), vni 16777215');
    expect(prettyPrintPacket(outer('10.0.0.1', 1000, '10.0.0.2', 4789, h)).split('\n')[1]).toBe('IP 10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64');
  });

  it('a datagram too short for the header is invalid; a capture cut inside it prints up to the field it cannot read', () => {
    const short = emitVxlan(5, new Uint8Array(0)).subarray(0, 6);
    expect(prettyPrintPacket(outer('10.0.0.1', 1000, '10.0.0.2', 4789, short))).toBe('IP 10.0.0.1.1000 > 10.0.0.2.4789: VXLAN (invalid)');
    expect(prettyPrintPacket(outer('10.0.0.1', 1000, '10.0.0.2', 8472, short))).toBe('IP 10.0.0.1.1000 > 10.0.0.2.8472: OTV, [length 6 < 8] (invalid)');
    const whole = outer('10.0.0.1', 1000, '10.0.0.2', 4789, emitVxlan(5, arpRequest('192.168.100.1', '192.168.100.2')));
    // 42 bytes of Ethernet, IP and UDP, then 6 of the VXLAN header: the flags are there, the VNI is not.
    expect(prettyPrintPacket(whole.subarray(0, 48), { wireLength: whole.length })).toBe('IP 10.0.0.1.1000 > 10.0.0.2.4789: VXLAN, flags [I] (0x08),  [|vxlan]');
    const otv = outer('10.0.0.1', 1000, '10.0.0.2', 8472, emitVxlan(5, arpRequest('192.168.100.1', '192.168.100.2')));
    expect(prettyPrintPacket(otv.subarray(0, 48), { wireLength: otv.length })).toBe('IP 10.0.0.1.1000 > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 0,  [|otv]');
    expect(prettyPrintPacket(otv.subarray(0, 44), { wireLength: otv.length })).toBe('IP 10.0.0.1.1000 > 10.0.0.2.8472: OTV, flags [I] (0x08),  [|otv]');
  });

  it('another UDP port is a plain UDP line', () => {
    expect(prettyPrintPacket(outer('10.0.0.1', 43982, '10.0.0.2', 4790, emitVxlan(42, arpRequest('192.168.100.1', '192.168.100.2'))))).toBe('IP 10.0.0.1.43982 > 10.0.0.2.4790: UDP, length 50');
  });

  it('the simulator\'s own runs of the recorded scenarios print their captures as recorded (source ports and MACs canonical)', () => {
    for (const [file, point] of [
      ['vxlan-p2p.yaml', 'ns1/veth1'],
      ['vxlan-flood.yaml', 'ns1/e0'],
    ] as const) {
      const run = runSim(loadScenario(join(ROOT, 'scenarios', file)), { seed: 1 });
      const cap = run.captures.find((c) => c.point === point);
      expect(cap, `${file} ${point}`).toBeDefined();
      const ours = (cap?.frames ?? []).map((f) => prettyPrintPacket(f.data)).join('\n');
      // Each side renamed on its own, as `check` compares two runs: source ports and MACs by first appearance.
      const canon = (text: string) => canonicalBlocks([{ key: point, text }])[0]?.text;
      expect(canon(ours), file).toBe(canon(recorded(file, point).join('\n')));
    }
  });

  it.skipIf(!HAVE_TCPDUMP)(`odd headers print as the real tcpdump prints them, on 4789 and on 8472 ${LIVE}`, () => {
    const inner = arpRequest('192.168.100.1', '192.168.100.2');
    const payloads: Uint8Array[] = [];
    for (const flags of [0x08, 0x00, 0x0c, 0xff, 0x80]) {
      const p = emitVxlan(0x123456, inner);
      p[0] = flags;
      payloads.push(p);
    }
    const reserved = emitVxlan(77, ECHO_REQUEST_FRAME);
    reserved.set([0xaa, 0xbb, 0xcc], 1);
    reserved[7] = 0x5a;
    payloads.push(reserved);
    // Truncated: a short header, and a header with only part of an inner frame behind it.
    payloads.push(emitVxlan(5, inner).subarray(0, 6));
    payloads.push(emitVxlan(5, inner).subarray(0, 20));
    const whole = [4789, 8472].flatMap((port) => payloads.map((p) => outer('10.0.0.1', 43982, '10.0.0.2', port, p)));
    // And captures cut short inside the header (a snap length): every cut from the UDP header's end to the inner frame's start.
    const cuts = [4789, 8472].flatMap((port) => Array.from({ length: 9 }, (_, k) => ({ data: outer('10.0.0.1', 43982, '10.0.0.2', port, emitVxlan(5, arpRequest('192.168.100.1', '192.168.100.2'))), cut: 42 + k })));
    const records = [...whole.map((data) => ({ data, origLen: data.length })), ...cuts.map((c) => ({ data: c.data.subarray(0, c.cut), origLen: c.data.length }))];
    const frames = records.map((r) => r.data);
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-vxlan-'));
    try {
      const file = join(dir, 'vxlan.pcap');
      writePcapFile(
        file,
        records.map((r, i) => ({ tsSec: 1_700_000_000 + i, tsUsec: 0, data: r.data, origLen: r.origLen })),
      );
      const real = splitPackets(tcpdumpRead(file, ['-nnt']));
      // tcpdump puts the inner frame on a line of its own, which splitPackets does not know to join.
      expect(records.map((r) => prettyPrintPacket(r.data, { wireLength: r.origLen })).join('\n')).toBe(real.join('\n'));
      expect(frames.length).toBe(records.length);
      // -x (where a read past the end makes tcpdump dump the whole frame) and -v.
      const hexed = tcpdumpRead(file, ['-nnt', '-x']).trimEnd();
      expect(records.map((r) => prettyPrintPacket(r.data, { wireLength: r.origLen, hex: { ascii: false, withLinkHeader: false } })).join('\n')).toBe(hexed);
      const verbose = tcpdumpRead(file, ['-nntv']).trimEnd();
      expect(records.map((r) => prettyPrintPacket(r.data, { wireLength: r.origLen, verbose: 1 })).join('\n')).toBe(verbose);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
