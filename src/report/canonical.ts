/**
 * Canonical comparison of two runs (format v1). Both sides are rendered as one text — captures in script
 * order, then output — and normalised: unicast MACs renamed by first appearance to <mac1>, <mac2>…, ICMP
 * echo ids to <id1>…, IPv4 identification fields in `tcpdump -v`'s header line to <ipid1>…, VXLAN
 * datagrams' UDP source ports to <sport1>…, ping and
 * arping timings and `ovs-appctl fdb/show` ages to <t>; trailing spaces and a block's leading/trailing blank lines dropped. Other tools
 * compare scenario files the same way: change nothing here without the format.
 */
import type { Block } from './report.js';

// Not \b: `ip -c` writes a MAC straight after a colour's escape sequence (`\e[33mba:7c:...`).
const MAC = /(?:(?<![0-9a-z:])|(?<=\x1b\[[0-9;]*m))[0-9a-f]{2}(?::[0-9a-f]{2}){5}(?![0-9a-z:])/gi;
const ECHO_ID = /(ICMP echo (?:request|reply), id )(\d+)/g;
/** arping's time since its last probe, at the end of each reply or request it reports. */
const ARPING_TIME = /^((?:Unicast|Broadcast) (?:reply|request) from .*) \d+\.\d{3}ms$/gm;
/**
 * tcpdump -v's "(tos 0x0, ttl 64, id 15873, offset 0, ...": the kernel draws a datagram's id from a
 * hashed, randomly keyed counter (__ip_select_ident), so only which datagrams share one is stable.
 */
const IP_ID = /(\(tos 0x[0-9a-f]+(?:,(?:ECT\([01]\)|CE))?(?:, ttl \d+)?, id )(\d+)(?=, offset \d+, flags \[)/g;

/**
 * The UDP source port of a VXLAN datagram (tcpdump: "10.0.0.1.43982 > 10.0.0.2.4789: VXLAN", or OTV on
 * 8472): udp_flow_src_port scales a hash of the inner flow keyed by a random per-boot secret, so only
 * which datagrams share one (the two directions of a flow do) is stable.
 */
const TUNNEL_SPORT = /(\b\d{1,3}(?:\.\d{1,3}){3}\.)(\d+)(?= > \d{1,3}(?:\.\d{1,3}){3}\.\d+: (?:VXLAN|OTV),)/g;

/**
 * A running bridge timer as `ip -d link` prints it (hundredths of a second left, text or JSON): what it
 * reads depends on the wall-clock time the commands before it took, as ping's times do, so only
 * whether it runs is compared (0.00: it does not).
 */
const BRIDGE_TIMER = /\b((?:hello|tcn|topology_change|gc|message_age|forward_delay|hold)_timer(?:\s+|":\s*))(\d+\.\d\d)\b/g;
function blankRunningTimer(_m: string, head: string, value: string): string {
  return Number(value) === 0 ? head + value : `${head}<t>`;
}

/**
 * `ovs-appctl fdb/show`'s rows (port, VLAN, MAC, age in seconds): an age counts wall-clock seconds since
 * the MAC was last seen, which a loaded machine stretches — OVS's own tests blank it too (ofproto-dpif.at
 * pipes fdb/show through sed). Matched after MACs are renamed.
 */
const OVS_FDB_AGE = /^(\s*(?:\d+|LOCAL)\s+\d+\s+<mac\d+>\s+)\d+$/gm;

/**
 * A bridge id as iproute2 prints it (`ip -d link`: designated_root 8000.36:a:11:82:5c:77) has its address
 * bytes unpadded, so a random MAC with a byte below 0x10 would escape the MAC renaming: its bytes are
 * padded first, and the id then names the same <macN> as the device whose address it is.
 */
const BRIDGE_ID = /\b([0-9a-f]{4})\.([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})\b/g;

function padBridgeId(_m: string, prio: string, mac: string): string {
  return `${prio}.${mac
    .split(':')
    .map((b) => b.padStart(2, '0'))
    .join(':')}`;
}

/** Unicast means the group bit of the first octet is clear; the all-zero address is no one's. */
function isUnicast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0 && mac !== '00:00:00:00:00:00';
}

class Renamer {
  private readonly names = new Map<string, string>();
  constructor(private readonly label: string) {}
  name(value: string): string {
    let n = this.names.get(value);
    if (n === undefined) {
      n = `<${this.label}${this.names.size + 1}>`;
      this.names.set(value, n);
    }
    return n;
  }
}

function trimBlock(text: string): string {
  const lines = text.split('\n').map((l) => l.replace(/[ \t]+$/, ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** Canonical form of each block; renaming runs across the blocks in order, as over one text. */
export function canonicalBlocks(blocks: readonly Block[]): Block[] {
  const macs = new Renamer('mac');
  const ids = new Renamer('id');
  const ipIds = new Renamer('ipid');
  const sports = new Renamer('sport');
  return blocks.map((b) => ({
    key: b.key,
    text: trimBlock(
      b.text
        .replace(BRIDGE_ID, padBridgeId)
        .replace(MAC, (m) => (isUnicast(m.toLowerCase()) ? macs.name(m.toLowerCase()) : m))
        .replace(ECHO_ID, (_m, head: string, id: string) => head + ids.name(id))
        .replace(IP_ID, (_m, head: string, id: string) => head + ipIds.name(id))
        .replace(TUNNEL_SPORT, (_m, head: string, port: string) => head + sports.name(port))
        .replace(/\btime=\d+(?:\.\d+)? ms\b/g, 'time=<t> ms')
        .replace(/\btime \d+ms\b/g, 'time <t>ms')
        .replace(/rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms/g, 'rtt min/avg/max/mdev = <t> ms')
        .replace(ARPING_TIME, '$1 <t>ms')
        .replace(OVS_FDB_AGE, '$1<t>')
        .replace(BRIDGE_TIMER, blankRunningTimer),
    ),
  }));
}

/** The canonical form as one text, block after block: what two runs must share to match. */
export function canonicalText(blocks: readonly Block[]): string {
  return canonicalBlocks(blocks)
    .map((b) => `== ${b.key} ==\n${b.text}\n`)
    .join('');
}
