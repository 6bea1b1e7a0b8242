/**
 * `ovs-appctl ofproto/trace BR FLOW` as Open vSwitch 3.1 prints it: the flow as parsed, the bridge's
 * tables and the actions each chosen flow ran (with NORMAL's own words), the flow after them, the
 * megaflow (the fields the lookups had to read; see ovs-classifier.ts) and the datapath actions in
 * the netdev datapath's port numbers. Nothing is learned or counted: a trace sends no packet.
 */
import { ovsAgeingTime, ovsPortOf, ovsDb, type OvsBridge } from '../devices/ovs.js';
import { ETHERTYPE_IPV4, type PacketFlow, type Wildcards } from '../devices/ovs-classifier.js';
import { expireFlows, formatNet, OFPP_LOCAL } from '../devices/ovs-flows.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import { portName, xlate_actions, type TraceNode } from '../devices/ovs-xlate.js';
import { parseIpv4 } from '../wire/ipv4.js';
import { parseMac } from '../wire/ethernet.js';
import { macKey } from '../devices/ovs.js';
import type { World } from '../sim/world.js';

const ETHERTYPE_ARP = 0x0806;
const ZERO_MAC = '00:00:00:00:00:00';
const PROTOS: Readonly<Record<string, { dlType: number; nwProto?: number }>> = {
  ip: { dlType: ETHERTYPE_IPV4 },
  icmp: { dlType: ETHERTYPE_IPV4, nwProto: 1 },
  tcp: { dlType: ETHERTYPE_IPV4, nwProto: 6 },
  udp: { dlType: ETHERTYPE_IPV4, nwProto: 17 },
  arp: { dlType: ETHERTYPE_ARP },
};
const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };
/** Fields OVS knows that the simulator does not match or print on. */
const UNSIMULATED = /^(tp_src|tp_dst|nw_tos|nw_ecn|nw_ttl|nw_frag|icmp_type|icmp_code|dl_vlan|dl_vlan_pcp|vlan_tci|vlan_vid|vlan_pcp|arp_\w+|tcp_flags|metadata|x?reg\d+|tun\w*|ct_\w+|ipv6\w*|nd_\w+|mpls\w*|pkt_mark|skb_priority|actset_output|recirc_id|dp_hash|conj_id|eth_\w+|ip_\w+|icmpv6\w*|ipv6|tcp6|udp6|sctp6?|rarp|sctp|priority|table|cookie|packet_type)$/;
/** Ethertypes whose flow_format prints fields the simulator does not model. */
const UNSIMULATED_TYPES = new Set([0x86dd, 0x8035, 0x8100, 0x88a8, 0x8847, 0x8848, 0x894f]);

type Parsed = { flow: PacketFlow } | { error: string } | { unsupported: string };

/** The trace's flow: fields not given are 0. */
export function parseTraceFlow(text: string): Parsed {
  let inPort: number | undefined;
  let dlSrc = ZERO_MAC;
  let dlDst = ZERO_MAC;
  let dlType = 0;
  let nwProto = 0;
  let nwSrc = 0;
  let nwDst = 0;
  const given = new Set<string>();
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? undefined : part.slice(eq + 1);
    if (UNSIMULATED.test(k)) return { unsupported: `ofproto/trace with ${k} is not simulated` };
    // parse_ofp_exact_flow reads left to right: an IP field needs ip (or icmp...) before it.
    if ((k === 'nw_proto' || k === 'nw_src' || k === 'nw_dst') && dlType !== ETHERTYPE_IPV4) return { error: `Bad openflow flow syntax: ${text}: prerequisites not met for setting ${k}` };
    if (given.has(k)) return { error: `Bad openflow flow syntax: ${text}: field ${k} set multiple times` };
    given.add(k);
    if (v === undefined) {
      const p = PROTOS[k];
      if (!p) return { unsupported: `ofproto/trace with ${k} is not simulated` };
      if ([...given].some((g) => g !== k && (g in PROTOS || g.startsWith('nw_') || g === 'dl_type'))) return { unsupported: 'ofproto/trace with two protocol settings is not simulated' };
      dlType = p.dlType;
      nwProto = p.nwProto ?? 0;
      continue;
    }
    switch (k) {
      case 'in_port':
        if (v === 'LOCAL') inPort = OFPP_LOCAL;
        else if (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 0xff00) inPort = Number(v);
        else return { unsupported: `ofproto/trace with in_port=${v} is not simulated (a port number or LOCAL)` };
        break;
      case 'dl_src':
      case 'dl_dst': {
        const mac = parseMac(v);
        if (!mac) return { unsupported: `ofproto/trace with ${k}=${v} is not simulated (a MAC address)` };
        if (k === 'dl_src') dlSrc = mac;
        else dlDst = mac;
        break;
      }
      case 'dl_type':
        if (!/^(0x[0-9a-fA-F]{1,4}|\d+)$/.test(v)) return { unsupported: `ofproto/trace with dl_type=${v} is not simulated` };
        dlType = Number(v);
        if (UNSIMULATED_TYPES.has(dlType)) return { unsupported: `ofproto/trace with dl_type=${v} is not simulated` };
        break;
      case 'nw_proto':
        if (!/^\d+$/.test(v) || Number(v) > 255) return { unsupported: `ofproto/trace with nw_proto=${v} is not simulated` };
        nwProto = Number(v);
        break;
      case 'nw_src':
      case 'nw_dst': {
        const a = parseIpv4(v);
        if (a === null) return { unsupported: `ofproto/trace with ${k}=${v} is not simulated (one IPv4 address)` };
        if (k === 'nw_src') nwSrc = a;
        else nwDst = a;
        break;
      }
      default:
        return { error: `Bad openflow flow syntax: ${text}: unknown field ${k}` };
    }
  }
  if (inPort === undefined) return { unsupported: 'ofproto/trace without in_port is not simulated' };
  if (dlType !== ETHERTYPE_IPV4 && (nwProto || nwSrc || nwDst)) return { unsupported: 'ofproto/trace with nw_* fields needs ip, icmp, tcp or udp in the simulator' };
  if (dlType === ETHERTYPE_IPV4 && nwProto === 132) return { unsupported: 'ofproto/trace of SCTP is not simulated' };
  return { flow: { inPort, dlSrc, dlDst, dlType, nwSrc, nwDst, nwProto } };
}

function ip(a: number): string {
  return formatNet({ addr: a >>> 0, len: 32 });
}

/** flow_format: every field of the flow, as the protocol has them. */
export function formatFlow(p: PacketFlow): string {
  const head = `in_port=${portName(p.inPort)},vlan_tci=0x0000,dl_src=${p.dlSrc},dl_dst=${p.dlDst}`;
  if (p.dlType === ETHERTYPE_ARP) return `arp,${head},arp_spa=0.0.0.0,arp_tpa=0.0.0.0,arp_op=0,arp_sha=${ZERO_MAC},arp_tha=${ZERO_MAC}`;
  if (p.dlType !== ETHERTYPE_IPV4) return `${head},dl_type=0x${p.dlType.toString(16).padStart(4, '0')}`;
  const name = PROTO_NAMES[p.nwProto];
  let s = `${name ?? 'ip'},${head},nw_src=${ip(p.nwSrc)},nw_dst=${ip(p.nwDst)}${name ? '' : `,nw_proto=${p.nwProto}`},nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no`;
  if (p.nwProto === 1) s += ',icmp_type=0,icmp_code=0';
  else if (p.nwProto === 6) s += ',tp_src=0,tp_dst=0,tcp_flags=0';
  else if (p.nwProto === 17) s += ',tp_src=0,tp_dst=0';
  return s;
}

/** match_format of the flow under the wildcards: only what the lookups read. */
export function formatMegaflow(p: PacketFlow, wc: Wildcards): string {
  const parts = ['recirc_id=0', 'eth'];
  const isIp = p.dlType === ETHERTYPE_IPV4;
  const protoName = isIp && wc.nwProto ? PROTO_NAMES[p.nwProto] : undefined;
  if (isIp) parts.push(protoName ?? 'ip');
  else if (p.dlType === ETHERTYPE_ARP) parts.push('arp');
  parts.push(`in_port=${portName(p.inPort)}`);
  if (wc.dlSrc) parts.push(`dl_src=${p.dlSrc}`);
  if (wc.dlDst) parts.push(`dl_dst=${p.dlDst}`);
  // is_gratuitous_arp reads a broadcast ARP's opcode (nw_proto in struct flow).
  if (p.dlType === ETHERTYPE_ARP && wc.nwProto) parts.push(`arp_op=${p.nwProto}`);
  if (!isIp && p.dlType !== ETHERTYPE_ARP) parts.push(`dl_type=0x${p.dlType.toString(16).padStart(4, '0')}`);
  if (isIp) {
    const masked = (a: number, len: number) => formatNet({ addr: len === 0 ? 0 : (a & ((0xffffffff << (32 - len)) >>> 0)) >>> 0, len });
    if (wc.nwSrc) parts.push(`nw_src=${masked(p.nwSrc, wc.nwSrc)}`);
    if (wc.nwDst) parts.push(`nw_dst=${masked(p.nwDst, wc.nwDst)}`);
    if (wc.nwProto && !protoName) parts.push(`nw_proto=${p.nwProto}`);
    parts.push('nw_frag=no');
  }
  return parts.join(',');
}

/** oftrace_node_print_details: a node is indented one step more when it has siblings after it or is a leaf kind. */
function printNodes(nodes: readonly TraceNode[], level: number): string {
  let s = '';
  nodes.forEach((n, i) => {
    const more = i < nodes.length - 1 || n.type !== 'table' ? 1 : 0;
    s += ' '.repeat((level + more) * 4);
    if (n.type === 'detail') s += ` -> ${n.text}\n`;
    else if (n.type === 'warn') s += ` >> ${n.text}\n`;
    else if (n.type === 'error') s += ` >>>> ${n.text} <<<<\n`;
    else s += `${n.text}\n`;
    s += printNodes(n.subs, level + 2 * more);
  });
  return s;
}

/** Every OpenFlow port of the bridge with an interface, the bridge's own first. */
function ofports(b: OvsBridge): number[] {
  return [b.local, ...b.ports].flatMap((p) => (p.ofport === undefined ? [] : [p.ofport]));
}

export function traceHasVlans(b: OvsBridge): boolean {
  return [b.local, ...b.ports].some((p) => p.tag !== undefined || p.trunks.length > 0 || p.vlanMode !== undefined);
}

export function ofprotoTrace(w: World, b: OvsBridge, p: PacketFlow): string {
  const db = ovsDb(w);
  b.flows = expireFlows(b.flows, w.loop.now, NS_PER_SEC) ?? b.flows;
  const devOf = (port: number) => (port === OFPP_LOCAL ? b.internal : b.ports.find((x) => x.ofport === port)?.device);
  let arpOpRead = false;
  const x = xlate_actions(b.flows, p, true, {
    portExists: (port) => ofports(b).includes(port),
    normal(flow, report) {
      const inDev = devOf(flow.inPort);
      if (inDev === undefined || !ovsPortOf(w, inDev)) {
        report('error', `received packet on unknown port ${portName(flow.inPort)}`);
        report('warn', 'no input bundle, dropping');
        return [];
      }
      // is_admissible: the IEEE 802.1D reserved group addresses are never forwarded.
      if (/^01:80:c2:00:00:0[0-9a-f]$/.test(flow.dlDst)) {
        report('detail', 'packet has reserved destination MAC, dropping');
        return [];
      }
      if (flow.dlType === ETHERTYPE_ARP && flow.dlDst === 'ff:ff:ff:ff:ff:ff') arpOpRead = true;
      const group = (parseInt(flow.dlDst.slice(0, 2), 16) & 1) === 1;
      const learned = group ? undefined : b.ml.get(macKey(0, flow.dlDst));
      if (learned && w.loop.now - learned.updated <= ovsAgeingTime(b)) {
        if (learned.port === inDev) {
          report('detail', 'learned port is input port, dropping');
          return [];
        }
        const out = ovsPortOf(w, learned.port)?.ofport;
        report('detail', 'forwarding to learned port');
        return out === undefined ? [] : [out];
      }
      report('detail', 'no learned MAC for destination, flooding');
      return ofports(b).filter((o) => o !== flow.inPort);
    },
  });
  if (arpOpRead) x.wc.nwProto = true;
  const dp: string[] = [];
  let committed = p.dlDst;
  for (const op of x.ops) {
    const outs = op.kind === 'output' ? [op.port] : op.kind === 'flood' ? ofports(b).filter((o) => o !== p.inPort) : (op.outs ?? []);
    for (const o of outs) {
      const dev = devOf(o);
      const n = dev === undefined ? undefined : db.dpPorts.get(dev);
      if (n === undefined) continue;
      if (op.dlDst !== committed) {
        dp.push(`set(eth(dst=${op.dlDst}))`);
        committed = op.dlDst;
      }
      dp.push(String(n));
    }
  }
  const bridgeTitle = `bridge("${b.name}")`;
  let s = `Flow: ${formatFlow(p)}\n\n${bridgeTitle}\n${'-'.repeat(bridgeTitle.length)}\n${printNodes(x.trace, 0)}`;
  s += `\nFinal flow: ${x.final.dlDst === p.dlDst ? 'unchanged' : formatFlow(x.final)}\n`;
  s += `Megaflow: ${formatMegaflow(p, x.wc)}\n`;
  s += `Datapath actions: ${dp.length ? dp.join(',') : 'drop'}\n`;
  return s;
}
