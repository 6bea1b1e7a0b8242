// IPv4 header (RFC 791).
//
//  0       4       8              16    19              31
//  |version|  IHL  |      TOS      |        total length        |
//  |         identification        |flags|   fragment offset    |
//  |      TTL      |   protocol    |      header checksum       |
//  |                       source address                       |
//  |                    destination address                     |
//  |                     options (IHL > 5) ...                  |

import { checksumIsValid, internetChecksum, internetChecksumRange } from './checksum.js';
import { get8, get16, get32, set16, set32 } from './bytes.js';
import { fail, ok, truncated, type Result } from './result.js';

/** An IPv4 address as a 32-bit unsigned number, most significant octet first. */
export type Ipv4Address = number;

export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_OPTIONS_LEN = 40;

const VER_IHL = 0;
const TOS = 1;
const TOTAL_LEN = 2;
const IDENT = 4;
const FLAGS_FRAG = 6;
const TTL = 8;
const PROTOCOL = 9;
const CHECKSUM = 10;
const SRC = 12;
const DST = 16;
const OPTIONS = 20;

const FLAG_RESERVED = 0x8000;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_OFFSET_MASK = 0x1fff;

export const IP_PROTO_ICMP = 1;
export const IP_PROTO_IGMP = 2;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;

export function ipv4ToString(addr: Ipv4Address): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Strict dotted quad (no leading zeros, which some tools read as octal); null otherwise. */
export function parseIpv4(text: string): Ipv4Address | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/**
 * glibc's inet_aton, which iputils' arping reads its addresses with: one to four parts separated by
 * dots, each read as strtoul(base 0) reads a number — decimal, octal with a leading 0, hex with 0x —
 * the last part filling the bytes the others left (`10.2` is 10.0.0.2, `0x0a000002` too); anything
 * after a space is ignored. Null where inet_aton returns 0.
 */
export function inetAton(text: string): Ipv4Address | null {
  const parts: number[] = [];
  let i = 0;
  let val = 0;
  for (;;) {
    const m = /^(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))/.exec(text.slice(i));
    if (!m) return null;
    val = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : Number(m[3]);
    if (val > 0xffffffff) return null;
    i += m[0].length;
    if (text[i] !== '.') break;
    if (parts.length > 2 || val > 0xff) return null;
    parts.push(val);
    i++;
  }
  if (i < text.length && !/[ \t\n\v\f\r]/.test(text[i] as string)) return null;
  if (val > ([0xffffffff, 0xffffff, 0xffff, 0xff][parts.length] as number)) return null;
  let addr = val;
  parts.forEach((p, k) => (addr += p * 2 ** (8 * (3 - k))));
  return addr >>> 0;
}

export function ipv4FromBytes(b: Uint8Array, off = 0): Ipv4Address {
  return get32(b, off);
}

export function ipv4ToBytes(addr: Ipv4Address): Uint8Array {
  const out = new Uint8Array(4);
  set32(out, 0, addr);
  return out;
}

/** Netmask for a prefix length 0..32, e.g. 24 -> 0xffffff00. */
export function prefixToMask(prefixLen: number): number {
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) {
    throw new RangeError(`prefix length out of range: ${prefixLen}`);
  }
  // Shifting by 32 is a no-op in JS, so /0 needs its own case.
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

export function networkOf(addr: Ipv4Address, prefixLen: number): Ipv4Address {
  return (addr & prefixToMask(prefixLen)) >>> 0;
}

export function broadcastOf(addr: Ipv4Address, prefixLen: number): Ipv4Address {
  return (networkOf(addr, prefixLen) | ~prefixToMask(prefixLen)) >>> 0;
}

export function inSubnet(addr: Ipv4Address, network: Ipv4Address, prefixLen: number): boolean {
  return networkOf(addr, prefixLen) === networkOf(network, prefixLen);
}

export interface Ipv4Cidr {
  readonly addr: Ipv4Address;
  readonly prefixLen: number;
}

/** `10.1.1.2/24` -> address and prefix length (host bits kept); null if malformed. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | null {
  const m = /^([^/]+)\/(0|[1-9][0-9]?)$/.exec(text);
  if (m === null) return null;
  const addr = parseIpv4(m[1]!);
  const prefixLen = Number(m[2]);
  if (addr === null || prefixLen > 32) return null;
  return { addr, prefixLen };
}

export function isMulticastIpv4(addr: Ipv4Address): boolean {
  return addr >>> 28 === 0xe;
}

// Field access on a datagram's bytes, without a view object: what the per-packet path reads and
// writes. The view below and the parse/emit pair are built on these, so the stack, the parser and the
// tcpdump printer read one codec.

/** Header length in bytes (IHL × 4). */
export function ipv4HeaderLength(d: Uint8Array): number {
  return (get8(d, VER_IHL) & 0x0f) * 4;
}
export function ipv4TotalLength(d: Uint8Array): number {
  return get16(d, TOTAL_LEN);
}
export function ipv4Ident(d: Uint8Array): number {
  return get16(d, IDENT);
}
export function ipv4Tos(d: Uint8Array): number {
  return get8(d, TOS);
}
export function ipv4Ttl(d: Uint8Array): number {
  return get8(d, TTL);
}
export function ipv4Protocol(d: Uint8Array): number {
  return get8(d, PROTOCOL);
}
export function ipv4Src(d: Uint8Array): Ipv4Address {
  return get32(d, SRC);
}
export function ipv4Dst(d: Uint8Array): Ipv4Address {
  return get32(d, DST);
}
export function ipv4DontFragment(d: Uint8Array): boolean {
  return (get16(d, FLAGS_FRAG) & FLAG_DF) !== 0;
}
export function ipv4MoreFragments(d: Uint8Array): boolean {
  return (get16(d, FLAGS_FRAG) & FLAG_MF) !== 0;
}
/** The fragment offset in bytes. */
export function ipv4FragmentOffset(d: Uint8Array): number {
  return (get16(d, FLAGS_FRAG) & FRAG_OFFSET_MASK) * 8;
}
/** A fragment, first or not (MF set, or an offset). */
export function ipv4IsFragment(d: Uint8Array): boolean {
  return (get16(d, FLAGS_FRAG) & (FLAG_MF | FRAG_OFFSET_MASK)) !== 0;
}

/** The fields of an option-less header the stack writes. */
export interface Ipv4HeaderFields {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly ttl: number;
  readonly ident: number;
  readonly dontFragment: boolean;
  readonly moreFragments?: boolean;
  /** In bytes, a multiple of 8. */
  readonly fragmentOffset?: number;
  readonly tos?: number;
}

/** Writes a 20-byte header for a datagram of `totalLen` bytes at the start of `out`, checksum included. */
export function emitIpv4Header(out: Uint8Array, h: Ipv4HeaderFields, totalLen: number): void {
  const w0 = 0x4500 | ((h.tos ?? 0) & 0xff);
  const ident = h.ident & 0xffff;
  const frag = (h.dontFragment ? FLAG_DF : 0) | (h.moreFragments ? FLAG_MF : 0) | ((h.fragmentOffset ?? 0) >>> 3);
  const w4 = ((h.ttl & 0xff) << 8) | (h.protocol & 0xff);
  set16(out, VER_IHL, w0);
  set16(out, TOTAL_LEN, totalLen);
  set16(out, IDENT, ident);
  set16(out, FLAGS_FRAG, frag);
  set16(out, TTL, w4);
  set32(out, SRC, h.src);
  set32(out, DST, h.dst);
  // Summed from the words just written rather than read back from the bytes.
  let sum = w0 + (totalLen & 0xffff) + ident + frag + w4 + (h.src >>> 16) + (h.src & 0xffff) + (h.dst >>> 16) + (h.dst & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  set16(out, CHECKSUM, ~sum & 0xffff);
}

/** ip_decrease_ttl: a new TTL, and the header checksum to match. */
export function setIpv4Ttl(d: Uint8Array, ttl: number): void {
  d[TTL] = ttl & 0xff;
  set16(d, CHECKSUM, 0);
  set16(d, CHECKSUM, internetChecksumRange(d, 0, ipv4HeaderLength(d)));
}

/** Whether the header checksum (over `headerLen` bytes) is right. */
export function ipv4HeaderChecksumValid(d: Uint8Array, headerLen: number): boolean {
  return internetChecksumRange(d, 0, headerLen) === 0;
}

/**
 * Read-only view of a header. `check` only requires the fixed 20 bytes, so
 * the view also serves truncated and odd packets (the printer needs them);
 * `parseIpv4Packet` applies the full validation.
 */
export class Ipv4Packet {
  private constructor(readonly bytes: Uint8Array) {}

  /**
   * A view with no length check: getters read absent bytes as 0. For
   * printers that check each field's bytes themselves, as tcpdump does.
   */
  static unchecked(bytes: Uint8Array): Ipv4Packet {
    return new Ipv4Packet(bytes);
  }

  static check(bytes: Uint8Array): Result<Ipv4Packet> {
    if (bytes.length < IPV4_MIN_HEADER_LEN) return truncated('ipv4', IPV4_MIN_HEADER_LEN, bytes.length);
    return ok(new Ipv4Packet(bytes));
  }

  get version(): number {
    return get8(this.bytes, VER_IHL) >>> 4;
  }
  /** Header length in bytes (IHL * 4). */
  get headerLen(): number {
    return ipv4HeaderLength(this.bytes);
  }
  get tos(): number {
    return get8(this.bytes, TOS);
  }
  get totalLen(): number {
    return get16(this.bytes, TOTAL_LEN);
  }
  get ident(): number {
    return get16(this.bytes, IDENT);
  }
  get reservedFlag(): boolean {
    return (get16(this.bytes, FLAGS_FRAG) & FLAG_RESERVED) !== 0;
  }
  get dontFragment(): boolean {
    return (get16(this.bytes, FLAGS_FRAG) & FLAG_DF) !== 0;
  }
  get moreFragments(): boolean {
    return (get16(this.bytes, FLAGS_FRAG) & FLAG_MF) !== 0;
  }
  /** In bytes (the field counts 8-byte units). */
  get fragmentOffset(): number {
    return ipv4FragmentOffset(this.bytes);
  }
  get ttl(): number {
    return get8(this.bytes, TTL);
  }
  get protocol(): number {
    return get8(this.bytes, PROTOCOL);
  }
  get checksum(): number {
    return get16(this.bytes, CHECKSUM);
  }
  get src(): Ipv4Address {
    return ipv4Src(this.bytes);
  }
  get dst(): Ipv4Address {
    return ipv4Dst(this.bytes);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(OPTIONS, Math.max(OPTIONS, this.headerLen));
  }
  /** Whether the header (as long as IHL says, and present) sums correctly. */
  get checksumValid(): boolean {
    const hlen = this.headerLen;
    return hlen >= IPV4_MIN_HEADER_LEN && hlen <= this.bytes.length && checksumIsValid(this.bytes.subarray(0, hlen));
  }
  /** Bytes after the header up to total length (or to the end if fewer are present). */
  get payload(): Uint8Array {
    return this.bytes.subarray(Math.min(this.headerLen, this.bytes.length), Math.min(this.totalLen, this.bytes.length));
  }
}

export interface Ipv4Repr {
  /** The whole TOS/DS byte (DSCP and ECN together). */
  readonly tos: number;
  readonly ident: number;
  /** The "evil bit" (RFC 3514); kept so that decode/encode is lossless. */
  readonly reservedFlag: boolean;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In bytes; a multiple of 8 below 65536. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  /** Raw option bytes, a multiple of 4 and at most 40 long. */
  readonly options: Uint8Array;
}

export interface Ipv4Datagram {
  readonly repr: Ipv4Repr;
  /** From the end of the header to total length; link-layer padding is dropped. */
  readonly payload: Uint8Array;
}

export interface Ipv4ParseOptions {
  /** Default true. False accepts a wrong header checksum (e.g. to inspect it). */
  readonly verifyChecksum?: boolean;
}

export function parseIpv4Packet(bytes: Uint8Array, opts: Ipv4ParseOptions = {}): Result<Ipv4Datagram> {
  const checked = Ipv4Packet.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (p.version !== 4) return fail({ kind: 'malformed', layer: 'ipv4', field: 'version', value: p.version });
  const hlen = p.headerLen;
  if (hlen < IPV4_MIN_HEADER_LEN) return fail({ kind: 'malformed', layer: 'ipv4', field: 'ihl', value: hlen / 4 });
  if (bytes.length < hlen) return truncated('ipv4', hlen, bytes.length);
  if (p.totalLen < hlen) return fail({ kind: 'malformed', layer: 'ipv4', field: 'total length', value: p.totalLen });
  if (bytes.length < p.totalLen) return truncated('ipv4', p.totalLen, bytes.length);
  if ((opts.verifyChecksum ?? true) && !p.checksumValid) {
    const header = bytes.slice(0, hlen);
    set16(header, CHECKSUM, 0);
    return fail({ kind: 'checksum', layer: 'ipv4', stored: p.checksum, computed: internetChecksum(header) });
  }
  const repr: Ipv4Repr = {
    tos: p.tos,
    ident: p.ident,
    reservedFlag: p.reservedFlag,
    dontFragment: p.dontFragment,
    moreFragments: p.moreFragments,
    fragmentOffset: p.fragmentOffset,
    ttl: p.ttl,
    protocol: p.protocol,
    src: p.src,
    dst: p.dst,
    options: bytes.slice(OPTIONS, hlen),
  };
  return ok({ repr, payload: bytes.subarray(hlen, p.totalLen) });
}

export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return IPV4_MIN_HEADER_LEN + repr.options.length;
}

/** Emits header + payload with total length and checksum filled in. Throws on an invalid repr. */
export function emitIpv4Packet(repr: Ipv4Repr, payload: Uint8Array): Uint8Array {
  const hlen = ipv4HeaderLen(repr);
  if (repr.options.length % 4 !== 0 || repr.options.length > IPV4_MAX_OPTIONS_LEN) {
    throw new RangeError(`IPv4 options must be a multiple of 4 up to 40 bytes, got ${repr.options.length}`);
  }
  if (repr.fragmentOffset % 8 !== 0 || repr.fragmentOffset < 0 || repr.fragmentOffset > FRAG_OFFSET_MASK * 8) {
    throw new RangeError(`IPv4 fragment offset must be a multiple of 8 up to 65528, got ${repr.fragmentOffset}`);
  }
  const total = hlen + payload.length;
  if (total > 0xffff) throw new RangeError(`IPv4 datagram too long: ${total}`);
  const out = new Uint8Array(total);
  out[VER_IHL] = 0x40 | (hlen / 4);
  out[TOS] = repr.tos & 0xff;
  set16(out, TOTAL_LEN, total);
  set16(out, IDENT, repr.ident);
  const flags =
    (repr.reservedFlag ? FLAG_RESERVED : 0) | (repr.dontFragment ? FLAG_DF : 0) | (repr.moreFragments ? FLAG_MF : 0);
  set16(out, FLAGS_FRAG, flags | (repr.fragmentOffset / 8));
  out[TTL] = repr.ttl & 0xff;
  out[PROTOCOL] = repr.protocol & 0xff;
  set32(out, SRC, repr.src);
  set32(out, DST, repr.dst);
  out.set(repr.options, OPTIONS);
  set16(out, CHECKSUM, internetChecksum(out.subarray(0, hlen)));
  out.set(payload, hlen);
  return out;
}
