// Ethernet II frames, optionally carrying one IEEE 802.1Q tag.
//
//  0      6      12          14 (untagged)
//  | dst  | src  | ethertype | payload ...
//  0      6      12     14    16          18 (tagged)
//  | dst  | src  | TPID | TCI | ethertype | payload ...

import { get16, set16, hexColon } from './bytes.js';
import { ok, truncated, type Result } from './result.js';

/** Canonical form: six lower-case hex octets joined by ':'. */
export type MacAddress = string;

export const MAC_LEN = 6;
export const ETHERNET_HEADER_LEN = 14;
export const VLAN_TAG_LEN = 4;

const DST = 0;
const SRC = 6;
const TYPE = 12;
// Inside a tagged frame, relative to the frame start.
const TCI = 14;
const INNER_TYPE = 16;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

/** Values up to this are an 802.3 length, not an ethertype. */
export const MAX_8023_LENGTH = 1500;

export const BROADCAST_MAC: MacAddress = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: MacAddress = '00:00:00:00:00:00';

export function macToString(bytes: Uint8Array): MacAddress {
  return hexColon(bytes.subarray(0, MAC_LEN));
}

/** Accepts `aa:bb:cc:dd:ee:ff` or `aa-bb-...` in either case; null otherwise. */
export function parseMac(text: string): MacAddress | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== MAC_LEN) return null;
  const out: string[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out.push(p.toLowerCase().padStart(2, '0'));
  }
  return out.join(':');
}

export function macToBytes(mac: MacAddress): Uint8Array {
  const canonical = parseMac(mac);
  if (canonical === null) throw new RangeError(`not a MAC address: ${mac}`);
  return Uint8Array.from(canonical.split(':'), (h) => parseInt(h, 16));
}

export function isMulticastMac(mac: MacAddress): boolean {
  return (macToBytes(mac)[0]! & 1) === 1;
}

/** The 802.1Q tag control information. */
export interface VlanTag {
  /** Priority code point, 0..7. */
  readonly pcp: number;
  /** Drop eligible indicator (formerly CFI). */
  readonly dei: boolean;
  /** VLAN id, 0..4095. */
  readonly vid: number;
}

export function decodeTci(tci: number): VlanTag {
  return { pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff };
}

export function encodeTci(tag: VlanTag): number {
  return ((tag.pcp & 7) << 13) | (tag.dei ? 0x1000 : 0) | (tag.vid & 0x0fff);
}

/** Read-only view of a frame; construct with `EthernetFrame.check`. */
export class EthernetFrame {
  private constructor(readonly bytes: Uint8Array) {}

  /** A view with no length check (absent bytes read as 0), for printers that check as they go. */
  static unchecked(bytes: Uint8Array): EthernetFrame {
    return new EthernetFrame(bytes);
  }

  /** Succeeds when the header, and the tag if the frame says it has one, are present. */
  static check(bytes: Uint8Array): Result<EthernetFrame> {
    if (bytes.length < ETHERNET_HEADER_LEN) return truncated('ethernet', ETHERNET_HEADER_LEN, bytes.length);
    const f = new EthernetFrame(bytes);
    if (f.headerLen > bytes.length) return truncated('ethernet', f.headerLen, bytes.length);
    return ok(f);
  }

  get dst(): MacAddress {
    return macToString(this.bytes.subarray(DST, DST + MAC_LEN));
  }

  get src(): MacAddress {
    return macToString(this.bytes.subarray(SRC, SRC + MAC_LEN));
  }

  /** The type/length field right after the addresses (the TPID when tagged). */
  get outerType(): number {
    return get16(this.bytes, TYPE);
  }

  get vlan(): VlanTag | undefined {
    return this.outerType === ETHERTYPE_VLAN ? decodeTci(get16(this.bytes, TCI)) : undefined;
  }

  /** The ethertype of the payload, after the tag if there is one. */
  get ethertype(): number {
    return this.outerType === ETHERTYPE_VLAN ? get16(this.bytes, INNER_TYPE) : this.outerType;
  }

  get headerLen(): number {
    return this.outerType === ETHERTYPE_VLAN ? ETHERNET_HEADER_LEN + VLAN_TAG_LEN : ETHERNET_HEADER_LEN;
  }

  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
}

export interface EthernetRepr {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  /** Present for 802.1Q frames; the TPID is then 0x8100. */
  readonly vlan?: VlanTag;
  /** Of the payload (inside the tag when tagged). */
  readonly ethertype: number;
}

export interface EthernetPacket {
  readonly repr: EthernetRepr;
  /** Everything after the header, including any padding to the minimum frame size. */
  readonly payload: Uint8Array;
}

export function parseEthernet(bytes: Uint8Array): Result<EthernetPacket> {
  const checked = EthernetFrame.check(bytes);
  if (!checked.ok) return checked;
  const f = checked.value;
  const vlan = f.vlan;
  const repr: EthernetRepr =
    vlan === undefined
      ? { dst: f.dst, src: f.src, ethertype: f.ethertype }
      : { dst: f.dst, src: f.src, vlan, ethertype: f.ethertype };
  return ok({ repr, payload: f.payload });
}

export function ethernetHeaderLen(repr: EthernetRepr): number {
  return repr.vlan === undefined ? ETHERNET_HEADER_LEN : ETHERNET_HEADER_LEN + VLAN_TAG_LEN;
}

/** No padding is added: veth and lo carry frames shorter than 60 bytes as they are. */
export function emitEthernet(repr: EthernetRepr, payload: Uint8Array): Uint8Array {
  const hlen = ethernetHeaderLen(repr);
  const out = new Uint8Array(hlen + payload.length);
  out.set(macToBytes(repr.dst), DST);
  out.set(macToBytes(repr.src), SRC);
  if (repr.vlan === undefined) {
    set16(out, TYPE, repr.ethertype);
  } else {
    set16(out, TYPE, ETHERTYPE_VLAN);
    set16(out, TCI, encodeTci(repr.vlan));
    set16(out, INNER_TYPE, repr.ethertype);
  }
  out.set(payload, hlen);
  return out;
}

// The per-packet path reads and writes the same header with these: no repr objects, MAC bytes cached
// per address instead of parsed from text for every frame.

const macCache = new Map<MacAddress, Uint8Array>();

/**
 * The last few addresses asked for, compared by identity first: a flow between two devices asks for
 * the same two or three strings frame after frame, and a hash lookup per address was a few percent of
 * a hop (measured).
 */
const RECENT = 4;
const recentMacs: (MacAddress | undefined)[] = new Array<MacAddress | undefined>(RECENT).fill(undefined);
const recentBytes: Uint8Array[] = new Array<Uint8Array>(RECENT).fill(new Uint8Array(6));
let recentNext = 0;

/** A MAC's six bytes, parsed once per address. */
export function macBytes(mac: MacAddress): Uint8Array {
  for (let i = 0; i < RECENT; i++) if (recentMacs[i] === mac) return recentBytes[i] as Uint8Array;
  let b = macCache.get(mac);
  if (b === undefined) {
    b = Uint8Array.from(mac.split(':'), (h) => parseInt(h, 16));
    macCache.set(mac, b);
  }
  recentMacs[recentNext] = mac;
  recentBytes[recentNext] = b;
  recentNext = (recentNext + 1) % RECENT;
  return b;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The MAC at byte offset `off`, in canonical form. */
export function macAt(data: Uint8Array, off: number): MacAddress {
  return `${HEX[data[off] as number]}:${HEX[data[off + 1] as number]}:${HEX[data[off + 2] as number]}:${HEX[data[off + 3] as number]}:${HEX[data[off + 4] as number]}:${HEX[data[off + 5] as number]}`;
}

/** The type field after the addresses (the TPID when tagged). */
export function ethertypeOf(frame: Uint8Array): number {
  return ((frame[TYPE] as number) << 8) | (frame[TYPE + 1] as number);
}

/** True when the destination is a group address (multicast or broadcast). */
export function dstIsGroup(frame: Uint8Array): boolean {
  return ((frame[DST] as number) & 1) === 1;
}

/** True when the source is a group address (never a valid sender). */
export function srcIsGroup(frame: Uint8Array): boolean {
  return ((frame[SRC] as number) & 1) === 1;
}

export function dstIsBroadcast(frame: Uint8Array): boolean {
  for (let i = 0; i < MAC_LEN; i++) if (frame[DST + i] !== 0xff) return false;
  return true;
}

/** True when the destination MAC equals `mac`. */
export function dstIs(frame: Uint8Array, mac: MacAddress): boolean {
  const m = macBytes(mac);
  for (let i = 0; i < MAC_LEN; i++) if (frame[DST + i] !== m[i]) return false;
  return true;
}

/** Writes an untagged header at the start of `out` (which has room for it). */
export function emitEthernetHeader(out: Uint8Array, dst: MacAddress, src: MacAddress, ethertype: number): void {
  // Six bytes each, copied by hand: TypedArray.set costs more than the copy at this size.
  const d = macBytes(dst);
  const s = macBytes(src);
  for (let i = 0; i < MAC_LEN; i++) {
    out[DST + i] = d[i] as number;
    out[SRC + i] = s[i] as number;
  }
  out[TYPE] = ethertype >>> 8;
  out[TYPE + 1] = ethertype & 0xff;
}

/** Rewrites the destination address in place. */
export function setEthernetDst(out: Uint8Array, dst: MacAddress): void {
  out.set(macBytes(dst), DST);
}
