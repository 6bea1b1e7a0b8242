// IGMP v1/v2 (RFC 1112, 2236) and v3 (RFC 3376). All share the first
// 4 bytes; v1/v2 messages are 8 bytes with a group address at offset 4.
//
//  0      1          2          4
//  | type | max resp | checksum | group (v1/v2, v3 query) ...
//
// v3 query:  group, then | S,QRV | QQIC | nsrcs(2) | sources...
// v3 report: | reserved(2) | nrecords(2) | records...
//   record:  | type | auxlen (words) | nsrcs(2) | group | sources... | aux...

import { checksumIsValid, internetChecksum } from './checksum.js';
import { get8, get16, get32, set16, set32 } from './bytes.js';
import type { Ipv4Address } from './ipv4.js';
import { fail, ok, truncated, type Result } from './result.js';

export const IGMP_MIN_LEN = 8;
export const IGMP_V3_QUERY_MIN_LEN = 12;
export const IGMP_V3_REPORT_MIN_LEN = 8;

const TYPE = 0;
const MAX_RESP = 1;
const CHECKSUM = 2;
const GROUP = 4;
const V3Q_FLAGS = 8;
const V3Q_QQIC = 9;
const V3Q_NSRCS = 10;
const V3Q_SOURCES = 12;
const V3R_NRECORDS = 6;
const V3R_RECORDS = 8;
const REC_HEADER_LEN = 8;

export const IGMP_QUERY = 0x11;
export const IGMP_V1_REPORT = 0x12;
export const IGMP_V2_REPORT = 0x16;
export const IGMP_LEAVE = 0x17;
export const IGMP_V3_REPORT = 0x22;

/** IGMPv3 group record types (RFC 3376 4.2.12). */
export const IGMPV3_MODE_IS_INCLUDE = 1;
export const IGMPV3_MODE_IS_EXCLUDE = 2;
export const IGMPV3_CHANGE_TO_INCLUDE = 3;
export const IGMPV3_CHANGE_TO_EXCLUDE = 4;
export const IGMPV3_ALLOW_NEW_SOURCES = 5;
export const IGMPV3_BLOCK_OLD_SOURCES = 6;

/** Read-only view; `check` guarantees the first 4 bytes. */
export class IgmpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  /**
   * A view with no length check: getters read absent bytes as 0. For
   * printers that check each field's bytes themselves, as tcpdump does.
   */
  static unchecked(bytes: Uint8Array): IgmpPacket {
    return new IgmpPacket(bytes);
  }

  static check(bytes: Uint8Array): Result<IgmpPacket> {
    if (bytes.length < 4) return truncated('igmp', 4, bytes.length);
    return ok(new IgmpPacket(bytes));
  }

  get type(): number {
    return get8(this.bytes, TYPE);
  }
  get maxRespCode(): number {
    return get8(this.bytes, MAX_RESP);
  }
  get checksum(): number {
    return get16(this.bytes, CHECKSUM);
  }
  get group(): Ipv4Address {
    return get32(this.bytes, GROUP);
  }
  get checksumValid(): boolean {
    return checksumIsValid(this.bytes);
  }
  /** v3 query: number of sources. */
  get querySourceCount(): number {
    return get16(this.bytes, V3Q_NSRCS);
  }
  /** v3 report: number of group records. */
  get reportRecordCount(): number {
    return get16(this.bytes, V3R_NRECORDS);
  }
}

export interface IgmpV3Query {
  readonly suppressRouterProcessing: boolean;
  /** Querier's robustness variable, 0..7. */
  readonly qrv: number;
  /** Querier's query interval code. */
  readonly qqic: number;
  readonly sources: readonly Ipv4Address[];
}

export interface IgmpV3GroupRecord {
  readonly recordType: number;
  readonly group: Ipv4Address;
  readonly sources: readonly Ipv4Address[];
  /** Auxiliary data, a multiple of 4 bytes (RFC 3376 says none is defined). */
  readonly auxData: Uint8Array;
}

export type IgmpRepr =
  | {
      /** 8 bytes: v1 (max resp 0) or v2; with `v3` set: an IGMPv3 query. */
      readonly kind: 'query';
      readonly maxRespCode: number;
      readonly group: Ipv4Address;
      readonly v3?: IgmpV3Query;
    }
  | {
      readonly kind: 'v1-report' | 'v2-report' | 'leave';
      /** Zero when sent; kept for lossless decode/encode. */
      readonly maxRespCode: number;
      readonly group: Ipv4Address;
    }
  | { readonly kind: 'v3-report'; readonly records: readonly IgmpV3GroupRecord[] }
  | {
      readonly kind: 'other';
      readonly type: number;
      readonly code: number;
      /** Everything after the checksum. */
      readonly body: Uint8Array;
    };

export interface IgmpParseOptions {
  readonly verifyChecksum?: boolean;
}

export function parseIgmp(bytes: Uint8Array, opts: IgmpParseOptions = {}): Result<IgmpRepr> {
  const checked = IgmpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if ((opts.verifyChecksum ?? true) && !p.checksumValid) {
    const copy = bytes.slice();
    set16(copy, CHECKSUM, 0);
    return fail({ kind: 'checksum', layer: 'igmp', stored: p.checksum, computed: internetChecksum(copy) });
  }
  const other = (): Result<IgmpRepr> =>
    ok({ kind: 'other', type: p.type, code: p.maxRespCode, body: bytes.slice(4) });
  switch (p.type) {
    case IGMP_QUERY: {
      if (bytes.length === IGMP_MIN_LEN) return ok({ kind: 'query', maxRespCode: p.maxRespCode, group: p.group });
      if (bytes.length < IGMP_V3_QUERY_MIN_LEN) return other();
      const n = p.querySourceCount;
      if (bytes.length !== V3Q_SOURCES + 4 * n) return other();
      const flags = get8(bytes, V3Q_FLAGS);
      if (flags & 0xf0) return other(); // reserved bits would be lost
      return ok({
        kind: 'query',
        maxRespCode: p.maxRespCode,
        group: p.group,
        v3: {
          suppressRouterProcessing: (flags & 0x08) !== 0,
          qrv: flags & 0x07,
          qqic: get8(bytes, V3Q_QQIC),
          sources: readAddrs(bytes, V3Q_SOURCES, n),
        },
      });
    }
    case IGMP_V1_REPORT:
    case IGMP_V2_REPORT:
    case IGMP_LEAVE: {
      if (bytes.length !== IGMP_MIN_LEN) return other();
      const kind = p.type === IGMP_V1_REPORT ? 'v1-report' : p.type === IGMP_V2_REPORT ? 'v2-report' : 'leave';
      return ok({ kind, maxRespCode: p.maxRespCode, group: p.group });
    }
    case IGMP_V3_REPORT: {
      if (bytes.length < IGMP_V3_REPORT_MIN_LEN || p.maxRespCode !== 0 || get16(bytes, 4) !== 0) return other();
      const records: IgmpV3GroupRecord[] = [];
      let off = V3R_RECORDS;
      for (let i = 0; i < p.reportRecordCount; i++) {
        if (off + REC_HEADER_LEN > bytes.length) return other();
        const auxLen = get8(bytes, off + 1) * 4;
        const nsrcs = get16(bytes, off + 2);
        const end = off + REC_HEADER_LEN + 4 * nsrcs + auxLen;
        if (end > bytes.length) return other();
        records.push({
          recordType: get8(bytes, off),
          group: get32(bytes, off + 4),
          sources: readAddrs(bytes, off + REC_HEADER_LEN, nsrcs),
          auxData: bytes.slice(end - auxLen, end),
        });
        off = end;
      }
      if (off !== bytes.length) return other();
      return ok({ kind: 'v3-report', records });
    }
  }
  return other();
}

function readAddrs(b: Uint8Array, off: number, n: number): Ipv4Address[] {
  const out: Ipv4Address[] = [];
  for (let i = 0; i < n; i++) out.push(get32(b, off + 4 * i));
  return out;
}

export function emitIgmp(repr: IgmpRepr): Uint8Array {
  let out: Uint8Array;
  switch (repr.kind) {
    case 'query': {
      const v3 = repr.v3;
      out = new Uint8Array(v3 === undefined ? IGMP_MIN_LEN : V3Q_SOURCES + 4 * v3.sources.length);
      out[TYPE] = IGMP_QUERY;
      out[MAX_RESP] = repr.maxRespCode;
      set32(out, GROUP, repr.group);
      if (v3 !== undefined) {
        out[V3Q_FLAGS] = (v3.suppressRouterProcessing ? 0x08 : 0) | (v3.qrv & 0x07);
        out[V3Q_QQIC] = v3.qqic;
        set16(out, V3Q_NSRCS, v3.sources.length);
        v3.sources.forEach((s, i) => set32(out, V3Q_SOURCES + 4 * i, s));
      }
      break;
    }
    case 'v1-report':
    case 'v2-report':
    case 'leave':
      out = new Uint8Array(IGMP_MIN_LEN);
      out[TYPE] = repr.kind === 'v1-report' ? IGMP_V1_REPORT : repr.kind === 'v2-report' ? IGMP_V2_REPORT : IGMP_LEAVE;
      out[MAX_RESP] = repr.maxRespCode;
      set32(out, GROUP, repr.group);
      break;
    case 'v3-report': {
      const len = repr.records.reduce((n, r) => n + REC_HEADER_LEN + 4 * r.sources.length + r.auxData.length, V3R_RECORDS);
      out = new Uint8Array(len);
      out[TYPE] = IGMP_V3_REPORT;
      set16(out, V3R_NRECORDS, repr.records.length);
      let off = V3R_RECORDS;
      for (const r of repr.records) {
        if (r.auxData.length % 4 !== 0) throw new RangeError('IGMPv3 aux data must be a multiple of 4 bytes');
        out[off] = r.recordType;
        out[off + 1] = r.auxData.length / 4;
        set16(out, off + 2, r.sources.length);
        set32(out, off + 4, r.group);
        r.sources.forEach((s, i) => set32(out, off + REC_HEADER_LEN + 4 * i, s));
        out.set(r.auxData, off + REC_HEADER_LEN + 4 * r.sources.length);
        off += REC_HEADER_LEN + 4 * r.sources.length + r.auxData.length;
      }
      break;
    }
    case 'other':
      out = new Uint8Array(4 + repr.body.length);
      out[TYPE] = repr.type;
      out[MAX_RESP] = repr.code;
      out.set(repr.body, 4);
      break;
  }
  set16(out, CHECKSUM, internetChecksum(out));
  return out;
}
