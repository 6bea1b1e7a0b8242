/**
 * The one place the terminal UI reads a simulator run: its trace (every event with its sequence number,
 * packet, kind and script line), the state history recorded against the same sequence, the per-line
 * records and the captured frames become a RunView, which every pane reads instead.
 */
import type { Scenario } from '../../scenario/scenario.js';
import type { SimRun } from '../../runner/simulate.js';
import type { TraceEvent, TraceKind } from '../../sim/trace.js';
import type { NsState } from '../../sim/state.js';
import type { HistoryEntry } from '../../sim/world.js';
import { prettyPrintPacket } from '../../capture/tcpdump-print.js';

export type EventKind = TraceKind;

/** A trace event as the UI reads it: its sequence number, packet, parent, kind and script line. */
export type UiEvent = TraceEvent;

export interface LineRecord {
  /** File line; a what-if's inserted line sits half a line before the one it precedes. */
  readonly line: number;
  readonly text: string;
  readonly background: boolean;
  /** What it printed (stdout then stderr). */
  readonly output: string;
  readonly exit: number | undefined;
  /** The first and last event it produced (none: it produced none). */
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
  /** Virtual time it started and ended at. */
  readonly start: number;
  readonly end: number;
}

export interface CaptureFrame {
  readonly t: number;
  /** Printed once the selection reaches this event. */
  readonly seq: number;
  readonly pkt: number;
  readonly data: Uint8Array;
  readonly dir: 'in' | 'out';
  /** The line tcpdump printed for it. */
  readonly text: string;
}

export interface CaptureView {
  readonly point: string;
  readonly frames: readonly CaptureFrame[];
}

export interface RunView {
  readonly scenario: Scenario;
  readonly run: SimRun;
  readonly events: readonly UiEvent[];
  readonly lines: readonly LineRecord[];
  readonly captures: readonly CaptureView[];
  /** Every namespace the run ever had, in creation order. */
  readonly namespaces: readonly string[];
  /** Whether events carry packet ids, so journeys can be followed (they do when the run kept its trace). */
  readonly packets: boolean;
  /** tcpdump's line for the frame an event handles, where a capture saw that frame. */
  readonly frameText: ReadonlyMap<number, string>;
  /** tcpdump's line for a packet, by packet id, where any capture saw it. */
  readonly packetText: ReadonlyMap<number, string>;
  /** The namespace's state right before event `seq` (events.length: at the end); undefined before it existed. */
  stateBefore(ns: string, seq: number): NsState | undefined;
  /** Its state right after event `seq`, which is the state before the next one. */
  stateAfter(ns: string, seq: number): NsState | undefined;
  /**
   * The state as the UI shows it at event `seq`: with the changes that event reports. A layer changes its
   * state and then records the event that says so ("veth0 is up", "10.1.1.3 -> INCOMPLETE", an ARP probe
   * counted and sent), so the changes recorded at an event's position — the state before it — are its own.
   */
  stateAt(ns: string, seq: number): NsState | undefined;
  /** Every state the namespace had, in order. */
  statesOf(ns: string): readonly NsState[];
  /** The namespace's state when script line `line` starts. */
  stateAtLine(ns: string, line: number): NsState | undefined;
  /** A device's name by world-wide id (`ns/name` outside the script's namespace), wherever it lived last. */
  peerName(id: number): string | undefined;
  /** The runtime tables named `table` as the UI shows them at event `seq` (as stateAt), by key. */
  tablesAt(table: string, seq: number): ReadonlyMap<string, readonly unknown[]>;
}

/** Index of the first element for which `before` is false, in an array where it is true then false. */
export function partition<T>(xs: readonly T[], before: (x: T) => boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(xs[mid] as T)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The events where a device hands a whole frame on ("42 bytes out", "98 bytes in, host", "looped back"). */
const FRAME_EVENT = /^\d+ bytes (in|out|looped)/;

export function runView(scenario: Scenario, run: SimRun): RunView {
  const events: readonly UiEvent[] = run.world.trace.events;
  const packets = events.some((e) => e.pkt !== undefined);

  // History per namespace and per runtime table, keyed by the number of events recorded before each change.
  const history = run.world.history as readonly HistoryEntry[];
  const byNs = new Map<string, { seq: number; t: number; state: NsState }[]>();
  const byTable = new Map<string, { seq: number; key: string; rows: readonly unknown[] }[]>();
  for (const h of history) {
    if ('ns' in h) {
      let list = byNs.get(h.ns);
      if (!list) byNs.set(h.ns, (list = []));
      list.push({ seq: h.seq, t: h.t, state: h.state });
    } else {
      let list = byTable.get(h.table);
      if (!list) byTable.set(h.table, (list = []));
      list.push({ seq: h.seq, key: h.key, rows: h.rows });
    }
  }
  const stateBefore = (ns: string, seq: number): NsState | undefined => {
    const list = byNs.get(ns);
    if (!list) return undefined;
    const i = partition(list, (x) => x.seq <= seq) - 1;
    return i >= 0 ? list[i]?.state : undefined;
  };

  const lines: LineRecord[] = run.lines.map((rec) => {
    const l = scenario.script.find((x) => x.line === rec.line);
    return {
      line: rec.line,
      text: rec.text,
      background: l?.background ?? false,
      output: rec.output,
      exit: rec.exit,
      firstSeq: rec.endSeq > rec.firstSeq ? rec.firstSeq : undefined,
      lastSeq: rec.endSeq > rec.firstSeq ? rec.endSeq - 1 : undefined,
      start: rec.start,
      end: rec.end,
    };
  });

  const captures: CaptureView[] = run.captures.map((c, ci) => {
    const printed = (run.report.captures[ci]?.text ?? '').split('\n');
    const sameCount = printed.length - 1 === c.frames.length;
    return {
      point: c.point,
      frames: c.frames.map((f, i) => ({
        t: f.t,
        // Captured while the event at this position was being made: printed from that event on.
        seq: f.seq,
        pkt: f.pkt,
        data: f.data,
        dir: f.dir,
        text: sameCount ? (printed[i] as string) : prettyPrintPacket(f.data, { linkHeader: false }),
      })),
    };
  });

  // Tie each captured frame to the event at which its device handled it: the same packet on the same
  // device at the same instant (dev_queue_xmit for a frame sent, the receiving stage for one received).
  const frameText = new Map<number, string>();
  const packetText = new Map<number, string>();
  scenario.captures.forEach((spec, ci) => {
    const view = captures.find((c) => c.point === spec.point) ?? captures[ci];
    if (!view) return;
    const ns = spec.netns ?? '';
    const mine = events.filter((e) => e.ns === ns && e.dev === spec.iface);
    const used = new Set<number>();
    let from = 0;
    for (const f of view.frames) {
      if (f.pkt !== undefined && !packetText.has(f.pkt)) packetText.set(f.pkt, f.text);
      while (from < mine.length && (mine[from] as UiEvent).t < f.t) from++;
      for (let i = from; i < mine.length && (mine[i] as UiEvent).t === f.t; i++) {
        const e = mine[i] as UiEvent;
        if (used.has(e.seq) || (e.stage === 'dev_queue_xmit') !== (f.dir === 'out')) continue;
        if (f.pkt !== undefined && e.pkt !== f.pkt) continue;
        used.add(e.seq);
        frameText.set(e.seq, f.text);
        break;
      }
    }
  });
  if (packets) for (const e of events) if (e.pkt !== undefined && FRAME_EVENT.test(e.what) && !frameText.has(e.seq) && packetText.has(e.pkt)) frameText.set(e.seq, packetText.get(e.pkt) as string);

  const names = new Map<number, string | undefined>();
  return {
    scenario,
    run,
    frameText,
    packetText,
    events,
    lines,
    captures,
    namespaces: [...byNs.keys()],
    packets,
    stateBefore,
    stateAfter: (ns, seq) => stateBefore(ns, seq + 1),
    stateAt: stateBefore,
    statesOf: (ns) => (byNs.get(ns) ?? []).map((x) => x.state),
    peerName: (id) => {
      const cached = names.get(id);
      if (cached !== undefined || names.has(id)) return cached;
      let found: string | undefined;
      for (const [ns, list] of byNs) {
        const end = list[list.length - 1]?.state;
        const d = end && Object.values(end.devices).find((x) => x.id === id);
        if (d) found = `${ns === '' ? '' : `${ns}/`}${d.name}`;
      }
      if (found === undefined)
        for (const [ns, list] of byNs) for (const x of list) for (const d of Object.values(x.state.devices)) if (d.id === id) found = `${ns === '' ? '' : `${ns}/`}${d.name}`;
      names.set(id, found);
      return found;
    },
    stateAtLine: (ns, line) => {
      const rec = run.lines.find((l) => l.line === line);
      if (!rec) return undefined;
      // Everything recorded before the line's first event position, and at that position only what the
      // line before it left behind (its last changes, made before the line started).
      const list = byNs.get(ns) ?? [];
      const i = partition(list, (x) => x.seq < rec.firstSeq || (x.seq === rec.firstSeq && x.t < rec.start)) - 1;
      return i >= 0 ? list[i]?.state : undefined;
    },
    tablesAt: (table, seq) => {
      const out = new Map<string, readonly unknown[]>();
      const list = byTable.get(table) ?? [];
      const end = partition(list, (x) => x.seq <= seq);
      for (let i = 0; i < end; i++) out.set((list[i] as { key: string }).key, (list[i] as { rows: readonly unknown[] }).rows);
      return out;
    },
  };
}
