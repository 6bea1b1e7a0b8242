// Classic libpcap files (not pcapng): what `tcpdump -w` writes and `-r` reads.
//
// File header (24 bytes): magic, version 2.4, thiszone, sigfigs, snaplen, linktype.
// Record header (16 bytes): ts seconds, ts fraction, captured length, original length.
//
// We write little-endian microsecond files, like tcpdump on x86; we read
// either byte order and nanosecond files as well.

import { readFileSync, writeFileSync } from 'node:fs';
import { fail, ok, truncated, type Result } from '../wire/result.js';

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** tcpdump's default snapshot length since 4.99 (MAXIMUM_SNAPLEN). */
export const PCAP_DEFAULT_SNAPLEN = 262144;
export const LINKTYPE_ETHERNET = 1;

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

const MAGIC = 0;
const VERSION_MAJOR = 4;
const VERSION_MINOR = 6;
const THISZONE = 8;
const SIGFIGS = 12;
const SNAPLEN = 16;
const LINKTYPE = 20;

const TS_SEC = 0;
const TS_FRAC = 4;
const INCL_LEN = 8;
const ORIG_LEN = 12;

export interface PcapRecord {
  readonly tsSec: number;
  /** Microseconds, 0..999999. */
  readonly tsUsec: number;
  /** The captured bytes (at most snaplen). */
  readonly data: Uint8Array;
  /** Length on the wire; defaults to data.length when writing. */
  readonly origLen?: number;
}

export interface PcapFile {
  readonly snaplen: number;
  readonly linktype: number;
  /** The file stored nanoseconds; records are still reported in microseconds. */
  readonly nanosecond: boolean;
  readonly records: readonly PcapRecord[];
}

export interface PcapWriteOptions {
  readonly snaplen?: number;
  readonly linktype?: number;
}

export function encodePcapHeader(opts: PcapWriteOptions = {}): Uint8Array {
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  const v = new DataView(out.buffer);
  v.setUint32(MAGIC, PCAP_MAGIC_MICRO, true);
  v.setUint16(VERSION_MAJOR, PCAP_VERSION_MAJOR, true);
  v.setUint16(VERSION_MINOR, PCAP_VERSION_MINOR, true);
  v.setInt32(THISZONE, 0, true);
  v.setUint32(SIGFIGS, 0, true);
  v.setUint32(SNAPLEN, opts.snaplen ?? PCAP_DEFAULT_SNAPLEN, true);
  v.setUint32(LINKTYPE, opts.linktype ?? LINKTYPE_ETHERNET, true);
  return out;
}

/** A record, cut to `snaplen` bytes as a capture would be. */
export function encodePcapRecord(rec: PcapRecord, snaplen = PCAP_DEFAULT_SNAPLEN): Uint8Array {
  if (!Number.isInteger(rec.tsUsec) || rec.tsUsec < 0 || rec.tsUsec > 999_999) {
    throw new RangeError(`tsUsec out of range: ${rec.tsUsec}`);
  }
  const incl = Math.min(rec.data.length, snaplen);
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN + incl);
  const v = new DataView(out.buffer);
  v.setUint32(TS_SEC, rec.tsSec, true);
  v.setUint32(TS_FRAC, rec.tsUsec, true);
  v.setUint32(INCL_LEN, incl, true);
  v.setUint32(ORIG_LEN, rec.origLen ?? rec.data.length, true);
  out.set(rec.data.subarray(0, incl), PCAP_RECORD_HEADER_LEN);
  return out;
}

export function encodePcap(records: readonly PcapRecord[], opts: PcapWriteOptions = {}): Uint8Array {
  const parts = [encodePcapHeader(opts), ...records.map((r) => encodePcapRecord(r, opts.snaplen))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function parsePcap(bytes: Uint8Array): Result<PcapFile> {
  if (bytes.length < PCAP_FILE_HEADER_LEN) return truncated('pcap', PCAP_FILE_HEADER_LEN, bytes.length);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  let nanosecond: boolean;
  const magicLe = v.getUint32(MAGIC, true);
  const magicBe = v.getUint32(MAGIC, false);
  if (magicLe === PCAP_MAGIC_MICRO || magicLe === PCAP_MAGIC_NANO) {
    le = true;
    nanosecond = magicLe === PCAP_MAGIC_NANO;
  } else if (magicBe === PCAP_MAGIC_MICRO || magicBe === PCAP_MAGIC_NANO) {
    le = false;
    nanosecond = magicBe === PCAP_MAGIC_NANO;
  } else {
    return fail({ kind: 'unsupported', layer: 'pcap', field: 'magic', value: magicBe });
  }
  const major = v.getUint16(VERSION_MAJOR, le);
  if (major !== PCAP_VERSION_MAJOR) return fail({ kind: 'unsupported', layer: 'pcap', field: 'version', value: major });
  const snaplen = v.getUint32(SNAPLEN, le);
  // The upper bits of the link-type field carry FCS information; the type is the low 16.
  const linktype = v.getUint32(LINKTYPE, le) & 0xffff;
  const records: PcapRecord[] = [];
  let off = PCAP_FILE_HEADER_LEN;
  while (off < bytes.length) {
    if (bytes.length - off < PCAP_RECORD_HEADER_LEN) return truncated('pcap', off + PCAP_RECORD_HEADER_LEN, bytes.length);
    const tsSec = v.getUint32(off + TS_SEC, le);
    const frac = v.getUint32(off + TS_FRAC, le);
    const incl = v.getUint32(off + INCL_LEN, le);
    const origLen = v.getUint32(off + ORIG_LEN, le);
    const start = off + PCAP_RECORD_HEADER_LEN;
    if (bytes.length - start < incl) return truncated('pcap', start + incl, bytes.length);
    records.push({
      tsSec,
      tsUsec: nanosecond ? Math.floor(frac / 1000) : frac,
      data: bytes.slice(start, start + incl),
      origLen,
    });
    off = start + incl;
  }
  return ok({ snaplen, linktype, nanosecond, records });
}

export function writePcapFile(path: string, records: readonly PcapRecord[], opts: PcapWriteOptions = {}): void {
  writeFileSync(path, encodePcap(records, opts));
}

export function readPcapFile(path: string): Result<PcapFile> {
  const buf = readFileSync(path);
  return parsePcap(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** Accumulates frames with timestamps derived from a simulated clock in microseconds. */
export class PcapWriter {
  private readonly records: PcapRecord[] = [];

  constructor(private readonly opts: PcapWriteOptions = {}) {}

  add(data: Uint8Array, timeUs: number): void {
    if (!Number.isSafeInteger(timeUs) || timeUs < 0) throw new RangeError(`bad timestamp: ${timeUs}`);
    this.records.push({ tsSec: Math.floor(timeUs / 1_000_000), tsUsec: timeUs % 1_000_000, data: data.slice() });
  }

  get count(): number {
    return this.records.length;
  }

  toBytes(): Uint8Array {
    return encodePcap(this.records, this.opts);
  }

  writeTo(path: string): void {
    writeFileSync(path, this.toBytes());
  }
}
