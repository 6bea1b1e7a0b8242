/**
 * The Timeline: one row per event, in tcpdump's words where a capture saw the frame, grouped under the
 * script line that caused it; the filter language (`ns:` `dev:` `stage:arp*` `pkt:` `line:` `drop`,
 * free text); and, with a what-if, the merged rows of both runs marked added, gone and changed.
 */
import type { RunDiff } from './diff.js';
import type { RunView, UiEvent } from './run-view.js';
import { fit, padStart, secs, truncate, where } from './text.js';

export interface FilterTerm {
  readonly field: 'ns' | 'dev' | 'stage' | 'pkt' | 'line' | 'drop' | 'text';
  readonly value: string;
}

export function parseFilter(text: string): FilterTerm[] {
  return text
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => {
      const m = /^(ns|dev|stage|pkt|line):(.*)$/i.exec(w);
      if (m) return { field: (m[1] as string).toLowerCase() as FilterTerm['field'], value: m[2] as string };
      if (w.toLowerCase() === 'drop' || w.toLowerCase() === 'drops') return { field: 'drop', value: '' };
      return { field: 'text', value: w.toLowerCase() };
    });
}

function glob(pattern: string): RegExp {
  const src = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${src}$`, 'i');
}

export function eventMatcher(terms: readonly FilterTerm[], view: RunView): (e: UiEvent) => boolean {
  const tests = terms.map((t): ((e: UiEvent) => boolean) => {
    switch (t.field) {
      case 'ns': {
        const re = glob(t.value);
        return (e) => re.test(e.ns) || (t.value === '' && e.ns === '');
      }
      case 'dev': {
        const re = glob(t.value);
        return (e) => e.dev !== undefined && re.test(e.dev);
      }
      case 'stage': {
        const re = glob(t.value);
        return (e) => re.test(e.stage);
      }
      case 'pkt':
        return (e) => e.pkt !== undefined && String(e.pkt) === t.value;
      case 'line':
        return (e) => e.line !== undefined && String(e.line) === t.value;
      case 'drop':
        return (e) => e.kind === 'drop';
      case 'text':
        return (e) => `${e.ns} ${e.dev ?? ''} ${e.stage} ${e.drop ?? ''} ${e.what} ${view.frameText.get(e.seq) ?? ''}`.toLowerCase().includes(t.value);
    }
  });
  return (e) => tests.every((f) => f(e));
}

export const KIND_MARK: Readonly<Record<UiEvent['kind'], string>> = { step: ' ', drop: '✗', consume: '✓', state: '•' };

/** What a row says about an event: its tcpdump line where a capture saw the frame, a drop's reason first. */
export function eventText(view: RunView, e: UiEvent): string {
  const frame = view.frameText.get(e.seq);
  const what = frame !== undefined ? `${e.stage === 'dev_queue_xmit' ? '→' : '←'} ${frame}` : e.what;
  return e.drop !== undefined ? `${e.drop} ${what}` : what;
}

export interface Columns {
  readonly num: number;
  readonly time: number;
  readonly where: number;
  readonly stage: number;
}

/** Column widths for a pane `w` cells wide: wide panes get an event number and more of each name. */
export function columns(view: RunView, w: number): Columns {
  const last = view.events[view.events.length - 1];
  const time = secs(last?.t ?? 0).length;
  const whereMax = Math.max(2, ...view.events.slice(0, 2000).map((e) => where(e.ns, e.dev).length));
  const stageMax = Math.max(5, ...view.events.slice(0, 2000).map((e) => e.stage.length));
  if (w >= 70) return { num: String(view.events.length).length, time, where: Math.min(whereMax, 14), stage: Math.min(stageMax, 18) };
  return { num: 0, time, where: Math.min(whereMax, 6), stage: Math.min(stageMax, 10) };
}

/** How an event stands in a what-if diff; null: no diff is shown. */
export type DiffMark = 'added' | 'gone' | 'changed' | 'same' | null;

/** One timeline row: selection and kind marks (and the diff's, when shown), optional number, time, place, stage, what. */
export function eventRow(view: RunView, e: UiEvent, cols: Columns, w: number, selected: boolean, diff: DiffMark): string {
  const dm = diff === null ? '' : diff === 'added' ? '+' : diff === 'gone' ? '-' : diff === 'changed' ? '~' : ' ';
  const lead = `${selected ? '▶' : ' '}${dm}${KIND_MARK[e.kind]}`;
  const num = cols.num > 0 ? `${padStart(String(e.seq + 1), cols.num)} ` : '';
  const body = `${num}${secs(e.t).padStart(cols.time)} ${fit(where(e.ns, e.dev), cols.where)} ${fit(e.stage, cols.stage)} ${eventText(view, e)}`;
  return fit(`${lead}${body}`, w);
}

/**
 * The heading row of a script line's group: `─ L9 ping -I veth0 10.1.1.3 -c 2 ───`; 'before' and
 * 'after' head what happens before the first line (the script's namespace being made) and once the
 * last has ended (the network settling: timers, late replies).
 */
export function lineHeading(view: RunView, line: number | 'before' | 'after', w: number): string {
  const rec = typeof line === 'number' ? view.lines.find((l) => l.line === line) : undefined;
  const text = line === 'before' ? '─ before the script ' : line === 'after' ? '─ after the last line: the network settles ' : `─ ${lineName(line)} ${rec?.text ?? ''} `;
  const t = truncate(text, w);
  return t + '─'.repeat(Math.max(0, w - t.length));
}

/** A file line as the UI names it; a what-if's inserted line is '+' before the line it precedes. */
export function lineName(line: number): string {
  return Number.isInteger(line) ? `L${line}` : `+L${Math.ceil(line)}`;
}

export type TimelineItem =
  | { readonly kind: 'event'; readonly seq: number; readonly diff: DiffMark }

  | { readonly kind: 'gone'; readonly base: number }
  | { readonly kind: 'line'; readonly line: number | 'before' | 'after' };

/**
 * The rows of the timeline in order: events of the current run that pass `keep`, headed by their
 * script line, and — when a what-if diff is shown — the original run's events that are gone.
 */
export function timelineItems(view: RunView, keep: (e: UiEvent) => boolean, diff: RunDiff | undefined, base: RunView | undefined): TimelineItem[] {
  const out: TimelineItem[] = [];
  let lastLine: number | 'before' | 'after' | undefined;
  const firstLineSeq = view.events.find((e) => e.line !== undefined)?.seq ?? Infinity;
  const heading = (e: UiEvent) => {
    const line = e.line ?? (e.seq < firstLineSeq ? 'before' : 'after');
    if (line !== lastLine) out.push({ kind: 'line', line });
    lastLine = line;
  };
  if (diff && base) {
    for (const r of diff.rows) {
      if (r.kind === 'gone') {
        const e = base.events[r.a] as UiEvent;
        if (!keep(e)) continue;
        out.push({ kind: 'gone', base: r.a });
        continue;
      }
      const e = view.events[r.b] as UiEvent;
      if (!keep(e)) continue;
      heading(e);
      out.push({ kind: 'event', seq: r.b, diff: r.kind });
    }
    return out;
  }
  for (const e of view.events) {
    if (!keep(e)) continue;
    heading(e);
    out.push({ kind: 'event', seq: e.seq, diff: null });
  }
  return out;
}

/** The first row to show so that row `at` is visible in a window of `h` rows, keeping some context. */
export function windowStart(total: number, at: number, h: number, prev: number): number {
  if (total <= h) return 0;
  const margin = Math.min(3, Math.floor(h / 4));
  let start = prev;
  if (at < start + margin) start = at - margin;
  if (at > start + h - 1 - margin) start = at - h + 1 + margin;
  return Math.max(0, Math.min(start, total - h));
}
