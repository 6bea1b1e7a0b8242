/**
 * The one place the terminal UI reads a simulator run: its trace, the namespace state history, the
 * per-line records and the captured frames become a RunView, which every pane reads instead. The trace
 * is growing packet identity (`pkt`, `parent`), one sequence shared with the state history (`seq`),
 * event kinds and the script line of each event; what this module derives where a run does not carry
 * them yet is marked, so that switching to the recorded fields stays local to this file.
 */
import type { Scenario } from '../../scenario/scenario.js';
import type { SimRun } from '../../sim/runner.js';
import { LINE_GAP } from '../../sim/runner.js';
import type { DropReason, TraceEvent } from '../../sim/trace.js';
import type { NsState } from '../../sim/state.js';
import { prettyPrintPacket } from '../../capture/tcpdump-print.js';

export type EventKind = 'step' | 'drop' | 'consume' | 'state';

export interface UiEvent {
  /** Index in the run's trace. */
  readonly seq: number;
  /** Virtual time, ns. */
  readonly t: number;
  readonly ns: string;
  readonly dev: string | undefined;
  readonly stage: string;
  readonly what: string;
  readonly drop: DropReason | undefined;
  readonly kind: EventKind;
  /** The packet the event is about (none for a pure state event). */
  readonly pkt: number | undefined;
  /** On a clone's first event: the packet it was cloned from. */
  readonly parent: number | undefined;
  /** The script line (file line) being run when it happened. */
  readonly line: number | undefined;
}

export interface LineRecord {
  /** File line; a what-if's inserted line sits half a line before the one it precedes. */
  readonly line: number;
  readonly text: string;
  readonly background: boolean;
  /** What it printed, when the run recorded output per line. */
  readonly output: string | undefined;
  readonly exit: number | undefined;
  /** The first and last event it produced (none: it produced none). */
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
  /** Virtual time it started and ended at. */
  readonly start: number | undefined;
  readonly end: number | undefined;
}

export interface CaptureFrame {
  readonly t: number;
  /** Printed once the selection reaches this event. */
  readonly seq: number;
  readonly pkt: number | undefined;
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
  /** Whether state is recorded against the trace sequence (exact) or only against virtual time. */
  readonly exactState: boolean;
  /** Whether events carry packet ids, so journeys can be followed. */
  readonly packets: boolean;
  /** Whether the run recorded what each line printed. */
  readonly perLineOutput: boolean;
  /** tcpdump's line for the frame an event handles, where a capture saw that frame. */
  readonly frameText: ReadonlyMap<number, string>;
  /** tcpdump's line for a packet, by packet id, where any capture saw it. */
  readonly packetText: ReadonlyMap<number, string>;
  /** The namespace's state right before event `seq` (events.length: at the end); undefined before it existed. */
  stateBefore(ns: string, seq: number): NsState | undefined;
  /** Its state right after event `seq`, which is the state before the next one. */
  stateAfter(ns: string, seq: number): NsState | undefined;
  /** Every state the namespace had, in order. */
  statesOf(ns: string): readonly NsState[];
  /** The namespace's state when script line `line` starts. */
  stateAtLine(ns: string, line: number): NsState | undefined;
}

/** What a trace event carries once the trace has packet identity and one sequence. */
type RecordedFields = Partial<{ seq: number; pkt: number; parent: number; kind: EventKind; line: number }>;
type RecordedHistory = { readonly ns: string; readonly state: NsState } & Partial<{ seq: number; t: number }>;
type RecordedFrame = { readonly t: number; readonly data: Uint8Array; readonly dir: 'in' | 'out' } & Partial<{ seq: number; pkt: number }>;
type RecordedLine = { readonly line: number; readonly text?: string; readonly output: string; readonly exit?: number; readonly firstSeq?: number; readonly lastSeq?: number; readonly start?: number; readonly end?: number };

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
  const raw = run.world.trace.events as readonly (TraceEvent & RecordedFields)[];
  const recordedLines = (run as SimRun & { lines?: readonly RecordedLine[] }).lines;
  const script = scenario.script;

  // Line of each event: recorded, or the line whose run (from its start to the next one's) covers its time.
  const starts: { line: number; start: number }[] = [];
  {
    let start = 0;
    for (const l of script) {
      starts.push({ line: l.line, start });
      const end = run.ends.get(l.line);
      if (end !== undefined) start = end + LINE_GAP;
    }
  }
  const lineAt = (t: number): number | undefined => {
    const i = partition(starts, (s) => s.start <= t) - 1;
    return i >= 0 ? starts[i]?.line : undefined;
  };

  const events: UiEvent[] = raw.map((e, i) => ({
    seq: e.seq ?? i,
    t: e.t,
    ns: e.ns,
    dev: e.dev,
    stage: e.stage,
    what: e.what,
    drop: e.drop,
    kind: e.kind ?? (e.drop !== undefined ? 'drop' : 'step'),
    pkt: e.pkt,
    parent: e.parent,
    line: e.line ?? lineAt(e.t),
  }));
  const packets = raw.some((e) => e.pkt !== undefined);

  // History per namespace, keyed by the number of events recorded before each change. Without a recorded
  // sequence, a change counts as made after every event of its instant (the state "as of the end of it").
  const history = run.world.history as readonly RecordedHistory[];
  const exactState = history.length > 0 && history.every((h) => h.seq !== undefined);
  const byNs = new Map<string, { seq: number; state: NsState }[]>();
  for (const h of history) {
    const seq = h.seq ?? partition(events, (e) => e.t <= (h.t ?? 0));
    let list = byNs.get(h.ns);
    if (!list) byNs.set(h.ns, (list = []));
    // A namespace made again under an old name starts a new life; the list stays ordered by seq.
    list.push({ seq, state: h.state });
  }
  const byNsTime = new Map<string, { t: number; state: NsState }[]>();
  for (const h of history) {
    let list = byNsTime.get(h.ns);
    if (!list) byNsTime.set(h.ns, (list = []));
    list.push({ t: h.t ?? 0, state: h.state });
  }
  const stateBefore = (ns: string, seq: number): NsState | undefined => {
    const list = byNs.get(ns);
    if (!list) return undefined;
    const i = partition(list, (x) => x.seq <= seq) - 1;
    return i >= 0 ? list[i]?.state : undefined;
  };

  // Line records: recorded per line, or built from the exit status and end time the runner keeps.
  const lines: LineRecord[] = script.map((l, i) => {
    const rec = recordedLines?.find((r) => r.line === l.line);
    const start = rec?.start ?? starts[i]?.start;
    let firstSeq = rec?.firstSeq;
    let lastSeq = rec?.lastSeq;
    if (!rec) {
      const mine = events.filter((e) => e.line === l.line);
      firstSeq = mine[0]?.seq;
      lastSeq = mine[mine.length - 1]?.seq;
    }
    return {
      line: l.line,
      text: rec?.text ?? l.text,
      background: l.background,
      output: rec?.output,
      exit: rec?.exit ?? run.exits.get(l.line),
      firstSeq,
      lastSeq,
      start,
      end: rec?.end ?? run.ends.get(l.line),
    };
  });

  const captures: CaptureView[] = run.captures.map((c, ci) => {
    const printed = (run.report.captures[ci]?.text ?? '').split('\n');
    const frames = c.frames as readonly RecordedFrame[];
    const sameCount = printed.length - 1 === frames.length;
    return {
      point: c.point,
      frames: frames.map((f, i) => ({
        t: f.t,
        // Without a recorded sequence: printed once the last event of its instant is reached.
        seq: f.seq ?? partition(events, (e) => e.t <= f.t) - 1,
        pkt: f.pkt,
        data: f.data,
        dir: f.dir,
        text: sameCount ? (printed[i] as string) : prettyPrintPacket(f.data, { linkHeader: false }),
      })),
    };
  });

  // Tie each captured frame to the event at which its device handled it: by packet id when events carry
  // one, else to the first event of the same instant on the same device (dev_queue_xmit for frames sent).
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

  return {
    scenario,
    run,
    frameText,
    packetText,
    events,
    lines,
    captures,
    namespaces: [...byNs.keys()],
    exactState,
    packets,
    perLineOutput: recordedLines !== undefined,
    stateBefore,
    stateAfter: (ns, seq) => stateBefore(ns, seq + 1),
    statesOf: (ns) => (byNs.get(ns) ?? []).map((x) => x.state),
    stateAtLine: (ns, line) => {
      const rec = lines.find((l) => l.line === line);
      // Recorded against the sequence, a line that changes anything records an event first.
      if (exactState) return stateBefore(ns, rec?.firstSeq ?? partition(events, (e) => (e.line ?? -Infinity) < line));
      // Otherwise by time: what had happened before the line started (lines are LINE_GAP apart).
      const list = byNsTime.get(ns) ?? [];
      const i = partition(list, (x) => x.t < (rec?.start ?? 0)) - 1;
      // The script's own namespace is there before the first line, though made at the same instant.
      return list[ns === '' ? Math.max(i, 0) : i]?.state;
    },
  };
}
