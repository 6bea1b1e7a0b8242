/**
 * Open vSwitch's userspace datapath, as kernel mode runs it (datapath_type=netdev): ovs-vswitchd reads
 * each port with a packet socket, and its default flow table — one rule, actions=NORMAL — switches
 * like a learning bridge (xlate_normal: learn the source on the input port, output to the learned
 * port, else flood every port but the input one). A bridge's internal port is a tap device named
 * after it; the datapath's own tap is "ovs-netdev". Ports are not enslaved: `ip link` shows no
 * master, only PROMISC.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { macAt, macBytes } from './frame.js';
import { flowMatches, formatMatch, OFPP_LOCAL, type Flow } from './ovs-flows.js';
import { dev_queue_xmit, netif_receive_skb, type XmitResult } from './netdev.js';
import { BR_AGEING_TIME, fdbOf } from './bridge.js';

/** OVS's default mac-aging-time is 300 s too. */
export const OVS_AGEING_TIME = BR_AGEING_TIME;

export interface OvsBridge {
  readonly name: string;
  /** The internal port's device id; also the key of this bridge's MAC learning table. */
  readonly internal: number;
  /** Port device ids, in the order they were added. */
  readonly ports: number[];
  /** OpenFlow port numbers of the ports (the internal port is LOCAL). */
  readonly ofports: Map<number, number>;
  /** OpenFlow table 0, in the order flows were added. */
  flows: Flow[];
}

/** The lowest OpenFlow port number not in use, as ovs-vswitchd allocates them. */
export function allocOfport(b: OvsBridge): number {
  const used = new Set(b.ofports.values());
  let n = 1;
  while (used.has(n)) n++;
  return n;
}

export function ofportOf(b: OvsBridge, devId: number): number | undefined {
  return devId === b.internal ? OFPP_LOCAL : b.ofports.get(devId);
}

function deviceOfOfport(b: OvsBridge, port: number): number | undefined {
  if (port === OFPP_LOCAL) return b.internal;
  for (const [id, n] of b.ofports) if (n === port) return id;
  return undefined;
}

/** The switch's configuration (the ovsdb a private ovs-vswitchd would hold). */
export interface OvsDb {
  readonly bridges: OvsBridge[];
  /** The netdev datapath's device, made with the first bridge. */
  datapathDevice: number | undefined;
  /** Port names by device id, as the database records them (a port whose device is missing has a negative id). */
  readonly portNames: Map<number, string>;
  /** Bumped by every committed change: the per-frame index is rebuilt when it moves. */
  version: number;
}

const indexes = new WeakMap<OvsDb, { version: number; of: Map<number, OvsBridge> }>();

/** The bridge a device is a port of (the internal port counts), if any; per frame, so indexed. */
export function ovsBridgeOf(w: World, devId: number): OvsBridge | undefined {
  const db = w.ovs;
  if (db.bridges.length === 0) return undefined;
  let idx = indexes.get(db);
  if (!idx || idx.version !== db.version) {
    const of = new Map<number, OvsBridge>();
    for (const b of db.bridges) for (const id of [b.internal, ...b.ports]) of.set(id, b);
    idx = { version: db.version, of };
    indexes.set(db, idx);
  }
  return idx.of.get(devId);
}

function portDevices(w: World, b: OvsBridge): { ns: Namespace; dev: DeviceState }[] {
  const out: { ns: Namespace; dev: DeviceState }[] = [];
  for (const id of [b.internal, ...b.ports]) {
    const d = w.device(id);
    if (d) out.push(d);
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
        if (d) output(w, b, d.ns, d.dev, pkt);
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

/** xlate_normal: the NORMAL action, a learning switch. */
function xlate_normal(w: World, ns: Namespace, b: OvsBridge, inId: number, frame: Uint8Array): void {
  const fdb = fdbOf(w, b.internal);
  const src = macAt(frame, 6);
  const dst = macAt(frame, 0);
  if (((frame[6] as number) & 1) === 0) {
    const e = fdb.get(src);
    if (e && e.port === inId) e.updated = w.loop.now;
    else fdb.set(src, { port: inId, updated: w.loop.now });
  }
  const learned = ((frame[0] as number) & 1) === 0 ? fdb.get(dst) : undefined;
  const live = learned && w.loop.now - learned.updated <= OVS_AGEING_TIME ? learned : undefined;
  if (live) {
    if (live.port === inId) {
      w.trace.drop(w.loop.now, ns.name, b.name, 'xlate_normal', 'NOT_SPECIFIED', `${dst} was learned on the input port`);
      return;
    }
    const out = w.device(live.port);
    if (out) {
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, b.name, 'xlate_normal', `${dst} learned on ${out.dev.name}: output there`);
      output(w, b, out.ns, out.dev, frame);
    }
    return;
  }
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, b.name, 'xlate_normal', `${((frame[0] as number) & 1) === 1 ? 'broadcast' : `${dst} unknown`}: flood`);
  for (const p of portDevices(w, b)) if (p.dev.id !== inId) output(w, b, p.ns, p.dev, frame);
}

/** Output to a port: the internal port's stack receives it; any other port transmits it. */
function output(w: World, b: OvsBridge, ns: Namespace, dev: DeviceState, frame: Uint8Array): void {
  if (!dev.up) return;
  if (dev.id === b.internal) netif_receive_skb(w, ns, dev, frame, 0, true);
  else void dev_queue_xmit(w, ns, dev, frame);
}
