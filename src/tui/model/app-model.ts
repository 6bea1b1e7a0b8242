/**
 * The UI's state and what every key does to it, without ink: the picker, the selected event, focus and
 * zoom, prompts (go to, filter), following a packet, what-ifs and their diff, help, playing. Each key
 * makes a new state object, so the panes can memoise on what they read. Rendering is elsewhere
 * (src/tui/components); this file is unit-tested on its own.
 */
import { loadScenario } from '../../scenario/load.js';
import { ScenarioErrors } from '../../scenario/errors.js';
import { SimulationError } from '../../runner/simulate.js';
import { exportPcaps, type PcapWriterFn } from './captures.js';
import { family, packetIndex, root } from './journey.js';
import { decodeKeys, HELP, type Key, type KeyFlags } from './keys.js';
import { isWide, layout, PANES, rightWidth, tooSmall, type Layout, type PaneId } from './layout.js';
import { topologyRows } from './topology.js';
import { filterEntries, pickerEntries, type PickerEntry } from './picker.js';
import type { RunView, UiEvent } from './run-view.js';
import { openSession, type Session, type WhatIfRun } from './session.js';
import { eventMatcher, parseFilter, timelineItems, windowStart, type TimelineItem } from './timeline.js';
import { changeLabel, insertionLine, knobChange, knobLabel, knobsAt, type Change, type Knob } from './whatif.js';
import { suggestedChange } from './why.js';
import { nsLabel, secs } from './text.js';
import { partition } from './run-view.js';

export type Mode = 'normal' | 'help' | 'goto' | 'filter' | 'whatif';

export interface WhatIfMenu {
  readonly cursor: number;
  readonly query: string;
  /** The value chosen for the row under the cursor (←/→), when not the default flip. */
  readonly value: number | undefined;
  /** The line the change will be put before. */
  readonly before: number;
  readonly knobs: readonly Knob[];
}

export interface RunState {
  readonly session: Session;
  /** The selected event: an index into the current run's events. */
  readonly sel: number;
  readonly focus: PaneId;
  /** The pane beside the timeline in the narrow layout. */
  readonly side: PaneId;
  readonly zoom: boolean;
  readonly mode: Mode;
  /** What is being typed at the go-to or filter prompt. */
  readonly prompt: string;
  readonly filter: string;
  /** The packet being followed (its first ancestor): stepping stays on it and its clones. */
  readonly follow: number | undefined;
  readonly scroll: Readonly<Partial<Record<PaneId, number>>>;
  /** Applied what-ifs, oldest first; all of them apply to the run shown. */
  readonly changes: readonly Change[];
  readonly showDiff: boolean;
  readonly menu: WhatIfMenu | undefined;
  /** The namespace the State pane shows; undefined: the selected event's. */
  readonly stateNs: string | undefined;
  readonly help: { readonly scroll: number; readonly query: string; readonly searching: boolean };
  readonly playing: boolean;
  /** Events per second while playing. */
  readonly speed: number;
  readonly message: string | undefined;
  /** The first timeline row on screen, kept so the window moves only when the selection leaves it. */
  readonly timelineTop: number;
}

export interface PickerState {
  readonly entries: readonly PickerEntry[];
  readonly query: string;
  readonly cursor: number;
  readonly error: string | undefined;
}

export interface AppState {
  readonly screen: 'picker' | 'run';
  readonly picker: PickerState;
  readonly run: RunState | undefined;
  readonly columns: number;
  readonly rows: number;
  readonly quit: boolean;
}

export interface ModelOptions {
  /** Scenario files the picker lists (the bundled ones when the user gave none). */
  readonly files: readonly string[];
  readonly seed: number;
  /** Where `e` writes pcap files, and how. */
  readonly pcapDir: string;
  readonly writePcaps: PcapWriterFn;
  readonly columns: number;
  readonly rows: number;
  /** Opened right away (one file given, or a test). */
  readonly open?: Session;
}

export const SPEEDS = [1, 2, 5, 10, 20, 50] as const;

function newRun(session: Session): RunState {
  return {
    session,
    sel: 0,
    focus: 'timeline',
    side: 'why',
    zoom: false,
    mode: 'normal',
    prompt: '',
    filter: '',
    follow: undefined,
    scroll: {},
    changes: [],
    showDiff: true,
    menu: undefined,
    stateNs: undefined,
    help: { scroll: 0, query: '', searching: false },
    playing: false,
    speed: 5,
    message: undefined,
    timelineTop: 0,
  };
}

export class TuiModel {
  state: AppState;
  private readonly memo = new Map<string, { deps: readonly unknown[]; value: unknown }>();

  constructor(readonly opts: ModelOptions) {
    const picker: PickerState = { entries: [], query: '', cursor: 0, error: undefined };
    this.state = { screen: opts.open ? 'run' : 'picker', picker, run: opts.open ? newRun(opts.open) : undefined, columns: opts.columns, rows: opts.rows, quit: false };
    if (!opts.open) this.state = { ...this.state, picker: { ...picker, entries: pickerEntries(opts.files) } };
  }

  /** A value computed once per set of inputs (compared by identity). */
  private cached<T>(key: string, deps: readonly unknown[], f: () => T): T {
    const hit = this.memo.get(key);
    if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.value as T;
    const value = f();
    this.memo.set(key, { deps, value });
    return value;
  }

  // ---- derived --------------------------------------------------------------------------------

  get run(): RunState | undefined {
    return this.state.run;
  }

  /** The what-if run for the applied changes (none applied: undefined). */
  whatIf(r: RunState = this.run as RunState): WhatIfRun | undefined {
    if (r.changes.length === 0) return undefined;
    const w = r.session.whatIf(r.changes);
    return 'error' in w ? undefined : w;
  }

  /** The run on screen: the what-if run while one is applied. */
  view(r: RunState = this.run as RunState): RunView {
    return this.whatIf(r)?.view ?? r.session.base;
  }

  /** The events stepping visits: those the filter keeps, on the followed packet when following. */
  navigable(r: RunState = this.run as RunState): readonly number[] {
    const view = this.view(r);
    return this.cached('nav', [view, r.filter, r.follow], () => {
      const keep = this.keeper(r, view);
      return view.events.filter(keep).map((e) => e.seq);
    });
  }

  private keeper(r: RunState, view: RunView): (e: UiEvent) => boolean {
    const match = eventMatcher(parseFilter(r.filter), view);
    if (r.follow === undefined || !view.packets) return match;
    const fam = family(packetIndex(view), r.follow);
    return (e) => e.pkt !== undefined && fam.has(e.pkt) && match(e);
  }

  timeline(r: RunState = this.run as RunState): readonly TimelineItem[] {
    const view = this.view(r);
    const w = this.whatIf(r);
    const diff = r.showDiff ? w?.diff : undefined;
    return this.cached('timeline', [view, r.filter, r.follow, diff], () => timelineItems(view, this.keeper(r, view), diff, r.session.base));
  }

  layout(): Layout {
    const r = this.run as RunState;
    const view = this.view(r);
    const w = rightWidth(this.state.columns) - 2;
    const topo = this.cached('topoRows', [view, w], () => topologyRows(view, 0, w, undefined).length);
    return layout(this.state.columns, this.state.rows - 2, r.focus, r.side, r.zoom, isWide(this.state.columns, this.state.rows), topo);
  }

  wide(): boolean {
    return isWide(this.state.columns, this.state.rows);
  }

  tooSmall(): boolean {
    return tooSmall(this.state.columns, this.state.rows);
  }

  /** Height of the timeline's content (rows inside its border). */
  timelineHeight(): number {
    for (const col of this.layout()) for (const p of col) if (p.pane === 'timeline') return p.rect.h - 2;
    return this.state.rows - 4;
  }

  /** The namespace the State pane shows. */
  stateNs(r: RunState = this.run as RunState): string {
    const view = this.view(r);
    return r.stateNs ?? view.events[r.sel]?.ns ?? view.namespaces[0] ?? '';
  }

  /** The what-if `w` proposes for the selected event. */
  suggestion(r: RunState = this.run as RunState): Change | undefined {
    const view = this.view(r);
    const e = view.events[r.sel];
    if (!e) return undefined;
    return suggestedChange(e, view.stateAt(e.ns, r.sel), insertionLine(view, r.sel));
  }

  /** The knobs the what-if menu lists, filtered by what was typed. */
  menuKnobs(m: WhatIfMenu): readonly Knob[] {
    return this.cached('menuKnobs', [m.knobs, m.query], () => {
      const words = m.query.toLowerCase().split(/\s+/).filter((w) => w !== '');
      return m.knobs.filter((k) => words.every((w) => `${nsLabel(k.ns)} ${knobLabel(k)}`.toLowerCase().includes(w)));
    });
  }

  helpRows(r: RunState = this.run as RunState): readonly (readonly [string, string])[] {
    const q = r.help.query.toLowerCase();
    return q === '' ? HELP : HELP.filter(([k, v]) => `${k} ${v}`.toLowerCase().includes(q));
  }

  // ---- updates ---------------------------------------------------------------------------------

  resize(columns: number, rows: number): void {
    this.state = { ...this.state, columns, rows };
    this.syncWindow();
  }

  press(input: string, flags: KeyFlags = {}): void {
    for (const k of decodeKeys(input, flags)) {
      if (this.state.quit) return;
      this.key(k);
    }
    this.syncWindow();
  }

  /** The timeline row the selection is on. */
  selectedRow(r: RunState = this.run as RunState): number {
    const items = this.timeline(r);
    const rowOf = this.cached('rowOf', [items], () => {
      const m = new Map<number, number>();
      items.forEach((it, i) => {
        if (it.kind === 'event') m.set(it.seq, i);
      });
      return m;
    });
    return rowOf.get(r.sel) ?? 0;
  }

  /** Moves the timeline's window only as far as keeping the selection (and a little context) on screen. */
  syncWindow(): void {
    const r = this.run;
    if (this.state.screen !== 'run' || !r || this.tooSmall()) return;
    const top = windowStart(this.timeline(r).length, this.selectedRow(r), this.timelineHeight(), r.timelineTop);
    if (top !== r.timelineTop) this.state = { ...this.state, run: { ...r, timelineTop: top } };
  }

  private setRun(patch: Partial<RunState>): void {
    this.state = { ...this.state, run: { ...(this.run as RunState), ...patch } };
  }

  private key(k: Key): void {
    if (k.kind === 'interrupt') {
      this.state = { ...this.state, quit: true };
      return;
    }
    if (this.state.screen === 'picker') return this.pickerKey(k);
    const r = this.run as RunState;
    if (this.tooSmall()) {
      if (k.kind === 'char' && k.ch === 'q') this.state = { ...this.state, quit: true };
      return;
    }
    switch (r.mode) {
      case 'help':
        return this.helpKey(r, k);
      case 'goto':
      case 'filter':
        return this.promptKey(r, k);
      case 'whatif':
        return this.menuKey(r, k);
      case 'normal':
        return this.normalKey(r, k);
    }
  }

  private pickerKey(k: Key): void {
    const p = this.state.picker;
    const shown = filterEntries(p.entries, p.query);
    const set = (patch: Partial<PickerState>): void => {
      this.state = { ...this.state, picker: { ...p, ...patch } };
    };
    const page = Math.max(1, Math.floor((this.state.rows - 4) / 3));
    switch (k.kind) {
      case 'char':
        return set({ query: p.query + k.ch, cursor: 0, error: undefined });
      case 'backspace':
        return set({ query: p.query.slice(0, -1), cursor: 0 });
      case 'up':
        return set({ cursor: Math.max(0, p.cursor - 1) });
      case 'down':
      case 'tab':
        return set({ cursor: Math.min(shown.length - 1, p.cursor + 1) });
      case 'pageUp':
        return set({ cursor: Math.max(0, p.cursor - page) });
      case 'pageDown':
        return set({ cursor: Math.max(0, Math.min(shown.length - 1, p.cursor + page)) });
      case 'home':
        return set({ cursor: 0 });
      case 'end':
        return set({ cursor: Math.max(0, shown.length - 1) });
      case 'escape':
        if (p.query !== '') return set({ query: '', cursor: 0 });
        if (this.run) this.state = { ...this.state, screen: 'run' };
        else this.state = { ...this.state, quit: true };
        return;
      case 'enter': {
        const e = shown[p.cursor];
        if (!e) return;
        if (e.error) return set({ error: e.error });
        try {
          const session = openSession(loadScenario(e.file), this.opts.seed);
          this.state = { ...this.state, screen: 'run', run: newRun(session), picker: { ...p, error: undefined } };
        } catch (err) {
          if (!(err instanceof ScenarioErrors) && !(err instanceof SimulationError)) throw err;
          set({ error: err.message });
        }
        return;
      }
      default:
        return;
    }
  }

  private helpKey(r: RunState, k: Key): void {
    const h = r.help;
    if (h.searching) {
      if (k.kind === 'char') return this.setRun({ help: { ...h, query: h.query + k.ch, scroll: 0 } });
      if (k.kind === 'backspace') return this.setRun({ help: { ...h, query: h.query.slice(0, -1), scroll: 0 } });
      if (k.kind === 'escape') return this.setRun({ help: { ...h, query: '', searching: false } });
      if (k.kind === 'enter') return this.setRun({ help: { ...h, searching: false } });
    }
    const max = Math.max(0, this.helpRows(r).length - 1);
    switch (k.kind) {
      case 'up':
        return this.setRun({ help: { ...h, scroll: Math.max(0, h.scroll - 1) } });
      case 'down':
        return this.setRun({ help: { ...h, scroll: Math.min(max, h.scroll + 1) } });
      case 'char':
        if (k.ch === 'k') return this.setRun({ help: { ...h, scroll: Math.max(0, h.scroll - 1) } });
        if (k.ch === 'j') return this.setRun({ help: { ...h, scroll: Math.min(max, h.scroll + 1) } });
        if (k.ch === '/') return this.setRun({ help: { ...h, searching: true } });
        if (k.ch === '?' || k.ch === 'q') return this.setRun({ mode: 'normal', help: { scroll: 0, query: '', searching: false } });
        return;
      case 'escape':
        return this.setRun({ mode: 'normal', help: { scroll: 0, query: '', searching: false } });
      default:
        return;
    }
  }

  private promptKey(r: RunState, k: Key): void {
    if (k.kind === 'char') {
      const prompt = r.prompt + k.ch;
      return this.setRun(r.mode === 'filter' ? this.filtered(r, prompt) : { prompt });
    }
    if (k.kind === 'backspace') {
      const prompt = r.prompt.slice(0, -1);
      return this.setRun(r.mode === 'filter' ? this.filtered(r, prompt) : { prompt });
    }
    if (k.kind === 'escape') return this.setRun(r.mode === 'filter' ? { ...this.filtered(r, ''), mode: 'normal' } : { mode: 'normal', prompt: '' });
    if (k.kind === 'enter') {
      if (r.mode === 'filter') return this.setRun({ mode: 'normal', prompt: '' });
      return this.goTo(r, r.prompt.trim());
    }
  }

  /** The filter as typed so far, applied at once; the selection moves to the nearest event it keeps. */
  private filtered(r: RunState, text: string): Partial<RunState> {
    const next = { ...r, filter: text, prompt: text };
    const nav = this.navigable(next);
    const at = partition(nav, (s) => s < r.sel);
    const sel = nav[at] ?? nav[nav.length - 1] ?? r.sel;
    return { filter: text, prompt: text, sel, message: nav.length === 0 ? `no event matches '${text}'` : undefined };
  }

  private goTo(r: RunState, q: string): void {
    const view = this.view(r);
    const done = (patch: Partial<RunState>) => this.setRun({ mode: 'normal', prompt: '', ...patch });
    let m = /^t\s*([\d.]+)\s*s?$/i.exec(q);
    if (m) {
      const t = Number(m[1]) * 1e9;
      const i = partition(view.events, (e) => e.t < t - 0.5);
      if (i >= view.events.length) return done({ message: `nothing happens at or after ${m[1]} s (the run ends at ${secs(view.events[view.events.length - 1]?.t ?? 0)})` });
      return done({ sel: i, message: undefined });
    }
    m = /^l\s*(\d+)$/i.exec(q);
    if (m) {
      const line = Number(m[1]);
      const e = view.events.find((x) => x.line === line);
      if (!e) return done({ message: `line ${line} caused no event` });
      return done({ sel: e.seq, message: undefined });
    }
    m = /^#?(\d+)$/.exec(q);
    if (m) {
      const n = Number(m[1]);
      if (n < 1 || n > view.events.length) return done({ message: `there are events 1 to ${view.events.length}` });
      return done({ sel: n - 1, message: undefined });
    }
    done({ message: q === '' ? undefined : `go to what? ':42' an event, ':t 3.008' a time, ':l9' a script line` });
  }

  private select(r: RunState, sel: number, patch: Partial<RunState> = {}): void {
    this.setRun({ sel, scroll: { ...r.scroll, why: 0 }, message: undefined, ...patch });
  }

  /** The nearest navigable event after (dir 1) or before (-1) the selection that satisfies `pred`. */
  private seek(r: RunState, dir: 1 | -1, pred: (e: UiEvent) => boolean = () => true): number | undefined {
    const view = this.view(r);
    const nav = this.navigable(r);
    let i = dir > 0 ? partition(nav, (s) => s <= r.sel) : partition(nav, (s) => s < r.sel) - 1;
    for (; i >= 0 && i < nav.length; i += dir) {
      const e = view.events[nav[i] as number] as UiEvent;
      if (pred(e)) return e.seq;
    }
    return undefined;
  }

  private step(r: RunState, dir: 1 | -1, count = 1): void {
    let s = r;
    for (let i = 0; i < count; i++) {
      const next = this.seek(s, dir);
      if (next === undefined) break;
      s = { ...s, sel: next };
    }
    if (s.sel !== r.sel) this.select(r, s.sel);
    else this.setRun({ message: dir > 0 ? 'last event' : 'first event', playing: false });
  }

  /** Playing: one step forwards; false at the end. */
  tick(): boolean {
    const r = this.run;
    if (!r || !r.playing) return false;
    const next = this.seek(r, 1);
    if (next === undefined) {
      this.setRun({ playing: false, message: 'end of the run' });
      return false;
    }
    this.select(r, next, { playing: true });
    this.syncWindow();
    return true;
  }

  private scrollPane(r: RunState, pane: PaneId, by: number): void {
    this.setRun({ scroll: { ...r.scroll, [pane]: Math.max(0, (r.scroll[pane] ?? 0) + by) } });
  }

  private focusPane(r: RunState, pane: PaneId): void {
    this.setRun({ focus: pane, side: pane === 'timeline' ? r.side : pane, message: undefined });
  }

  private normalKey(r: RunState, k: Key): void {
    const view = this.view(r);
    const page = Math.max(1, this.timelineHeight() - 1);
    switch (k.kind) {
      case 'right':
        return this.step(r, 1);
      case 'left':
        return this.step(r, -1);
      case 'down':
        return r.focus === 'timeline' ? this.step(r, 1) : this.scrollPane(r, r.focus, 1);
      case 'up':
        return r.focus === 'timeline' ? this.step(r, -1) : this.scrollPane(r, r.focus, -1);
      case 'pageDown':
        return r.focus === 'timeline' ? this.step(r, 1, page) : this.scrollPane(r, r.focus, page);
      case 'pageUp':
        return r.focus === 'timeline' ? this.step(r, -1, page) : this.scrollPane(r, r.focus, -page);
      case 'home':
        return this.firstOrLast(r, -1);
      case 'end':
        return this.firstOrLast(r, 1);
      case 'tab':
      case 'backtab': {
        const i = PANES.indexOf(r.focus);
        return this.focusPane(r, PANES[(i + (k.kind === 'tab' ? 1 : PANES.length - 1)) % PANES.length] as PaneId);
      }
      case 'escape':
        if (r.zoom) return this.setRun({ zoom: false });
        if (r.filter !== '') return this.setRun({ ...this.filtered(r, ''), prompt: '' });
        if (r.follow !== undefined) return this.setRun({ follow: undefined, message: undefined });
        return this.setRun({ message: undefined, playing: false });
      case 'enter':
        return;
      case 'char':
        break;
      default:
        return;
    }
    switch (k.ch) {
      case 'n':
      case 'l':
        return this.step(r, 1);
      case 'p':
      case 'h':
        return this.step(r, -1);
      case 'j':
        return r.focus === 'timeline' ? this.step(r, 1) : this.scrollPane(r, r.focus, 1);
      case 'k':
        return r.focus === 'timeline' ? this.step(r, -1) : this.scrollPane(r, r.focus, -1);
      case ']':
      case '[': {
        const dir = k.ch === ']' ? 1 : -1;
        const s = this.seek(r, dir, (e) => e.kind === 'drop');
        return s === undefined ? this.setRun({ message: `no ${dir > 0 ? 'later' : 'earlier'} drop` }) : this.select(r, s);
      }
      case '}':
      case '{': {
        const dir = k.ch === '}' ? 1 : -1;
        const cur = view.events[r.sel]?.line;
        let s: number | undefined;
        if (dir > 0) s = this.seek(r, 1, (e) => e.line !== cur);
        else {
          // Back to the start of this line's events, or of the previous line's when already there.
          const nav = this.navigable(r);
          const firstOf = (line: number | undefined) => nav.find((q) => view.events[q]?.line === line);
          const start = firstOf(cur);
          if (start !== undefined && start < r.sel) s = start;
          else {
            const prev = this.seek(r, -1, (e) => e.line !== cur);
            s = prev === undefined ? undefined : firstOf(view.events[prev]?.line);
          }
        }
        return s === undefined ? this.setRun({ message: `no ${dir > 0 ? 'later' : 'earlier'} script line with events` }) : this.select(r, s);
      }
      case 'g':
        return this.firstOrLast(r, -1);
      case 'G':
        return this.firstOrLast(r, 1);
      case ':':
        return this.setRun({ mode: 'goto', prompt: '', message: undefined });
      case '/':
        return this.setRun({ mode: 'filter', prompt: r.filter, message: undefined });
      case 'f': {
        const e = view.events[r.sel];
        if (!view.packets) return this.setRun({ message: 'this run has no packet ids to follow' });
        if (e?.pkt === undefined) return this.setRun({ message: 'the selected event is about no packet' });
        return this.setRun({ follow: root(packetIndex(view), e.pkt), message: `following packet #${e.pkt} and its clones (F stops)` });
      }
      case 'F':
        return this.setRun({ follow: undefined, message: undefined });
      case 'z':
        return this.setRun({ zoom: !r.zoom });
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
        return this.focusPane(r, PANES[Number(k.ch) - 1] as PaneId);
      case 's': {
        const nss = view.namespaces;
        const i = nss.indexOf(this.stateNs(r));
        return this.setRun({ stateNs: nss[(i + 1) % nss.length], scroll: { ...r.scroll, state: 0 } });
      }
      case 'S':
        return this.setRun({ stateNs: undefined, scroll: { ...r.scroll, state: 0 } });
      case 'w':
        return this.openMenu(r);
      case 'd':
        if (r.changes.length === 0) return this.setRun({ message: 'no what-if applied (w makes one)' });
        return this.setRun({ showDiff: !r.showDiff });
      case 'u':
        return this.undo(r);
      case 'e':
        return this.exportPcap(r);
      case ' ':
        return this.setRun({ playing: !r.playing, message: undefined });
      case '+':
      case '-': {
        const i = SPEEDS.indexOf(r.speed as (typeof SPEEDS)[number]);
        const j = Math.max(0, Math.min(SPEEDS.length - 1, i + (k.ch === '+' ? 1 : -1)));
        return this.setRun({ speed: SPEEDS[j] as number, message: `${SPEEDS[j]} events/s` });
      }
      case '?':
        return this.setRun({ mode: 'help' });
      case 'o':
        this.state = { ...this.state, screen: 'picker', picker: this.state.picker.entries.length > 0 ? this.state.picker : { ...this.state.picker, entries: pickerEntries(this.opts.files) } };
        return;
      case 'q':
        this.state = { ...this.state, quit: true };
        return;
      default:
        return;
    }
  }

  private firstOrLast(r: RunState, dir: 1 | -1): void {
    const nav = this.navigable(r);
    const s = dir < 0 ? nav[0] : nav[nav.length - 1];
    if (s !== undefined) this.select(r, s);
  }

  private openMenu(r: RunState): void {
    const view = this.view(r);
    const before = insertionLine(view, r.sel);
    if (before === undefined) return this.setRun({ message: 'the script has no lines' });
    const knobs = knobsAt(view, before);
    // The proposed change for a drop a knob decided comes first.
    const sug = this.suggestion(r);
    let cursor = 0;
    if (sug && sug.kind === 'conf') {
      const i = knobs.findIndex((k) => k.ns === sug.ns && k.dev === sug.dev && k.key === sug.key);
      if (i >= 0) cursor = i;
    }
    this.setRun({ mode: 'whatif', menu: { cursor, query: '', value: undefined, before, knobs }, message: undefined });
  }

  private menuKey(r: RunState, k: Key): void {
    const m = r.menu as WhatIfMenu;
    const shown = this.menuKnobs(m);
    const set = (patch: Partial<WhatIfMenu>) => this.setRun({ menu: { ...m, ...patch } });
    const knob = shown[Math.min(m.cursor, shown.length - 1)];
    switch (k.kind) {
      case 'char':
        return set({ query: m.query + k.ch, cursor: 0, value: undefined });
      case 'backspace':
        return set({ query: m.query.slice(0, -1), cursor: 0, value: undefined });
      case 'up':
        return set({ cursor: Math.max(0, m.cursor - 1), value: undefined });
      case 'down':
      case 'tab':
        return set({ cursor: Math.min(shown.length - 1, m.cursor + 1), value: undefined });
      case 'pageUp':
        return set({ cursor: Math.max(0, m.cursor - 10), value: undefined });
      case 'pageDown':
        return set({ cursor: Math.max(0, Math.min(shown.length - 1, m.cursor + 10)), value: undefined });
      case 'left':
      case 'right': {
        if (!knob) return;
        const vals = knob.values.filter((v) => v !== knob.current);
        const cur = m.value ?? (knob.current === 0 ? 1 : 0);
        const i = Math.max(0, vals.indexOf(cur));
        return set({ value: vals[(i + (k.kind === 'right' ? 1 : vals.length - 1)) % vals.length] });
      }
      case 'escape':
        if (m.query !== '') return set({ query: '', cursor: 0 });
        return this.setRun({ mode: 'normal', menu: undefined });
      case 'enter': {
        if (!knob) return;
        const change = knobChange(knob, m.before, m.value);
        return this.apply(r, change);
      }
      default:
        return;
    }
  }

  /** Applies one more change: the scenario runs again with every applied change; the selection follows. */
  private apply(r: RunState, change: Change): void {
    const changes = [...r.changes, change];
    const w = r.session.whatIf(changes);
    if ('error' in w) return this.setRun({ mode: 'normal', menu: undefined, message: `what-if failed: ${w.error}` });
    const sel = mapSelection(this.whatIf(r)?.diff, r.sel, 'toBase');
    const mapped = mapSelection(w.diff, sel, 'toWhatIf');
    const d = w.diff;
    this.setRun({
      mode: 'normal',
      menu: undefined,
      changes,
      showDiff: true,
      sel: Math.min(mapped, w.view.events.length - 1),
      message: `what-if ${changeLabel(change)}: ${d.added} events added, ${d.gone} gone, ${d.changed} changed (d diff, u undo)`,
    });
  }

  private undo(r: RunState): void {
    if (r.changes.length === 0) return this.setRun({ message: 'no what-if to undo' });
    const changes = r.changes.slice(0, -1);
    const base = mapSelection(this.whatIf(r)?.diff, r.sel, 'toBase');
    const next = { ...r, changes };
    const sel = mapSelection(this.whatIf(next)?.diff, base, 'toWhatIf');
    this.setRun({ changes, sel: Math.min(sel, this.view(next).events.length - 1), message: `undid ${changeLabel(r.changes[r.changes.length - 1] as Change)}` });
  }

  private exportPcap(r: RunState): void {
    const view = this.view(r);
    if (view.captures.length === 0) return this.setRun({ message: 'nothing to export: the scenario starts no capture' });
    try {
      const files = exportPcaps(view, r.sel, this.opts.pcapDir, this.opts.writePcaps);
      this.setRun({ message: `wrote ${files.length} pcap file${files.length === 1 ? '' : 's'} up to event ${r.sel + 1}: ${files.join(' ')}` });
    } catch (e) {
      this.setRun({ message: `pcap export failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

}

/**
 * The event that corresponds to `seq` in the other run of a diff; when it has none there (it is gone, or
 * was added), the next one that has — the same point of the story — or, at the end, the last.
 */
export function mapSelection(diff: WhatIfRun['diff'] | undefined, seq: number, dir: 'toBase' | 'toWhatIf'): number {
  if (!diff) return seq;
  let last = 0;
  let passed = false;
  for (const row of diff.rows) {
    const from = dir === 'toBase' ? (row.kind === 'gone' ? undefined : row.b) : row.kind === 'added' ? undefined : row.a;
    const to = dir === 'toBase' ? (row.kind === 'added' ? undefined : row.a) : row.kind === 'gone' ? undefined : row.b;
    if (passed && to !== undefined) return to;
    if (to !== undefined) last = to;
    if (from !== undefined && from >= seq) {
      if (to !== undefined) return to;
      passed = true;
    }
  }
  return last;
}
