/**
 * The Topology pane: namespaces with their devices (name, state, addresses), veth pairs between peers,
 * bridges and OVS bridges with their ports, the selected event's device marked. It is laid out from
 * every device seen over the whole run, so nothing moves while stepping; a device that does not exist
 * at the selected moment is shown dimmed. When the namespaces fit side by side they are boxes in
 * columns, peers in neighbouring columns joined on a shared row; otherwise a list per namespace.
 * veth peers carry matching letter tags (A, B, ...) either way.
 */
import type { DeviceKind, DeviceState, NsState } from '../../sim/state.js';
import { ipString } from '../../tools/ip/parse.js';
import { ovsDb } from '../../devices/ovs.js';
import type { RunView } from './run-view.js';
import type { Row } from './rows.js';
import { fit, nsLabel, width } from './text.js';

interface SeenDevice {
  readonly id: number;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly peer: number | undefined;
}

export interface TopologyModel {
  /** Namespaces in creation order, each with every device it ever had. */
  readonly columns: readonly { readonly ns: string; readonly devices: readonly SeenDevice[] }[];
  /** Letter tag of each veth end, by device id. */
  readonly tags: ReadonlyMap<number, string>;
}

const models = new WeakMap<RunView, TopologyModel>();

export function topologyModel(view: RunView): TopologyModel {
  const cached = models.get(view);
  if (cached) return cached;
  // Each device is drawn in the last namespace it lived in: after a move to another namespace, that is
  // where everything it does happens, and the layout never changes while stepping.
  const home = new Map<number, { ns: string; d: SeenDevice; order: number }>();
  let order = 0;
  for (const ns of view.namespaces) {
    let last: NsState['devices'] | undefined;
    for (const st of view.statesOf(ns)) {
      if (st.devices === last) continue;
      last = st.devices;
      for (const d of Object.values(st.devices)) {
        const prev = home.get(d.id);
        // Its latest name and peer: a veth's first end learns its peer's id only once the pair is made.
        if (!prev || prev.ns !== ns || prev.d.name !== d.name || prev.d.peer !== d.peer) home.set(d.id, { ns, d: { id: d.id, name: d.name, kind: d.kind, peer: d.peer ?? prev?.d.peer }, order: prev?.order ?? order++ });
      }
    }
  }
  // A device seen in several namespaces: the one whose history holds it last wins.
  for (const [id, h] of home) {
    for (const ns of view.namespaces) {
      const states = view.statesOf(ns);
      const end = states[states.length - 1];
      if (end && Object.values(end.devices).some((x) => x.id === id)) home.set(id, { ...h, ns });
    }
  }
  const byNs = view.namespaces.map((ns) => ({
    ns,
    devices: [...home.values()]
      .filter((h) => h.ns === ns)
      .sort((a, b) => (a.d.kind === 'loopback' ? -1 : 0) - (b.d.kind === 'loopback' ? -1 : 0) || a.order - b.order)
      .map((h) => h.d),
  }));
  const columns = bestOrder(byNs);
  const tags = new Map<number, string>();
  let n = 0;
  for (const c of columns) {
    for (const d of c.devices) {
      if (d.peer === undefined || tags.has(d.id)) continue;
      const tag = tagName(n++);
      tags.set(d.id, tag);
      tags.set(d.peer, tag);
    }
  }
  const m = { columns, tags };
  models.set(view, m);
  return m;
}

/**
 * Namespaces in the order that puts the most veth pairs in neighbouring columns (tried exhaustively for
 * up to six namespaces; creation order beyond, or on a tie).
 */
function bestOrder<T extends { readonly devices: readonly SeenDevice[] }>(cols: readonly T[]): T[] {
  if (cols.length < 3 || cols.length > 6) return [...cols];
  const where = new Map<number, number>();
  cols.forEach((c, i) => c.devices.forEach((d) => where.set(d.id, i)));
  const links = new Map<string, number>();
  cols.forEach((c, i) =>
    c.devices.forEach((d) => {
      const j = d.peer === undefined ? undefined : where.get(d.peer);
      if (j !== undefined && j > i) links.set(`${i},${j}`, (links.get(`${i},${j}`) ?? 0) + 1);
    }),
  );
  const score = (perm: readonly number[]) => {
    let n = 0;
    for (let k = 0; k + 1 < perm.length; k++) {
      const a = Math.min(perm[k] as number, perm[k + 1] as number);
      const b = Math.max(perm[k] as number, perm[k + 1] as number);
      n += links.get(`${a},${b}`) ?? 0;
    }
    return n;
  };
  let best = cols.map((_, i) => i);
  let bestScore = score(best);
  const permute = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) {
      const sc = score(prefix);
      if (sc > bestScore) {
        best = prefix;
        bestScore = sc;
      }
      return;
    }
    for (let i = 0; i < rest.length; i++) permute([...prefix, rest[i] as number], [...rest.slice(0, i), ...rest.slice(i + 1)]);
  };
  permute([], best);
  return best.map((i) => cols[i] as T);
}

function tagName(n: number): string {
  return n < 26 ? String.fromCharCode(65 + n) : `${String.fromCharCode(65 + (n % 26))}${Math.floor(n / 26)}`;
}

const STATE_GLYPH = (d: DeviceState): string => (!d.up ? '▽' : d.carrier ? '▲' : '△');

function addrOf(st: NsState, d: DeviceState): string {
  const a = st.addrs.filter((x) => x.ifindex === d.ifindex);
  if (a.length === 0) return '';
  const first = a[0] as (typeof a)[number];
  return `${ipString(first.local)}/${first.prefixlen}${a.length > 1 ? ` +${a.length - 1}` : ''}`;
}

interface Cell {
  readonly text: string;
  readonly selected: boolean;
  readonly dim: boolean;
}

/** A device's line in its namespace: marker, name, state glyph, address, bridge, peer tag. */
function deviceCell(st: NsState | undefined, d: SeenDevice, tags: ReadonlyMap<number, string>, selected: boolean, ovsPorts: ReadonlyMap<number, string>): Cell {
  const now = st ? Object.values(st.devices).find((x) => x.id === d.id) : undefined;
  const tag = tags.get(d.id);
  const mark = selected ? '▶' : ' ';
  if (!now) return { text: `${mark}${d.name} ·${tag ? ` ${tag}` : ''}`, selected, dim: true };
  const master = now.master !== undefined ? ` ⊂${(st && Object.values(st.devices).find((x) => x.id === now.master)?.name) ?? '?'}` : ovsPorts.has(now.id) ? ` ⊂${ovsPorts.get(now.id)}` : '';
  const kind = now.kind === 'bridge' ? ' bridge' : now.kind === 'ovs-internal' ? ' ovs' : '';
  const addr = st ? addrOf(st, now) : '';
  return { text: `${mark}${now.name} ${STATE_GLYPH(now)}${addr ? ` ${addr}` : ''}${master}${kind}${tag ? ` ${tag}` : ''}`, selected, dim: false };
}

export const TOPOLOGY_LEGEND = '▲ up  △ no carrier  ▽ down  · not there now  ⊂ port of  A,B veth pairs  ▶ selected';

/** OVS ports by device id: the bridge each belongs to (the switch's configuration at the end of the run). */
function ovsPortsOf(view: RunView): Map<number, string> {
  const out = new Map<number, string>();
  for (const b of ovsDb(view.run.world).bridges) for (const p of b.ports) if (p.device !== undefined) out.set(p.device, b.name);
  return out;
}

export function topologyRows(view: RunView, seq: number, w: number, selectedDev: { ns: string; dev: string | undefined } | undefined): Row[] {
  const m = topologyModel(view);
  const ovs = ovsPortsOf(view);
  const cellsOf = m.columns.map((c) => {
    const st = view.stateAt(c.ns, seq);
    return {
      ns: c.ns,
      exists: st !== undefined,
      cells: c.devices.map((d) => ({ d, cell: deviceCell(st, d, m.tags, selectedDev !== undefined && selectedDev.ns === c.ns && selectedDev.dev === d.name && st !== undefined, ovs) })),
    };
  });
  const boxW = cellsOf.map((c) => Math.max(width(nsLabel(c.ns)) + 4, ...c.cells.map((x) => width(x.cell.text) + 2)));
  const gap = 4;
  const total = boxW.reduce((a, b) => a + b, 0) + gap * Math.max(0, boxW.length - 1);
  if (total <= w && cellsOf.length > 1) return columnsLayout(cellsOf, boxW, gap, w);
  // The list: each namespace and its devices, one per row.
  const rows: Row[] = [];
  for (const c of cellsOf) {
    rows.push({ text: `${nsLabel(c.ns)}${c.exists ? '' : ' (not there now)'}`, head: true, dim: !c.exists });
    for (const x of c.cells) rows.push({ text: fit(` ${x.cell.text}`, w), selected: x.cell.selected, dim: x.cell.dim });
  }
  rows.push({ text: TOPOLOGY_LEGEND, dim: true });
  return rows;
}

/**
 * Boxes side by side. Rows are assigned so that a device whose peer is in the column to its left sits
 * on its peer's row, and the gap between them carries a connector.
 */
function columnsLayout(cols: readonly { ns: string; exists: boolean; cells: readonly { d: SeenDevice; cell: Cell }[] }[], boxW: readonly number[], gap: number, w: number): Row[] {
  const rowOf: Map<number, number>[] = [];
  const grids: ({ d: SeenDevice; cell: Cell } | undefined)[][] = [];
  cols.forEach((c, ci) => {
    const grid: ({ d: SeenDevice; cell: Cell } | undefined)[] = [];
    const mine = new Map<number, number>();
    const left = ci > 0 ? rowOf[ci - 1] : undefined;
    const rest: { d: SeenDevice; cell: Cell }[] = [];
    for (const x of c.cells) {
      const r = x.d.peer !== undefined ? left?.get(x.d.peer) : undefined;
      if (r !== undefined && grid[r] === undefined) {
        grid[r] = x;
        mine.set(x.d.id, r);
      } else rest.push(x);
    }
    let r = 0;
    for (const x of rest) {
      while (grid[r] !== undefined) r++;
      grid[r] = x;
      mine.set(x.d.id, r);
    }
    rowOf.push(mine);
    grids.push(grid);
  });
  const height = Math.max(...grids.map((g) => g.length));
  const out: Row[] = [];
  const top = cols.map((c, i) => {
    const label = ` ${nsLabel(c.ns)} `;
    return `┌${label}${'─'.repeat(Math.max(0, (boxW[i] as number) - 2 - width(label)))}┐`;
  });
  out.push({ text: fit(top.join(' '.repeat(gap)), w) });
  for (let r = 0; r < height; r++) {
    let line = '';
    for (let ci = 0; ci < cols.length; ci++) {
      const x = grids[ci]?.[r];
      const inner = (boxW[ci] as number) - 2;
      line += `│${fit(x ? x.cell.text : '', inner)}│`;
      if (ci < cols.length - 1) {
        const next = grids[ci + 1]?.[r];
        const joined = x && next && x.d.peer === next.d.id;
        line += joined ? '─'.repeat(gap) : ' '.repeat(gap);
      }
    }
    out.push({ text: fit(line, w) });
  }
  out.push({ text: fit(cols.map((_, i) => `└${'─'.repeat((boxW[i] as number) - 2)}┘`).join(' '.repeat(gap)), w) });
  out.push({ text: TOPOLOGY_LEGEND, dim: true });
  return out;
}
