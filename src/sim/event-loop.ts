/**
 * Virtual time and the events that fill it. Time is in nanoseconds from the start of the scenario;
 * events at the same instant run in the order they were scheduled, so a run is deterministic.
 * The queue is a binary heap ordered by (time, sequence).
 */
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;

export interface Timer {
  readonly at: number;
  readonly seq: number;
  cancelled: boolean;
  /** A quiet timer can fire without sending anything (a REACHABLE entry going STALE): it does not keep a run alive. */
  readonly quiet: boolean;
  done?: boolean;
  readonly run: () => void;
}

export class EventLoop {
  now = 0;
  private seq = 0;
  private heap: Timer[] = [];
  /** Events run since the start: the storm guard and the benchmark read it. */
  executed = 0;
  /** Live events that may still put a packet on the wire. */
  private loud = 0;

  get pending(): number {
    return this.heap.length;
  }

  /** True while something that may send a packet is still scheduled. */
  get busy(): boolean {
    return this.loud > 0;
  }

  at(time: number, run: () => void, quiet = false): Timer {
    const t: Timer = { at: Math.max(time, this.now), seq: this.seq++, cancelled: false, quiet, run };
    if (!quiet) this.loud++;
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
    return this.at(this.now + delay, run, quiet);
  }

  cancel(t: Timer | undefined): void {
    if (!t || t.cancelled) return;
    t.cancelled = true;
    if (!t.quiet && !t.done) this.loud--;
  }

  private pop(): Timer | undefined {
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
    while (this.heap.length > 0 && (this.heap[0] as Timer).cancelled) this.pop();
    return this.heap[0]?.at;
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
      t.run();
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

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
