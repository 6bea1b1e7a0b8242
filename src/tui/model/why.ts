/**
 * The Why pane: for the selected event, the verdict and its reason, the stage functions the packet went
 * through to get there, the sysctls that decided it as they were at that moment, the packet's whole
 * journey with its clones, and the what-if that would try the other way.
 */
import type { DeviceState, NsState } from '../../sim/state.js';
import { devConf } from '../../stack/devconf.js';
import type { DropReason } from '../../sim/trace.js';
import { ending, journeyEvents, lineage, packetIndex } from './journey.js';
import type { RunView, UiEvent } from './run-view.js';
import { head, type Row } from './rows.js';
import { nsLabel, secs, where, wrap } from './text.js';
import { lineName, KIND_MARK } from './timeline.js';
import type { Change } from './whatif.js';

/** The knob a drop reason is about: the sysctl whose value made the kernel drop it. */
export const REASON_KNOB: Partial<Record<DropReason, string>> = {
  IP_LOCAL_SOURCE: 'accept_local',
  IP_RPFILTER: 'rp_filter',
  ARP_IGNORE: 'arp_ignore',
  ARP_FILTER: 'arp_filter',
  IP_LOCALNET: 'route_localnet',
  IP_INADDRERRORS: 'forwarding',
};

/** The sysctls a stage reads on its way to a decision. */
const STAGE_KNOBS: Readonly<Record<string, readonly string[]>> = {
  arp_process: ['accept_local', 'rp_filter', 'arp_ignore', 'arp_filter'],
  arp_rcv: ['arp_ignore'],
  ip_route_input: ['accept_local', 'rp_filter', 'forwarding'],
  fib_validate_source: ['accept_local', 'rp_filter'],
  ip_forward: ['forwarding'],
  arp_send: ['arp_announce'],
  arp_solicit: ['arp_announce'],
};

function findDev(st: NsState | undefined, name: string | undefined): DeviceState | undefined {
  if (!st || name === undefined) return undefined;
  return Object.values(st.devices).find((d) => d.name === name);
}

/** The knobs that matter for an event: a drop's deciding knob and the others its deciding function reads; else what its stage reads. */
export function eventKnobs(e: UiEvent): string[] {
  const k = e.drop !== undefined ? REASON_KNOB[e.drop] : undefined;
  const named = stagesNamedIn(e.what);
  const decider = named[named.length - 1];
  const keys: string[] = k ? [k] : [];
  for (const s of k && decider ? [decider] : [e.stage, ...named]) for (const x of STAGE_KNOBS[s] ?? []) if (!keys.includes(x)) keys.push(x);
  return keys;
}

/** Kernel functions an event's text names, as in "(ip_route_input → fib_validate_source)". */
export function stagesNamedIn(what: string): string[] {
  const m = /\(([a-z_0-9]+(?: → [a-z_0-9]+)+)\)/.exec(what);
  return m ? (m[1] as string).split(' → ') : [];
}

/** The what-if that tries the other way for a drop a knob decided: that knob flipped on that device. */
export function suggestedChange(e: UiEvent, st: NsState | undefined, before: number | undefined): Change | undefined {
  const key = e.drop !== undefined ? REASON_KNOB[e.drop] : undefined;
  const dev = findDev(st, e.dev);
  if (!key || !dev || before === undefined || !st) return undefined;
  const now = devConf(st, dev, key);
  // rp_filter is a MAXCONF knob: turning it off on the device alone does nothing while conf/all has it.
  if (key === 'rp_filter' && (st.confAll.rp_filter ?? 0) > (dev.conf.rp_filter ?? 0)) return { kind: 'conf', ns: e.ns, dev: 'all', key, value: 0, before };
  return { kind: 'conf', ns: e.ns, dev: dev.name, key, value: now === 0 ? 1 : 0, before };
}

function verdict(e: UiEvent): Row {
  switch (e.kind) {
    case 'drop':
      return { text: `✗ DROP ${e.drop ?? 'NOT_SPECIFIED'}`, bad: true };
    case 'consume':
      return { text: `✓ consumed at ${e.stage}`, good: true };
    case 'state':
      return { text: `• state change (${e.stage})` };
    case 'step':
      return { text: `· ${e.stage}` };
  }
}

export interface WhyInput {
  readonly view: RunView;
  readonly seq: number;
  readonly width: number;
  /** The change `w` would propose for this event, if any. */
  readonly suggestion: Change | undefined;
}

export function whyRows(input: WhyInput): Row[] {
  const { view, seq, width } = input;
  const e = view.events[seq];
  if (!e) return [{ text: 'no events in this run', dim: true }];
  const rows: Row[] = [verdict(e)];
  rows.push({ text: `at  ${where(e.ns, e.dev)} ${e.ns === '' ? '(script ns) ' : ''}t=${secs(e.t)}`, dim: true });
  rows.push({ text: `ev  ${seq + 1}/${view.events.length}${e.line !== undefined ? `  ${lineName(e.line)} ${view.lines.find((l) => l.line === e.line)?.text ?? ''}` : ''}`, dim: true });

  // The stage functions: along the packet's journey when events carry packet ids; otherwise what this
  // device did with the frame at this instant, and the functions the event itself names.
  const idx = view.packets ? packetIndex(view) : undefined;
  const journey = idx && e.pkt !== undefined ? journeyEvents(view, idx, e.pkt).filter((x) => x.seq <= seq) : undefined;
  const here = journey ?? view.events.filter((x) => x.seq <= seq && x.t === e.t && x.ns === e.ns && x.dev === e.dev);
  const stages: string[] = [];
  for (const x of here) if (stages[stages.length - 1] !== x.stage) stages.push(x.stage);
  for (const s of stagesNamedIn(e.what)) if (!stages.includes(s)) stages.push(s);
  if (stages.length > 0) {
    const chain = `${stages.join(' → ')}${e.kind === 'drop' ? ' ✗' : e.kind === 'consume' ? ' ✓' : ''}`;
    for (const [i, l] of wrap(chain, width - 4).entries()) rows.push({ text: `${i === 0 ? 'via ' : '    '}${l}` });
  }
  rows.push({ text: '' });
  for (const l of wrap(e.what, width)) rows.push({ text: l, bad: e.kind === 'drop' });

  const st = view.stateAt(e.ns, seq - 1);
  const after = view.stateAt(e.ns, seq);
  const knobs = eventKnobs(e);
  const dev = findDev(after, e.dev);
  if (knobs.length > 0 && after) {
    rows.push({ text: '' });
    rows.push(head('knobs at this moment'));
    const decisive = e.drop !== undefined ? REASON_KNOB[e.drop] : undefined;
    const keyW = Math.max(...knobs.map((k) => k.length));
    for (const k of knobs) {
      const own = dev ? `${dev.name}=${dev.conf[k] ?? 0} ` : '';
      const eff = dev ? ` → ${devConf(after, dev, k)}` : '';
      rows.push({ text: ` ${k.padEnd(keyW)} ${own}all=${after.confAll[k] ?? 0}${eff}`, mark: k === decisive ? 'changed' : undefined });
    }
  }

  if (idx && e.pkt !== undefined) {
    const chain = lineage(idx, e.pkt);
    const name = view.packetText.get(e.pkt) ?? view.packetText.get(chain[0] as number);
    rows.push({ text: '' });
    rows.push(head(`packet #${e.pkt}${chain.length > 1 ? ` (clone of #${chain[chain.length - 2]})` : ''}${name ? `: ${name}` : ''}`));
    for (const x of journeyEvents(view, idx, e.pkt)) {
      const mark = x.seq === seq ? '▶' : ' ';
      rows.push({ text: `${mark}${KIND_MARK[x.kind]}${secs(x.t)} ${where(x.ns, x.dev)} ${x.stage}${x.drop ? ` ${x.drop}` : ''}`, selected: x.seq === seq, bad: x.kind === 'drop', good: x.kind === 'consume' });
    }
    const p = idx.packets.get(e.pkt);
    const end = p ? ending(view, p) : undefined;
    if (end?.kind === 'in-flight') rows.push({ text: '  … still on its way when the run ended', dim: true });
    const clones = chain.flatMap((id) => idx.packets.get(id)?.children ?? []).filter((c) => !chain.includes(c));
    if (clones.length > 0) rows.push(head(`clones (${clones.length})`));
    for (const c of clones) {
      const cp = idx.packets.get(c);
      if (!cp) continue;
      const first = view.events[cp.seqs[0] as number] as UiEvent;
      const end2 = ending(view, cp);
      const tail = end2.kind === 'in-flight' ? 'in flight' : `${end2.kind === 'drop' ? `✗ ${end2.event.drop}` : '✓'} at ${where(end2.event.ns, end2.event.dev)}`;
      rows.push({ text: ` #${c} from ${where(first.ns, first.dev)}: ${tail}`, bad: end2.kind === 'drop' });
    }
  }

  if (e.stage.startsWith('neigh') && after) {
    const m = /^(\d+\.\d+\.\d+\.\d+)/.exec(e.what);
    const entry = m ? Object.values(after.neigh).find((n) => `${n.ip >>> 24}.${(n.ip >>> 16) & 255}.${(n.ip >>> 8) & 255}.${n.ip & 255}` === m[1]) : undefined;
    const was = m && st ? Object.values(st.neigh).find((n) => n.ifindex === entry?.ifindex && n.ip === entry?.ip) : undefined;
    if (entry) {
      rows.push({ text: '' });
      rows.push({ text: `neigh ${m?.[1]} on ${after.devices[entry.ifindex]?.name ?? '?'}: ${was ? `${was.state} → ` : ''}${entry.state}`, mark: was?.state !== entry.state ? 'changed' : undefined });
    }
  }

  if (input.suggestion) {
    const c = input.suggestion;
    rows.push({ text: '' });
    rows.push({ text: `w: try ${c.kind === 'conf' ? `${c.key}=${c.value} on ${c.dev}` : `${c.dev} ${c.up ? 'up' : 'down'}`}${c.ns === '' ? '' : ` in ${nsLabel(c.ns)}`}`, good: true });
  }
  return rows;
}
