// ARP (RFC 826). The packet view reads any hardware/protocol combination,
// since a capture may hold any; the repr is only for Ethernet + IPv4.
//
//  0        2        4     5     6      8
//  | htype  | ptype  | hlen| plen| oper | sha (hlen) | spa (plen) | tha | tpa

import { get8, get16, set16 } from './bytes.js';
import { ETHERTYPE_IPV4, macToBytes, macToString, type MacAddress } from './ethernet.js';
import { ipv4FromBytes, ipv4ToBytes, type Ipv4Address } from './ipv4.js';
import { fail, ok, truncated, type Result } from './result.js';

export const ARP_FIXED_LEN = 8;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_ETH_IPV4_LEN = 28;

const HTYPE = 0;
const PTYPE = 2;
const HLEN = 4;
const PLEN = 5;
const OPER = 6;
const ADDRS = 8;

export const ARP_HTYPE_ETHERNET = 1;

export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;

/** Read-only view; `check` guarantees the fixed part and all four addresses are present. */
export class ArpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): Result<ArpPacket> {
    if (bytes.length < ARP_FIXED_LEN) return truncated('arp', ARP_FIXED_LEN, bytes.length);
    const p = new ArpPacket(bytes);
    const need = ARP_FIXED_LEN + 2 * (p.hardwareLen + p.protocolLen);
    if (bytes.length < need) return truncated('arp', need, bytes.length);
    return ok(p);
  }

  get hardwareType(): number {
    return get16(this.bytes, HTYPE);
  }
  get protocolType(): number {
    return get16(this.bytes, PTYPE);
  }
  get hardwareLen(): number {
    return get8(this.bytes, HLEN);
  }
  get protocolLen(): number {
    return get8(this.bytes, PLEN);
  }
  get operation(): number {
    return get16(this.bytes, OPER);
  }
  get senderHardwareAddr(): Uint8Array {
    return this.field(0, this.hardwareLen);
  }
  get senderProtocolAddr(): Uint8Array {
    return this.field(this.hardwareLen, this.protocolLen);
  }
  get targetHardwareAddr(): Uint8Array {
    return this.field(this.hardwareLen + this.protocolLen, this.hardwareLen);
  }
  get targetProtocolAddr(): Uint8Array {
    return this.field(2 * this.hardwareLen + this.protocolLen, this.protocolLen);
  }
  /** Bytes of the ARP packet proper: without trailing link-layer padding. */
  get length(): number {
    return ARP_FIXED_LEN + 2 * (this.hardwareLen + this.protocolLen);
  }

  private field(start: number, len: number): Uint8Array {
    return this.bytes.subarray(ADDRS + start, ADDRS + start + len);
  }
}

export interface ArpRepr {
  /** 1 request, 2 reply; other codes are kept as they are. */
  readonly operation: number;
  readonly senderMac: MacAddress;
  readonly senderIp: Ipv4Address;
  readonly targetMac: MacAddress;
  readonly targetIp: Ipv4Address;
}

/** Ethernet/IPv4 only: anything else is `unsupported` (use `ArpPacket` to look at it). */
export function parseArp(bytes: Uint8Array): Result<ArpRepr> {
  const checked = ArpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (p.hardwareType !== ARP_HTYPE_ETHERNET) {
    return fail({ kind: 'unsupported', layer: 'arp', field: 'hardware type', value: p.hardwareType });
  }
  if (p.protocolType !== ETHERTYPE_IPV4) {
    return fail({ kind: 'unsupported', layer: 'arp', field: 'protocol type', value: p.protocolType });
  }
  if (p.hardwareLen !== 6) return fail({ kind: 'malformed', layer: 'arp', field: 'hardware length', value: p.hardwareLen });
  if (p.protocolLen !== 4) return fail({ kind: 'malformed', layer: 'arp', field: 'protocol length', value: p.protocolLen });
  return ok({
    operation: p.operation,
    senderMac: macToString(p.senderHardwareAddr),
    senderIp: ipv4FromBytes(p.senderProtocolAddr),
    targetMac: macToString(p.targetHardwareAddr),
    targetIp: ipv4FromBytes(p.targetProtocolAddr),
  });
}

export function emitArp(repr: ArpRepr): Uint8Array {
  const out = new Uint8Array(ARP_ETH_IPV4_LEN);
  set16(out, HTYPE, ARP_HTYPE_ETHERNET);
  set16(out, PTYPE, ETHERTYPE_IPV4);
  out[HLEN] = 6;
  out[PLEN] = 4;
  set16(out, OPER, repr.operation);
  out.set(macToBytes(repr.senderMac), ADDRS);
  out.set(ipv4ToBytes(repr.senderIp), ADDRS + 6);
  out.set(macToBytes(repr.targetMac), ADDRS + 10);
  out.set(ipv4ToBytes(repr.targetIp), ADDRS + 16);
  return out;
}
