/**
 * Reading the state history (World.history, kept when a run asks for it): the state of every namespace,
 * and of the runtime tables kept beside them, as it was right before a given trace event. State changes
 * are recorded against the trace position they happened at, so "before event N" is exact even among
 * the many events of one virtual instant, and "after event N" is "before event N+1".
 */
import type { NsState } from './state.js';
import type { HistoryEntry } from './world.js';

export interface StateAt {
  /** Each namespace's state, by name ('' is the script's own); a namespace not made yet is absent. */
  readonly namespaces: ReadonlyMap<string, NsState>;
  /** The runtime tables (a bridge's fdb, OVS's MAC table): by `table/key`, their rows. */
  readonly tables: ReadonlyMap<string, readonly unknown[]>;
}

/** The first history index whose entry was recorded at a trace position after `seq` (binary search). */
function upperBound(history: readonly HistoryEntry[], seq: number): number {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((history[mid] as HistoryEntry).seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The state right before trace event `seq` (with seq = the number of events: after the last one). */
export function stateBefore(history: readonly HistoryEntry[], seq: number): StateAt {
  const namespaces = new Map<string, NsState>();
  const tables = new Map<string, readonly unknown[]>();
  const end = upperBound(history, seq);
  for (let i = 0; i < end; i++) {
    const h = history[i] as HistoryEntry;
    if ('ns' in h) namespaces.set(h.ns, h.state);
    else tables.set(`${h.table}/${h.key}`, h.rows);
  }
  return { namespaces, tables };
}

/** The state right after trace event `seq`. */
export function stateAfter(history: readonly HistoryEntry[], seq: number): StateAt {
  return stateBefore(history, seq + 1);
}
