/**
 * Fast construction and reading of the Ethernet header on the per-packet path. The wire module's
 * parse/emit pairs are the reference (and what the tcpdump printer uses); these do the same with
 * MAC bytes cached per address instead of re-parsing strings for every frame.
 */
import { ETHERNET_HEADER_LEN } from '../wire/ethernet.js';

const macCache = new Map<string, Uint8Array>();

export function macBytes(mac: string): Uint8Array {
  let b = macCache.get(mac);
  if (b === undefined) {
    b = Uint8Array.from(mac.split(':'), (h) => parseInt(h, 16));
    macCache.set(mac, b);
  }
  return b;
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macAt(data: Uint8Array, off: number): string {
  return `${hex[data[off] as number]}:${hex[data[off + 1] as number]}:${hex[data[off + 2] as number]}:${hex[data[off + 3] as number]}:${hex[data[off + 4] as number]}:${hex[data[off + 5] as number]}`;
}

/**
 * The last datagram allocWithHeadroom made, whose 14 bytes in front are still free. Almost every
 * datagram is framed right after it is built; one that waits (for ARP, say) is copied instead.
 */
let withHeadroom: Uint8Array | undefined;

/** Packet bytes come from slabs: one ArrayBuffer per packet costs more than all the rest of a hop. */
const SLAB_SIZE = 256 * 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** `len` bytes with room for an Ethernet header in front (the skb's headroom). */
export function allocWithHeadroom(len: number): Uint8Array {
  const need = ETHERNET_HEADER_LEN + len;
  if (need > SLAB_SIZE / 4) {
    withHeadroom = new Uint8Array(new ArrayBuffer(need), ETHERNET_HEADER_LEN, len);
    return withHeadroom;
  }
  if (slabUsed + need > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  withHeadroom = new Uint8Array(slab, slabUsed + ETHERNET_HEADER_LEN, len);
  slabUsed += (need + 7) & ~7;
  return withHeadroom;
}

/**
 * Prepends an Ethernet header. The datagram allocWithHeadroom made last gets its header written in the
 * bytes in front of it (skb_push) — once: any other payload, or a second transmission, is copied.
 */
export function ethFrame(dst: string, src: string, ethertype: number, payload: Uint8Array): Uint8Array {
  const out = payload === withHeadroom ? new Uint8Array(payload.buffer, payload.byteOffset - ETHERNET_HEADER_LEN, ETHERNET_HEADER_LEN + payload.length) : undefined;
  if (out) withHeadroom = undefined;
  const frame = out ?? new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
  frame.set(macBytes(dst), 0);
  frame.set(macBytes(src), 6);
  frame[12] = ethertype >>> 8;
  frame[13] = ethertype & 0xff;
  if (!out) frame.set(payload, ETHERNET_HEADER_LEN);
  return frame;
}


export function ethertypeOf(data: Uint8Array): number {
  return ((data[12] as number) << 8) | (data[13] as number);
}

/** True when the destination MAC equals `mac`. */
export function dstIs(data: Uint8Array, mac: string): boolean {
  const m = macBytes(mac);
  for (let i = 0; i < 6; i++) if (data[i] !== m[i]) return false;
  return true;
}

export type PktType = 'host' | 'broadcast' | 'multicast' | 'otherhost';

/** eth_type_trans: who the frame is for, from the receiving device's point of view. */
export function ethPktType(data: Uint8Array, devMac: string): PktType {
  if (((data[0] as number) & 1) === 1) {
    for (let i = 0; i < 6; i++) if (data[i] !== 0xff) return 'multicast';
    return 'broadcast';
  }
  return dstIs(data, devMac) ? 'host' : 'otherhost';
}
