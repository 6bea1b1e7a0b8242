/**
 * Open vSwitch's userspace datapath, as kernel mode runs it (datapath_type=netdev): ovs-vswitchd reads
 * each port with a packet socket, and its default flow table — one rule, actions=NORMAL — switches
 * like a learning bridge per VLAN (xlate_normal: learn the source on the input port, output to the
 * learned port, else flood every port of the VLAN but the input one; see ovs-vlan.ts for what the
 * tag, trunks and vlan_mode columns mean). The userspace datapath tags and untags frames itself, so
 * this works on a kernel without 802.1Q support. A bridge's internal port is a tap device named
 * after it; the datapath's own tap is "ovs-netdev". Ports are not enslaved: `ip link` shows no
 * master, only PROMISC.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { ethertypeOf, macAt, macBytes } from './frame.js';
import { flowMatches, formatMatch, OFPP_LOCAL, type Flow } from './ovs-flows.js';
import { dev_queue_xmit, netif_receive_skb, type XmitResult } from './netdev.js';
import { BR_AGEING_TIME } from './bridge.js';
import { input_vid_is_valid, portVlan, tagOnOutput, xbundle_includes_vlan, xvlan_input_translate, type PortVlan } from './ovs-vlan.js';
import { ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { popVlanTag, pushVlanTag } from '../wire/vlan.js';

/** OVS's default mac-aging-time is 300 s too. */
export const OVS_AGEING_TIME = BR_AGEING_TIME;

/** A Port row's vlan_mode column; dot1q-tunnel is not simulated. */
export type VlanMode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged';

/**
 * A Port row and its one Interface, as ovs-vswitchd configured them. The VLAN columns are the
 * database's; what they mean for switching is `portVlan`'s business. Immutable: a change to a
 * column replaces the record.
 */
export interface OvsPort {
  readonly name: string;
  /** The interface's device id; undefined when ovs-vswitchd could not open it (no such device). */
  readonly device: number | undefined;
  /** The interface's OpenFlow port number: LOCAL for the bridge's own port; undefined without a device. */
  readonly ofport: number | undefined;
  /** The tag column: 0..4095, or empty. */
  readonly tag: number | undefined;
  /** The trunks column, ascending; empty means every VLAN. */
  readonly trunks: readonly number[];
  /** The vlan_mode column; empty means access when there is a tag, else trunk. */
  readonly vlanMode: VlanMode | undefined;
}

/** A MAC learning table entry: `mac` was last seen as a source in `vlan`, arriving on device `port`. */
export interface MacEntry {
  readonly vlan: number;
  readonly mac: string;
  readonly port: number;
  readonly updated: number;
}

export interface OvsBridge {
  readonly name: string;
  /** The internal port's device id. */
  readonly internal: number;
  /** The bridge's own port (OpenFlow LOCAL), whose interface is the internal device; a trunk port unless configured. */
  local: OvsPort;
  /** The other ports, in the order they were added. */
  readonly ports: OvsPort[];
  /** OpenFlow table 0, in the order flows were added. */
  flows: Flow[];
  /** xlate_normal's MAC learning table (lib/mac-learning.c), by `macKey(vlan, mac)`, least recently updated first. */
  readonly ml: Map<string, MacEntry>;
}

export function macKey(vlan: number, mac: string): string {
  return `${vlan}/${mac}`;
}

/** The lowest OpenFlow port number not in use, as ovs-vswitchd allocates them. */
export function allocOfport(b: OvsBridge): number {
  const used = new Set(b.ports.map((p) => p.ofport));
  let n = 1;
  while (used.has(n)) n++;
  return n;
}

export function ofportOf(b: OvsBridge, devId: number): number | undefined {
  if (devId === b.internal) return OFPP_LOCAL;
  return b.ports.find((p) => p.device === devId)?.ofport;
}

function deviceOfOfport(b: OvsBridge, port: number): number | undefined {
  if (port === OFPP_LOCAL) return b.internal;
  return b.ports.find((p) => p.ofport === port)?.device;
}

/** The switch's configuration (the ovsdb a private ovs-vswitchd would hold). */
export interface OvsDb {
  readonly bridges: OvsBridge[];
  /** The netdev datapath's device, made with the first bridge. */
  datapathDevice: number | undefined;
  /** Bumped by every committed change: the per-frame index is rebuilt when it moves. */
  version: number;
}

interface PortIndex {
  readonly version: number;
  readonly of: Map<number, { readonly bridge: OvsBridge; readonly port: OvsPort }>;
}

const indexes = new WeakMap<OvsDb, PortIndex>();

function indexOf(db: OvsDb): PortIndex {
  let idx = indexes.get(db);
  if (!idx || idx.version !== db.version) {
    const of = new Map<number, { bridge: OvsBridge; port: OvsPort }>();
    for (const bridge of db.bridges) for (const port of [bridge.local, ...bridge.ports]) if (port.device !== undefined) of.set(port.device, { bridge, port });
    idx = { version: db.version, of };
    indexes.set(db, idx);
  }
  return idx;
}

/** The bridge a device is a port of (the internal port counts), if any; per frame, so indexed. */
export function ovsBridgeOf(w: World, devId: number): OvsBridge | undefined {
  if (w.ovs.bridges.length === 0) return undefined;
  return indexOf(w.ovs).of.get(devId)?.bridge;
}

/** The port record whose interface is the device, if any. */
export function ovsPortOf(w: World, devId: number): OvsPort | undefined {
  if (w.ovs.bridges.length === 0) return undefined;
  return indexOf(w.ovs).of.get(devId)?.port;
}

function portDevices(w: World, b: OvsBridge): { port: OvsPort; ns: Namespace; dev: DeviceState }[] {
  const out: { port: OvsPort; ns: Namespace; dev: DeviceState }[] = [];
  for (const port of [b.local, ...b.ports]) {
    const d = port.device === undefined ? undefined : w.device(port.device);
    if (d) out.push({ port, ...d });
  }
  return out;
}

/** ovs_dp_process_packet: the highest-priority flow that matches decides; no flow, no forwarding. */
export function ovs_dp_process_packet(w: World, ns: Namespace, b: OvsBridge, inId: number, frame: Uint8Array): XmitResult {
  const inPort = ofportOf(b, inId) ?? 0;
  let best: Flow | undefined;
  for (const f of b.flows) if ((best === undefined || f.priority > best.priority) && flowMatches(f.match, inPort, frame)) best = f;
  if (!best) {
    w.trace.drop(w.loop.now, ns.name, b.name, 'ovs_dp_process_packet', 'NOT_SPECIFIED', 'no flow matches (table miss): dropped');
    return 'ok';
  }
  best.nPackets++;
  best.nBytes += frame.length;
  best.used = w.loop.now;
  let pkt = frame;
  for (const a of best.actions) {
    switch (a.kind) {
      case 'normal':
        xlate_normal(w, ns, b, inId, pkt);
        break;
      case 'flood':
        for (const p of portDevices(w, b)) if (p.dev.id !== inId) output(w, b, p.ns, p.dev, pkt);
        break;
      case 'drop':
        w.trace.drop(w.loop.now, ns.name, b.name, 'ovs_dp_process_packet', 'NOT_SPECIFIED', `flow "${formatMatch(best.priority, best.match)}" says drop`);
        break;
      case 'output': {
        const id = deviceOfOfport(b, a.port);
        const d = id === undefined ? undefined : w.device(id);
        // OpenFlow never sends a frame back where it came from unless told so with in_port.
        if (id === inId) w.trace.drop(w.loop.now, ns.name, b.name, 'ovs_dp_process_packet', 'NOT_SPECIFIED', `output:${a.port} is the input port: skipped (only the in_port action sends back)`);
        else if (d) output(w, b, d.ns, d.dev, pkt);
        break;
      }
      case 'mod_dl_dst': {
        pkt = pkt.slice();
        pkt.set(macBytes(a.mac), 0);
        break;
      }
    }
  }
  if (best.actions.length === 0) w.trace.drop(w.loop.now, ns.name, b.name, 'ovs_dp_process_packet', 'NOT_SPECIFIED', 'flow with no actions: dropped');
  return 'ok';
}

/**
 * xlate_normal: the NORMAL action, a learning switch per VLAN. The frame's VLAN comes from the input
 * port (input_vid_is_valid, xvlan_input_translate); its source is learned in that VLAN; a destination
 * learned in that VLAN gets the frame on that port only, anything else is flooded to the ports that
 * carry the VLAN. Each output adds or leaves off the 802.1Q tag as the output port wants.
 */
function xlate_normal(w: World, ns: Namespace, b: OvsBridge, inId: number, frame: Uint8Array): void {
  const inPort = ovsPortOf(w, inId);
  if (!inPort) {
    w.trace.drop(w.loop.now, ns.name, b.name, 'xlate_normal', 'NOT_SPECIFIED', 'no input bundle, dropping');
    return;
  }
  // The switch works on the untagged frame and the tag's fields (flow_extract); output re-tags.
  let inner = frame;
  let vid = 0;
  let pcp = 0;
  if (ethertypeOf(frame) === ETHERTYPE_VLAN) {
    const popped = popVlanTag(frame);
    if (!popped.ok) {
      w.trace.drop(w.loop.now, ns.name, b.name, 'xlate_normal', 'NOT_SPECIFIED', 'partial VLAN tag, dropping');
      return;
    }
    inner = popped.value.frame;
    vid = popped.value.tag.vid;
    pcp = popped.value.tag.pcp;
  }
  const inVlan = portVlan(inPort);
  const refused = input_vid_is_valid(inVlan, vid, inPort.name);
  if (refused !== undefined) {
    w.trace.drop(w.loop.now, ns.name, b.name, 'xlate_normal', 'NOT_SPECIFIED', refused);
    return;
  }
  const vlan = xvlan_input_translate(inVlan, vid);
  const src = macAt(inner, 6);
  const dst = macAt(inner, 0);
  if (((inner[6] as number) & 1) === 0) update_learning_table(w, b, vlan, src, inId);
  const learned = ((inner[0] as number) & 1) === 0 ? b.ml.get(macKey(vlan, dst)) : undefined;
  const live = learned && w.loop.now - learned.updated <= OVS_AGEING_TIME ? learned : undefined;
  if (live) {
    if (live.port === inId) {
      w.trace.drop(w.loop.now, ns.name, b.name, 'xlate_normal', 'NOT_SPECIFIED', `${dst} was learned on the input port`);
      return;
    }
    const out = w.device(live.port);
    const outPort = ovsPortOf(w, live.port);
    if (out && outPort) {
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, b.name, 'xlate_normal', `${dst} learned on ${out.dev.name} in VLAN ${vlan}: output there`);
      output_normal(w, b, out.ns, out.dev, portVlan(outPort), vlan, pcp, inner);
    }
    return;
  }
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, b.name, 'xlate_normal', `${((inner[0] as number) & 1) === 1 ? 'broadcast' : `${dst} unknown`} in VLAN ${vlan}: flood`);
  xlate_normal_flood(w, b, inId, vlan, pcp, inner);
}

/**
 * update_learning_table: (VLAN, MAC) is on the input port from now. mac_learning_insert keeps its
 * entries in LRU order, so a refreshed entry moves to the end (fdb/show lists it last; measured).
 */
function update_learning_table(w: World, b: OvsBridge, vlan: number, src: string, inId: number): void {
  const key = macKey(vlan, src);
  b.ml.delete(key);
  b.ml.set(key, { vlan, mac: src, port: inId, updated: w.loop.now });
}

/** xlate_normal_flood: every port but the input one that carries the VLAN. */
function xlate_normal_flood(w: World, b: OvsBridge, inId: number, vlan: number, pcp: number, inner: Uint8Array): void {
  for (const p of portDevices(w, b)) {
    if (p.dev.id === inId) continue;
    const pv = portVlan(p.port);
    if (xbundle_includes_vlan(pv, vlan)) output_normal(w, b, p.ns, p.dev, pv, vlan, pcp, inner);
  }
}

/** output_normal: the frame as the output port carries the VLAN — tagged, or not. */
function output_normal(w: World, b: OvsBridge, ns: Namespace, dev: DeviceState, pv: PortVlan, vlan: number, pcp: number, inner: Uint8Array): void {
  const tag = tagOnOutput(pv, vlan, pcp);
  output(w, b, ns, dev, tag ? pushVlanTag(inner, { pcp: tag.pcp, dei: false, vid: tag.vid }) : inner);
}

/** Output to a port: the internal port's stack receives it; any other port transmits it. */
function output(w: World, b: OvsBridge, ns: Namespace, dev: DeviceState, frame: Uint8Array): void {
  if (!dev.up) return;
  if (dev.id === b.internal) netif_receive_skb(w, ns, dev, frame, 0, true);
  else void dev_queue_xmit(w, ns, dev, frame);
}
