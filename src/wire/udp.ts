// UDP (RFC 768): | src port | dst port | length | checksum | data ...
// The checksum covers an IPv4 pseudo-header (src, dst, 0, proto, length)
// too; zero means "not computed".
//
// On a veth the sender's checksum is offloaded (CHECKSUM_PARTIAL) and never
// completed, so a capture shows only the pseudo-header's sum in the field
// and the peer accepts it without checking. `emitUdp(..., 'partial')`
// produces exactly that; `parseUdp` with `verifyChecksum: false` accepts it.

import { checksumIsValid, internetChecksum, onesComplementSum } from './checksum.js';
import { get16, set16 } from './bytes.js';
import { IP_PROTO_UDP, ipv4ToBytes, type Ipv4Address } from './ipv4.js';
import { fail, ok, truncated, type Result } from './result.js';

export const UDP_HEADER_LEN = 8;

const SRC_PORT = 0;
const DST_PORT = 2;
const LENGTH = 4;
const CHECKSUM = 6;

export class UdpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  /**
   * A view with no length check: getters read absent bytes as 0. For
   * printers that check each field's bytes themselves, as tcpdump does.
   */
  static unchecked(bytes: Uint8Array): UdpPacket {
    return new UdpPacket(bytes);
  }

  static check(bytes: Uint8Array): Result<UdpPacket> {
    if (bytes.length < UDP_HEADER_LEN) return truncated('udp', UDP_HEADER_LEN, bytes.length);
    return ok(new UdpPacket(bytes));
  }

  get srcPort(): number {
    return get16(this.bytes, SRC_PORT);
  }
  get dstPort(): number {
    return get16(this.bytes, DST_PORT);
  }
  /** The length field: header plus data. */
  get length(): number {
    return get16(this.bytes, LENGTH);
  }
  get checksum(): number {
    return get16(this.bytes, CHECKSUM);
  }
}

function pseudoHeaderSum(src: Ipv4Address, dst: Ipv4Address, udpLen: number): number {
  const ph = new Uint8Array(12);
  ph.set(ipv4ToBytes(src), 0);
  ph.set(ipv4ToBytes(dst), 4);
  ph[9] = IP_PROTO_UDP;
  set16(ph, 10, udpLen);
  return onesComplementSum(ph);
}

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly data: Uint8Array;
}

export interface UdpParseOptions {
  /** Default true. False for datagrams captured on a veth (see above). */
  readonly verifyChecksum?: boolean;
}

/** `src`/`dst` are the IPv4 addresses, needed for the pseudo-header checksum. */
export function parseUdp(
  bytes: Uint8Array,
  src: Ipv4Address,
  dst: Ipv4Address,
  opts: UdpParseOptions = {},
): Result<UdpRepr> {
  const checked = UdpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (p.length < UDP_HEADER_LEN) return fail({ kind: 'malformed', layer: 'udp', field: 'length', value: p.length });
  if (p.length > bytes.length) return truncated('udp', p.length, bytes.length);
  const datagram = bytes.subarray(0, p.length);
  if ((opts.verifyChecksum ?? true) && p.checksum !== 0 && !checksumIsValid(datagram, pseudoHeaderSum(src, dst, p.length))) {
    const copy = datagram.slice();
    set16(copy, CHECKSUM, 0);
    return fail({
      kind: 'checksum',
      layer: 'udp',
      stored: p.checksum,
      computed: internetChecksum(copy, pseudoHeaderSum(src, dst, p.length)),
    });
  }
  return ok({ srcPort: p.srcPort, dstPort: p.dstPort, data: bytes.slice(UDP_HEADER_LEN, p.length) });
}

/**
 * 'full': a complete checksum (what leaves a real NIC); 'partial': the
 * pseudo-header sum a Linux sender leaves for offload (what a veth
 * carries); 'none': zero.
 */
export type UdpChecksumMode = 'full' | 'partial' | 'none';

/** The ones'-complement sum of the IPv4 pseudo-header (RFC 768) a UDP checksum starts from. */
export function udpPseudoHeaderSum(src: Ipv4Address, dst: Ipv4Address, udpLen: number): number {
  return pseudoHeaderSum(src, dst, udpLen);
}

/** The checksum field Linux leaves on an offloaded datagram: the folded pseudo-header sum. */
export function udpPartialChecksum(src: Ipv4Address, dst: Ipv4Address, udpLen: number): number {
  return pseudoHeaderSum(src, dst, udpLen);
}

export function emitUdp(repr: UdpRepr, src: Ipv4Address, dst: Ipv4Address, mode: UdpChecksumMode = 'full'): Uint8Array {
  const len = UDP_HEADER_LEN + repr.data.length;
  if (len > 0xffff) throw new RangeError(`UDP datagram too long: ${len}`);
  const out = new Uint8Array(len);
  set16(out, SRC_PORT, repr.srcPort);
  set16(out, DST_PORT, repr.dstPort);
  set16(out, LENGTH, len);
  out.set(repr.data, UDP_HEADER_LEN);
  if (mode === 'partial') {
    set16(out, CHECKSUM, udpPartialChecksum(src, dst, len));
  } else if (mode === 'full') {
    const sum = internetChecksum(out, pseudoHeaderSum(src, dst, len));
    // A computed 0 is sent as 0xffff: 0 would mean "no checksum".
    set16(out, CHECKSUM, sum === 0 ? 0xffff : sum);
  }
  return out;
}
