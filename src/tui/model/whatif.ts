/**
 * What-if: one decision sysctl or one link's state changed, and the scenario run again from the start.
 * The change is a script line of its own — the one a person would type (`echo 1 > /proc/sys/...`,
 * `ip link set veth1 down`) — put right before the line that caused the selected event, so it runs
 * through the same tools, and the same checks, as every other line.
 */
import { splitScript, type ScriptLine } from '../../scenario/script.js';
import type { Scenario } from '../../scenario/scenario.js';
import type { DeviceState, NsState } from '../../sim/state.js';
import { devConf } from '../../stack/devconf.js';
import type { RunView } from './run-view.js';

/** The per-device sysctls that decide a packet's fate, and the values each takes. */
export const DECISION_KNOBS: Readonly<Record<string, readonly number[]>> = {
  accept_local: [0, 1],
  rp_filter: [0, 1, 2],
  arp_ignore: [0, 1, 2, 3, 8],
  arp_announce: [0, 1, 2],
  arp_filter: [0, 1],
  forwarding: [0, 1],
  route_localnet: [0, 1],
};

export type Change =
  | { readonly kind: 'conf'; readonly ns: string; readonly dev: string; readonly key: string; readonly value: number; readonly before: number }
  | { readonly kind: 'link'; readonly ns: string; readonly dev: string; readonly up: boolean; readonly before: number };

/** One row of the what-if menu: a knob, its value at that moment, and the change it would make. */
export interface Knob {
  readonly ns: string;
  /** A device's name, or 'all' for conf/all. */
  readonly dev: string;
  /** A sysctl key, or 'link' for the device's administrative state. */
  readonly key: string;
  readonly current: number;
  readonly values: readonly number[];
  /** What the device really uses, combining conf/all and its own (IN_DEV_ORCONF / MAXCONF). */
  readonly effective: number | undefined;
}

export function changeLabel(c: Change): string {
  const ns = c.ns === '' ? '' : ` in ${c.ns}`;
  if (c.kind === 'link') return `ip link set ${c.dev} ${c.up ? 'up' : 'down'}${ns}`;
  return `${c.key}=${c.value} on ${c.dev}${ns}`;
}

/** The shell line that makes the change. */
export function changeCommand(c: Change): string {
  const inNs = (cmd: string) => (c.ns === '' ? cmd : `ip netns exec ${c.ns} ${cmd}`);
  if (c.kind === 'link') return inNs(`ip link set ${c.dev} ${c.up ? 'up' : 'down'}`);
  // A redirection belongs to the calling shell, so inside another namespace sysctl writes the file.
  if (c.ns === '') return `echo ${c.value} > /proc/sys/net/ipv4/conf/${c.dev}/${c.key}`;
  return inNs(`sysctl -qw net/ipv4/conf/${c.dev}/${c.key}=${c.value}`);
}

/** The line a change made at the selected event goes before: that event's line (the first or last line for events before or after the script). */
export function insertionLine(view: RunView, seq: number): number | undefined {
  const line = view.events[seq]?.line;
  if (line !== undefined && Number.isInteger(line)) return line;
  const script = view.scenario.script;
  // Before the first line (the script's namespace being made), the change goes first; after the last, last.
  const before = view.events.slice(seq).some((e) => e.line !== undefined);
  return (before ? script[0] : script[script.length - 1])?.line;
}

function devices(st: NsState): DeviceState[] {
  return Object.values(st.devices).sort((a, b) => a.ifindex - b.ifindex);
}

/** Every knob of every namespace as it is when `line` starts: conf/all, then each device's, then links. */
export function knobsAt(view: RunView, line: number): Knob[] {
  const out: Knob[] = [];
  for (const ns of view.namespaces) {
    const st = view.stateAtLine(ns, line);
    if (!st) continue;
    for (const [key, values] of Object.entries(DECISION_KNOBS)) out.push({ ns, dev: 'all', key, current: st.confAll[key] ?? 0, values, effective: undefined });
    for (const d of devices(st)) {
      for (const [key, values] of Object.entries(DECISION_KNOBS)) out.push({ ns, dev: d.name, key, current: d.conf[key] ?? 0, values, effective: devConf(st, d, key) });
      out.push({ ns, dev: d.name, key: 'link', current: d.up ? 1 : 0, values: [0, 1], effective: undefined });
    }
  }
  return out;
}

/** The change a knob makes with a chosen value (by default: 0 becomes 1, anything else 0). */
export function knobChange(k: Knob, before: number, value = k.current === 0 ? 1 : 0): Change {
  if (k.key === 'link') return { kind: 'link', ns: k.ns, dev: k.dev, up: value !== 0, before };
  return { kind: 'conf', ns: k.ns, dev: k.dev, key: k.key, value, before };
}

export function knobLabel(k: Knob): string {
  const ns = k.ns === '' ? '' : `${k.ns} `;
  if (k.key === 'link') return `${ns}${k.dev} link ${k.current ? 'up' : 'down'}`;
  return `${ns}conf/${k.dev}/${k.key}`;
}

/**
 * The scenario with the changes applied: each a line of its own, numbered just before the line it
 * precedes so every original line keeps its number (and its place in captures and diffs).
 */
export function applyChanges(s: Scenario, changes: readonly Change[]): Scenario {
  const inserted: ScriptLine[] = changes.map((c, i) => {
    const [parsed] = splitScript(changeCommand(c), s.file, 1);
    if (!parsed) throw new Error(`unreachable: '${changeCommand(c)}' is one line`);
    return { ...parsed, line: c.before - 0.5 + i / 1000 };
  });
  const script = [...s.script, ...inserted].sort((a, b) => a.line - b.line);
  return { ...s, script };
}
