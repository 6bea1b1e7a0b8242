// The NORMAL action with VLANs, fed one frame at a time: which ports get it, tagged how, and what
// the MAC learning table holds afterwards. Each OVS port's veth peer stays in the script's namespace
// with no address, so its stack ignores what arrives; the test reads the peers' taps.
import { beforeEach, describe, expect, it } from 'vitest';
import { CaptureTap } from '../../src/sim/world.js';
import { World } from '../../src/sim/world.js';
import type { Namespace } from '../../src/sim/world.js';
import { ovsVsctl } from '../../src/tools/ovs-vsctl.js';
import { ovsAppctl } from '../../src/tools/ovs-appctl.js';
import { dev_queue_xmit } from '../../src/core/dev.js';
import { alloc_skb } from '../../src/core/skbuff.js';
import { emitEthernet, type VlanTag } from '../../src/wire/ethernet.js';
import { popVlanTag, pushVlanTag } from '../../src/wire/vlan.js';
import { dev, up, veth, world } from '../sim/helpers.js';
import type { ToolOutput } from '../../src/tools/tool.js';

const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';
const M3 = '02:00:00:00:00:03';
const BCAST = 'ff:ff:ff:ff:ff:ff';
/** IEEE's local experimental ethertype: no handler on the peers, nothing answers. */
const PAYLOAD_TYPE = 0x88b5;

function frame(dst: string, src: string, vlan?: VlanTag): Uint8Array {
  const payload = new Uint8Array(46).fill(0xab);
  return emitEthernet(vlan ? { dst, src, vlan, ethertype: PAYLOAD_TYPE } : { dst, src, ethertype: PAYLOAD_TYPE }, payload);
}

function vsctl(w: World, ...args: string[]): ToolOutput {
  const argv = ['ovs-vsctl', ...args];
  expect(ovsVsctl.check(argv)).toBeUndefined();
  return ovsVsctl.run({ world: w, ns: w.namespaces.get('') as Namespace }, argv) as ToolOutput;
}

/**
 * ovs-br with access ports a0, a1 (tag=10) and b0 (tag=20), a trunk t0 for every VLAN and a trunk t1
 * for VLAN 20 only. Port X's peer is "X-p"; every peer has a tap.
 */
function setup(): { w: World; host: Namespace; send: (port: string, f: Uint8Array) => void; seen: (port: string) => Uint8Array[] } {
  const { w, host } = world();
  vsctl(w, 'add-br', 'ovs-br');
  const ports: [string, string[]][] = [
    ['a0', ['tag=10']],
    ['a1', ['tag=10']],
    ['b0', ['tag=20']],
    ['t0', []],
    ['t1', ['trunks=20']],
  ];
  const taps = new Map<string, CaptureTap>();
  for (const [p, settings] of ports) {
    veth(w, host, p, `${p}-p`);
    vsctl(w, 'add-port', 'ovs-br', p, ...settings);
    up(w, host, p);
    up(w, host, `${p}-p`);
    const tap = new CaptureTap(dev(host, `${p}-p`).id);
    w.taps.push(tap);
    taps.set(p, tap);
  }
  const send = (port: string, f: Uint8Array) => {
    void dev_queue_xmit(w, alloc_skb(w, host, dev(host, `${port}-p`), f));
    while (w.loop.busy && w.loop.step());
  };
  // What arrived at the peer (not what it sent).
  const seen = (port: string) => (taps.get(port) as CaptureTap).frames.filter((f) => f.dir === 'in').map((f) => f.data);
  return { w, host, send, seen };
}

function fdbShow(w: World): string {
  return (ovsAppctl.run({ world: w, ns: w.namespaces.get('') as Namespace }, ['ovs-appctl', 'fdb/show', 'ovs-br']) as ToolOutput).stdout;
}

function drops(w: World): string[] {
  return w.trace.drops.filter((d) => d.stage === 'xlate_normal').map((d) => d.what);
}

describe('xlate_normal with VLANs', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('floods a broadcast from an access port only within its VLAN: untagged to access ports, tagged to trunks', () => {
    const f = frame(BCAST, M1);
    t.send('a0', f);
    expect(t.seen('a1')).toEqual([f]);
    expect(t.seen('t0')).toEqual([pushVlanTag(f, { pcp: 0, dei: false, vid: 10 })]);
    expect(t.seen('b0')).toEqual([]);
    expect(t.seen('t1')).toEqual([]); // trunks=20 does not carry VLAN 10
    expect(t.seen('a0')).toEqual([]);
  });

  it('learns per (VLAN, MAC), and sends a frame to a learned MAC out of that port only', () => {
    t.send('a0', frame(BCAST, M1));
    const reply = frame(M1, M2);
    t.send('a1', reply);
    expect(t.seen('a0')).toEqual([reply]);
    expect(t.seen('t0')).toHaveLength(1); // only the flooded broadcast
    expect(fdbShow(t.w)).toBe([' port  VLAN  MAC                Age', '    1    10  02:00:00:00:00:01    0', '    2    10  02:00:00:00:00:02    0', ''].join('\n'));
  });

  it('keeps the same MAC apart in two VLANs: learned in VLAN 10 does not steer VLAN 20', () => {
    t.send('a0', frame(BCAST, M1));
    // M1 also appears in VLAN 20, tagged, on the trunk.
    t.send('t0', frame(BCAST, M1, { pcp: 0, dei: false, vid: 20 }));
    // A frame to M1 in VLAN 20 goes to t0, where M1 is in VLAN 20, not to a0.
    const toM1 = frame(M1, M3);
    t.send('b0', toM1);
    expect(t.seen('t0')).toEqual([pushVlanTag(frame(BCAST, M1), { pcp: 0, dei: false, vid: 10 }), pushVlanTag(toM1, { pcp: 0, dei: false, vid: 20 })]);
    expect(t.seen('a0')).toEqual([]);
    expect(fdbShow(t.w)).toContain('    1    10  02:00:00:00:00:01');
    expect(fdbShow(t.w)).toContain('    4    20  02:00:00:00:00:01');
  });

  it('takes the tag off a frame from a trunk for access ports, and keeps it (and its priority) for trunks', () => {
    const tagged = frame(BCAST, M3, { pcp: 5, dei: false, vid: 20 });
    t.send('t0', tagged);
    const inner = popVlanTag(tagged);
    expect(inner.ok).toBe(true);
    if (!inner.ok) return;
    expect(t.seen('b0')).toEqual([inner.value.frame]);
    expect(t.seen('t1')).toEqual([tagged]);
    expect(t.seen('a0')).toEqual([]);
  });

  it('an untagged frame on a trunk is VLAN 0: it reaches the other trunks untagged, never an access port', () => {
    const f = frame(BCAST, M2);
    t.send('t0', f);
    expect(t.seen('a0')).toEqual([]);
    expect(t.seen('b0')).toEqual([]);
    expect(t.seen('t1')).toEqual([]); // trunks=20 leaves VLAN 0 out
    expect(fdbShow(t.w)).toContain('    4     0  02:00:00:00:00:02');
  });

  it.each([
    ['a tagged frame on an access port', 'a0', { pcp: 0, dei: false, vid: 10 }, 'dropping VLAN 10 tagged packet received on port a0 configured as VLAN 10 access port'],
    ['an untagged frame on a trunk without VLAN 0', 't1', undefined, 'dropping VLAN 0 packet received on port t1 not configured for trunking VLAN 0'],
    ['a VLAN the trunk does not carry', 't1', { pcp: 0, dei: false, vid: 10 }, 'dropping VLAN 10 packet received on port t1 not configured for trunking VLAN 10'],
  ])('input_vid_is_valid refuses %s, in ovs-vswitchd words', (_name, port, vlan, why) => {
    t.send(port, frame(BCAST, M1, vlan));
    for (const p of ['a0', 'a1', 'b0', 't0', 't1']) expect(t.seen(p)).toEqual([]);
    expect(drops(t.w)).toEqual([why]);
    expect(fdbShow(t.w)).toBe(' port  VLAN  MAC                Age\n');
  });

  it('a refreshed MAC entry moves to the end of the table (LRU order, as fdb/show lists it)', () => {
    t.send('a0', frame(BCAST, M1));
    t.send('a1', frame(BCAST, M2));
    t.send('a0', frame(M2, M1));
    expect(fdbShow(t.w).split('\n').slice(1, 3)).toEqual(['    2    10  02:00:00:00:00:02    0', '    1    10  02:00:00:00:00:01    0']);
  });

  it('changing a port\'s tag flushes what was learned on it and moves it to the new VLAN', () => {
    t.send('a0', frame(BCAST, M1));
    vsctl(t.w, 'set', 'port', 'a0', 'tag=20');
    expect(fdbShow(t.w)).toBe(' port  VLAN  MAC                Age\n');
    const f = frame(BCAST, M1);
    t.send('a0', f);
    expect(t.seen('b0')).toEqual([f]);
    expect(t.seen('a1')).toHaveLength(1); // only the first broadcast, from when a0 was in VLAN 10
  });
});

describe('native VLAN ports (bundle_set, xvlan_input_translate, xvlan_output_translate)', () => {
  it('native-untagged: untagged frames are the port\'s VLAN and leave untagged; other trunked VLANs stay tagged', () => {
    const t = setup();
    vsctl(t.w, 'set', 'port', 't0', 'tag=10', 'vlan_mode=native-untagged');
    const f = frame(BCAST, M1);
    t.send('t0', f);
    expect(t.seen('a0')).toEqual([f]);
    t.send('b0', frame(BCAST, M2));
    t.send('a1', frame(BCAST, M3));
    expect(t.seen('t0')).toEqual([pushVlanTag(frame(BCAST, M2), { pcp: 0, dei: false, vid: 20 }), frame(BCAST, M3)]);
  });

  it('native-tagged: untagged frames are the port\'s VLAN, and that VLAN leaves tagged', () => {
    const t = setup();
    vsctl(t.w, 'set', 'port', 't0', 'tag=10', 'vlan_mode=native-tagged');
    t.send('t0', frame(BCAST, M1));
    expect(t.seen('a0')).toEqual([frame(BCAST, M1)]);
    t.send('a1', frame(BCAST, M3));
    expect(t.seen('t0')).toEqual([pushVlanTag(frame(BCAST, M3), { pcp: 0, dei: false, vid: 10 })]);
  });
});

describe('the stack behind a veth without VLAN devices', () => {
  it('a tagged frame with a VID is PACKET_OTHERHOST: ip_rcv drops it as OTHERHOST', () => {
    const { w, host } = world();
    veth(w, host, 'v0', 'v1');
    up(w, host, 'v0');
    up(w, host, 'v1');
    const v1 = dev(host, 'v1');
    const ip = Uint8Array.from([0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 1, 1, 2, 10, 1, 1, 3]);
    const f = pushVlanTag(emitEthernet({ dst: v1.mac, src: M1, ethertype: 0x0800 }, ip), { pcp: 0, dei: false, vid: 10 });
    void dev_queue_xmit(w, alloc_skb(w, host, dev(host, 'v0'), f));
    while (w.loop.busy && w.loop.step());
    expect(w.trace.drops.map((d) => [d.dev, d.stage, d.drop])).toEqual([['v1', 'ip_rcv', 'OTHERHOST']]);
  });
});
