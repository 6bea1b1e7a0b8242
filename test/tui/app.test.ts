/**
 * The terminal UI driven by keys on the article's failing scenario (veth-same-ns-default): the dropped
 * ARP request and why, the state at that moment, what-ifs on accept_local and rp_filter with their
 * diff, and stepping back to an earlier state.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { drive, driveSized, ENTER, ESC, LEFT, openModel, RIGHT, TAB, type Driven } from './helpers.js';

let ui: Driven | undefined;
afterEach(() => ui?.unmount());

/** The pane to the right of the timeline at 80 columns. */
const side = (d: Driven) => d.columns(40);
const timeline = (d: Driven) => d.columns(0, 40);

describe('vethsim tui on the article\'s failing scenario', () => {
  it('opens at 80x24 on the first event with the footer of keys', async () => {
    ui = await drive(openModel());
    const lines = ui.lines();
    expect(lines).toHaveLength(24);
    expect(lines[0]).toMatch(/^ veth-same-ns-default {2}t=0\.000000s {2}ev 1\/42 {2}✗5 drops/);
    expect(lines[23]).toMatch(/n\/p step .*\? help/);
    expect(timeline(ui)).toMatch(/─ before the script ─+║\n║▶•0\.000000 lo +dev_open +lo is up/);
    expect(timeline(ui)).toMatch(/─ L16 ip l a veth0 type veth peer nam…║\n║ •0\.000000 veth0 veth_newl… veth0 and/);
  });

  it('] goes to the dropped ARP request: its reason, the stage functions, accept_local as it was', async () => {
    ui = await drive(openModel());
    await ui.press(']');
    expect(ui.lines()[0]).toMatch(/ev 14\/42/);
    expect(timeline(ui)).toMatch(/▶✗0\.008002 veth1 arp_proce… IP_LOCAL_/);
    const why = side(ui);
    expect(why).toContain('✗ DROP IP_LOCAL_SOURCE');
    expect(why).toMatch(/at {2}veth1 \(script ns\) t=0\.008002/);
    expect(why).toMatch(/via arp_send → dev_queue_xmit → +│\n│ {4}netif_receive_skb → arp_process → │\n│ {4}ip_route_input → +│\n│ {4}fib_validate_source ✗/);
    expect(why).toMatch(/source 10\.1\.1\.2 is a local address and/);
    expect(why).toMatch(/accept_local veth1=0 all=0 → 0 +◀/);
    // The packet's journey, from where it was built to its drop: below the fold, j scrolls to it.
    await ui.press('2', 'j', 'j', 'j', 'j', 'j', 'j', 'j');
    const journey = side(ui);
    expect(journey).toMatch(/packet #\d+: ARP, Request who-has 10\.1\.…/);
    expect(journey).toMatch(/ {2}0\.008000 veth0 arp_send +║\n║ {2}0\.008000 veth0 dev_queue_xmit +║\n║ {2}0\.008002 veth1 netif_receive_skb +║\n║▶✗0\.008002 veth1 arp_process IP_LOCAL…/);
    expect(journey).toContain('w: try accept_local=1 on veth1');
    // The next drop is the second probe's, a second later; [ comes back.
    await ui.press(']');
    expect(ui.lines()[0]).toMatch(/t=1\.008002s {2}ev 19\/42/);
    await ui.press('[');
    expect(ui.lines()[0]).toMatch(/ev 14\/42/);
  });

  it('the state pane shows accept_local=0 and rp_filter=0 on every device at that moment', async () => {
    ui = await drive(openModel());
    await ui.press(']', '3');
    const st = side(ui);
    expect(st).toMatch(/\[3 State\]/);
    expect(st).toMatch(/sysctl +all lo veth1 veth0/);
    expect(st).toMatch(/ accept_local +0 +0 +0 +0 /);
    expect(st).toMatch(/ rp_filter +0 +0 +0 +0 /);
    expect(st).toMatch(/10\.1\.1\.3 dev veth0 INCOMPLETE/);
    // The timeline lost the focus and is drawn again with its other border, rows and headings intact.
    expect(timeline(ui)).toMatch(/^┌─ 1 Timeline ─+all 14\/42─┐\n│─ L17 ip a a 10\.1\.1\.2\/24 dev veth0 ───│\n/m);
    expect(timeline(ui)).toMatch(/│─ L24 ping -I veth0 10\.1\.1\.3 -c 2 ────│/);
  });

  it('what-if accept_local=1 on veth1 re-runs and the echo replies on lo are in the diff; rp_filter loose keeps them, strict drops the request again', async () => {
    ui = await drive(openModel());
    await ui.press(']', 'w');
    // The menu opens on the knob that decided the drop.
    expect(side(ui)).toMatch(/▶ conf\/veth1\/accept_local +0 → 1/);
    await ui.press(ENTER);
    expect(ui.lines()[0]).toMatch(/ev 16\/44 {2}L24 {2}what-if: accept_local=1 on v…$/);
    expect(side(ui)).toMatch(/\[2 Why\]/);
    expect(ui.lines()[23]).toMatch(/events added, \d+ gone, \d+ changed/);
    // The selection stays on the same ARP request, now answered.
    expect(timeline(ui)).toMatch(/▶~✓0\.009002 veth1 arp_proce… ARP requ/);
    expect(timeline(ui)).toMatch(/─ \+L24 echo 1 > \/proc\/sys\/net\/ipv4\/co…║\n║ \+•0\.008000 - +devinet_c… conf\/vet…/);
    await ui.press('5');
    let cap = side(ui);
    expect(cap).toMatch(/lo {2}differs from the original run/);
    expect(cap).toMatch(/\+IP 10\.1\.1\.3 > 10\.1\.1\.2: ICMP echo re/);
    expect(cap).toMatch(/-IP 10\.1\.1\.2 > 10\.1\.1\.2: ICMP host 10/);
    // rp_filter=2 (loose) on conf/all as well: the replies still come back through lo.
    await ui.press('w', 'all rp_filter', RIGHT, ENTER);
    expect(ui.model.run?.changes.map((c) => c.kind === 'conf' && `${c.dev}/${c.key}=${c.value}`)).toEqual(['veth1/accept_local=1', 'all/rp_filter=2']);
    await ui.press('6');
    // The two inserted lines, marked, before the line they precede.
    expect(side(ui)).toMatch(/\+L24 +✓ echo 1 > \/proc\/sys\/net\/ip… ◀║\n║ \+L24 +✓ echo 2 > \/proc\/sys\/net\/ip… ◀║\n║▶ L24 +✓ ping -I veth0/);
    await ui.press('5');
    cap = side(ui);
    expect(cap).toMatch(/\+IP 10\.1\.1\.3 > 10\.1\.1\.2: ICMP echo re/);
    // Undo it and try strict (1): fib_validate_source refuses the request again.
    await ui.press('u');
    expect(ui.model.run?.changes).toHaveLength(1);
    await ui.press('w', 'all rp_filter', ENTER);
    expect(ui.lines()[23]).toMatch(/what-if rp_filter=1 on all: /);
    cap = side(ui);
    expect(cap).not.toMatch(/ICMP echo re/);
    await ui.press('g', ']', '2');
    expect(side(ui)).toContain('✗ DROP IP_RPFILTER');
    // d hides the diff, u undoes both changes: the original run is back.
    await ui.press('d');
    expect(timeline(ui)).not.toMatch(/^[│║][ ▶][+~-]/m);
    await ui.press('u', 'u');
    expect(ui.lines()[0]).not.toMatch(/what-if/);
    expect(ui.lines()[0]).toMatch(/✗5 drops/);
  });

  it('stepping forwards and back restores the earlier state exactly', async () => {
    ui = await drive(openModel());
    await ui.press(']', '3');
    const before = side(ui);
    const header = ui.lines()[0];
    await ui.press('n', 'n', 'n', RIGHT, 'l');
    expect(side(ui)).not.toEqual(before);
    await ui.press('p', 'p', LEFT, 'h', 'p');
    expect(side(ui)).toEqual(before);
    expect(ui.lines()[0]).toEqual(header);
    // A burst of keys arrives as one string.
    await ui.press('nnnn', 'pppp');
    expect(side(ui)).toEqual(before);
  });

  it('Tab moves the focus through the panes; z zooms; ? shows every key; typing q in the filter does not quit', async () => {
    ui = await drive(openModel());
    await ui.press(']', TAB);
    expect(side(ui)).toMatch(/\[2 Why\]/);
    await ui.press(TAB, TAB);
    expect(side(ui)).toMatch(/\[4 Topo\]/);
    expect(side(ui)).toMatch(/veth1 ▲ 10\.1\.1\.3\/24 A/);
    await ui.press('z');
    expect(ui.lines()[1]).toMatch(/^╔═\[4 Topology\]═+@ 0\.008002═╗$/);
    expect(ui.lines()[1]).toHaveLength(80);
    await ui.press('z', '?');
    expect(ui.frame()).toMatch(/next \/ previous drop/);
    expect(ui.frame()).toMatch(/what-if/);
    await ui.press(ESC, '/', 'arp_process q');
    expect(ui.model.state.quit).toBe(false);
    expect(ui.lines()[23]).toMatch(/^\/arp_process q█/);
    await ui.press(ESC, '/', 'stage:arp_p*', ENTER);
    expect(ui.lines()[0]).toMatch(/filter: stage:arp_p\*/);
    expect(timeline(ui)).toMatch(/filtered 1\/3/);
    await ui.press('n');
    expect(ui.lines()[0]).toMatch(/ev 19\/42/);
    await ui.press(ESC, ':', '20', ENTER);
    expect(ui.lines()[0]).toMatch(/ev 20\/42/);
    await ui.press(':', 't 2.008', ENTER);
    expect(ui.lines()[0]).toMatch(/t=2\.008000s/);
    await ui.press('q');
    expect(ui.model.state.quit).toBe(true);
  });

  it('a terminal smaller than 80x24 gets a message instead of a layout', async () => {
    const m = openModel(undefined, 60, 20);
    ui = await drive(m);
    expect(ui.frame()).toMatch(/needs a terminal of at least 80x24;\nthis one is 60x20/);
  });
});

describe('vethsim tui at 160x48', () => {
  it('shows every pane at once: timeline and script on the left; topology, why, state and captures on the right', async () => {
    ui = await driveSized(openModel('scenarios/netns-bridge.yaml', 160, 48));
    await ui.press('G');
    const lines = ui.lines();
    expect(lines).toHaveLength(48);
    expect(lines.every((l) => [...l].length <= 160)).toBe(true);
    expect(lines[0]).toMatch(/^ vethsim ▸ netns-bridge {2}t=\d+\.\d{6}s {2}ev 98\/98/);
    expect(lines[1]).toMatch(/^╔═\[1 Timeline\]═+all 98\/98═╗┌─ 4 Topology ─+@ \d+\.\d{6}─┐$/);
    const right = ui.columns(80);
    expect(right).toMatch(/│┌ ns1 ─+┐ {4}┌ \(script ns\) ─+┐ {4}┌ ns2 ─+┐/);
    expect(right).toMatch(/│ veth0 ▲ 10\.1\.1\.2\/24 A│────│ br-veth0 ▲ ⊂br0 A│/);
    for (const title of ['2 Why', '3 State', '5 Captures']) expect(right).toContain(`┌─ ${title} `);
    expect(ui.columns(0, 80)).toContain('┌─ 6 Script ');
    // The bridge's fdb at that moment, in the State pane of the script's namespace.
    await ui.press(':', 't 3.021002', ENTER, 's', 's', 's');
    expect(ui.columns(80)).toMatch(/3 State ─+\(script ns\) \(s\) · 1 change─┐/);
    // The event is br_fdb_update: the entry it learned is marked, and scrolled into view.
    expect(ui.columns(80)).toMatch(/│learned MACs \(bridge fdb, OVS mac table\) +│\n│ [0-9a-f:]{17} dev br-veth0 master br0 +◀│/);
    await ui.press('q');
  });
});

describe('following a packet', () => {
  it('f keeps n/p on the selected packet and its clones; F lets go', async () => {
    ui = await drive(openModel());
    await ui.press(']', 'f');
    expect(ui.lines()[23]).toMatch(/following packet #\d+ and its clones \(F stops\)/);
    const followed = ui.model.run?.follow;
    const seen: string[] = [];
    await ui.press('g');
    for (let i = 0; i < 6; i++) {
      const e = ui.model.view().events[ui.model.run?.sel ?? 0];
      seen.push(`${e?.dev} ${e?.stage}`);
      await ui.press('n');
    }
    expect(seen).toEqual(['veth0 arp_send', 'veth0 dev_queue_xmit', 'veth1 netif_receive_skb', 'veth1 arp_process', 'veth1 arp_process', 'veth1 arp_process']);
    expect(ui.lines()[0]).toMatch(new RegExp(`follow #${followed}`));
    await ui.press('F', 'n');
    expect(ui.lines()[0]).not.toMatch(/follow #/);
  });
});

describe('pcap export and a link what-if', () => {
  it('e writes the captures up to the selected event; a link taken down before the ping makes it fail at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vethsim-tui-pcap-'));
    try {
      ui = await drive(openModel(undefined, 80, 24, dir));
      await ui.press(']', 'e');
      expect(ui.lines()[23]).toMatch(/^ wrote 3 pcap files up to event 14: /);
      expect(readdirSync(dir).sort()).toEqual(['veth-same-ns-default.lo.pcap', 'veth-same-ns-default.veth0.pcap', 'veth-same-ns-default.veth1.pcap']);
      await ui.press('w', 'veth0 link', ENTER);
      expect(ui.model.run?.changes).toEqual([{ kind: 'link', ns: '', dev: 'veth0', up: false, before: 24 }]);
      await ui.press('6');
      expect(side(ui)).toMatch(/\+L24 +✓ ip link set veth0 down/);
      expect(side(ui)).toMatch(/ L24 +2 ping -I veth0 10\.1\.1\.3 -c 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
