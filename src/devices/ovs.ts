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
import { macAt } from './frame.js';
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

export function ovsDb(w: World): OvsDb {
  return w.ovs;
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

/** ovs_dp_process_packet → xlate_normal, for a frame that came in on port `inId`. */
export function ovs_dp_process_packet(w: World, ns: Namespace, b: OvsBridge, inId: number, frame: Uint8Array): XmitResult {
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
      return 'ok';
    }
    const out = w.device(live.port);
    if (out) {
      if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, b.name, 'xlate_normal', `${dst} learned on ${out.dev.name}: output there`);
      output(w, b, out.ns, out.dev, frame);
    }
    return 'ok';
  }
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, b.name, 'xlate_normal', `${((frame[0] as number) & 1) === 1 ? 'broadcast' : `${dst} unknown`}: flood`);
  for (const p of portDevices(w, b)) if (p.dev.id !== inId) output(w, b, p.ns, p.dev, frame);
  return 'ok';
}

/** Output to a port: the internal port's stack receives it; any other port transmits it. */
function output(w: World, b: OvsBridge, ns: Namespace, dev: DeviceState, frame: Uint8Array): void {
  if (!dev.up) return;
  if (dev.id === b.internal) netif_receive_skb(w, ns, dev, frame, 0, true);
  else void dev_queue_xmit(w, ns, dev, frame);
}
