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
import { worldSlot, type Namespace, type World } from '../sim/world.js';
import { dstIsGroup, ethertypeOf, ETHERTYPE_VLAN, macAt, setEthernetDst, srcIsGroup } from '../wire/ethernet.js';
import { popVlanTag, pushVlanTag } from '../wire/vlan.js';
import { register_netdev_ops, type NetDeviceOps, type XmitResult } from '../core/netdevice.js';
import { dev_add_pack_all, dev_queue_xmit, netif_receive_skb } from '../core/dev.js';
import { consume_skb, kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { expireFlows, formatMatch, OFPP_LOCAL, type Flow } from './ovs-flows.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import { flowFromFrame } from './ovs-classifier.js';
import { xlate_actions } from './ovs-xlate.js';
import { BR_AGEING_TIME } from './bridge.js';
import { input_vid_is_valid, portVlan, tagOnOutput, xbundle_includes_vlan, xvlan_input_translate, type PortVlan, type VlanMode } from './ovs-vlan.js';

/** OVS's default mac-aging-time is 300 s too. */
export const OVS_AGEING_TIME = BR_AGEING_TIME;

export type { VlanMode } from './ovs-vlan.js';

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
  /** The Interface's ofport_request column: the OpenFlow port number asked for. */
  readonly ofportRequest?: number;
  /** type=internal: ovs-vswitchd made the device (a tap of its own), and removes it with the port. */
  readonly internal?: boolean;
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
  /** other_config:mac-aging-time, in ns, as ovs-vswitchd took it (15..3600 s); OVS_AGEING_TIME when unset. */
  macAgingTime?: number;
  /** The fail_mode column; empty is standalone. Secure: no NORMAL flow of the switch's own. */
  failMode: FailMode | undefined;
  /** xlate_normal's MAC learning table (lib/mac-learning.c), by `macKey(vlan, mac)`, least recently updated first. */
  readonly ml: Map<string, MacEntry>;
}

export type FailMode = 'secure' | 'standalone';

/** How long xlate_normal's table keeps a MAC nothing refreshed. */
export function ovsAgeingTime(b: OvsBridge): number {
  return b.macAgingTime ?? OVS_AGEING_TIME;
}

/** normalize_idle_time: mac-aging-time is taken within 15..3600 s. */
export function normalizeMacAgingTime(seconds: number): number {
  return Math.min(3600, Math.max(15, seconds));
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

export function deviceOfOfport(b: OvsBridge, port: number): number | undefined {
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
  /** The netdev datapath's port numbers, by device id: ovs-netdev is 0, the rest the lowest free (dpif-netdev's choose_port). */
  readonly dpPorts: Map<number, number>;
}

export function dpPortAdd(db: OvsDb, devId: number, isDatapath = false): void {
  if (db.dpPorts.has(devId)) return;
  const used = new Set(db.dpPorts.values());
  let n = isDatapath ? 0 : 1;
  while (used.has(n)) n++;
  db.dpPorts.set(devId, n);
}

/** The world's one ovsdb. */
export const ovsDb = worldSlot<OvsDb>(() => ({ bridges: [], datapathDevice: undefined, version: 0, dpPorts: new Map() }));

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
  const db = ovsDb(w);
  if (db.bridges.length === 0) return undefined;
  return indexOf(db).of.get(devId)?.bridge;
}

/** The port record whose interface is the device, if any. */
export function ovsPortOf(w: World, devId: number): OvsPort | undefined {
  const db = ovsDb(w);
  if (db.bridges.length === 0) return undefined;
  return indexOf(db).of.get(devId)?.port;
}

export function portDevices(w: World, b: OvsBridge): { port: OvsPort; ns: Namespace; dev: DeviceState }[] {
  const out: { port: OvsPort; ns: Namespace; dev: DeviceState }[] = [];
  for (const port of [b.local, ...b.ports]) {
    const d = port.device === undefined ? undefined : w.device(port.device);
    if (d) out.push({ port, ...d });
  }
  return out;
}

/**
 * ovs-vswitchd reads its ports from a thread of its own, so the kernel's stack has answered a frame
 * before the switch forwards it: a port in the bridge's namespace replies to a flooded ARP request
 * ahead of every host behind the switch. Measured (tcpdump -tt on every port): a port's packet socket
 * is read some 60 µs after the frame arrives, the internal port's tap some 190 µs after its stack sent
 * — so a host's reply through a port overtakes the bridge's own reply sent a little earlier.
 */
export const OVS_PORT_READ_NS = 50_000;
export const OVS_TAP_READ_NS = 150_000;

/** The datapath reads a frame that `devId` received (a port's packet socket) or sent (the internal port's tap). */
function ovs_upcall(w: World, devId: number, skb: Skb, delay: number): void {
  w.loop.after(delay, () => {
    const b = ovsBridgeOf(w, devId);
    const d = w.device(devId);
    if (b && d) {
      skb.ns = d.ns;
      skb.dev = d.dev;
      ovs_dp_process_packet(w, b, skb);
    } else kfree_skb(w, skb, 'ovs_dp_process_packet', 'DEV_READY', 'the port left its bridge before the datapath read the frame');
  });
}

/** A port's packet socket: a copy of everything the port receives goes to the datapath, the frame itself on up the port's stack. */
function ovs_packet_rcv(w: World, skb: Skb): void {
  const dev = skb.dev;
  if (!dev.promisc || skb.fromDatapath) return;
  const b = ovsBridgeOf(w, dev.id);
  // An internal port's frames come from its tap (start_xmit), not a packet socket.
  if (!b || dev.kind === OVS_INTERNAL_KIND) return;
  ovs_upcall(w, dev.id, skb_clone(w, skb, 'ovs_packet_rcv', `read by ovs-vswitchd from ${dev.name}`), OVS_PORT_READ_NS);
}

/**
 * ovs_dp_process_packet: the packet goes through the OpenFlow tables (xlate_actions); each flow
 * that decided counts it, and each output is a copy of its own, with the Ethernet destination the
 * actions had set by then. The frame the datapath read ends here.
 */
function ovs_dp_process_packet(w: World, b: OvsBridge, skb: Skb): void {
  const inId = skb.dev.id;
  const inPort = ofportOf(b, inId) ?? 0;
  b.flows = expireFlows(b.flows, w.loop.now, NS_PER_SEC) ?? b.flows;
  const x = xlate_actions(b.flows, flowFromFrame(inPort, skb.data), false);
  for (const f of x.hits) {
    f.nPackets++;
    f.nBytes += skb.data.length;
    f.used = w.loop.now;
  }
  if (x.hits.length === 0) {
    kfree_skb(w, skb, 'ovs_dp_process_packet', 'OVS_DROP_LAST_ACTION', 'no flow matches (table miss): dropped', undefined);
    return;
  }
  const original = macAt(skb.data, 0);
  const frameFor = (dlDst: string): Uint8Array => {
    if (dlDst === original) return skb.data;
    const pkt = skb.data.slice();
    setEthernetDst(pkt, dlDst);
    return pkt;
  };
  let out = 0;
  let refused: string | undefined;
  for (const op of x.ops) {
    const pkt = frameFor(op.dlDst);
    switch (op.kind) {
      case 'normal': {
        const r = xlate_normal(w, b, skb, pkt);
        if (typeof r === 'string') refused = r;
        else out += r;
        break;
      }
      case 'flood':
        for (const p of portDevices(w, b)) if (p.dev.id !== inId) out += output(w, b, skb, p.ns, p.dev, pkt);
        break;
      case 'output': {
        const id = deviceOfOfport(b, op.port);
        const d = id === undefined ? undefined : w.device(id);
        if (d) out += output(w, b, skb, d.ns, d.dev, pkt);
        else if (w.trace.detailed) skb_trace(w, skb, 'ovs_dp_process_packet', `output:${op.port}: no such port`);
        break;
      }
    }
  }
  const last = x.hits[x.hits.length - 1]!;
  if (out > 0 && w.trace.detailed) consume_skb(w, skb, 'ovs_dp_process_packet', `output to ${out} port${out === 1 ? '' : 's'}`);
  else if (refused !== undefined) kfree_skb(w, skb, 'xlate_normal', 'OVS_DROP_LAST_ACTION', refused, undefined);
  else if (x.ops.length === 0 && last.actions.every((a) => a.kind === 'drop')) kfree_skb(w, skb, 'ovs_dp_process_packet', 'OVS_DROP_EXPLICIT', `table ${last.table} flow "${formatMatch(last.priority, last.match)}" says drop`, undefined);
  else kfree_skb(w, skb, 'ovs_dp_process_packet', 'OVS_DROP_LAST_ACTION', x.ops.length === 0 ? 'the flows\' actions output the frame nowhere (a table miss or no output)' : 'the actions output the frame nowhere', undefined);
}

/**
 * xlate_normal: the NORMAL action, a learning switch per VLAN. The frame's VLAN comes from the input
 * port (input_vid_is_valid, xvlan_input_translate); its source is learned in that VLAN; a destination
 * learned in that VLAN gets the frame on that port only, anything else is flooded to the ports that
 * carry the VLAN. Each output adds or leaves off the 802.1Q tag as the output port wants. Returns how
 * many copies went out, or why it refused the frame, worded as xlate_report words it.
 */
function xlate_normal(w: World, b: OvsBridge, skb: Skb, frame: Uint8Array): number | string {
  const inId = skb.dev.id;
  const inPort = ovsPortOf(w, inId);
  if (!inPort) return 'no input bundle, dropping';
  // The switch works on the untagged frame and the tag's fields (flow_extract); output re-tags.
  let inner = frame;
  let vid = 0;
  let pcp = 0;
  if (ethertypeOf(frame) === ETHERTYPE_VLAN) {
    const popped = popVlanTag(frame);
    if (!popped.ok) return 'partial VLAN tag, dropping';
    inner = popped.value.frame;
    vid = popped.value.tag.vid;
    pcp = popped.value.tag.pcp;
  }
  const inVlan = portVlan(inPort);
  const refused = input_vid_is_valid(inVlan, vid, inPort.name);
  if (refused !== undefined) return refused;
  const vlan = xvlan_input_translate(inVlan, vid);
  const src = macAt(inner, 6);
  const dst = macAt(inner, 0);
  if (!srcIsGroup(inner)) update_learning_table(w, b, vlan, src, inId);
  const learned = dstIsGroup(inner) ? undefined : b.ml.get(macKey(vlan, dst));
  const live = learned && w.loop.now - learned.updated <= ovsAgeingTime(b) ? learned : undefined;
  if (live) {
    if (live.port === inId) return `learned port is input port, dropping (${dst} was learned on the input port)`;
    const out = w.device(live.port);
    const outPort = ovsPortOf(w, live.port);
    if (out && outPort) {
      if (w.trace.detailed) w.trace.step(w.loop.now, skb.ns.name, b.name, 'xlate_normal', `${dst} learned on ${out.dev.name} in VLAN ${vlan}: output there`, skb.id);
      return output_normal(w, b, skb, out.ns, out.dev, portVlan(outPort), vlan, pcp, inner);
    }
    return 0;
  }
  if (w.trace.detailed) w.trace.step(w.loop.now, skb.ns.name, b.name, 'xlate_normal', `${dstIsGroup(inner) ? 'broadcast' : `${dst} unknown`} in VLAN ${vlan}: flood`, skb.id);
  return xlate_normal_flood(w, b, skb, vlan, pcp, inner);
}

/**
 * update_learning_table: (VLAN, MAC) is on the input port from now. mac_learning_insert keeps its
 * entries in LRU order, so a refreshed entry moves to the end (fdb/show lists it last; measured).
 */
function update_learning_table(w: World, b: OvsBridge, vlan: number, src: string, inId: number): void {
  const key = macKey(vlan, src);
  const had = b.ml.get(key);
  b.ml.delete(key);
  b.ml.set(key, { vlan, mac: src, port: inId, updated: w.loop.now });
  if (had?.port !== inId) {
    w.recordTable('ovs-mac', b.name, () => [...b.ml.values()]);
    w.trace.state(w.loop.now, w.device(inId)?.ns.name ?? '', b.name, 'update_learning_table', `${src} learned on ${w.device(inId)?.dev.name ?? inId} in VLAN ${vlan}`);
  }
}

/** xlate_normal_flood: every port but the input one that carries the VLAN. */
function xlate_normal_flood(w: World, b: OvsBridge, skb: Skb, vlan: number, pcp: number, inner: Uint8Array): number {
  let n = 0;
  for (const p of portDevices(w, b)) {
    if (p.dev.id === skb.dev.id) continue;
    const pv = portVlan(p.port);
    if (xbundle_includes_vlan(pv, vlan)) n += output_normal(w, b, skb, p.ns, p.dev, pv, vlan, pcp, inner);
  }
  return n;
}

/** output_normal: the frame as the output port carries the VLAN — tagged, or not. */
function output_normal(w: World, b: OvsBridge, skb: Skb, ns: Namespace, dev: DeviceState, pv: PortVlan, vlan: number, pcp: number, inner: Uint8Array): number {
  const tag = tagOnOutput(pv, vlan, pcp);
  return output(w, b, skb, ns, dev, tag ? pushVlanTag(inner, { pcp: tag.pcp, dei: false, vid: tag.vid }) : inner);
}

/** Output to a port, as a copy of its own: the internal port's stack receives it; any other port transmits it. */
function output(w: World, b: OvsBridge, skb: Skb, ns: Namespace, dev: DeviceState, frame: Uint8Array): number {
  if (!dev.up) return 0;
  const c = skb_clone(w, skb, 'ovs_dp_process_packet', `output to ${dev.name}`, frame);
  c.ns = ns;
  c.dev = dev;
  if (dev.kind === OVS_INTERNAL_KIND) {
    c.fromDatapath = true;
    c.rtIif = 0;
    netif_receive_skb(w, c);
  } else {
    c.fromDatapath = false;
    void dev_queue_xmit(w, c);
  }
  return 1;
}

export const OVS_INTERNAL_KIND = 'ovs-internal';

/** The internal port: a tap device whose every frame the datapath reads. */
export const ovsInternalOps: NetDeviceOps = {
  kind: OVS_INTERNAL_KIND,
  infoKind: 'openvswitch',
  type: 'ether',
  minMtu: 68,
  maxMtu: 65535,
  start_xmit: (w: World, skb: Skb): XmitResult => {
    ovs_upcall(w, skb.dev.id, skb, OVS_TAP_READ_NS);
    return 'ok';
  },
  // A tap device never reports an operational state of its own.
  operstateKnown: () => false,
};

export function ovs_init(): void {
  register_netdev_ops(ovsInternalOps);
  dev_add_pack_all(ovs_packet_rcv);
}
