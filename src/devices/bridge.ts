/**
 * The Linux bridge (net/bridge): br_handle_frame takes what arrives on a port — learns the source MAC
 * on that port (br_fdb_update), then delivers to the bridge's own stack (br_pass_frame_up), forwards
 * to the learned port (br_forward), or floods every other port (br_flood). br_dev_xmit sends what the
 * bridge device itself transmits. STP is off, as by default: a port forwards as soon as it is up.
 */
import { NS_PER_SEC } from '../sim/event-loop.js';
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { macAt } from './frame.js';
import { dev_queue_xmit, netif_receive_skb, type XmitResult } from './netdev.js';

/** Default ageing_time: 300 s. */
export const BR_AGEING_TIME = 300 * NS_PER_SEC;

export interface FdbEntry {
  readonly port: number;
  updated: number;
}

/** A bridge's forwarding database, by MAC, keyed by the bridge's device id. */
export function fdbOf(w: World, bridgeId: number): Map<string, FdbEntry> {
  let fdb = w.fdbs.get(bridgeId);
  if (!fdb) {
    fdb = new Map();
    w.fdbs.set(bridgeId, fdb);
  }
  return fdb;
}

/** Ports and port MACs of every bridge of a namespace, computed once per devices table (it is immutable). */
const portIndex = new WeakMap<object, Map<number, { ports: DeviceState[]; macs: Set<string> }>>();

function bridgePorts(ns: Namespace, bridgeId: number): { ports: DeviceState[]; macs: Set<string> } {
  let idx = portIndex.get(ns.state.devices);
  if (!idx) {
    idx = new Map();
    for (const k in ns.state.devices) {
      const d = ns.state.devices[k as unknown as number] as DeviceState;
      if (d.master === undefined) continue;
      let e = idx.get(d.master);
      if (!e) idx.set(d.master, (e = { ports: [], macs: new Set() }));
      e.ports.push(d);
      e.macs.add(d.mac);
    }
    // The bridge's port list: newest port first (br_add_if adds at the head).
    for (const e of idx.values()) e.ports.sort((a, b) => (b.portJoined ?? 0) - (a.portJoined ?? 0));
    portIndex.set(ns.state.devices, idx);
  }
  return idx.get(bridgeId) ?? { ports: [], macs: new Set() };
}

/** br_fdb_delete_by_port: a port that leaves its bridge takes what was learned on it along. */
export function br_fdb_delete_by_port(w: World, bridgeId: number, portId: number): void {
  const fdb = w.fdbs.get(bridgeId);
  if (!fdb) return;
  for (const [mac, e] of fdb) if (e.port === portId) fdb.delete(mac);
}

function portsOf(ns: Namespace, bridgeId: number): DeviceState[] {
  return bridgePorts(ns, bridgeId).ports;
}

/** Is `mac` the bridge's own, or one of its ports' (the fdb's local, permanent entries)? */
function isLocalMac(ns: Namespace, bridge: DeviceState, mac: string): boolean {
  return bridge.mac === mac || bridgePorts(ns, bridge.id).macs.has(mac);
}

function lookup(w: World, bridge: DeviceState, mac: string): FdbEntry | undefined {
  const e = fdbOf(w, bridge.id).get(mac);
  if (!e) return undefined;
  return w.loop.now - e.updated > (bridge.bridgeAgeing ?? BR_AGEING_TIME) ? undefined : e;
}

function br_flood(w: World, ns: Namespace, bridge: DeviceState, frame: Uint8Array, except: number | undefined): void {
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, bridge.name, 'br_flood', `flooding to every port${except === undefined ? '' : ' but the ingress'}`);
  for (const p of portsOf(ns, bridge.id)) {
    if (p.id === except || !p.up) continue;
    void dev_queue_xmit(w, ns, p, frame);
  }
}

function br_forward(w: World, ns: Namespace, bridge: DeviceState, frame: Uint8Array, port: DeviceState): XmitResult {
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, bridge.name, 'br_forward', `to ${port.name} (learned)`);
  return dev_queue_xmit(w, ns, port, frame);
}

/** br_handle_frame → br_handle_frame_finish, for a frame received on `port`. */
export function br_handle_frame(w: World, ns: Namespace, port: DeviceState, frame: Uint8Array): void {
  const here = port.master === undefined ? undefined : w.device(port.master);
  if (!here || !here.dev.up) {
    w.trace.drop(w.loop.now, ns.name, port.name, 'br_handle_frame', 'DEV_READY', 'the bridge is down: its ports are disabled');
    return;
  }
  const bridge = here.dev;
  const src = macAt(frame, 6);
  const dst = macAt(frame, 0);
  // br_fdb_update: learn where the source lives (never a group address, never our own).
  if (((frame[6] as number) & 1) === 0 && !isLocalMac(ns, bridge, src)) {
    const fdb = fdbOf(w, bridge.id);
    const e = fdb.get(src);
    if (e && e.port === port.id) e.updated = w.loop.now;
    else fdb.set(src, { port: port.id, updated: w.loop.now });
  }
  if (((frame[0] as number) & 1) === 1) {
    br_flood(w, ns, bridge, frame, port.id);
    return br_pass_frame_up(w, ns, bridge, frame);
  }
  if (isLocalMac(ns, bridge, dst)) return br_pass_frame_up(w, ns, bridge, frame);
  const e = lookup(w, bridge, dst);
  if (!e) return br_flood(w, ns, bridge, frame, port.id);
  if (e.port === port.id) {
    w.trace.drop(w.loop.now, ns.name, port.name, 'br_handle_frame', 'NOT_SPECIFIED', `${dst} lives behind the port it came in on`);
    return;
  }
  const out = w.device(e.port);
  if (out && out.ns === ns) void br_forward(w, ns, bridge, frame, out.dev);
}

/** br_pass_frame_up: the bridge device receives it, as any device would. */
function br_pass_frame_up(w: World, ns: Namespace, bridge: DeviceState, frame: Uint8Array): void {
  netif_receive_skb(w, ns, bridge, frame, 0);
}

/** br_dev_xmit: what the bridge's own stack sends goes to the learned port, or everywhere. */
export function br_dev_xmit(w: World, ns: Namespace, bridge: DeviceState, frame: Uint8Array): XmitResult {
  if (((frame[0] as number) & 1) === 1) {
    br_flood(w, ns, bridge, frame, undefined);
    return 'ok';
  }
  const e = lookup(w, bridge, macAt(frame, 0));
  const out = e ? w.device(e.port) : undefined;
  if (!out || out.ns !== ns) {
    br_flood(w, ns, bridge, frame, undefined);
    return 'ok';
  }
  return br_forward(w, ns, bridge, frame, out.dev);
}
