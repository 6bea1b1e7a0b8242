// The text `tcpdump -nnt` 4.99.3 prints for one captured frame, with the
// options that change it: -e, -q, -v/-vv, and the -x/-xx/-X/-XX hex dumps.
//
// Written from tcpdump's observed output, with its print-*.c read only to
// learn the formats (no code copied); function names follow those files so
// the two can be compared. Fidelity is checked against the real tool, on
// frames captured from the real kernel and on generated ones (test/capture).
//
// Covered exactly: Ethernet II with any number of 802.1Q tags, ARP/RARP,
// IPv4 (fragments, options, odd lengths), ICMP, IGMP v1/v2/v3 and mtrace,
// UDP to ports tcpdump has no dissector for, IP-in-IP, and the hex dump
// tcpdump falls back to for ethertypes it does not decode. Not covered:
// ethertypes and IP protocols tcpdump decodes but this simulator never
// produces (IPv6, TCP, LLC/802.3, LLDP, ...; see UNSUPPORTED_* below), and
// UDP application protocols on their well-known ports.
//
// tcpdump stops a printer the moment it would read past the captured bytes
// and appends " [|proto]". Here the same is done with a private exception
// (`Truncated`), caught in `prettyPrintPacket`; nothing escapes to callers.
// tcpdump reaches that text two ways — a bounds check that returns, or a
// read that long-jumps out of every printer — and the -x dump then starts
// after the link header or at the frame's first byte; `Truncated.jumped`
// keeps the two apart.

import { get8, get16, get32, hexColon, isAllZero } from '../wire/bytes.js';
import { ascii, AsciiSink, putBytes, putDecimal, putIpv4 } from './ascii-sink.js';
import { internetChecksum } from '../wire/checksum.js';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERNET_HEADER_LEN,
  EthernetFrame,
  MAX_8023_LENGTH,
  decodeTci,
  macToString,
} from '../wire/ethernet.js';
import { ArpPacket, ARP_FIXED_LEN, ARP_OP_REPLY, ARP_OP_REQUEST } from '../wire/arp.js';
import { IP_PROTO_ICMP, IP_PROTO_IGMP, IP_PROTO_UDP, IP_PROTO_TCP, IPV4_MIN_HEADER_LEN, Ipv4Packet, ipv4ToString } from '../wire/ipv4.js';
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_PARAMETER_PROBLEM,
  ICMP_REDIRECT,
  ICMP_TIME_EXCEEDED,
  IcmpPacket,
} from '../wire/icmp.js';
import { IGMP_LEAVE, IGMP_QUERY, IGMP_V1_REPORT, IGMP_V2_REPORT, IGMP_V3_REPORT, IgmpPacket } from '../wire/igmp.js';
import { UDP_HEADER_LEN, UdpPacket, udpPseudoHeaderSum } from '../wire/udp.js';
import { IANA_VXLAN_UDP_PORT, VXLAN_FLAG_I, VXLAN_HEADER_LEN, VXLAN_LINUX_DEFAULT_PORT } from '../wire/vxlan.js';

/**
 * Linux `lo` is DLT_EN10MB too (all-zero MACs), so both print the same;
 * the distinction is kept so callers can say what they captured on.
 */
export type PrintLinkType = 'ethernet' | 'linux-lo';

/** tcpdump's -x (hex) and -X (hex and ASCII); doubled (-xx, -XX) the link header is dumped too. */
export interface HexDumpOption {
  readonly ascii: boolean;
  readonly withLinkHeader: boolean;
}

export interface TcpdumpPrintOptions {
  /** Default 'ethernet'. */
  readonly link?: PrintLinkType;
  /** tcpdump's -e: prefix the link-level header. */
  readonly linkHeader?: boolean;
  /** Length on the wire when `frame` was cut short by a snaplen; default frame.length. */
  readonly wireLength?: number;
  /** How many -v: 0 (default), 1, 2 (more count as 2 for every protocol printed here). */
  readonly verbose?: number;
  /** tcpdump's -q: less protocol detail. */
  readonly quiet?: boolean;
  /** -x/-X: the captured bytes after the text, 16 per line. */
  readonly hex?: HexDumpOption;
  /**
   * Seen by a capture on `any`: the frame printed as Linux cooked v2 carries it — with -e, the device's
   * index and the source address where Ethernet's two addresses were, and a length 6 bytes longer (a
   * 20-byte cooked header in place of 14).
   */
  readonly cooked?: { readonly ifindex: number };
}

/** tcpdump's MAXIMUM_SNAPLEN. */
const MAXIMUM_SNAPLEN = 262144;

/**
 * The text for one frame, without the trailing newline. Usually one line;
 * frames tcpdump falls back to a hex dump for continue on "\n\t" lines,
 * exactly as tcpdump prints them.
 */
export function prettyPrintPacket(frame: Uint8Array, opts: TcpdumpPrintOptions = {}): string {
  if (!echoFields(frame, opts)) return genericPrintPacket(frame, opts);
  const sink = new AsciiSink(96);
  printPacketInto(sink, frame, opts);
  return sink.toString();
}

/** The printer for every frame, as tcpdump's own print path walks it (exported for the fast path's test). */
export function genericPrintPacket(frame: Uint8Array, opts: TcpdumpPrintOptions = {}): string {
  const out = new Out(opts.linkHeader ?? false, opts.verbose ?? 0, opts.quiet ?? false, opts.hex !== undefined || (opts.quiet ?? false), opts.cooked?.ifindex);
  const caplen = frame.length;
  const len = opts.wireLength ?? frame.length;
  const bad: string[] = [];
  if (caplen === 0) bad.push(' caplen==0');
  if (len === 0) bad.push(' len==0');
  else if (len < caplen) bad.push(` len(${len}) < caplen(${caplen})`);
  if (caplen > MAXIMUM_SNAPLEN) bad.push(` caplen(${caplen}) > ${MAXIMUM_SNAPLEN}`);
  if (len > MAXIMUM_SNAPLEN) bad.push(` len(${len}) > ${MAXIMUM_SNAPLEN}`);
  if (bad.length > 0) return `[Invalid header:${bad.join(',')}]`;
  try {
    // Both link types are DLT_EN10MB (see PrintLinkType).
    etherPrint(out, frame, len);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    out.print(` [|${e.proto}]`);
    // A read past the end long-jumps back to tcpdump's loop, which then dumps the whole frame.
    if (e.jumped) out.linkHeaderLen = 0;
  }
  if (opts.hex) {
    const from = opts.hex.withLinkHeader ? 0 : out.linkHeaderLen;
    if (from < frame.length) {
      if (opts.hex.ascii) hexAndAsciiPrint(out, frame.subarray(from));
      else hexPrint(out, frame.subarray(from));
    }
  }
  return out.text;
}

/**
 * A whole, unfragmented ICMP echo request or reply in a plain IPv4 header, printed without options: most
 * of what a ping flood's captures hold, printed here as the generic printer below would print it, without
 * its bookkeeping (test/capture/fast-print.test.ts holds the two equal over random frames). Anything
 * else — -e, -v, -q, a hex dump, a cut frame, IP options, a fragment, a length that disagrees — is the
 * generic printer's. Fills `echo` and says whether it applies.
 */
const echo = { src: 0, dst: 0, request: false, ident: 0, seq: 0, length: 0 };

/** `echoFields` of the `n` bytes of `b` from `base`: a frame read where it lies. */
function echoFieldsAt(b: Uint8Array, base: number, n: number, opts: TcpdumpPrintOptions): boolean {
  if (opts.linkHeader || opts.verbose || opts.quiet || opts.hex || (opts.wireLength !== undefined && opts.wireLength !== n)) return false;
  if (n < ETHERNET_HEADER_LEN + IPV4_MIN_HEADER_LEN + 8 || get16(b, base + 12) !== ETHERTYPE_IPV4) return false;
  const ip = base + ETHERNET_HEADER_LEN;
  if (get8(b, ip) !== 0x45 || get16(b, ip + 2) !== n - ETHERNET_HEADER_LEN || (get16(b, ip + 6) & 0x3fff) !== 0 || get8(b, ip + 9) !== 1) return false;
  const icmp = ip + IPV4_MIN_HEADER_LEN;
  const type = get8(b, icmp);
  if (type !== ICMP_ECHO_REQUEST && type !== ICMP_ECHO_REPLY) return false;
  echo.src = get32(b, ip + 12);
  echo.dst = get32(b, ip + 16);
  echo.request = type === ICMP_ECHO_REQUEST;
  echo.ident = get16(b, icmp + 4);
  echo.seq = get16(b, icmp + 6);
  echo.length = n - (icmp - base);
  return true;
}

function echoFields(frame: Uint8Array, opts: TcpdumpPrintOptions): boolean {
  return echoFieldsAt(frame, 0, frame.length, opts);
}

const IP_ = ascii('IP ');
const TO = ascii(' > ');
const ECHO_REQUEST_ID = ascii(': ICMP echo request, id ');
const ECHO_REPLY_ID = ascii(': ICMP echo reply, id ');
const SEQ = ascii(', seq ');
const LENGTH = ascii(', length ');

/** The frame's line into `sink`, without its newline: the echo fast path's bytes, or the generic printer's text. */
export function printPacketInto(sink: AsciiSink, frame: Uint8Array, opts: TcpdumpPrintOptions = {}): void {
  if (!echoFields(frame, opts)) {
    sink.text(genericPrintPacket(frame, opts));
    return;
  }
  printEcho(sink);
}

/** `printPacketInto` of the frame that is the `len` bytes of `buf` from `off`, read in place. */
export function printPacketAt(sink: AsciiSink, buf: Uint8Array, off: number, len: number, opts: TcpdumpPrintOptions = {}): void {
  if (!echoFieldsAt(buf, off, len, opts)) {
    sink.text(genericPrintPacket(buf.subarray(off, off + len), opts));
    return;
  }
  printEcho(sink);
}

/** The line of the echo `echoFields` filled in. */
function printEcho(sink: AsciiSink): void {
  // The longest line: "IP " 15 " > " 15 ": ICMP echo request, id " 5 ", seq " 5 ", length " 5.
  const buf = sink.reserve(96);
  let at = putBytes(buf, sink.at(), IP_);
  at = putIpv4(buf, at, echo.src);
  at = putBytes(buf, at, TO);
  at = putIpv4(buf, at, echo.dst);
  at = putBytes(buf, at, echo.request ? ECHO_REQUEST_ID : ECHO_REPLY_ID);
  at = putDecimal(buf, at, echo.ident);
  at = putBytes(buf, at, SEQ);
  at = putDecimal(buf, at, echo.seq);
  at = putBytes(buf, at, LENGTH);
  sink.advance(putDecimal(buf, at, echo.length));
}

/** Same as `prettyPrintPacket`; named for the common case. */
export const tcpdumpLine = prettyPrintPacket;

class Truncated {
  /** `jumped`: a read past the end (tcpdump's GET_ macros), not a bounds check that returned. */
  constructor(
    readonly proto: string,
    readonly jumped = true,
  ) {}
}

class Out {
  text = '';
  /** What the link printer consumed (tcpdump's ndo_ll_hdr_len): where -x starts. */
  linkHeaderLen = 0;
  constructor(
    readonly eflag: boolean,
    readonly vflag: number,
    readonly qflag: boolean,
    /** -x/-X or -q given: tcpdump then leaves out its own hex dump of undecoded payloads. */
    readonly suppressDefaultPrint: boolean,
    /** The device index of a Linux cooked v2 header (a capture on `any`), undefined for Ethernet. */
    readonly cookedIfindex?: number,
  ) {}
  print(s: string): void {
    this.text += s;
  }
}

/** tcpdump's GET_ bounds: reading byte `end - 1` of `b` must be possible, or the printer jumps out. */
function need(b: Uint8Array, end: number, proto: string): void {
  if (b.length < end) throw new Truncated(proto);
}

/** tcpdump's ND_TCHECK: the same test, but the printer prints " [|proto]" and returns. */
function check(b: Uint8Array, end: number, proto: string): void {
  if (b.length < end) throw new Truncated(proto, false);
}

// ---------------------------------------------------------------- names

/** tcpdump's names for ethertypes (its ethertype_values table: facts, not code). */
const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x8847, 'MPLS unicast'],
  [0x8848, 'MPLS multicast'],
  [0x86dd, 'IPv6'],
  [0x8100, '802.1Q'],
  [0x9100, '802.1Q-9100'],
  [0x88a8, '802.1Q-QinQ'],
  [0x9200, '802.1Q-9200'],
  [0x88e5, '802.1AE MACsec'],
  [0x0200, 'PUP'],
  [0x0806, 'ARP'],
  [0x8035, 'Reverse ARP'],
  [0x0600, 'NS'],
  [0x0500, 'Sprite'],
  [0x1000, 'Trail'],
  [0x6001, 'MOP DL'],
  [0x6002, 'MOP RC'],
  [0x6003, 'DN'],
  [0x6004, 'LAT'],
  [0x6007, 'SCA'],
  [0x6558, 'TEB'],
  [0x8038, 'Lanbridge'],
  [0x803c, 'DEC DNS'],
  [0x803e, 'DEC DTS'],
  [0x805b, 'VEXP'],
  [0x805c, 'VPROD'],
  [0x809b, 'Appletalk'],
  [0x80f3, 'Appletalk ARP'],
  [0x8137, 'IPX'],
  [0x880b, 'PPP'],
  [0x8808, 'MPCP'],
  [0x8809, 'Slow Protocols'],
  [0x8863, 'PPPoE D'],
  [0x8864, 'PPPoE S'],
  [0x888e, 'EAPOL'],
  [0x8899, 'Realtek protocols'],
  [0x886f, 'MS NLB heartbeat'],
  [0x8870, 'Jumbo'],
  [0x894f, 'NSH'],
  [0x9000, 'Loopback'],
  [0xfefe, 'OSI'],
  [0x00fe, 'GRE-OSI'],
  [0xabcd, 'CFM (old)'],
  [0x8902, 'CFM'],
  [0x893a, 'IEEE1905.1'],
  [0x88cc, 'LLDP'],
  [0x88ca, 'TIPC'],
  [0x0707, 'GeoNet (old)'],
  [0x8947, 'GeoNet'],
  [0x1111, 'CALM FAST'],
  [0x88a2, 'AoE'],
  [0x88f7, 'PTP'],
  [0xd28b, 'Arista Vendor Specific Protocol'],
]);

/** Tag protocol identifiers tcpdump unwraps as 802.1Q tags. */
const VLAN_TPIDS: ReadonlySet<number> = new Set([0x8100, 0x9100, 0x9200, 0x88a8]);

const ETHERTYPE_REVARP = 0x8035;

/**
 * Ethertypes tcpdump decodes with printers this module does not have: for
 * these our output differs from tcpdump's. Everything else that is neither
 * IPv4 nor ARP gets tcpdump's hex-dump fallback, which we match.
 */
export const UNSUPPORTED_ETHERTYPES: ReadonlySet<number> = new Set([
  0x86dd, 0x6003, 0x809b, 0x80f3, 0x8137, 0xfefe, 0x8863, 0x8864, 0x3c12, 0x3c13, 0x888e, 0x8899, 0x880b, 0x8808,
  0x8809, 0x8902, 0xabcd, 0x88cc, 0x894f, 0x9000, 0x8847, 0x8848, 0x88ca, 0x886f, 0x0707, 0x8947, 0x1111, 0x88a2,
  0x88f7, 0x88e5, 0x8870, 0xd28b,
]);

/** ARP hardware types tcpdump prints with other address formats (Frame Relay, ATM). */
export const UNSUPPORTED_ARP_HARDWARE: ReadonlySet<number> = new Set([15, 19]);

/** IP protocols tcpdump decodes with printers this module does not have. */
export const UNSUPPORTED_IP_PROTOCOLS: ReadonlySet<number> = new Set([
  6, 8, 9, 33, 41, 46, 47, 50, 51, 55, 88, 89, 103, 108, 112, 113, 132,
]);

/** UDP ports (either end) tcpdump hands to an application printer; we print only "UDP, length N". */
export function udpPortHasTcpdumpDissector(port: number): boolean {
  return UDP_DISSECTED_PORTS.has(port) || (port >= 7000 && port <= 7009);
}
const UDP_DISSECTED_PORTS: ReadonlySet<number> = new Set([
  53, 67, 68, 69, 88, 111, 123, 137, 138, 161, 162, 319, 320, 496, 500, 514, 520, 521, 525, 546, 547, 646, 654, 698,
  701, 750, 921, 1589, 1645, 1646, 1700, 1701, 1812, 1813, 1985, 2049, 2103, 2104, 3456, 3503, 3784, 3785, 3799, 4342,
  4500, 4567, 4784, 4789, 4790, 5060, 5353, 5359, 6081, 6343, 6635, 6696, 6697, 6784, 7500, 8231, 8472, 8500, 12222,
  12223, 17754, 30490, 49152,
]);

function ethertypeName(type: number, unknown: string): string {
  return ETHERTYPE_NAMES.get(type) ?? unknown;
}

/** ether_type_print: -q leaves out the word and the number. */
function etherTypeText(out: Out, type: number): string {
  if (out.qflag) return ethertypeName(type, `Unknown Ethertype (0x${hex(type, 4)})`);
  return `ethertype ${ethertypeName(type, 'Unknown')} (0x${hex(type, 4)})`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

// ---------------------------------------------------------------- hex dump

function isGraph(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/**
 * tcpdump's hex_and_ascii_print: 16 bytes per line, as big-endian 16-bit
 * groups, then the printable characters; each line starts with `indent`.
 */
function hexAndAsciiPrint(out: Out, bytes: Uint8Array, indent = '\n\t'): void {
  for (let off = 0; off < bytes.length; off += 16) {
    const line = bytes.subarray(off, off + 16);
    let hexPart = '';
    let ascii = '';
    for (let i = 0; i < line.length; i += 2) {
      hexPart += ' ' + hex(line[i]!, 2) + (i + 1 < line.length ? hex(line[i + 1]!, 2) : '');
    }
    for (const c of line) ascii += isGraph(c) ? String.fromCharCode(c) : '.';
    out.print(`${indent}0x${hex(off, 4)}: ${hexPart.padEnd(40)}  ${ascii}`);
  }
}

/** tcpdump's hex_print (-x): the same lines without the characters. */
function hexPrint(out: Out, bytes: Uint8Array, indent = '\n\t'): void {
  for (let off = 0; off < bytes.length; off += 16) {
    const line = bytes.subarray(off, off + 16);
    let hexPart = '';
    for (let i = 0; i < line.length; i += 2) {
      hexPart += ' ' + hex(line[i]!, 2) + (i + 1 < line.length ? hex(line[i + 1]!, 2) : '');
    }
    out.print(`${indent}0x${hex(off, 4)}: ${hexPart}`);
  }
}

/** tcpdump's fallback for payloads it cannot decode (ND_DEFAULTPRINT). */
function defaultPrint(out: Out, bytes: Uint8Array): void {
  hexAndAsciiPrint(out, bytes);
}

// ---------------------------------------------------------------- Ethernet

/** A Linux cooked v2 header's size (struct sll2_header). */
const SLL2_HEADER_LEN = 20;

/** `inner`: a frame inside another (VXLAN's), an Ethernet frame even when the capture is cooked. */
function etherPrint(out: Out, frame: Uint8Array, wireLen: number, inner = false): void {
  if (frame.length < ETHERNET_HEADER_LEN) {
    // ether_print returns what it was given as its header: nothing is left for -x.
    if (!inner) out.linkHeaderLen = frame.length;
    throw new Truncated('ether', false);
  }
  // The 14 bytes are there; a tag may not be, so no full check here. Tags
  // are walked by hand below: tcpdump unwraps any number, with four TPIDs.
  // The addresses are formatted only for -e: without it they are most of a line's cost, unprinted.
  const cooked = !inner && out.cookedIfindex !== undefined;
  if (out.eflag) {
    const eth = EthernetFrame.unchecked(frame);
    out.print(cooked ? `ifindex ${out.cookedIfindex} ${eth.src} ` : `${eth.src} > ${eth.dst}, `);
  }
  if (cooked) wireLen += SLL2_HEADER_LEN - ETHERNET_HEADER_LEN;

  let off = 12;
  let length = wireLen - (cooked ? SLL2_HEADER_LEN : ETHERNET_HEADER_LEN);
  let type = get16(frame, off);
  off += 2;
  let printedLength = false;

  while (VLAN_TPIDS.has(type)) {
    if (frame.length - off < 4 || length < 4) {
      if (!inner) out.linkHeaderLen = frame.length;
      throw new Truncated('vlan', false);
    }
    if (out.eflag) {
      const tag = decodeTci(get16(frame, off));
      out.print(etherTypeText(out, type));
      out.print(printedLength ? ', ' : `, length ${wireLen}: `);
      printedLength = true;
      out.print(`vlan ${tag.vid}, p ${tag.pcp}${tag.dei ? ', DEI' : ''}, `);
    }
    type = get16(frame, off + 2);
    off += 4;
    length -= 4;
  }
  if (!inner) out.linkHeaderLen = off;

  const payload = frame.subarray(off);
  if (type <= MAX_8023_LENGTH) {
    // 802.3 length field + LLC: tcpdump has a whole family of printers for
    // these; this simulator never sends them. Say so in tcpdump's shape.
    if (out.eflag) out.print(printedLength ? '802.3' : `802.3, length ${Math.min(type, length)}: `);
    out.print('LLC (not decoded)');
    return;
  }
  if (out.eflag) out.print(`${etherTypeText(out, type)}${printedLength ? ', ' : `, length ${wireLen}: `}`);
  switch (type) {
    case ETHERTYPE_IPV4:
      ipPrint(out, payload, length);
      return;
    case ETHERTYPE_ARP:
    case ETHERTYPE_REVARP:
      arpPrint(out, payload, length);
      return;
  }
  if (!out.eflag) {
    const eth = EthernetFrame.unchecked(frame);
    out.print(`${eth.src} > ${eth.dst}, ${etherTypeText(out, type)}, length ${wireLen}: `);
  }
  if (!out.suppressDefaultPrint) defaultPrint(out, payload);
}

// ---------------------------------------------------------------- ARP

const ARP_HARDWARE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Ethernet'],
  [6, 'TokenRing'],
  [7, 'ArcNet'],
  [15, 'FrameRelay'],
  [23, 'Strip'],
  [24, 'IEEE 1394'],
  [19, 'ATM'],
  [32, 'InfiniBand'],
]);

const ARP_OP_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Request'],
  [2, 'Reply'],
  [3, 'Reverse Request'],
  [4, 'Reverse Reply'],
  [8, 'Inverse Request'],
  [9, 'Inverse Reply'],
  [10, 'NACK Reply'],
]);

/** ARP's "trailer" protocol type, which tcpdump accepts like IPv4. */
const ETHERTYPE_TRAIL = 0x1000;

/** A link address as tcpdump shows it: a MAC when 6 bytes, else hex octets. */
function linkAddr(b: Uint8Array): string {
  if (b.length === 0) return '<empty>';
  return b.length === 6 ? macToString(b) : hexColon(b);
}

function arpPrint(out: Out, bp: Uint8Array, length: number): void {
  // print-arp.c's bounds checks long-jump (ND_LONGJMP_FROM_TCHECK).
  need(bp, ARP_FIXED_LEN, 'arp');
  // ArpPacket.check also demands all four addresses, as tcpdump does before printing.
  const checked = ArpPacket.check(bp);
  if (!checked.ok) throw new Truncated('arp');
  const ap = checked.value;
  const pro = ap.protocolType;
  if (!out.eflag) out.print('ARP, ');
  const ipLike = pro === ETHERTYPE_IPV4 || pro === ETHERTYPE_TRAIL;
  if (!ipLike || ap.protocolLen !== 4 || ap.hardwareLen === 0 || out.vflag > 0) {
    const hw = ARP_HARDWARE_NAMES.get(ap.hardwareType) ?? `Unknown Hardware (${ap.hardwareType})`;
    const proto = ethertypeName(pro, `Unknown Protocol (0x${hex(pro, 4)})`);
    out.print(`${hw} (len ${ap.hardwareLen}), ${proto} (len ${ap.protocolLen})`);
    // Without -v tcpdump does not guess at address formats it does not know.
    if (out.vflag === 0) {
      out.print(`, length ${length}`);
      return;
    }
  }
  const op = ap.operation;
  out.print(`${out.vflag > 0 ? ', ' : ''}${ARP_OP_NAMES.get(op) ?? `Unknown (${op})`} `);
  // -v prints these even when the protocol is not IPv4: then tcpdump says what is wrong instead.
  const protoAddr = (b: Uint8Array): string =>
    !ipLike ? '<wrong proto type>' : ap.protocolLen !== 4 ? '<wrong len>' : ipv4ToString(get32(b, 0));
  const spa = (): string => protoAddr(ap.senderProtocolAddr);
  const tpa = (): string => protoAddr(ap.targetProtocolAddr);
  const sha = linkAddr(ap.senderHardwareAddr);
  const tha = linkAddr(ap.targetHardwareAddr);
  switch (op) {
    case ARP_OP_REQUEST:
      out.print(`who-has ${tpa()}`);
      if (!isAllZero(ap.targetHardwareAddr)) out.print(` (${tha})`);
      out.print(` tell ${spa()}`);
      break;
    case ARP_OP_REPLY:
      out.print(`${spa()} is-at ${sha}`);
      break;
    case 3: // reverse request
    case 8: // inverse request
      out.print(`who-is ${tha} tell ${sha}`);
      break;
    case 4: // reverse reply
      out.print(`${tha} at ${tpa()}`);
      break;
    case 9: // inverse reply
      out.print(`${sha} at ${spa()}`);
      break;
    default:
      // Unknown operations: tcpdump dumps the whole ARP payload and stops.
      defaultPrint(out, bp);
      return;
  }
  out.print(`, length ${length}`);
}

// ---------------------------------------------------------------- IPv4

/** tcpdump's ipproto_values: the names -v gives IP protocols (facts, not code). */
const IP_PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Options'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [8, 'EGP'],
  [9, 'IGRP'],
  [17, 'UDP'],
  [33, 'DCCP'],
  [41, 'IPv6'],
  [43, 'Routing'],
  [44, 'Fragment'],
  [46, 'RSVP'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [55, 'Mobile IP'],
  [58, 'ICMPv6'],
  [62, 'Mobile IP (old)'],
  [88, 'EIGRP'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [108, 'Compressed IP'],
  [112, 'VRRP'],
  [113, 'PGM'],
  [132, 'SCTP'],
  [135, 'Mobility'],
  [143, 'Ethernet'],
]);

/** IP option names (tcpdump's ip_option_values). */
const IP_OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'EOL'],
  [1, 'NOP'],
  [68, 'timestamp'],
  [130, 'security'],
  [7, 'RR'],
  [137, 'SSRR'],
  [131, 'LSRR'],
  [148, 'RA'],
  [82, 'traceroute'],
]);

const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_RR = 7;
const IPOPT_TS = 68;
const IPOPT_LSRR = 131;
const IPOPT_SSRR = 137;
const IPOPT_RA = 148;

/**
 * What tcpdump prints after a wrong checksum: the value that would have
 * been right (in_cksum_shouldbe), from the field and the sum over the data.
 */
function checksumShouldBe(field: number, data: Uint8Array, initial = 0): number {
  let s = field + internetChecksum(data, initial);
  s = (s & 0xffff) + (s >>> 16);
  return ((s & 0xffff) + (s >>> 16)) & 0xffff;
}

/** A recorded route (RR, LSRR, SSRR): the addresses, a comma after those already visited. */
function ipPrintRoute(out: Out, cp: Uint8Array, length: number): void {
  if (length < 3) {
    out.print(` [bad length ${length}]`);
    return;
  }
  if ((length + 1) & 3) out.print(` [bad length ${length}]`);
  need(cp, 3, 'ip');
  const ptr = get8(cp, 2) - 1;
  if (ptr < 3 || (ptr + 1) & 3 || ptr > length + 1) out.print(` [bad ptr ${get8(cp, 2)}]`);
  for (let len = 3; len < length; len += 4) {
    if (cp.length < len + 4) throw new Truncated('ip', false);
    out.print(` ${ipv4ToString(get32(cp, len))}`);
    if (ptr > len) out.print(',');
  }
}

/** The timestamp option: TSONLY, TS+ADDR or PRESPEC entries, a caret at the pointer. */
function ipPrintTs(out: Out, cp: Uint8Array, length: number): void {
  if (length < 4) {
    out.print(`[bad length ${length}]`);
    return;
  }
  out.print(' TS{');
  const flags = get8(cp, 3);
  const hoplen = (flags & 0xf) !== 0 ? 8 : 4;
  if ((length - 4) & (hoplen - 1)) out.print(`[bad length ${length}]`);
  const ptr = get8(cp, 2) - 1;
  let len = 0;
  if (ptr < 4 || (ptr - 4) & (hoplen - 1) || ptr > length + 1) out.print(`[bad ptr ${get8(cp, 2)}]`);
  const kind = flags & 0xf;
  const name = kind === 0 ? 'TSONLY' : kind === 1 ? 'TS+ADDR' : kind === 3 ? 'PRESPEC' : undefined;
  if (name === undefined) {
    out.print(`[bad ts type ${kind}]`);
  } else {
    out.print(name);
    let type = ' ';
    for (len = 4; len < length; len += hoplen) {
      if (ptr === len) type = ' ^ ';
      if (cp.length < len + hoplen) throw new Truncated('ip', false);
      out.print(`${type}${get32(cp, len + hoplen - 4)}@${hoplen !== 8 ? '' : ipv4ToString(get32(cp, len))}`);
      type = ' ';
    }
  }
  out.print(ptr === len ? ' ^ ' : '');
  if (flags >> 4) out.print(` [${flags >> 4} hops not recorded]} `);
  else out.print('}');
}

/** ip_optprint; false when the options were cut short (" [truncated-option]"). */
function ipOptPrint(out: Out, opts: Uint8Array, length: number): boolean {
  let sep = '';
  let at = 0;
  try {
    while (length > 0) {
      out.print(sep);
      sep = ',';
      const cp = opts.subarray(at);
      need(cp, 1, 'ip');
      const code = get8(cp, 0);
      out.print(IP_OPTION_NAMES.get(code) ?? `unknown ${code}`);
      let optionLen: number;
      if (code === IPOPT_NOP || code === IPOPT_EOL) optionLen = 1;
      else {
        need(cp, 2, 'ip');
        optionLen = get8(cp, 1);
        if (optionLen < 2) {
          out.print(` [bad length ${optionLen}]`);
          return true;
        }
      }
      if (optionLen > length) {
        out.print(` [bad length ${optionLen}]`);
        return true;
      }
      if (cp.length < optionLen) return false;
      switch (code) {
        case IPOPT_EOL:
          return true;
        case IPOPT_TS:
          ipPrintTs(out, cp, optionLen);
          break;
        case IPOPT_RR:
        case IPOPT_SSRR:
        case IPOPT_LSRR:
          ipPrintRoute(out, cp, optionLen);
          break;
        case IPOPT_RA:
          if (optionLen < 4) {
            out.print(` [bad length ${optionLen}]`);
            break;
          }
          if (get16(cp, 2) !== 0) out.print(` value ${get16(cp, 2)}`);
          break;
      }
      at += optionLen;
      length -= optionLen;
    }
  } catch (e) {
    if (e instanceof Truncated && !e.jumped) return false;
    throw e;
  }
  return true;
}

/** -v's first line for a datagram: "(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1), length 84)". */
function ipVerbosePrint(out: Out, ip: Ipv4Packet, snap: Uint8Array, hlen: number): boolean {
  const tos = ip.tos;
  out.print(`(tos 0x${tos.toString(16)}${['', ',ECT(1)', ',ECT(0)', ',CE'][tos & 3]}`);
  if (ip.ttl >= 1) out.print(`, ttl ${ip.ttl}`);
  const flags = [ip.moreFragments ? '+' : '', ip.dontFragment ? 'DF' : '', ip.reservedFlag ? 'rsvd' : ''].filter(Boolean);
  const proto = ip.protocol;
  out.print(
    `, id ${ip.ident}, offset ${ip.fragmentOffset}, flags [${flags.length > 0 ? flags.join(', ') : 'none'}]` +
      `, proto ${IP_PROTO_NAMES.get(proto) ?? 'unknown'} (${proto}), length ${ip.totalLen}`,
  );
  let truncated = false;
  if (hlen > IPV4_MIN_HEADER_LEN) {
    out.print(', options (');
    if (!ipOptPrint(out, snap.subarray(IPV4_MIN_HEADER_LEN), hlen - IPV4_MIN_HEADER_LEN)) {
      out.print(' [truncated-option]');
      truncated = true;
    }
    out.print(')');
  }
  if (snap.length >= hlen) {
    const header = snap.subarray(0, hlen);
    if (internetChecksum(header) !== 0) {
      out.print(`, bad cksum ${ip.checksum.toString(16)} (->${checksumShouldBe(ip.checksum, header).toString(16)})!`);
    }
  }
  out.print(')\n    ');
  return !truncated;
}

/** `bp`: the captured bytes from the IP header on; `length`: bytes on the wire from there. */
function ipPrint(out: Out, bp: Uint8Array, length: number): void {
  need(bp, 1, 'ip');
  const version = get8(bp, 0) >>> 4;
  if (version !== 4) {
    out.print(version === 6 ? 'IP6, wrong link-layer encapsulation' : `IP${version}`);
    out.print(' (invalid)');
    return;
  }
  if (!out.eflag) out.print('IP ');
  check(bp, IPV4_MIN_HEADER_LEN, 'ip');
  const checked = Ipv4Packet.check(bp);
  if (!checked.ok) throw new Truncated('ip', false);
  const ip = checked.value;
  if (length < IPV4_MIN_HEADER_LEN) {
    out.print(`truncated-ip ${length}`);
    return;
  }
  const hlen = ip.headerLen;
  if (hlen < IPV4_MIN_HEADER_LEN) {
    out.print(`bad-hlen ${hlen}`);
    return;
  }
  let len = ip.totalLen;
  if (length < len) out.print(`truncated-ip - ${len - length} bytes missing! `);
  if (len < hlen) {
    out.print(`bad-len ${len}`);
    return;
  }
  // Bytes past total length (link padding) are not part of the datagram.
  const snap = bp.subarray(0, Math.min(bp.length, len));
  len -= hlen;
  const src = ipv4ToString(ip.src);
  const dst = ipv4ToString(ip.dst);
  const proto = ip.protocol;
  if (out.vflag > 0 && !ipVerbosePrint(out, ip, snap, hlen)) {
    out.print(`${src} > ${dst}: `);
    throw new Truncated('ip', false);
  }
  if (ip.fragmentOffset !== 0) {
    // Not the first fragment: no transport header to decode.
    out.print(`${src} > ${dst}: ip-proto-${proto}`);
    return;
  }
  // TCP and UDP print addresses together with ports themselves.
  if (proto !== IP_PROTO_TCP && proto !== IP_PROTO_UDP && proto !== 132 && proto !== 33) {
    out.print(`${src} > ${dst}: `);
  }
  if (snap.length < hlen) {
    out.print(` [remaining caplen(${snap.length}) < header length(${hlen})]`);
    throw new Truncated('ip');
  }
  ipDemuxPrint(out, snap.subarray(hlen), len, ip.moreFragments, ip, snap);
}

function ipDemuxPrint(out: Out, bp: Uint8Array, length: number, fragmented: boolean, ip: Ipv4Packet, header: Uint8Array): void {
  switch (ip.protocol) {
    case IP_PROTO_ICMP:
      icmpPrint(out, bp, length, fragmented);
      return;
    case IP_PROTO_IGMP:
      igmpPrint(out, bp, length);
      return;
    case IP_PROTO_UDP:
      udpPrint(out, bp, length, ip, fragmented, header);
      return;
    case 4: // IPv4 in IPv4
      ipPrint(out, bp, length);
      return;
    case 58:
      out.print('[ICMPv6 requires IPv6] (invalid)');
      return;
    case 143:
      out.print('[Ethernet requires IPv6] (invalid)');
      return;
    case 59:
      out.print('no next header');
      return;
    case 77:
      out.print(` nd ${length}`);
      return;
  }
  out.print(` ip-proto-${ip.protocol} ${length}`);
}

// ---------------------------------------------------------------- ICMP

/** Offsets inside an ICMP error of the quoted datagram's fields. */
const ICMP_QUOTED_IP = 8;
const ICMP_QUOTED_PROTO = ICMP_QUOTED_IP + 9;
const ICMP_QUOTED_DST = ICMP_QUOTED_IP + 16;

const ICMP_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'echo reply'],
  [4, 'source quench'],
  [8, 'echo request'],
  [10, 'router solicitation'],
  [13, 'time stamp request'],
  [14, 'time stamp reply'],
  [15, 'information request'],
  [16, 'information reply'],
  [17, 'address mask request'],
]);

const UNREACH_TEXT: ReadonlyMap<number, (dst: string) => string> = new Map([
  [0, (d: string) => `net ${d} unreachable`],
  [1, (d: string) => `host ${d} unreachable`],
  [5, (d: string) => `${d} unreachable - source route failed`],
  [6, (d: string) => `net ${d} unreachable - unknown`],
  [7, (d: string) => `host ${d} unreachable - unknown`],
  [8, (d: string) => `${d} unreachable - source host isolated`],
  [9, (d: string) => `net ${d} unreachable - admin prohibited`],
  [10, (d: string) => `host ${d} unreachable - admin prohibited`],
  [11, (d: string) => `net ${d} unreachable - tos prohibited`],
  [12, (d: string) => `host ${d} unreachable - tos prohibited`],
  [13, (d: string) => `host ${d} unreachable - admin prohibited filter`],
  [14, (d: string) => `host ${d} unreachable - host precedence violation`],
  [15, (d: string) => `host ${d} unreachable - precedence cutoff`],
]);

/** Milliseconds since midnight UTC as hh:mm:ss.mmm (hours not wrapped). */
function icmpTimestamp(ms: number): string {
  const msec = ms % 1000;
  let sec = Math.floor(ms / 1000);
  let min = Math.floor(sec / 60);
  sec -= min * 60;
  const hrs = Math.floor(min / 60);
  min -= hrs * 60;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(hrs)}:${p2(min)}:${p2(sec)}.${String(msec).padStart(3, '0')}`;
}

/** Router advertisement lifetime as tcpdump shows it: s, m:ss or h:mm:ss. */
function raLifetime(t: number): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  if (t < 60) return `${t}`;
  if (t < 3600) return `${Math.floor(t / 60)}:${p2(t % 60)}`;
  return `${Math.floor(t / 3600)}:${p2(Math.floor((t % 3600) / 60))}:${p2(t % 60)}`;
}

/** `plen`: the ICMP message's length per the IP header (it may be only partly captured). */
function icmpPrint(out: Out, bp: Uint8Array, plen: number, fragmented: boolean): void {
  const P = 'icmp';
  need(bp, 2, P);
  // Unchecked on purpose: each message type below checks the bytes it reads,
  // since tcpdump prints whatever a partial capture still allows.
  const icmp = IcmpPacket.unchecked(bp);
  const type = icmp.type;
  const code = icmp.code;
  const quotedDst = (): string => {
    need(bp, ICMP_QUOTED_DST + 4, P);
    return ipv4ToString(get32(bp, ICMP_QUOTED_DST));
  };
  let text: string;
  switch (type) {
    case ICMP_ECHO_REQUEST:
    case ICMP_ECHO_REPLY:
      need(bp, 8, P);
      text = `echo ${type === ICMP_ECHO_REQUEST ? 'request' : 'reply'}, id ${icmp.ident}, seq ${icmp.seq}`;
      break;
    case ICMP_DEST_UNREACHABLE:
      text = unreachText(bp, code, quotedDst);
      break;
    case ICMP_REDIRECT:
      text = redirectText(code, quotedDst(), ipv4ToString(get32(bp, 4)));
      break;
    case 9: // router advertisement (RFC 1256)
      text = routerAdvertText(bp);
      break;
    case ICMP_TIME_EXCEEDED:
      check(bp, ICMP_QUOTED_DST + 4, P);
      text =
        code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
      break;
    case ICMP_PARAMETER_PROBLEM:
      if (code !== 0) {
        text = `parameter problem - code ${code}`;
      } else {
        need(bp, 5, P);
        text = `parameter problem - octet ${get8(bp, 4)}`;
      }
      break;
    case 18: // address mask reply
      need(bp, 12, P);
      text = `address mask is 0x${hex(get32(bp, 8), 8)}`;
      break;
    case 13: // timestamp request
      need(bp, 8, P);
      text = `time stamp query id ${icmp.ident} seq ${icmp.seq}`;
      break;
    case 14: // timestamp reply
      check(bp, 20, P);
      text =
        `time stamp reply id ${icmp.ident} seq ${icmp.seq}: org ${icmpTimestamp(get32(bp, 8))}` +
        `, recv ${icmpTimestamp(get32(bp, 12))}, xmit ${icmpTimestamp(get32(bp, 16))}`;
      break;
    default:
      text = ICMP_TYPE_NAMES.get(type) ?? `type-#${type}`;
  }
  out.print(`ICMP ${text}, length ${plen}`);
  if (out.vflag === 0) return;
  // A fragment's checksum covers bytes not here: tcpdump does not try.
  if (!fragmented && bp.length >= plen) {
    const whole = bp.subarray(0, plen);
    if (internetChecksum(whole) !== 0) {
      need(bp, 4, 'icmp');
      out.print(` (wrong icmp cksum ${icmp.checksum.toString(16)} (->${checksumShouldBe(icmp.checksum, whole).toString(16)})!)`);
    }
  }
  if (ICMP_ERROR_TYPES.has(type)) {
    // The offending datagram, printed as a datagram of its own on the next line.
    out.print('\n\t');
    const quoted = bp.subarray(ICMP_QUOTED_IP);
    need(quoted, 4, 'icmp');
    const quotedLen = get16(quoted, 2);
    returning(out, () => ipPrint(out, quoted.subarray(0, quotedLen), quotedLen));
  }
  if ((type === ICMP_DEST_UNREACHABLE || type === ICMP_TIME_EXCEEDED || type === ICMP_PARAMETER_PROBLEM) && plen > ICMP_EXT_OFFSET) {
    icmpMultipartPrint(out, bp, plen);
  }
}

/** Types whose message quotes the datagram that caused it (ICMP_ERRTYPE). */
const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([ICMP_DEST_UNREACHABLE, 4, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, ICMP_PARAMETER_PROBLEM]);

/** RFC 4884: an extension structure starts 128 bytes into the quoted datagram. */
const ICMP_EXT_OFFSET = ICMP_QUOTED_IP + 128;

const ICMP_EXT_OBJECT_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'MPLS Stack Entry'],
  [2, 'Interface Identification'],
]);

/**
 * RFC 4884 multi-part extensions. Without a length field (byte 5) tcpdump
 * decides there is one only if the bytes after the first 128 of the
 * quote checksum to zero — which ordinary quoted data does not.
 */
function icmpMultipartPrint(out: Out, bp: Uint8Array, plen: number): void {
  check(bp, ICMP_EXT_OFFSET + 5, 'icmp');
  if (get8(bp, 5) === 0 && bp.length >= plen) {
    if (internetChecksum(bp.subarray(ICMP_EXT_OFFSET, plen)) !== 0) return;
  }
  const version = get8(bp, ICMP_EXT_OFFSET) >> 4;
  out.print(`\n\tICMP Multi-Part extension v${version}`);
  if (version !== 2) {
    out.print(' packet not supported');
    return;
  }
  let hlen = plen - ICMP_EXT_OFFSET;
  if (bp.length >= ICMP_EXT_OFFSET + hlen) {
    const sum = internetChecksum(bp.subarray(ICMP_EXT_OFFSET, ICMP_EXT_OFFSET + hlen));
    out.print(`, checksum 0x${hex(get16(bp, ICMP_EXT_OFFSET + 2), 4)} (${sum !== 0 ? 'in' : ''}correct), length ${hlen}`);
  }
  hlen -= 4;
  let at = ICMP_EXT_OFFSET + 4;
  while (hlen > 4) {
    check(bp, at + 4, 'icmp');
    let objLen = get16(bp, at);
    const classNum = get8(bp, at + 2);
    const ctype = get8(bp, at + 3);
    at += 4;
    out.print(`\n\t  ${ICMP_EXT_OBJECT_NAMES.get(classNum) ?? 'unknown'} Object (${classNum}), Class-Type: ${ctype}, length ${objLen}`);
    hlen -= 4;
    if (classNum === 0 || objLen < 4) return;
    objLen -= 4;
    if (classNum === 1 && ctype === 1) {
      need(bp, at + 4, 'icmp');
      const raw = get32(bp, at);
      out.print(`\n\t    label ${raw >>> 12}, tc ${(raw >>> 9) & 7}`);
      if ((raw >>> 8) & 1) out.print(', [S]');
      out.print(`, ttl ${raw & 0xff}`);
    } else {
      unknownDataPrint(out, bp.subarray(at, at + objLen), '\n\t    ', objLen);
    }
    if (hlen < objLen) break;
    hlen -= objLen;
    at += objLen;
  }
}

/** print_unknown_data: a -x style dump with the caller's indent, of what was captured. */
function unknownDataPrint(out: Out, bytes: Uint8Array, indent: string, len: number): void {
  hexPrint(out, bytes.subarray(0, len), indent);
}

/**
 * Runs a nested printer whose bounds checks return to its caller (which
 * then goes on printing), rather than end the whole packet.
 */
function returning(out: Out, print: () => void): void {
  try {
    print();
  } catch (e) {
    if (!(e instanceof Truncated) || e.jumped) throw e;
    out.print(` [|${e.proto}]`);
  }
}

function unreachText(bp: Uint8Array, code: number, quotedDst: () => string): string {
  const P = 'icmp';
  switch (code) {
    case 2: {
      const d = quotedDst();
      return `${d} protocol ${get8(bp, ICMP_QUOTED_PROTO)} unreachable`;
    }
    case 3: {
      // The port comes from the quoted transport header, found via the quoted IHL.
      check(bp, ICMP_QUOTED_PROTO + 1, P);
      const quoted = Ipv4Packet.unchecked(bp.subarray(ICMP_QUOTED_IP));
      const th = ICMP_QUOTED_IP + quoted.headerLen;
      need(bp, th + 4, P);
      const dport = get16(bp, th + 2);
      const d = quotedDst();
      const proto = get8(bp, ICMP_QUOTED_PROTO);
      if (proto === IP_PROTO_TCP) return `${d} tcp port ${dport} unreachable`;
      if (proto === IP_PROTO_UDP) return `${d} udp port ${dport} unreachable`;
      return `${d} protocol ${proto} port ${dport} unreachable`;
    }
    case 4: {
      need(bp, 8, P);
      const mtu = get16(bp, 6);
      const d = quotedDst();
      return mtu !== 0 ? `${d} unreachable - need to frag (mtu ${mtu})` : `${d} unreachable - need to frag`;
    }
  }
  const d = quotedDst();
  const f = UNREACH_TEXT.get(code);
  return f !== undefined ? f(d) : `${d} unreachable - #${code}`;
}

function redirectText(code: number, dst: string, gateway: string): string {
  switch (code) {
    case 0:
      return `redirect ${dst} to net ${gateway}`;
    case 1:
      return `redirect ${dst} to host ${gateway}`;
    case 2:
      return `redirect-tos ${dst} to net ${gateway}`;
    case 3:
      return `redirect-tos ${dst} to host ${gateway}`;
  }
  return `redirect-#${code} ${dst} to ${gateway}`;
}

function routerAdvertText(bp: Uint8Array): string {
  const P = 'icmp';
  check(bp, 8, P);
  const num = get8(bp, 4);
  const size = get8(bp, 5);
  let text = `router advertisement lifetime ${raLifetime(get16(bp, 6))} ${num}:`;
  if (size !== 2) return `${text} [size ${size}]`;
  for (let i = 0; i < num; i++) {
    const at = 8 + 8 * i;
    check(bp, at + 8, P);
    text += ` {${ipv4ToString(get32(bp, at))} ${get32(bp, at + 4)}}`;
  }
  return text;
}

// ---------------------------------------------------------------- IGMP

const IGMP_MTRACE_RESP = 0x1e;
const IGMP_MTRACE = 0x1f;

/** Seconds as tcpdump's relative time: 1y2w3d4h5m6s with zero units left out. */
function relTime(secs: number): string {
  if (secs === 0) return '0s';
  const units: Array<[number, string]> = [
    [31536000, 'y'],
    [604800, 'w'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let s = '';
  for (const [n, u] of units) {
    if (secs >= n) {
      s += `${Math.floor(secs / n)}${u}`;
      secs %= n;
    }
  }
  return s;
}

/** `len`: the IGMP message's length per the IP header. */
function igmpPrint(out: Out, bp: Uint8Array, len: number): void {
  if (out.qflag) {
    out.print('igmp');
    return;
  }
  igmpMessagePrint(out, bp, len);
  if (out.vflag > 0 && len >= 4 && bp.length >= len && internetChecksum(bp.subarray(0, len)) !== 0) {
    out.print(` bad igmp cksum ${get16(bp, 2).toString(16)}!`);
  }
}

const IGMP_V3_RECORD_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'is_in'],
  [2, 'is_ex'],
  [3, 'to_in'],
  [4, 'to_ex'],
  [5, 'allow'],
  [6, 'block'],
]);

function igmpMessagePrint(out: Out, bp: Uint8Array, len: number): void {
  const P = 'igmp';
  need(bp, 1, P);
  const igmp = IgmpPacket.unchecked(bp);
  const addrAt = (off: number): string => {
    need(bp, off + 4, P);
    return ipv4ToString(get32(bp, off));
  };
  switch (igmp.type) {
    case IGMP_QUERY:
      out.print('igmp query');
      if (len >= 12) {
        igmpV3QueryPrint(out, bp, len);
      } else {
        need(bp, 2, P);
        const mrc = igmp.maxRespCode;
        if (mrc !== 0) {
          out.print(' v2');
          if (mrc !== 100) out.print(` [max resp time ${mrc}]`);
        } else {
          out.print(' v1');
        }
        need(bp, 8, P);
        if (igmp.group !== 0) out.print(` [gaddr ${addrAt(4)}]`);
        if (len !== 8) out.print(` [len ${len}]`);
      }
      return;
    case IGMP_V1_REPORT:
      out.print(`igmp v1 report ${addrAt(4)}`);
      if (len !== 8) out.print(` [len ${len}]`);
      return;
    case IGMP_V2_REPORT:
      out.print(`igmp v2 report ${addrAt(4)}`);
      return;
    case IGMP_LEAVE:
      out.print(`igmp leave ${addrAt(4)}`);
      return;
    case IGMP_V3_REPORT:
      out.print('igmp v3 report');
      if (len < 16 || len % 4 !== 0) {
        out.print(` [invalid len ${len}]`);
        return;
      }
      need(bp, 8, P);
      out.print(`, ${igmp.reportRecordCount} group record(s)`);
      if (out.vflag > 0) igmpV3RecordsPrint(out, bp, len, igmp.reportRecordCount);
      return;
    case IGMP_MTRACE_RESP:
    case IGMP_MTRACE: {
      // After the 8-byte header, a 16-byte query: src, dst, response
      // address, response TTL and a 24-bit query id.
      if (len < 24) {
        out.print(` [invalid len ${len}]`);
        return;
      }
      need(bp, 24, P);
      const name = igmp.type === IGMP_MTRACE ? 'mtrace' : 'mresp';
      const qid = get32(bp, 20) & 0xffffff;
      const raddr = get32(bp, 16);
      out.print(`${name} ${qid}: ${addrAt(8)} to ${addrAt(12)} reply-to ${ipv4ToString(raddr)}`);
      if (raddr >>> 28 === 0xe) out.print(` with-ttl ${get8(bp, 20)}`);
      return;
    }
  }
  out.print(`igmp-${igmp.type}`);
}

/** -v: each group record of a v3 report; -vv lists its sources instead of counting them. */
function igmpV3RecordsPrint(out: Out, bp: Uint8Array, len: number, count: number): void {
  let group = 8;
  for (let i = 0; i < count; i++) {
    if (len < group + 8) {
      out.print(' [invalid number of groups]');
      return;
    }
    out.print(` [gaddr ${ipv4At(bp, group + 4)}`);
    need(bp, group + 1, 'igmp');
    const type = get8(bp, group);
    out.print(` ${IGMP_V3_RECORD_TYPES.get(type) ?? ` [v3-report-#${type}]`}`);
    need(bp, group + 4, 'igmp');
    const nsrcs = get16(bp, group + 2);
    if (len < group + 8 + nsrcs * 4) {
      out.print(` [invalid number of sources ${nsrcs}]`);
      return;
    }
    if (out.vflag === 1) out.print(`, ${nsrcs} source(s)`);
    else {
      out.print(' {');
      for (let j = 0; j < nsrcs; j++) out.print(` ${ipv4At(bp, group + 8 + j * 4)}`);
      out.print(' }');
    }
    group += 8 + nsrcs * 4;
    out.print(']');
  }
}

/** An address read as tcpdump's GET_IPADDR_STRING does: all four bytes, or the packet ends. */
function ipv4At(bp: Uint8Array, off: number): string {
  need(bp, off + 4, 'igmp');
  return ipv4ToString(get32(bp, off));
}

function igmpV3QueryPrint(out: Out, bp: Uint8Array, len: number): void {
  const P = 'igmp';
  out.print(' v3');
  if (len < 12 || len % 4 !== 0) {
    out.print(` [invalid len ${len}]`);
    return;
  }
  need(bp, 2, P);
  const mrc = get8(bp, 1);
  // Codes from 128 on are a floating-point encoding (RFC 3376 4.1.1).
  const mrt = mrc < 128 ? mrc : ((mrc & 0x0f) | 0x10) << (((mrc & 0x70) >> 4) + 3);
  if (mrc !== 100) {
    out.print(' [max resp time ');
    out.print(mrt < 600 ? `${(mrt * 0.1).toFixed(1)}s` : relTime(Math.floor(mrt / 10)));
    out.print(']');
  }
  need(bp, 8, P);
  const group = get32(bp, 4);
  if (group === 0) return;
  out.print(` [gaddr ${ipv4ToString(group)}`);
  need(bp, 12, P);
  const nsrcs = get16(bp, 10);
  if (nsrcs > 0) {
    if (len < 12 + 4 * nsrcs) out.print(' [invalid number of sources]');
    else if (out.vflag > 1) {
      out.print(' {');
      for (let i = 0; i < nsrcs; i++) out.print(` ${ipv4At(bp, 12 + i * 4)}`);
      out.print(' }');
    } else out.print(`, ${nsrcs} source(s)`);
  }
  out.print(']');
}

// ---------------------------------------------------------------- UDP

const NFS_PORT = 2049;

function udpPrint(out: Out, bp: Uint8Array, length: number, ip: Ipv4Packet, fragmented: boolean, header: Uint8Array): void {
  const P = 'udp';
  const src = ipv4ToString(ip.src);
  const dst = ipv4ToString(ip.dst);
  if (bp.length < 4) {
    out.print(`${src} > ${dst}: `);
    throw new Truncated(P, false);
  }
  const udp = UdpPacket.unchecked(bp);
  const sport = udp.srcPort;
  const dport = udp.dstPort;
  const addrs = `${src}.${sport} > ${dst}.${dport}: `;
  if (length < UDP_HEADER_LEN) {
    out.print(`${addrs}truncated-udp ${length}`);
    return;
  }
  if (bp.length < 6) {
    out.print(addrs);
    throw new Truncated(P, false);
  }
  let ulen = udp.length;
  if (ulen < UDP_HEADER_LEN) {
    out.print(`${addrs}truncated-udplength ${ulen}`);
    return;
  }
  ulen -= UDP_HEADER_LEN;
  length -= UDP_HEADER_LEN;
  if (ulen < length) length = ulen;
  out.print(addrs);
  if (bp.length < UDP_HEADER_LEN) throw new Truncated(P, false);
  // tcpdump peeks for an RPC call to, or reply from, the NFS port; we do not decode NFS.
  if (!out.qflag && bp.length >= UDP_HEADER_LEN + 8) {
    const direction = get32(bp, UDP_HEADER_LEN + 4);
    if ((dport === NFS_PORT && direction === 0) || (sport === NFS_PORT && direction === 1)) {
      out.print('(NFS not decoded)');
      return;
    }
  }
  // Only from -vv for UDP over IPv4 (tcpdump's own "XXX - do this even if vflag == 1?").
  if (out.vflag > 1 && !fragmented) {
    const field = udp.checksum;
    if (field === 0) out.print('[no cksum] ');
    else if (bp.length >= UDP_HEADER_LEN + length) {
      const datagram = bp.subarray(0, UDP_HEADER_LEN + length);
      const pseudo = udpPseudoHeaderSum(ip.src, ipFinalDst(ip, header), datagram.length);
      if (internetChecksum(datagram, pseudo) !== 0) {
        out.print(`[bad udp cksum 0x${hex(field, 4)} -> 0x${hex(checksumShouldBe(field, datagram, pseudo), 4)}!] `);
      } else out.print('[udp sum ok] ');
    }
  }
  if (!out.qflag && (sport === IANA_VXLAN_UDP_PORT || dport === IANA_VXLAN_UDP_PORT)) return vxlanPrint(out, bp.subarray(UDP_HEADER_LEN), length, false);
  if (!out.qflag && (sport === VXLAN_LINUX_DEFAULT_PORT || dport === VXLAN_LINUX_DEFAULT_PORT)) return vxlanPrint(out, bp.subarray(UDP_HEADER_LEN), length, true);
  out.print(ulen > length && !fragmented ? `UDP, bad length ${ulen} > ${length}` : `UDP, length ${ulen}`);
}

/**
 * vxlan_print, or otv_print for port 8472 (the same 8 bytes read as OTV's overlay and instance IDs):
 * the header on this line, then the inner frame as ether_print prints it, on the next. As tcpdump
 * 4.99.3 has them (checked against it): a datagram too short for the header is " (invalid)" (OTV
 * says its length first); a capture cut inside the header prints up to the field it cannot read;
 * VXLAN calls a header without the I flag "invalid", OTV "."; a capture that ends before the header's
 * last byte is truncated in VXLAN's (OTV's) name, one that ends after it in the inner frame's.
 */
function vxlanPrint(out: Out, bp: Uint8Array, length: number, otv: boolean): void {
  const proto = otv ? 'otv' : 'vxlan';
  out.print(otv ? 'OTV, ' : 'VXLAN');
  if (length < VXLAN_HEADER_LEN) {
    if (otv) out.print(`[length ${length} < ${VXLAN_HEADER_LEN}]`);
    return out.print(' (invalid)');
  }
  need(bp, 1, proto);
  const flags = get8(bp, 0);
  const i = flags & VXLAN_FLAG_I;
  if (otv) {
    out.print(`flags [${i ? 'I' : '.'}] (0x${hex(flags, 2)}), `);
    need(bp, 4, proto);
    out.print(`overlay ${get32(bp, 0) & 0xffffff}, `);
  } else out.print(`, flags [${i ? 'I' : 'invalid'}] (0x${hex(flags, 2)}), `);
  need(bp, 7, proto);
  out.print(`${otv ? 'instance' : 'vni'} ${(get8(bp, 4) << 16) | (get8(bp, 5) << 8) | get8(bp, 6)}\n`);
  // The capture ends inside the header's last (reserved) byte: a read past the end in this printer's name, not the inner frame's (measured, -x dumps the whole frame).
  need(bp, VXLAN_HEADER_LEN, proto);
  etherPrint(out, bp.subarray(VXLAN_HEADER_LEN), length - VXLAN_HEADER_LEN, true);
}

/** ip_finddst: with a source route, the checksum's destination is the route's last hop. */
function ipFinalDst(ip: Ipv4Packet, header: Uint8Array): number {
  let at = IPV4_MIN_HEADER_LEN;
  let length = ip.headerLen - IPV4_MIN_HEADER_LEN;
  while (length > 0) {
    const tt = get8(header, at);
    let len: number;
    if (tt === IPOPT_EOL) break;
    if (tt === IPOPT_NOP) len = 1;
    else {
      len = get8(header, at + 1);
      if (len < 2) break;
    }
    if (length < len) break;
    if ((tt === IPOPT_SSRR || tt === IPOPT_LSRR) && len >= 7) return get32(header, at + len - 4);
    at += len;
    length -= len;
  }
  return ip.dst;
}
