// Shared by the wire tests: hex fixtures and reading the kernel-made pcaps.

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readPcapFile, type PcapRecord } from '../../src/capture/pcap.js';

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pcap');

export function fixturePcaps(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.pcap'))
    .sort();
}

/** Every frame of every kernel-made fixture, labelled "file#index". */
export function fixtureFrames(): Array<{ label: string; record: PcapRecord }> {
  const out: Array<{ label: string; record: PcapRecord }> = [];
  for (const f of fixturePcaps()) {
    const r = readPcapFile(join(FIXTURE_DIR, f));
    if (!r.ok) throw new Error(`${f}: unreadable fixture`);
    r.value.records.forEach((record, i) => out.push({ label: `${f}#${i}`, record }));
  }
  return out;
}

// Frames the real kernel sent, captured by make-pcap-fixtures.sh and copied
// here byte for byte (the labels name the fixture they came from), so these
// tests keep their exact expectations when the fixtures are regenerated
// (ids, ports and the bridge's MAC change from run to run).

/** arp-icmp.pcap #0: ARP, Request who-has 10.1.1.3 tell 10.1.1.2 */
export const ARP_REQUEST_FRAME = hex('ffffffffffff525400000102080600010800060400015254000001020a0101020000000000000a010103');
/** arp-icmp.pcap #1: ARP, Reply 10.1.1.3 is-at 52:54:00:00:01:03 */
export const ARP_REPLY_FRAME = hex('525400000102525400000103080600010800060400025254000001030a0101035254000001020a010102');
/** arp-icmp.pcap #2: IP 10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64 */
export const ECHO_REQUEST_FRAME = hex(
  '5254000001035254000001020800450000547ce640004001a7bc0a0101020a0101030800b4160014000143530a6b0000000029430e0000000000' +
    '101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);
/** host-unreach-lo.pcap #0 (captured on lo): IP 10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.9 unreachable, length 92 */
export const HOST_UNREACH_LO_FRAME = hex(
  '000000000000000000000000080045c00070cb470000400198800a0101020a0101020301fcfe00000000450000541560400040010f3d0a010102' +
    '0a0101090800d2f00047000148530a6b000000000f36040000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d' +
    '2e2f3031323334353637',
);
/** ttl-exceeded.pcap #3: IP 10.1.1.1 > 10.1.1.2: ICMP time exceeded in-transit, length 92 */
export const TIME_EXCEEDED_FRAME = hex(
  '525400000102525400000101080045c00070081d000040015bac0a0101010a0101020b00f4ff000000004500005442c9400001011fd90a010102' +
    '0a02020308003b7c00c900015c530a6b000000008b280b0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d' +
    '2e2f3031323334353637',
);
/** port-unreach.pcap #2: IP 10.1.1.2.46726 > 10.1.1.1.4000: UDP, length 5 */
export const UDP_FRAME = hex('525400000101525400000102080045000021a0b940004011840e0a0101020a010101b6860fa0000d162368656c6c6f');
/** port-unreach.pcap #3: IP 10.1.1.1 > 10.1.1.2: ICMP 10.1.1.1 udp port 4000 unreachable, length 41 */
export const PORT_UNREACH_FRAME = hex(
  '525400000102525400000101080045c0003da51f00004001bedc0a0101010a0101020303dcd30000000045000021a0b940004011840e0a010102' +
    '0a010101b6860fa0000d162368656c6c6f',
);
/** igmp-bridge.pcap #0: IP 0.0.0.0 > 224.0.0.22: igmp v3 report, 1 group record(s) (IP option: router alert) */
export const IGMP_V3_REPORT_FRAME = hex(
  '01005e00001656edea9b64c0080046c0002800004000010203fa00000000e0000016940400002200f9930000000104000000e000006a',
);
/** igmp-bridge.pcap #3: IP 0.0.0.0 > 224.0.0.1: igmp query v2 [max resp time 10] */
export const IGMP_V2_QUERY_FRAME = hex('01005e00000156edea9b64c0080046c00020000040000102041700000000e000000194040000110aeef500000000');
/** igmp-bridge.pcap #4: IP 10.5.5.1 > 224.0.0.106: igmp v2 report 224.0.0.106 */
export const IGMP_V2_REPORT_FRAME = hex('01005e00006a56edea9b64c0080046c00020000040000102f4a70a050501e000006a9404000016000995e000006a');
/** vlan.pcap #0: 802.1Q vlan 10, p 0: ARP, Request who-has 10.1.1.3 tell 10.1.1.2 */
export const VLAN_ARP_FRAME = hex(
  'ffffffffffff5254000001028100000a080600010800060400015254000001020a0101020000000000000a010103',
);
/** vlan.pcap #3: 802.1Q vlan 4094, p 7, DEI: ICMP echo reply, id 302, seq 1 */
export const VLAN_ECHO_REPLY_FRAME = hex(
  '5254000001025254000001038100fffe0800450000543cb20000400127f10a0101030a01010200005c04012e000161530a6b00000000693b0f00' +
    '00000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);
