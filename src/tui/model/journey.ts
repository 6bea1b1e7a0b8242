/**
 * Packet journeys, as pwru and Retis sort a trace: every event of one packet from where it was built
 * to where it ended (consumed, dropped, or still on its way when the run ended), and its clones — a
 * flood's copies, a broadcast looped back, an OVS output to several ports, fragments — each a packet of
 * its own that names the one it came from.
 */
import type { RunView, UiEvent } from './run-view.js';

export interface Packet {
  readonly id: number;
  readonly parent: number | undefined;
  readonly children: readonly number[];
  /** Its events, in order. */
  readonly seqs: readonly number[];
}

export interface PacketIndex {
  readonly packets: ReadonlyMap<number, Packet>;
}

const indexes = new WeakMap<RunView, PacketIndex>();

export function packetIndex(view: RunView): PacketIndex {
  const cached = indexes.get(view);
  if (cached) return cached;
  const seqs = new Map<number, number[]>();
  const parent = new Map<number, number>();
  const children = new Map<number, number[]>();
  for (const e of view.events) {
    if (e.pkt === undefined) continue;
    let list = seqs.get(e.pkt);
    if (!list) {
      seqs.set(e.pkt, (list = []));
      if (e.parent !== undefined) {
        parent.set(e.pkt, e.parent);
        let c = children.get(e.parent);
        if (!c) children.set(e.parent, (c = []));
        c.push(e.pkt);
      }
    }
    list.push(e.seq);
  }
  const packets = new Map<number, Packet>();
  for (const [id, s] of seqs) packets.set(id, { id, parent: parent.get(id), children: children.get(id) ?? [], seqs: s });
  const idx = { packets };
  indexes.set(view, idx);
  return idx;
}

/** The packet and the ones it was cloned from, oldest first. */
export function lineage(idx: PacketIndex, id: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let p: number | undefined = id; p !== undefined && !seen.has(p); p = idx.packets.get(p)?.parent) {
    seen.add(p);
    out.unshift(p);
  }
  return out;
}

/** Every packet descending from `id`, itself included. */
export function family(idx: PacketIndex, id: number): Set<number> {
  const out = new Set<number>();
  const todo = [id];
  while (todo.length > 0) {
    const p = todo.pop() as number;
    if (out.has(p)) continue;
    out.add(p);
    todo.push(...(idx.packets.get(p)?.children ?? []));
  }
  return out;
}

/** The packet a journey of `id` is told from: its first ancestor. */
export function root(idx: PacketIndex, id: number): number {
  return lineage(idx, id)[0] ?? id;
}

export type Ending = { readonly kind: 'drop' | 'consume'; readonly event: UiEvent } | { readonly kind: 'in-flight'; readonly event: UiEvent | undefined };

/** How a packet's own journey ended. */
export function ending(view: RunView, p: Packet): Ending {
  const ends = p.seqs.map((s) => view.events[s] as UiEvent).filter((e) => e.kind === 'drop' || e.kind === 'consume');
  const last = ends[ends.length - 1];
  if (last) return { kind: last.kind as 'drop' | 'consume', event: last };
  return { kind: 'in-flight', event: view.events[p.seqs[p.seqs.length - 1] ?? -1] };
}

/**
 * The events to tell for the journey of packet `id`: each ancestor's events up to where the next one was
 * cloned off, then the packet's own.
 */
export function journeyEvents(view: RunView, idx: PacketIndex, id: number): UiEvent[] {
  const chain = lineage(idx, id);
  const out: UiEvent[] = [];
  for (let i = 0; i < chain.length; i++) {
    const p = idx.packets.get(chain[i] as number);
    if (!p) continue;
    const next = chain[i + 1] === undefined ? undefined : idx.packets.get(chain[i + 1] as number);
    const until = next?.seqs[0] ?? Infinity;
    for (const s of p.seqs) if (s < until) out.push(view.events[s] as UiEvent);
  }
  return out;
}
