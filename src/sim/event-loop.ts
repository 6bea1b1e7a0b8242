/**
 * Virtual time and the events that fill it. Time is in nanoseconds from the start of the scenario;
 * events at the same instant run in the order they were scheduled, so a run is deterministic.
 * The queue is ordered by (time, sequence): a binary heap, beside FIFO lanes for the common case. Events
 * scheduled `after` the same delay (every veth crossing is "now + 2 µs") come due in the order they
 * were scheduled, because the clock never goes back: each such delay gets a lane of its own, already in
 * order, that costs no sifting. The next event is the earliest of the heap's top and the lanes' heads.
 */
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;

export interface Timer {
  readonly at: number;
  readonly seq: number;
  cancelled: boolean;
  /** A quiet timer can fire without sending anything (a REACHABLE entry going STALE): it does not keep a run alive. */
  readonly quiet: boolean;
  done: boolean;
  /** Called with the two arguments it was scheduled with (`afterCall`); a closure ignores them. */
  readonly run: (a: unknown, b: unknown) => void;
  readonly arg0: unknown;
  readonly arg1: unknown;
}

export class EventLoop {
  now = 0;
  private seq = 0;
  private heap: Timer[] = [];
  /** One per delay seen by `after`, up to MAX_LANES; the rest go to the heap. */
  private lanes: Lane[] = [];
  /** Events run since the start: the storm guard and the benchmark read it. */
  executed = 0;
  /** Live events that may still put a packet on the wire. */
  private loud = 0;

  get pending(): number {
    let n = this.heap.length;
    for (const l of this.lanes) n += l.items.length - l.head;
    return n;
  }

  /** True while something that may send a packet is still scheduled. */
  get busy(): boolean {
    return this.loud > 0;
  }

  at(time: number, run: () => void, quiet = false): Timer {
    return this.push(this.timer(Math.max(time, this.now), run, quiet, undefined, undefined));
  }

  /** Every timer is made here, with the same fields in the same order: the queue's code stays monomorphic. */
  private timer(at: number, run: (a: never, b: never) => void, quiet: boolean, arg0: unknown, arg1: unknown): Timer {
    if (!quiet) this.loud++;
    return { at, seq: this.seq++, cancelled: false, quiet, done: false, run: run as (a: unknown, b: unknown) => void, arg0, arg1 };
  }

  private push(t: Timer): Timer {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, h[p] as Timer)) break;
      h[i] = h[p] as Timer;
      i = p;
    }
    h[i] = t;
    return t;
  }

  after(delay: number, run: () => void, quiet = false): Timer {
    return this.afterCall(delay, run, undefined, undefined, quiet);
  }

  /**
   * `run(a, b)` after `delay`: an event that carries its arguments, so the per-frame paths (a veth
   * crossing) schedule a function they already have instead of making a closure for each frame.
   */
  afterCall<A, B>(delay: number, run: (a: A, b: B) => void, a: A, b: B, quiet = false): Timer {
    let lane: Lane | undefined;
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) if ((lanes[i] as Lane).delay === delay) lane = lanes[i];
    if (lane === undefined && delay >= 0 && lanes.length < MAX_LANES) lanes.push((lane = { delay, items: [], head: 0 }));
    const t = this.timer(Math.max(this.now + delay, this.now), run, quiet, a, b);
    if (lane === undefined) return this.push(t);
    lane.items.push(t);
    return t;
  }

  cancel(t: Timer | undefined): void {
    if (!t || t.cancelled) return;
    t.cancelled = true;
    if (!t.quiet && !t.done) this.loud--;
  }

  /** The earliest of the heap's top and the lanes' heads, taken out. */
  private pop(): Timer | undefined {
    let first = this.heap[0];
    let from: Lane | undefined;
    for (const l of this.lanes) {
      const t = l.items[l.head];
      if (t !== undefined && (first === undefined || before(t, first))) {
        first = t;
        from = l;
      }
    }
    if (from === undefined) return this.popHeap();
    from.items[from.head++] = undefined as unknown as Timer;
    if (from.head === from.items.length) {
      from.items.length = 0;
      from.head = 0;
    } else if (from.head >= 4096 && from.head * 2 >= from.items.length) {
      from.items.splice(0, from.head);
      from.head = 0;
    }
    return first;
  }

  /** The earliest event without taking it out. */
  private peek(): Timer | undefined {
    let first = this.heap[0];
    for (const l of this.lanes) {
      const t = l.items[l.head];
      if (t !== undefined && (first === undefined || before(t, first))) first = t;
    }
    return first;
  }

  private popHeap(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as Timer, h[l] as Timer) ? r : l;
      if (!before(h[c] as Timer, last)) break;
      h[i] = h[c] as Timer;
      i = c;
    }
    h[i] = last;
    return top;
  }

  /** Time of the next live event, or undefined when nothing is scheduled. */
  nextTime(): number | undefined {
    for (;;) {
      const first = this.peek();
      if (first === undefined || !first.cancelled) return first?.at;
      this.pop();
    }
  }

  /** Runs one event; false when there is none. */
  step(): boolean {
    for (;;) {
      const t = this.pop();
      if (t === undefined) return false;
      if (t.cancelled) continue;
      this.now = t.at;
      this.executed++;
      t.done = true;
      if (!t.quiet) this.loud--;
      t.run(t.arg0, t.arg1);
      return true;
    }
  }

  /** Runs every event up to and including `time`, then sets the clock to it. */
  runUntil(time: number, guard?: () => void): void {
    for (let next = this.nextTime(); next !== undefined && next <= time; next = this.nextTime()) {
      this.step();
      guard?.();
    }
    if (time > this.now) this.now = time;
  }
}

/** Distinct delays with a lane: the hops' few constants, and the first timers' delays. */
const MAX_LANES = 8;

interface Lane {
  readonly delay: number;
  readonly items: Timer[];
  head: number;
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
