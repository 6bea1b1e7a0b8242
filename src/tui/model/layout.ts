/**
 * Where each pane goes. At least 80x24. Below 120x40 the timeline is on the left and one other pane on
 * the right (Tab and 1–6 choose which); from 120x40 every pane is on screen: timeline and script on the
 * left, topology, why, state and captures on the right. `z` gives the focused pane the whole body.
 */

export type PaneId = 'timeline' | 'why' | 'state' | 'topology' | 'captures' | 'script';
export const PANES: readonly PaneId[] = ['timeline', 'why', 'state', 'topology', 'captures', 'script'];
export const PANE_TITLE: Readonly<Record<PaneId, string>> = { timeline: 'Timeline', why: 'Why', state: 'State', topology: 'Topology', captures: 'Captures', script: 'Script' };
export const PANE_SHORT: Readonly<Record<PaneId, string>> = { timeline: 'Time', why: 'Why', state: 'State', topology: 'Topo', captures: 'Cap', script: 'Scr' };

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
export const WIDE_COLUMNS = 120;
export const WIDE_ROWS = 40;

export interface Rect {
  readonly w: number;
  readonly h: number;
}

/** Panes in columns, top to bottom within each column. */
export type Layout = readonly (readonly { readonly pane: PaneId; readonly rect: Rect }[])[];

export function tooSmall(columns: number, rows: number): boolean {
  return columns < MIN_COLUMNS || rows < MIN_ROWS;
}

export function isWide(columns: number, rows: number): boolean {
  return columns >= WIDE_COLUMNS && rows >= WIDE_ROWS;
}

/** The right-hand column's width in the wide layout (the topology is drawn to fit it). */
export function rightWidth(columns: number): number {
  return columns - Math.floor(columns / 2);
}

/** The panes and their sizes for a body of `columns` x `bodyRows` (the screen less header and footer). */
export function layout(columns: number, bodyRows: number, focus: PaneId, side: PaneId, zoom: boolean, wide: boolean, topologyRows = 6): Layout {
  if (zoom) return [[{ pane: focus, rect: { w: columns, h: bodyRows } }]];
  const left = Math.floor(columns / 2);
  const right = columns - left;
  if (!wide) return [[{ pane: 'timeline', rect: { w: left, h: bodyRows } }], [{ pane: side, rect: { w: right, h: bodyRows } }]];
  const script = Math.max(6, Math.floor(bodyRows / 4));
  // The topology gets the rows its drawing needs, within a third of the height.
  const topo = Math.max(6, Math.min(topologyRows + 2, Math.floor(bodyRows / 3)));
  const rest = bodyRows - topo;
  const why = Math.floor(rest / 3);
  const state = Math.floor(rest / 3);
  return [
    [
      { pane: 'timeline', rect: { w: left, h: bodyRows - script } },
      { pane: 'script', rect: { w: left, h: script } },
    ],
    [
      { pane: 'topology', rect: { w: right, h: topo } },
      { pane: 'why', rect: { w: right, h: why } },
      { pane: 'state', rect: { w: right, h: state } },
      { pane: 'captures', rect: { w: right, h: rest - why - state } },
    ],
  ];
}
