/** The UI's model without ink: the run adapter, what-if changes and their diff, filters, keys, text fitting, topology, pcap export. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { parsePcap } from '../../src/capture/pcap.js';
import { readFileSync } from 'node:fs';
import { mapSelection } from '../../src/tui/model/app-model.js';
import { exportPcaps } from '../../src/tui/model/captures.js';
import { diffRuns } from '../../src/tui/model/diff.js';
import { decodeKeys } from '../../src/tui/model/keys.js';
import { bundledFiles, filterEntries, pickerEntries } from '../../src/tui/model/picker.js';
import { openSession, simulate } from '../../src/tui/model/session.js';
import { fit, truncate, width, wrap } from '../../src/tui/model/text.js';
import { eventMatcher, parseFilter } from '../../src/tui/model/timeline.js';
import { topologyRows } from '../../src/tui/model/topology.js';
import { applyChanges, changeCommand, knobsAt, type Change } from '../../src/tui/model/whatif.js';
import { ARTICLE, openModel } from './helpers.js';
import { writePcaps } from '../../src/cli/pcap-export.js';

const article = loadScenario(ARTICLE);

describe('the run as the UI reads it', () => {
  const view = simulate(article, 1);

  it('has every trace event once, in order, each under the script line that caused it', () => {
    expect(view.events).toHaveLength(42);
    expect(view.events.map((e) => e.seq)).toEqual([...view.events.keys()]);
    // lo comes up as the script's namespace is made, before the first line; then the lines' own events.
    expect(view.events.slice(0, 9).map((e) => `${e.line ?? '-'} ${e.stage}`)).toEqual(['- dev_open', '16 veth_newlink', '17 __inet_insert_ifa', '18 __inet_insert_ifa', '19 dev_open', '20 dev_open', '20 netif_carrier_on', '20 netif_carrier_on', '24 ip_output']);
    expect(view.events.slice(8).every((e) => e.line === 24)).toBe(true);
    expect(view.events.filter((e) => e.kind === 'drop').map((e) => e.drop)).toEqual(['IP_LOCAL_SOURCE', 'IP_LOCAL_SOURCE', 'IP_LOCAL_SOURCE', 'NEIGH_FAILED', 'NEIGH_FAILED']);
  });

  it('keeps one record per script line with its exit status and the events it produced', () => {
    expect(view.lines.map((l) => l.text)).toEqual(article.script.map((l) => l.text));
    const ping = view.lines.find((l) => l.text.startsWith('ping'));
    expect(ping).toMatchObject({ exit: 1, firstSeq: 8, lastSeq: 41, background: false });
    expect(ping?.output).toBe(view.run.report.output);
    expect(view.lines.filter((l) => l.background).map((l) => [l.exit, l.firstSeq])).toEqual([[undefined, undefined], [undefined, undefined], [undefined, undefined]]);
    expect(view.lines.find((l) => l.line === 20)).toMatchObject({ exit: 0, output: '', firstSeq: 5, lastSeq: 7 });
  });

  it('gives each captured frame the tcpdump line it printed and the event it is printed at', () => {
    const lo = view.captures.find((c) => c.point === 'lo');
    expect(lo?.frames.map((f) => f.text)).toEqual(['IP 10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.3 unreachable, length 92', 'IP 10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.3 unreachable, length 92']);
    // Each frame is printed from the event at which its device handled that very packet.
    for (const c of view.captures) for (const f of c.frames) expect(view.events[f.seq]).toMatchObject({ t: f.t, pkt: f.pkt, dev: c.point, stage: f.dir === 'out' ? 'dev_queue_xmit' : 'netif_receive_skb' });
    const xmit = view.events.find((e) => e.stage === 'dev_queue_xmit');
    expect(view.frameText.get(xmit?.seq ?? -1)).toBe('ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28');
  });

  it('has the namespace state before the run, after it, and never for a namespace that does not exist', () => {
    expect(view.namespaces).toEqual(['']);
    expect(view.stateBefore('', 0)?.devices).toBeDefined();
    expect(Object.values(view.stateAfter('', 41)?.neigh ?? {}).map((n) => n.state)).toEqual(['FAILED']);
    // The state at an event holds what it reports: the entry neigh_event_send made INCOMPLETE.
    expect(view.events[9]?.stage).toBe('neigh_event_send');
    expect(Object.values(view.stateAt('', 8)?.neigh ?? {})).toEqual([]);
    expect(Object.values(view.stateAt('', 9)?.neigh ?? {}).map((n) => n.state)).toEqual(['INCOMPLETE']);
    expect(view.stateBefore('nope', 3)).toBeUndefined();
  });
});

describe('what-if', () => {
  it.each<[Change, string]>([
    [{ kind: 'conf', ns: '', dev: 'veth1', key: 'accept_local', value: 1, before: 24 }, 'echo 1 > /proc/sys/net/ipv4/conf/veth1/accept_local'],
    [{ kind: 'conf', ns: 'ns1', dev: 'all', key: 'rp_filter', value: 2, before: 9 }, 'ip netns exec ns1 sysctl -qw net/ipv4/conf/all/rp_filter=2'],
    [{ kind: 'link', ns: '', dev: 'veth1', up: false, before: 24 }, 'ip link set veth1 down'],
    [{ kind: 'link', ns: 'ns2', dev: 'veth1', up: true, before: 24 }, 'ip netns exec ns2 ip link set veth1 up'],
  ])('%o is the line %s', (c, line) => {
    expect(changeCommand(c)).toBe(line);
  });

  it('puts the change right before its line, keeping every other line number', () => {
    const s = applyChanges(article, [{ kind: 'conf', ns: '', dev: 'veth1', key: 'accept_local', value: 1, before: 24 }]);
    expect(s.script.map((l) => l.line)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 23.5, 24]);
    expect(s.script[8]?.text).toBe('echo 1 > /proc/sys/net/ipv4/conf/veth1/accept_local');
    expect(s.captures).toEqual(article.captures);
  });

  it('lists conf/all, every device and its link as knobs, with the values at that line', () => {
    const view = simulate(article, 1);
    const knobs = knobsAt(view, 24);
    expect(knobs.filter((k) => k.key === 'accept_local').map((k) => `${k.dev}=${k.current}`)).toEqual(['all=0', 'lo=0', 'veth1=0', 'veth0=0']);
    expect(knobs.filter((k) => k.key === 'link').map((k) => `${k.dev}=${k.current}`)).toEqual(['lo=1', 'veth1=1', 'veth0=1']);
    // Before the veth pair exists, only lo is there.
    expect(new Set(knobsAt(view, 16).map((k) => k.dev))).toEqual(new Set(['all', 'lo']));
  });

  it('diffs a run against itself as all the same, and a what-if by what changed', () => {
    const session = openSession(article);
    const same = diffRuns(session.base, session.base);
    expect([same.added, same.gone, same.changed]).toEqual([0, 0, 0]);
    expect(same.captures.every((c) => !c.differs)).toBe(true);
    const w = session.whatIf([{ kind: 'conf', ns: '', dev: 'veth1', key: 'accept_local', value: 1, before: 24 }]);
    if ('error' in w) throw new Error(w.error);
    expect(w.diff.added).toBeGreaterThan(0);
    expect(w.diff.rows.filter((r) => r.kind !== 'added')).toHaveLength(session.base.events.length);
    expect(w.diff.rows.filter((r) => r.kind !== 'gone')).toHaveLength(w.view.events.length);
    const lo = w.diff.captures.find((c) => c.point === 'lo');
    expect(lo?.lines.filter((l) => l.sign === '+').map((l) => l.text)).toEqual([
      expect.stringMatching(/^IP 10\.1\.1\.3 > 10\.1\.1\.2: ICMP echo reply, id \d+, seq 1, length 64$/),
      expect.stringMatching(/^IP 10\.1\.1\.3 > 10\.1\.1\.2: ICMP echo reply, id \d+, seq 2, length 64$/),
    ]);
    expect(w.diff.outputDiffers).toBe(true);
    // The same change again costs nothing: the run is cached.
    expect(session.whatIf([{ kind: 'conf', ns: '', dev: 'veth1', key: 'accept_local', value: 1, before: 24 }])).toBe(w);
    // Each event maps to its counterpart: the dropped request (6th event) is the answered one (7th).
    expect(mapSelection(w.diff, 13, 'toWhatIf')).toBe(15);
    expect(w.view.events[15]?.stage).toBe('arp_process');
    expect(mapSelection(w.diff, 15, 'toBase')).toBe(13);
  });

  it('reports a change the scenario cannot take, without running half of it', () => {
    const session = openSession(article);
    const w = session.whatIf([{ kind: 'conf', ns: 'ghost', dev: 'all', key: 'rp_filter', value: 1, before: 24 }]);
    expect('error' in w ? w.error : '').toBe('');
    if ('error' in w) return;
    expect(w.view.run.report.output).toContain('Cannot open network namespace "ghost": No such file or directory');
  });
});

describe('the timeline filter', () => {
  const view = simulate(article, 1);
  const count = (text: string) => view.events.filter(eventMatcher(parseFilter(text), view)).length;
  it.each([
    ['', 42],
    ['drop', 5],
    ['stage:arp_*', 6],
    ['stage:arp_process', 3],
    ['dev:veth1 drop', 3],
    ['dev:lo', 17],
    ['ns:', 42],
    ['line:24', 34],
    ['line:16', 1],
    ['line:21', 0],
    ['who-has', 12],
    ['WHO-HAS dev:veth1', 6],
  ])("'%s' keeps %d events", (text, n) => {
    expect(count(text)).toBe(n);
  });
});

describe('keys', () => {
  it('takes a burst one key at a time, Ctrl-C anywhere in it', () => {
    expect(decodeKeys('nn]', {})).toEqual([{ kind: 'char', ch: 'n' }, { kind: 'char', ch: 'n' }, { kind: 'char', ch: ']' }]);
    expect(decodeKeys('n\x03', {})).toEqual([{ kind: 'char', ch: 'n' }, { kind: 'interrupt' }]);
    expect(decodeKeys('c', { ctrl: true })).toEqual([{ kind: 'interrupt' }]);
  });

  it('reads Esc (which ink also flags as meta), Backspace reported as delete, Tab and Shift-Tab', () => {
    expect(decodeKeys('', { escape: true, meta: true })).toEqual([{ kind: 'escape' }]);
    expect(decodeKeys('', { delete: true })).toEqual([{ kind: 'backspace' }]);
    expect(decodeKeys('\t', { tab: true })).toEqual([{ kind: 'tab' }]);
    expect(decodeKeys('', { tab: true, shift: true })).toEqual([{ kind: 'backtab' }]);
    expect(decodeKeys('x', { meta: true })).toEqual([]);
  });

  it(': goes to an event, a time or a line, and says what it cannot', () => {
    const m = openModel();
    m.press(':99\r');
    expect(m.run?.message).toBe('there are events 1 to 42');
    m.press(':t 3.008\r');
    expect(m.view().events[m.run?.sel ?? -1]?.stage).toBe('neigh_timer_handler');
    m.press(':l21\r');
    expect(m.run?.message).toBe('line 21 caused no event');
    m.press(':l16\r');
    expect(m.view().events[m.run?.sel ?? -1]?.stage).toBe('veth_newlink');
    m.press(':7\r');
    expect(m.run?.sel).toBe(6);
    m.press(':where\r');
    expect(m.run?.message).toMatch(/^go to what\?/);
  });

  it('}/{ move between script lines, G/g to the ends, space plays one event at a time', () => {
    const m = openModel('scenarios/veth-same-ns-ubuntu.yaml');
    const lineOf = () => m.view().events[m.run?.sel ?? 0]?.line;
    const first = lineOf();
    m.press('}');
    expect(lineOf()).not.toBe(first);
    const second = m.run?.sel;
    m.press('n', {});
    m.press('{');
    expect(m.run?.sel).toBe(second);
    m.press('{');
    expect(lineOf()).toBe(first);
    m.press('G');
    expect(m.run?.sel).toBe(m.view().events.length - 1);
    m.press('g ');
    expect(m.run?.playing).toBe(true);
    expect(m.tick()).toBe(true);
    expect(m.run?.sel).toBe(1);
  });
});

describe('text fitting', () => {
  it('cuts with an ellipsis and pads to exact cells, wide characters counted twice', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4)).toBe('ab  ');
    expect(width('▶✗◀─')).toBe(4);
    expect(width('名前')).toBe(4);
    expect(truncate('名前です', 5)).toBe('名前…');
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
  });
});

describe('the topology', () => {
  it('draws namespaces side by side when they fit, veth peers joined on a shared row', () => {
    const view = simulate(loadScenario('scenarios/netns-bridge.yaml'), 1);
    const end = view.events.length - 1;
    const rows = topologyRows(view, end, 78, { ns: 'ns2', dev: 'veth1' }).map((r) => r.text);
    expect(rows[0]).toMatch(/^┌ ns1 ─+┐ {4}┌ \(script ns\) ─+┐ {4}┌ ns2 ─+┐/);
    expect(rows.some((r) => /│ veth0 ▲ 10\.1\.1\.2\/24 A│────│ br-veth0 ▲ ⊂br0 A│/.test(r))).toBe(true);
    expect(rows.some((r) => /│ br-veth1 ▲ ⊂br0 B│────│▶veth1 ▲ 10\.1\.1\.3\/24 B│/.test(r))).toBe(true);
    // Narrower: one list per namespace.
    const list = topologyRows(view, end, 38, { ns: 'ns2', dev: 'veth1' });
    expect(list.map((r) => r.text.trimEnd())).toContain(' ▶veth1 ▲ 10.1.1.3/24 B');
    expect(list.find((r) => r.text.includes('▶'))?.selected).toBe(true);
  });

  it('keeps a device that is gone in its place, marked ·', () => {
    const view = simulate(loadScenario('scenarios/veth-del-peer.yaml'), 1);
    const rows = topologyRows(view, view.events.length - 1, 38, undefined).map((r) => r.text);
    expect(rows.slice(0, 6)).toEqual([
      '┌ (script ns) ────┐    ┌ ns1 ─────┐   ',
      '│ lo ▲ 127.0.0.1/8│    │ lo ▽     │   ',
      '│ veth1 · A       │    │          │   ',
      '│ veth0 · A       │    │          │   ',
      '│ veth2 · B       │────│ veth3 · B│   ',
      '└─────────────────┘    └──────────┘   ',
    ]);
  });
});

describe('the picker', () => {
  it('lists the bundled scenarios with their titles and filters on every word typed', () => {
    const entries = pickerEntries(bundledFiles());
    expect(entries.length).toBeGreaterThan(50);
    expect(entries.every((e) => e.title !== '' && e.error === undefined)).toBe(true);
    expect(filterEntries(entries, 'ns-default').map((e) => e.name)).toEqual(['veth-same-ns-default']);
    expect(filterEntries(entries, 'ACCEPT_LOCAL ubuntu').map((e) => e.name)).toEqual(['veth-same-ns-fixed', 'veth-same-ns-ubuntu']);
    expect(filterEntries(entries, 'no such words here')).toEqual([]);
  });
});

describe('pcap export', () => {
  it('writes what each capture had by the selected event, as tcpdump -w would', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-pcap-'));
    try {
      const view = simulate(article, 1);
      expect(exportPcaps(view, 10, dir, writePcaps).map((f) => readFileSync(f).length)).toEqual([24, 24, 24]);
      const files = exportPcaps(view, 13, dir, writePcaps);
      expect(readdirSync(dir).sort()).toEqual(['veth-same-ns-default.lo.pcap', 'veth-same-ns-default.veth0.pcap', 'veth-same-ns-default.veth1.pcap']);
      const count = (f: string) => {
        const buf = readFileSync(f);
        const p = parsePcap(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
        if (!p.ok) throw new Error('bad pcap');
        return p.value.records.length;
      };
      expect(files.map(count)).toEqual([1, 1, 0]);
      expect(exportPcaps(view, 41, dir, writePcaps).map(count)).toEqual([3, 3, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several files', () => {
  it('go to the picker, which lists just them; Enter opens one, o comes back to the list, Esc back to the run', async () => {
    const { TuiModel } = await import('../../src/tui/model/app-model.js');
    const files = ['scenarios/veth-same-ns-default.yaml', 'scenarios/veth-same-ns-fixed.yaml'];
    const m = new TuiModel({ files, seed: 1, pcapDir: '.', writePcaps, columns: 80, rows: 24 });
    expect(m.state.screen).toBe('picker');
    expect(m.state.picker.entries.map((e) => e.name)).toEqual(['veth-same-ns-default', 'veth-same-ns-fixed']);
    m.press('fixed');
    m.press('', { return: true });
    expect(m.state.screen).toBe('run');
    expect(m.view().scenario.name).toBe('veth-same-ns-fixed');
    m.press('o');
    expect(m.state.screen).toBe('picker');
    m.press('', { escape: true });
    m.press('', { escape: true });
    expect(m.state.screen).toBe('run');
    m.press('q');
    expect(m.state.quit).toBe(true);
  });
});

describe('the selection across a what-if', () => {
  it('stays on the same event, or on the next one the what-if run kept when it is gone', () => {
    const session = openSession(article);
    const w = session.whatIf([{ kind: 'link', ns: '', dev: 'veth0', up: false, before: 24 }]);
    if ('error' in w) throw new Error(w.error);
    const gone = w.diff.rows.find((r) => r.kind === 'gone');
    if (!gone || gone.kind !== 'gone') throw new Error('the link going down should take events away');
    const at = w.diff.rows.indexOf(gone);
    // The what-if run's next event in the merged order (added or kept).
    const next = w.diff.rows.slice(at).find((r) => r.kind !== 'gone');
    expect(mapSelection(w.diff, gone.a, 'toWhatIf')).toBe(next && 'b' in next ? next.b : w.view.events.length - 1);
    for (const r of w.diff.rows) if (r.kind === 'same' || r.kind === 'changed') expect(mapSelection(w.diff, r.a, 'toWhatIf')).toBe(r.b);
  });
});
