/**
 * The OpenFlow classifier of one table (lib/classifier.c), with the wildcards it folds in while it
 * looks: the megaflow that ofproto/trace prints is exactly the fields the lookup had to read.
 *
 * Flows with the same mask form a subtable; subtables are searched highest max-priority first, and a
 * match at priority P ends the search before any subtable whose flows are all at P or below. Inside a
 * subtable the lookup goes by stages (metadata: in_port; L2: dl_*; L3: nw_*): a stage no flow agrees
 * with ends that subtable, and only the stages read so far are unwildcarded. Before the L3 stage the
 * prefix tries (nw_dst, then nw_src: every prefix on that field in the table) may show that no flow
 * of the subtable can match; then only the bits the trie needed are unwildcarded.
 */
import { ETHERNET_HEADER_LEN, ETHERTYPE_VLAN, ethertypeOf, macAt } from '../wire/ethernet.js';
import { ipv4Dst, ipv4Protocol, ipv4Src } from '../wire/ipv4.js';
import type { Flow, FlowMatch } from './ovs-flows.js';

/** The headers a lookup sees (struct flow, as far as the simulator matches on it). */
export interface PacketFlow {
  readonly inPort: number;
  readonly dlSrc: string;
  readonly dlDst: string;
  readonly dlType: number;
  /** IPv4 only; 0 otherwise. */
  readonly nwSrc: number;
  readonly nwDst: number;
  readonly nwProto: number;
}

/** What the lookups read: an exact field, or (nw_*) a prefix length. */
export interface Wildcards {
  inPort: boolean;
  dlSrc: boolean;
  dlDst: boolean;
  dlType: boolean;
  nwProto: boolean;
  nwSrc: number;
  nwDst: number;
}

/** xlate_wc_init: in_port and dl_type are always examined. */
export function initialWildcards(): Wildcards {
  return { inPort: true, dlSrc: false, dlDst: false, dlType: true, nwProto: false, nwSrc: 0, nwDst: 0 };
}

export const ETHERTYPE_IPV4 = 0x0800;

/** flow_extract for the fields above; a VLAN tag is looked through. */
export function flowFromFrame(inPort: number, frame: Uint8Array): PacketFlow {
  let type = ethertypeOf(frame);
  let l3 = ETHERNET_HEADER_LEN;
  if (type === ETHERTYPE_VLAN && frame.length >= ETHERNET_HEADER_LEN + 4) {
    type = (frame[16]! << 8) | frame[17]!;
    l3 += 4;
  }
  const ip = type === ETHERTYPE_IPV4 && frame.length >= l3 + 20 ? frame.subarray(l3) : undefined;
  return {
    inPort,
    dlSrc: macAt(frame, 6),
    dlDst: macAt(frame, 0),
    dlType: type,
    nwSrc: ip ? ipv4Src(ip) : 0,
    nwDst: ip ? ipv4Dst(ip) : 0,
    nwProto: ip ? ipv4Protocol(ip) : 0,
  };
}

function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function inPrefix(v: number, addr: number, len: number): boolean {
  const m = prefixMask(len);
  return ((v & m) >>> 0) === ((addr & m) >>> 0);
}

type Stage = 'meta' | 'l2' | 'l3';
const STAGES: readonly Stage[] = ['meta', 'l2', 'l3'];

function stageFields(m: FlowMatch, s: Stage): (keyof FlowMatch)[] {
  const f: (keyof FlowMatch)[] = [];
  if (s === 'meta' && m.inPort !== undefined) f.push('inPort');
  if (s === 'l2') for (const k of ['dlDst', 'dlSrc', 'dlType'] as const) if (m[k] !== undefined) f.push(k);
  if (s === 'l3') for (const k of ['nwSrc', 'nwDst', 'nwProto'] as const) if (m[k] !== undefined) f.push(k);
  return f;
}

function fieldMatches(m: FlowMatch, k: keyof FlowMatch, p: PacketFlow): boolean {
  switch (k) {
    case 'inPort':
      return m.inPort === p.inPort;
    case 'dlSrc':
      return m.dlSrc === p.dlSrc;
    case 'dlDst':
      return m.dlDst === p.dlDst;
    case 'dlType':
      return m.dlType === p.dlType;
    case 'nwProto':
      return m.nwProto === p.nwProto;
    case 'nwSrc':
      return inPrefix(p.nwSrc, m.nwSrc!.addr, m.nwSrc!.len);
    case 'nwDst':
      return inPrefix(p.nwDst, m.nwDst!.addr, m.nwDst!.len);
  }
}

function fold(wc: Wildcards, m: FlowMatch, fields: readonly (keyof FlowMatch)[]): void {
  for (const k of fields) {
    if (k === 'nwSrc') wc.nwSrc = Math.max(wc.nwSrc, m.nwSrc!.len);
    else if (k === 'nwDst') wc.nwDst = Math.max(wc.nwDst, m.nwDst!.len);
    else wc[k] = true;
  }
}

function maskKey(m: FlowMatch): string {
  return [m.inPort !== undefined, m.dlSrc !== undefined, m.dlDst !== undefined, m.dlType !== undefined, m.nwProto !== undefined, m.nwSrc?.len ?? 0, m.nwDst?.len ?? 0].join('/');
}

interface Subtable {
  readonly mask: FlowMatch;
  readonly flows: Flow[];
  maxPriority: number;
}

/** Subtables by max priority, highest first; among equals, the older subtable first. */
export function subtables(flows: readonly Flow[]): Subtable[] {
  const by = new Map<string, Subtable>();
  for (const f of flows) {
    const k = maskKey(f.match);
    const st = by.get(k);
    if (st) {
      st.flows.push(f);
      st.maxPriority = Math.max(st.maxPriority, f.priority);
    } else by.set(k, { mask: f.match, flows: [f], maxPriority: f.priority });
  }
  return [...by.values()].sort((a, b) => b.maxPriority - a.maxPriority);
}

/**
 * trie_lookup_value over the table's prefixes on one field: which prefix lengths match `v`, and how
 * many leading bits the walk had to read to know (the first differing bit included).
 */
function trieLookup(prefixes: readonly { addr: number; len: number }[], v: number): { plens: Set<number>; maskbits: number } {
  const plens = new Set<number>();
  let set = prefixes;
  let matchLen = 0;
  if (set.length === 0) return { plens, maskbits: 0 };
  for (;;) {
    // This node's prefix: what every prefix below it shares (path compression).
    const minLen = Math.min(...set.map((p) => p.len));
    let lcp = minLen;
    const first = set[0]!.addr;
    for (const p of set) {
      const diff = (p.addr ^ first) >>> 0;
      const common = diff === 0 ? 32 : Math.clz32(diff);
      lcp = Math.min(lcp, common);
    }
    const diffV = (v ^ first) >>> 0;
    const eqV = diffV === 0 ? 32 : Math.clz32(diffV);
    if (eqV < lcp) return { plens, maskbits: Math.max(eqV, matchLen) + 1 };
    matchLen = lcp;
    if (set.some((p) => p.len === lcp)) plens.add(lcp);
    if (matchLen >= 32) return { plens, maskbits: 32 };
    const longer = set.filter((p) => p.len > lcp);
    const bit = (x: number) => (x >>> (31 - lcp)) & 1;
    const next = longer.filter((p) => bit(p.addr) === bit(v));
    if (next.length === 0) return { plens, maskbits: longer.length === 0 ? matchLen : matchLen + 1 };
    set = next;
  }
}

interface TrieCtx {
  readonly field: 'nwDst' | 'nwSrc';
  result?: { plens: Set<number>; maskbits: number };
}

/** check_tries: may the L3 stage of this subtable be skipped? Unwildcards what the trie read if so. */
function checkTries(tries: TrieCtx[], flows: readonly Flow[], st: Subtable, p: PacketFlow, wc: Wildcards): boolean {
  for (const t of tries) {
    const plen = st.mask[t.field]?.len ?? 0;
    if (plen === 0) continue;
    if (p.dlType !== ETHERTYPE_IPV4) continue; // prerequisites unmet: no skipping
    t.result ??= trieLookup(
      flows.flatMap((f) => (f.match[t.field] && f.match[t.field]!.len > 0 ? [f.match[t.field]!] : [])),
      p[t.field],
    );
    if (t.result.plens.has(plen)) continue;
    if (t.result.maskbits <= plen) {
      wc[t.field] = Math.max(wc[t.field], t.result.maskbits);
      return true;
    }
    if (wc[t.field] >= plen) return true;
  }
  return false;
}

/** classifier_lookup over one table's flows: the flow that decides, and the wildcards folded in. */
export function classifierLookup(flows: readonly Flow[], p: PacketFlow, wc: Wildcards): Flow | undefined {
  const tries: TrieCtx[] = [{ field: 'nwDst' }, { field: 'nwSrc' }];
  let hard: Flow | undefined;
  for (const st of subtables(flows)) {
    if (hard && st.maxPriority <= hard.priority) break;
    const found = findMatchWc(flows, st, p, wc, tries);
    if (found && (!hard || found.priority > hard.priority)) hard = found;
  }
  return hard;
}

function findMatchWc(all: readonly Flow[], st: Subtable, p: PacketFlow, wc: Wildcards, tries: TrieCtx[]): Flow | undefined {
  const stages = STAGES.map((s) => ({ s, fields: stageFields(st.mask, s) })).filter((x) => x.fields.length > 0);
  const read: (keyof FlowMatch)[] = [];
  let candidates = st.flows;
  for (let i = 0; i < stages.length; i++) {
    const { s, fields } = stages[i]!;
    if (s === 'l3' && checkTries(tries, all, st, p, wc)) {
      fold(wc, st.mask, read);
      return undefined;
    }
    if (i === stages.length - 1) break;
    read.push(...fields);
    candidates = candidates.filter((f) => fields.every((k) => fieldMatches(f.match, k, p)));
    if (candidates.length === 0) {
      fold(wc, st.mask, read);
      return undefined;
    }
  }
  // The final stage: every field of the mask was read, matched or not.
  fold(wc, st.mask, stages.flatMap((x) => x.fields));
  let best: Flow | undefined;
  for (const f of candidates) if ((!best || f.priority > best.priority) && stages.every((x) => x.fields.every((k) => fieldMatches(f.match, k, p)))) best = f;
  return best;
}
