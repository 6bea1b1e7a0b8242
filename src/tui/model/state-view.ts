/**
 * The State pane: one namespace as it was at the selected event (with what that event reports) — neighbours, the decision
 * sysctls of conf/all and every device, routes of every table, policy rules, addresses, links, bridge
 * fdbs — with what that event changed marked against the state right before it.
 */
import type { DeviceState, NeighEntry, NsState, Route, Rule } from '../../sim/state.js';
import { printRoute, routesInTrieOrder, tablesInDumpOrder } from '../../tools/ip/route-format.js';
import { Printer } from '../../tools/ip/print.js';
import { ipString } from '../../tools/ip/parse.js';
import { tableN2a } from '../../tools/ip/names.js';
import { ovsDb, type MacEntry } from '../../devices/ovs.js';
import type { RunView } from './run-view.js';
import { DECISION_KNOBS } from './whatif.js';
import { head, type Row } from './rows.js';
import { nsLabel } from './text.js';

interface Keyed {
  readonly key: string;
  readonly text: string;
}

function devices(st: NsState): DeviceState[] {
  return Object.values(st.devices).sort((a, b) => a.ifindex - b.ifindex);
}

function devName(st: NsState, ifindex: number): string {
  return st.devices[ifindex]?.name ?? `if${ifindex}`;
}

export function neighText(st: NsState, e: NeighEntry): string {
  const mac = e.mac !== undefined && e.state !== 'INCOMPLETE' && e.state !== 'FAILED' ? ` lladdr ${e.mac}` : '';
  return `${ipString(e.ip)} dev ${devName(st, e.ifindex)}${mac} ${e.state}${e.state === 'INCOMPLETE' || e.state === 'PROBE' ? ` (${e.probes} probes)` : ''}`;
}

function neighRows(st: NsState): Keyed[] {
  return Object.values(st.neigh)
    .sort((a, b) => a.ifindex - b.ifindex || a.ip - b.ip)
    .map((e) => ({ key: `${e.ifindex}/${e.ip}`, text: neighText(st, e) }));
}

/** The decision sysctls as a matrix: a row per knob, a column for conf/all and each device. */
function sysctlRows(st: NsState): { header: string; rows: Keyed[] } {
  const devs = devices(st);
  const cols = ['all', ...devs.map((d) => d.name)];
  const widthOf = (c: string) => Math.max(c.length, 1);
  const keyW = Math.max(...Object.keys(DECISION_KNOBS).map((k) => k.length));
  const header = `${'sysctl'.padEnd(keyW)} ${cols.map((c) => c.padEnd(widthOf(c))).join(' ')}`;
  const rows = Object.keys(DECISION_KNOBS).map((k) => {
    const vals = [st.confAll[k] ?? 0, ...devs.map((d) => d.conf[k] ?? 0)];
    return { key: k, text: `${k.padEnd(keyW)} ${vals.map((v, i) => String(v).padEnd(widthOf(cols[i] as string))).join(' ')}` };
  });
  return { header, rows };
}

/** A route as `ip route show table all` prints it (ip's own printer, text form). */
function routeText(st: NsState, r: Route): string {
  let text = '';
  const p = new Printer({ json: false, pretty: false, color: false, oneline: false }, (s) => (text += s));
  printRoute(p, st, r, { table: false, dev: false, proto: false, scope: false }, false);
  return text.trimEnd();
}

function routeRows(st: NsState): Keyed[] {
  const out: Keyed[] = [];
  for (const table of tablesInDumpOrder(st)) {
    for (const r of routesInTrieOrder(st, table)) {
      const text = routeText(st, r);
      out.push({ key: `${table}|${text}`, text });
    }
  }
  return out;
}

function ruleText(r: Rule): string {
  const pfx = (p: { readonly addr: number; readonly len: number }) => (p.len === 32 ? ipString(p.addr) : `${ipString(p.addr)}/${p.len}`);
  let s = `${r.priority}: from ${r.from ? pfx(r.from) : 'all'}`;
  if (r.to) s += ` to ${pfx(r.to)}`;
  if (r.iif !== undefined) s += ` iif ${r.iif}`;
  if (r.oif !== undefined) s += ` oif ${r.oif}`;
  if (r.table) s += ` lookup ${tableN2a(r.table)}`;
  if (r.action !== 'lookup') s += ` ${r.action}`;
  return s;
}

function addrRows(st: NsState): Keyed[] {
  return st.addrs.map((a) => {
    const text = `${ipString(a.local)}/${a.prefixlen} dev ${devName(st, a.ifindex)} scope ${a.scope}${a.secondary ? ' secondary' : ''}`;
    return { key: text, text };
  });
}

export function linkState(d: DeviceState): string {
  if (!d.up) return 'DOWN';
  return d.carrier ? 'UP' : 'NO-CARRIER';
}

function linkRows(st: NsState, peerName: (id: number) => string | undefined): Keyed[] {
  return devices(st).map((d) => {
    const peer = d.peer !== undefined ? ` peer ${peerName(d.peer) ?? '?'}` : '';
    const master = d.master !== undefined ? ` master ${Object.values(st.devices).find((x) => x.id === d.master)?.name ?? '?'}` : '';
    return { key: String(d.id), text: `${d.ifindex}: ${d.name} ${d.kind} ${linkState(d)} mtu ${d.mtu} ${d.mac}${peer}${master}` };
  });
}

/** Rows of a section, marked against the same section before the event; what went is listed, struck. */
function marked(before: readonly Keyed[] | undefined, after: readonly Keyed[]): Row[] {
  if (!before) return after.map((r) => ({ text: r.text }));
  const was = new Map(before.map((r) => [r.key, r.text]));
  const now = new Set(after.map((r) => r.key));
  const rows: Row[] = after.map((r) => {
    const old = was.get(r.key);
    if (old === undefined) return { text: r.text, mark: 'new' as const };
    return old === r.text ? { text: r.text } : { text: r.text, mark: 'changed' as const };
  });
  for (const r of before) if (!now.has(r.key)) rows.push({ text: r.text, mark: 'gone' });
  return rows;
}

export interface FdbRow {
  readonly bridge: string;
  readonly mac: string;
  readonly port: string;
  /** The OVS MAC table's VLAN (a Linux bridge here has none). */
  readonly vlan?: number;
  /** Seconds since it was last seen. */
  readonly age: number;
}

/**
 * The learned MACs of the bridges in namespace `ns` at event `seq` (as stateAt): a Linux bridge's fdb, and the
 * MAC learning table of each OVS bridge whose own port is in `ns`.
 */
export function bridgeTables(view: RunView, ns: string, seq: number): FdbRow[] {
  const st = view.stateAt(ns, seq);
  if (!st) return [];
  const now = view.events[seq]?.t ?? 0;
  const name = (id: number) => view.peerName(id) ?? `#${id}`;
  const out: FdbRow[] = [];
  for (const [key, rows] of view.tablesAt('fdb', seq)) {
    const br = st.devices[Object.values(st.devices).find((d) => String(d.id) === key)?.ifindex ?? -1];
    if (!br) continue;
    for (const r of rows as readonly { mac: string; port: number; updated: number }[]) out.push({ bridge: br.name, mac: r.mac, port: name(r.port), age: Math.max(0, Math.round((now - r.updated) / 1e9)) });
  }
  const ovs = ovsDb(view.run.world).bridges.filter((b) => Object.values(st.devices).some((d) => d.id === b.internal));
  for (const b of ovs) {
    const rows = view.tablesAt('ovs-mac', seq).get(b.name) ?? [];
    for (const r of rows as readonly MacEntry[]) out.push({ bridge: b.name, mac: r.mac, port: name(r.port), vlan: r.vlan, age: Math.max(0, Math.round((now - r.updated) / 1e9)) });
  }
  return out;
}

export interface StateInput {
  readonly ns: string;
  readonly before: NsState | undefined;
  readonly after: NsState | undefined;
  /** A device's name by world-wide id (a veth peer may be in another namespace). */
  readonly peerName: (id: number) => string | undefined;
  /** What this namespace's bridges have learned, right before and right after the event. */
  readonly fdbBefore?: readonly FdbRow[];
  readonly fdb?: readonly FdbRow[];
}

export interface StateView {
  readonly rows: readonly Row[];
  readonly changes: number;
}

export function stateView(input: StateInput): StateView {
  const { before, after } = input;
  if (!after) return { rows: [{ text: `${nsLabel(input.ns)} does not exist at this moment`, dim: true }], changes: 0 };
  const rows: Row[] = [];
  const section = (title: string, b: readonly Keyed[] | undefined, a: readonly Keyed[], empty: string) => {
    rows.push(head(title));
    const r = marked(b, a);
    if (r.length === 0) rows.push({ text: ` ${empty}`, dim: true });
    for (const x of r) rows.push({ ...x, text: ` ${x.text}` });
  };
  section('neighbours', before && neighRows(before), neighRows(after), 'none');
  const sys = sysctlRows(after);
  const sysBefore = before && sysctlRows(before);
  rows.push(head(sys.header));
  for (const x of marked(sysBefore?.rows, sys.rows)) rows.push({ ...x, text: ` ${x.text}` });
  section('routes (all tables)', before && routeRows(before), routeRows(after), 'none');
  section('rules', before && before.rules.map((r) => ({ key: ruleText(r), text: ruleText(r) })), after.rules.map((r) => ({ key: ruleText(r), text: ruleText(r) })), 'none');
  section('addresses', before && addrRows(before), addrRows(after), 'none');
  section('links', before && linkRows(before, input.peerName), linkRows(after, input.peerName), 'none');
  if (input.fdb && (input.fdb.length > 0 || (input.fdbBefore?.length ?? 0) > 0)) {
    // Keyed by bridge, VLAN and MAC: a MAC seen again on another port is a change, not a new entry.
    const keyed = (rows: readonly FdbRow[]) => rows.map((f) => ({ key: `${f.bridge}|${f.vlan ?? ''}|${f.mac}`, text: `${f.mac} dev ${f.port}${f.vlan !== undefined ? ` vlan ${f.vlan}` : ''} master ${f.bridge}` }));
    section('learned MACs (bridge fdb, OVS mac table)', input.fdbBefore && keyed(input.fdbBefore), keyed(input.fdb), 'none');
  }
  return { rows, changes: rows.filter((r) => r.mark !== undefined).length };
}
