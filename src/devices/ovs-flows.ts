/**
 * An OVS bridge's OpenFlow tables (0..253): flows with a table, a cookie, a priority, a match on the
 * fields scenarios use (in_port, dl_src, dl_dst, dl_type with the ip/icmp/tcp/udp/arp shorthands,
 * nw_proto, nw_src, nw_dst) and actions (NORMAL, FLOOD, drop, output:N, mod_dl_dst:M, resubmit(,N),
 * goto_table:N), with their counters. How a packet finds its flow is ovs-classifier.ts's business.
 * A new bridge has "priority=0 actions=NORMAL" in table 0.
 */
import { parseIpv4, parseIpv4Cidr, type Ipv4Address } from '../wire/ipv4.js';
import { parseMac } from '../wire/ethernet.js';

export const OFPP_LOCAL = 65534;
export const DEFAULT_PRIORITY = 32768;
/** Tables 254 and 255 are OVS's own (hidden, and "all tables"). */
export const N_TABLES = 254;

export interface FlowMatch {
  readonly dlType?: number;
  /** The IP protocol: from a shorthand (icmp, tcp, udp) or nw_proto=N. */
  readonly nwProto?: number;
  readonly inPort?: number;
  readonly dlSrc?: string;
  readonly dlDst?: string;
  readonly nwSrc?: { readonly addr: Ipv4Address; readonly len: number };
  readonly nwDst?: { readonly addr: Ipv4Address; readonly len: number };
}

export type FlowAction =
  | { readonly kind: 'normal' | 'flood' | 'drop' }
  | { readonly kind: 'output'; readonly port: number }
  | { readonly kind: 'mod_dl_dst'; readonly mac: string }
  // goto_table:N is sent as resubmit(,N) in OpenFlow 1.0, ovs-ofctl's default, and printed so.
  | { readonly kind: 'resubmit'; readonly table: number };

export interface Flow {
  readonly table: number;
  readonly cookie: bigint;
  readonly priority: number;
  readonly match: FlowMatch;
  readonly actions: readonly FlowAction[];
  readonly created: number;
  /** When mod-flows last changed its actions (hard_age counts from here); `created` until then. */
  modified: number;
  used: number | undefined;
  /** Seconds; 0 is none. */
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  nPackets: number;
  nBytes: number;
}

export function defaultFlow(now: number): Flow {
  return { table: 0, cookie: 0n, priority: 0, match: {}, actions: [{ kind: 'normal' }], created: now, modified: now, used: undefined, idleTimeout: 0, hardTimeout: 0, nPackets: 0, nBytes: 0 };
}

const SHORTHANDS: Readonly<Record<string, Pick<FlowMatch, 'dlType' | 'nwProto'>>> = {
  ip: { dlType: 0x0800 },
  icmp: { dlType: 0x0800, nwProto: 1 },
  tcp: { dlType: 0x0800, nwProto: 6 },
  udp: { dlType: 0x0800, nwProto: 17 },
  arp: { dlType: 0x0806 },
};

export type FlowSpec = {
  readonly table: number | undefined;
  readonly idleTimeout: number | undefined;
  readonly hardTimeout: number | undefined;
  readonly cookie: bigint | undefined;
  readonly priority: number | undefined;
  readonly match: FlowMatch;
  readonly actions: readonly FlowAction[] | undefined;
};

function port(v: string): number | undefined {
  if (v === 'LOCAL') return OFPP_LOCAL;
  return /^\d+$/.test(v) && Number(v) > 0 && Number(v) < 0xff00 ? Number(v) : undefined;
}

function net(v: string): { addr: Ipv4Address; len: number } | undefined {
  const a = parseIpv4(v);
  if (a !== null) return { addr: a, len: 32 };
  const c = parseIpv4Cidr(v);
  return c ? { addr: c.addr, len: c.prefixLen } : undefined;
}

/** ovs-ofctl's flow syntax: "priority=100,icmp,in_port=1,actions=drop" (actions last). */
export function parseFlow(text: string, needActions: boolean): FlowSpec | { error: string } {
  const at = text.search(/(^|,)\s*actions=/);
  const matchText = at < 0 ? text : text.slice(0, at);
  const actionsText = at < 0 ? undefined : text.slice(text.indexOf('actions=', at) + 'actions='.length);
  let priority: number | undefined;
  let table: number | undefined;
  let cookie: bigint | undefined;
  let idleTimeout: number | undefined;
  let hardTimeout: number | undefined;
  const m: { -readonly [K in keyof FlowMatch]?: FlowMatch[K] } = {};
  for (const part of matchText.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split('=', 2) as [string, string | undefined];
    if (v === undefined) {
      const sh = SHORTHANDS[k];
      if (!sh) return { error: `unknown keyword ${k}` };
      Object.assign(m, sh);
      continue;
    }
    switch (k) {
      case 'priority':
        if (!/^\d+$/.test(v) || Number(v) > 65535) return { error: `invalid priority "${v}"` };
        priority = Number(v);
        break;
      case 'table':
        if (!/^\d+$/.test(v) || Number(v) > 255) return { error: `invalid table "${v}"` };
        if (Number(v) >= N_TABLES) return { error: `table=${v} (one of OVS's own tables) is not simulated` };
        table = Number(v);
        break;
      case 'cookie':
        if (!/^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(v)) return { error: `cookie=${v} is not simulated (only a value without a mask)` };
        cookie = BigInt(v);
        if (cookie >= 1n << 64n) return { error: `invalid cookie "${v}"` };
        break;
      case 'idle_timeout':
      case 'hard_timeout':
        if (!/^\d+$/.test(v) || Number(v) > 65535) return { error: `invalid ${k} "${v}"` };
        if (k === 'idle_timeout') idleTimeout = Number(v);
        else hardTimeout = Number(v);
        break;
      case 'nw_proto':
        if (!/^\d+$/.test(v) || Number(v) > 255) return { error: `${v}: invalid nw_proto` };
        m.nwProto = Number(v);
        break;
      case 'in_port': {
        const p = port(v);
        if (p === undefined) return { error: `${v}: in_port is not a valid port` };
        m.inPort = p;
        break;
      }
      case 'dl_src':
      case 'dl_dst': {
        const mac = parseMac(v);
        if (!mac) return { error: `${v}: invalid Ethernet address` };
        if (k === 'dl_src') m.dlSrc = mac;
        else m.dlDst = mac;
        break;
      }
      case 'dl_type':
        if (!/^(0x[0-9a-fA-F]{1,4}|\d+)$/.test(v)) return { error: `${v}: invalid dl_type` };
        m.dlType = Number(v);
        break;
      case 'nw_src':
      case 'nw_dst': {
        const n = net(v);
        if (!n) return { error: `${v}: invalid IP address` };
        if (k === 'nw_src') m.nwSrc = n;
        else m.nwDst = n;
        break;
      }
      default:
        return { error: `unknown keyword ${k}` };
    }
  }
  if ((m.nwSrc || m.nwDst || m.nwProto !== undefined) && m.dlType !== 0x0800) return { error: 'nw_src, nw_dst and nw_proto need ip, icmp, tcp or udp in the simulator (OVS would silently drop them)' };
  if (actionsText === undefined) return needActions ? { error: 'must specify an action' } : { table, cookie, idleTimeout, hardTimeout, priority, match: m, actions: undefined };
  const actions: FlowAction[] = [];
  // resubmit(,N) has a comma of its own.
  for (const a of actionsText.split(/,(?![^(]*\))/).map((x) => x.trim()).filter(Boolean)) {
    const lower = a.toLowerCase();
    if (lower === 'normal') actions.push({ kind: 'normal' });
    else if (lower === 'flood') actions.push({ kind: 'flood' });
    else if (lower === 'drop') actions.push({ kind: 'drop' });
    else if (a === 'LOCAL') actions.push({ kind: 'output', port: OFPP_LOCAL });
    else if (lower.startsWith('output:')) {
      const p = port(a.slice(7));
      if (p === undefined) return { error: `${a.slice(7)}: output to unknown port` };
      actions.push({ kind: 'output', port: p });
    } else if (/^set_field:[^>]*->(eth_dst|dl_dst)$/.test(lower)) {
      // OpenFlow 1.0 has no set_field: ovs-ofctl sends (and lists) it as mod_dl_dst.
      const v = a.slice(10, a.indexOf('->'));
      const mac = parseMac(v);
      if (!mac) return { error: `${v}: invalid Ethernet address` };
      actions.push({ kind: 'mod_dl_dst', mac });
    } else if (lower.startsWith('set_field:')) return { error: `${a}: only set_field:MAC->eth_dst is simulated` };
    else if (lower === 'strip_vlan' || lower === 'pop_vlan' || lower.startsWith('mod_vlan_vid') || lower.startsWith('push_vlan') || lower.startsWith('mod_vlan_pcp')) return { error: `${a}: VLAN actions are not simulated (NORMAL's tag, trunks and vlan_mode are)` };
    else if (lower.startsWith('mod_dl_dst:')) {
      const mac = parseMac(a.slice(11));
      if (!mac) return { error: `${a.slice(11)}: invalid Ethernet address` };
      actions.push({ kind: 'mod_dl_dst', mac });
    } else if (/^resubmit\(,\d+\)$/.test(lower)) {
      const t = Number(lower.slice(10, -1));
      if (t >= N_TABLES) return { error: `resubmit to table ${t} is not simulated` };
      actions.push({ kind: 'resubmit', table: t });
    } else if (lower.startsWith('resubmit')) return { error: `${a}: only resubmit(,TABLE) is simulated` };
    else if (/^goto_table:\d+$/.test(lower)) {
      const t = Number(lower.slice(11));
      // OpenFlow only goes forward through the pipeline (measured: ovs-ofctl's own words).
      if (t <= (table ?? 0) || t >= N_TABLES) return { error: 'actions are invalid with specified match (OFPBIC_BAD_TABLE_ID)' };
      actions.push({ kind: 'resubmit', table: t });
    } else return { error: `unknown action ${a.split(':')[0]}` };
  }
  return { table, cookie, idleTimeout, hardTimeout, priority, match: m, actions };
}

export function formatNet(n: { addr: Ipv4Address; len: number }): string {
  const a = n.addr;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}${n.len === 32 ? '' : `/${n.len}`}`;
}

/** The flow's match as ovs-ofctl prints it. */
export function formatMatch(priority: number, m: FlowMatch): string {
  const parts: string[] = [];
  if (priority !== DEFAULT_PRIORITY) parts.push(`priority=${priority}`);
  const shorthand = Object.entries(SHORTHANDS).find(([, v]) => v.dlType === m.dlType && v.nwProto === m.nwProto)?.[0];
  if (shorthand) parts.push(shorthand);
  else if (m.dlType !== undefined) parts.push(`dl_type=0x${m.dlType.toString(16).padStart(4, '0')}`);
  if (m.inPort !== undefined) parts.push(`in_port=${m.inPort === OFPP_LOCAL ? 'LOCAL' : m.inPort}`);
  if (m.dlSrc) parts.push(`dl_src=${m.dlSrc}`);
  if (m.dlDst) parts.push(`dl_dst=${m.dlDst}`);
  if (m.nwSrc) parts.push(`nw_src=${formatNet(m.nwSrc)}`);
  if (m.nwDst) parts.push(`nw_dst=${formatNet(m.nwDst)}`);
  if (m.nwProto !== undefined && !shorthand) parts.push(`nw_proto=${m.nwProto}`);
  return parts.join(',');
}

export function formatAction(a: FlowAction): string {
  return formatActionText(a);
}

export function formatActions(actions: readonly FlowAction[]): string {
  if (actions.length === 0) return 'drop';
  return actions.map(formatActionText).join(',');
}

function formatActionText(a: FlowAction): string {
  switch (a.kind) {
    case 'normal':
      return 'NORMAL';
    case 'flood':
      return 'FLOOD';
    case 'drop':
      return 'drop';
    case 'output':
      // A reserved port prints by its name alone (measured: output:LOCAL lists as LOCAL).
      return a.port === OFPP_LOCAL ? 'LOCAL' : `output:${a.port}`;
    case 'mod_dl_dst':
      return `mod_dl_dst:${a.mac}`;
    case 'resubmit':
      return `resubmit(,${a.table})`;
  }
}


/**
 * ofproto's rule_expire: a flow past its hard timeout (since it was added or modified) or idle
 * timeout (since it last matched) is gone. OVS looks once a second; here it is exact, so a script
 * should look at a flow well away from its deadline.
 */
export function expireFlows(flows: readonly Flow[], now: number, nsPerSec: number): Flow[] | undefined {
  const dead = (f: Flow) => (f.hardTimeout > 0 && now - f.modified >= f.hardTimeout * nsPerSec) || (f.idleTimeout > 0 && now - (f.used ?? f.created) >= f.idleTimeout * nsPerSec);
  return flows.some(dead) ? flows.filter((f) => !dead(f)) : undefined;
}

/** A loose match (del-flows without --strict): the flow has at least the fields given, with those values. */
export function looseCovers(sel: FlowMatch, m: FlowMatch): boolean {
  return (Object.keys(sel) as (keyof FlowMatch)[]).every((k) => JSON.stringify(sel[k]) === JSON.stringify(m[k]));
}

export function sameMatch(a: FlowMatch, b: FlowMatch): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof FlowMatch>;
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
