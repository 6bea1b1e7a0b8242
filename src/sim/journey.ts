/**
 * Packets' journeys, read off the trace: every event about a packet, grouped by the packet the kernel
 * built first and every clone made from it (a flood's copies, a broadcast's looped copy, a raw
 * socket's, fragments), in trace order — what pwru and Retis show per skb.
 */
import type { TraceEvent } from './trace.js';

export interface Journey {
  /** The packet built first: not a clone of any other. */
  readonly root: number;
  /** The root and its clones, each with the packet it was cloned from (0 for the root). */
  readonly packets: readonly { readonly id: number; readonly parent: number }[];
  /** Every event about any of them, in trace order. */
  readonly events: readonly TraceEvent[];
}

/** The journeys of a trace, in the order their first event came. */
export function journeys(events: readonly TraceEvent[]): Journey[] {
  const parentOf = new Map<number, number>();
  for (const e of events) if (e.pkt !== undefined && !parentOf.has(e.pkt)) parentOf.set(e.pkt, e.parent ?? 0);
  const rootOf = (id: number): number => {
    let r = id;
    for (let p = parentOf.get(r) ?? 0; p !== 0 && parentOf.has(p); p = parentOf.get(r) ?? 0) r = p;
    return r;
  };
  const byRoot = new Map<number, { packets: { id: number; parent: number }[]; events: TraceEvent[] }>();
  for (const e of events) {
    if (e.pkt === undefined) continue;
    const root = rootOf(e.pkt);
    let j = byRoot.get(root);
    if (!j) byRoot.set(root, (j = { packets: [], events: [] }));
    if (!j.packets.some((p) => p.id === e.pkt)) j.packets.push({ id: e.pkt, parent: parentOf.get(e.pkt) ?? 0 });
    j.events.push(e);
  }
  return [...byRoot].map(([root, j]) => ({ root, packets: j.packets, events: j.events }));
}

/** The one event that ended a packet (its consume or drop), if it has ended. */
export function packetEnd(j: Journey, id: number): TraceEvent | undefined {
  return j.events.find((e) => e.pkt === id && (e.kind === 'consume' || e.kind === 'drop'));
}
