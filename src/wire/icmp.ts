// ICMPv4 (RFC 792). Every message starts with the same 8 bytes:
//
//  0      1      2          4                 8
//  | type | code | checksum | rest of header  | data ...
//
// "rest of header" is id + sequence for echo, unused (or an MTU) for
// errors. The checksum covers the whole message.

import { checksumIsValid, internetChecksum, internetChecksumRange } from './checksum.js';
import { get8, get16, get32, set16, set32 } from './bytes.js';
import { Ipv4Packet } from './ipv4.js';
import { fail, ok, truncated, type Result } from './result.js';

export const ICMP_HEADER_LEN = 8;

const TYPE = 0;
const CODE = 1;
const CHECKSUM = 2;
const REST = 4;
const IDENT = 4;
const SEQ = 6;
const DATA = 8;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETER_PROBLEM = 12;

/** Destination unreachable codes (RFC 792, 1122, 1812). */
export const UNREACH_NET = 0;
export const UNREACH_HOST = 1;
export const UNREACH_PROTOCOL = 2;
export const UNREACH_PORT = 3;
export const UNREACH_NEED_FRAG = 4;
export const UNREACH_ADMIN_PROHIBITED = 13;

/** Time exceeded codes. */
export const TIME_EXCEEDED_TTL = 0;
export const TIME_EXCEEDED_REASSEMBLY = 1;

// Field access on a message's bytes, for the per-packet path; the view and parse/emit use the same offsets.

export function icmpType(m: Uint8Array): number {
  return get8(m, TYPE);
}
export function icmpCode(m: Uint8Array): number {
  return get8(m, CODE);
}
export function icmpEchoIdent(m: Uint8Array): number {
  return get16(m, IDENT);
}
export function icmpEchoSeq(m: Uint8Array): number {
  return get16(m, SEQ);
}
/** Whether the checksum over the whole message is right. */
export function icmpChecksumValid(m: Uint8Array): boolean {
  return checksumIsValid(m);
}

/** The same for the message at d[off..], without a view of it. */
export function icmpChecksumValidAt(d: Uint8Array, off: number): boolean {
  return internetChecksumRange(d, off, d.length) === 0;
}

/**
 * An echo request whose checksum was verified, turned into its reply in place (icmp_reply): type 0, the
 * checksum to match. The message is d[off..]: a reply built in its datagram's buffer is turned there.
 */
export function turnIntoEchoReply(d: Uint8Array, off = 0): void {
  const before = get16(d, off + TYPE);
  d[off + TYPE] = ICMP_ECHO_REPLY;
  // RFC 1624 eqn. 3 for a request whose checksum was verified: HC' = ~(~HC + ~m + m'), the same value
  // a full sum gives — except for a message that sums to zero, where only the full sum tells.
  let sum = (~get16(d, off + CHECKSUM) & 0xffff) + (~before & 0xffff) + get16(d, off + TYPE);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  if (sum !== 0xffff) {
    set16(d, off + CHECKSUM, ~sum & 0xffff);
    return;
  }
  set16(d, off + CHECKSUM, 0);
  set16(d, off + CHECKSUM, internetChecksumRange(d, off, d.length));
}

/** Read-only view; `check` guarantees the 8-byte header is present. */
export class IcmpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  /**
   * A view with no length check: getters read absent bytes as 0. For
   * printers that check each field's bytes themselves, as tcpdump does.
   */
  static unchecked(bytes: Uint8Array): IcmpPacket {
    return new IcmpPacket(bytes);
  }

  static check(bytes: Uint8Array): Result<IcmpPacket> {
    if (bytes.length < ICMP_HEADER_LEN) return truncated('icmp', ICMP_HEADER_LEN, bytes.length);
    return ok(new IcmpPacket(bytes));
  }

  get type(): number {
    return get8(this.bytes, TYPE);
  }
  get code(): number {
    return get8(this.bytes, CODE);
  }
  get checksum(): number {
    return get16(this.bytes, CHECKSUM);
  }
  /** Echo identifier (bytes 4-5). */
  get ident(): number {
    return get16(this.bytes, IDENT);
  }
  /** Echo sequence number (bytes 6-7). */
  get seq(): number {
    return get16(this.bytes, SEQ);
  }
  /** Bytes 4-7 as one number. */
  get rest(): number {
    return get32(this.bytes, REST);
  }
  get data(): Uint8Array {
    return this.bytes.subarray(DATA);
  }
  get checksumValid(): boolean {
    return checksumIsValid(this.bytes);
  }
  /** For error messages: a view of the offending datagram's header, if 20 bytes of it are there. */
  get embeddedIpv4(): Ipv4Packet | undefined {
    const r = Ipv4Packet.check(this.data);
    return r.ok ? r.value : undefined;
  }
}

export type IcmpRepr =
  | {
      readonly kind: 'echo-request' | 'echo-reply';
      readonly ident: number;
      readonly seq: number;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'dest-unreachable' | 'time-exceeded';
      readonly code: number;
      /**
       * Bytes 4-7: zero, except the RFC 1191 next-hop MTU in the low 16 bits
       * of "fragmentation needed", or an RFC 4884 length. Kept whole so that
       * decode/encode is lossless.
       */
      readonly rest: number;
      /** The offending datagram: its IP header and (at least) 8 bytes after it. */
      readonly original: Uint8Array;
    }
  | {
      /** Any other type (redirect, timestamp, parameter problem, ...), kept as bytes. */
      readonly kind: 'other';
      readonly type: number;
      readonly code: number;
      readonly rest: number;
      readonly data: Uint8Array;
    };

export interface IcmpParseOptions {
  /** Default true. Must be false for a first fragment, whose checksum covers bytes not present. */
  readonly verifyChecksum?: boolean;
}

export function parseIcmp(bytes: Uint8Array, opts: IcmpParseOptions = {}): Result<IcmpRepr> {
  const checked = IcmpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if ((opts.verifyChecksum ?? true) && !p.checksumValid) {
    const copy = bytes.slice();
    set16(copy, CHECKSUM, 0);
    return fail({ kind: 'checksum', layer: 'icmp', stored: p.checksum, computed: internetChecksum(copy) });
  }
  const data = bytes.slice(DATA);
  switch (p.type) {
    case ICMP_ECHO_REQUEST:
    case ICMP_ECHO_REPLY:
      // A nonzero code on an echo has no meaning, but it must survive a round trip.
      if (p.code !== 0) break;
      return ok({
        kind: p.type === ICMP_ECHO_REQUEST ? 'echo-request' : 'echo-reply',
        ident: p.ident,
        seq: p.seq,
        data,
      });
    case ICMP_DEST_UNREACHABLE:
    case ICMP_TIME_EXCEEDED:
      return ok({
        kind: p.type === ICMP_DEST_UNREACHABLE ? 'dest-unreachable' : 'time-exceeded',
        code: p.code,
        rest: p.rest,
        original: data,
      });
  }
  return ok({ kind: 'other', type: p.type, code: p.code, rest: p.rest, data });
}

export function icmpTypeOf(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echo-request':
      return ICMP_ECHO_REQUEST;
    case 'echo-reply':
      return ICMP_ECHO_REPLY;
    case 'dest-unreachable':
      return ICMP_DEST_UNREACHABLE;
    case 'time-exceeded':
      return ICMP_TIME_EXCEEDED;
    case 'other':
      return repr.type;
  }
}

export function emitIcmp(repr: IcmpRepr): Uint8Array {
  const body = 'original' in repr ? repr.original : repr.data;
  const out = new Uint8Array(ICMP_HEADER_LEN + body.length);
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      emitIcmpEchoAt(out, 0, icmpTypeOf(repr), repr.ident, repr.seq, body);
      return out;
    default:
      out[TYPE] = icmpTypeOf(repr);
      out[CODE] = repr.code;
      set32(out, REST, repr.rest);
  }
  out.set(body, DATA);
  set16(out, CHECKSUM, internetChecksum(out));
  return out;
}

/**
 * An echo request or reply (`type`) written at `off` of a buffer that has room for its header and
 * `data`, checksummed: a sender that built its datagram's buffer writes the message into it, no copy.
 */
export function emitIcmpEchoAt(out: Uint8Array, off: number, type: number, ident: number, seq: number, data: Uint8Array): void {
  out[off + TYPE] = type;
  out[off + CODE] = 0;
  set16(out, off + CHECKSUM, 0);
  set16(out, off + IDENT, ident);
  set16(out, off + SEQ, seq);
  out.set(data, off + DATA);
  set16(out, off + CHECKSUM, internetChecksumRange(out, off, off + DATA + data.length));
}

/**
 * How much of an offending datagram Linux quotes in an error: the error
 * datagram is kept within 576 bytes (RFC 1812 4.3.2.3), less its own IP
 * (no options) and ICMP headers. RFC 792's minimum is header + 8 bytes.
 */
export const LINUX_ICMP_QUOTE_LIMIT = 576 - 20 - ICMP_HEADER_LEN;

/** The part of `datagram` an ICMP error carries, at most `limit` bytes. */
export function quoteOriginal(datagram: Uint8Array, limit = LINUX_ICMP_QUOTE_LIMIT): Uint8Array {
  return datagram.slice(0, Math.min(datagram.length, limit));
}

/** The next-hop MTU of a "fragmentation needed" error (RFC 1191); 0 if not given. */
export function nextHopMtu(rest: number): number {
  return rest & 0xffff;
}
