// VXLAN (RFC 7348): an Ethernet frame carried in UDP, behind 8 bytes of its own.
//
//  0       1       2       3       4               7       8
//  | flags | reserved (24)         | VNI (24)      | rsvd  | inner Ethernet frame ...
//
// Only the I flag (0x08, "the VNI is valid") is defined; a receiver drops a header with any other bit
// set in the flags or the reserved fields, as Linux's vxlan_rcv does.

import { get32, set32 } from './bytes.js';
import { fail, ok, truncated, type Result } from './result.js';

export const VXLAN_HEADER_LEN = 8;
/** The I flag: the VNI field is valid. */
export const VXLAN_FLAG_I = 0x08;
/** IANA's port for VXLAN; tcpdump dissects it as VXLAN. */
export const IANA_VXLAN_UDP_PORT = 4789;
/** Linux's default port (IANA_VXLAN's predecessor, what early implementations used); tcpdump reads it as OTV. */
export const VXLAN_LINUX_DEFAULT_PORT = 8472;
/** VNIs are 24 bits. */
export const VXLAN_N_VID = 1 << 24;

export interface VxlanHeader {
  /** The first byte: 0x08 on every header Linux sends. */
  readonly flags: number;
  readonly vni: number;
  /** The 24 reserved bits after the flags and the 8 after the VNI, which must be zero. */
  readonly reserved: number;
}

/** A VXLAN header in front of `inner` (a whole Ethernet frame): a new buffer. */
export function emitVxlan(vni: number, inner: Uint8Array): Uint8Array {
  if (vni < 0 || vni >= VXLAN_N_VID) throw new RangeError(`VNI out of range: ${vni}`);
  const out = new Uint8Array(VXLAN_HEADER_LEN + inner.length);
  set32(out, 0, VXLAN_FLAG_I << 24);
  set32(out, 4, vni << 8);
  out.set(inner, VXLAN_HEADER_LEN);
  return out;
}

/** The header at the start of `bytes` (a UDP datagram's data). */
export function parseVxlan(bytes: Uint8Array): Result<VxlanHeader> {
  if (bytes.length < VXLAN_HEADER_LEN) return truncated('vxlan', VXLAN_HEADER_LEN, bytes.length);
  const w0 = get32(bytes, 0);
  const w1 = get32(bytes, 4);
  const flags = w0 >>> 24;
  if (flags & ~VXLAN_FLAG_I || !(flags & VXLAN_FLAG_I)) return fail({ kind: 'unsupported', layer: 'vxlan', field: 'flags', value: flags });
  return ok({ flags, vni: w1 >>> 8, reserved: (w0 & 0xffffff) | (w1 & 0xff) });
}

/** The fields as they are, for printers (tcpdump prints any flags it finds). */
export function vxlanFieldsUnchecked(bytes: Uint8Array): VxlanHeader {
  const w0 = get32(bytes, 0);
  const w1 = get32(bytes, 4);
  return { flags: w0 >>> 24, vni: w1 >>> 8, reserved: (w0 & 0xffffff) | (w1 & 0xff) };
}
