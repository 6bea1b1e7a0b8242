/**
 * macvlan (src/devices/macvlan.ts), stage by stage: macvlan_queue_xmit (bridge mode hands a frame to
 * a bridge-mode sibling through the lower device's receive path, every other frame leaves through the
 * lower device), macvlan_handle_frame (unicast by destination MAC, passthru takes all, broadcast and
 * multicast through the port's broadcast queue with the per-mode rules), the lower device's events
 * (carrier, MTU, deletion) and the port's life (EBUSY, passthru's address).
 *
 * The world: veth0 is the lower device; its peer veth1, in namespace `out`, is the wire. Macvlan i is
 * mvI in nsI with MAC mac(i). Test frames come from helpers.ts (ethertype 0x88b5, no stack answers).
 */
import { describe, expect, it } from 'vitest';
import { BROADCAST, devOf, ETHERTYPE_TEST, listen, mac, nsOf, quiet, send, simulate, tool } from './helpers.js';
import { dev_queue_xmit } from '../../src/core/dev.js';
import { alloc_skb, eth_header } from '../../src/core/skbuff.js';
import { MACVLAN_BC_WORK_NS, macvlan_eth_hash, type MacvlanMode } from '../../src/devices/macvlan.js';
import { CaptureTap, type World } from '../../src/sim/world.js';
import type { SimRun } from '../../src/runner/simulate.js';

/** veth0 (up, peer veth1 in `out`, up) with one macvlan per mode, each up in its own namespace. */
function macvlans(modes: readonly MacvlanMode[], extra = ''): SimRun {
  let s = 'ip netns add out\nip link add veth0 type veth peer name veth1\nip link set veth1 netns out\n';
  s += 'ip link set veth0 up\nip netns exec out ip link set veth1 up\n';
  modes.forEach((m, k) => {
    const i = k + 1;
    s += `ip netns add ns${i}\nip link add mv${i} link veth0 address ${mac(i)} type macvlan mode ${m}\n`;
    s += `ip link set mv${i} netns ns${i}\nip netns exec ns${i} ip link set mv${i} up\n`;
  });
  return simulate(s + extra);
}

/** Each macvlan's tap: what it received (src>dst of test frames). */
function hosts(w: World, n: number): { received(): string[] }[] {
  return Array.from({ length: n }, (_, k) => listen(w, `ns${k + 1}`, `mv${k + 1}`));
}

/** A raw tap on a device: every frame it saw, with its direction and time. */
function rawTap(w: World, ns: string, dev: string): CaptureTap {
  const tap = new CaptureTap(devOf(w, ns, dev).id);
  w.taps.push(tap);
  return tap;
}

const MV1_TO_MV2 = `${mac(1)}>${mac(2)}`;

/** Where the trace is now, to look at the drops after it. */
function markOf(w: World): number {
  return w.trace.drops.length;
}

function dropsSince(w: World, mark: number): { stage: string; drop: string | undefined }[] {
  return w.trace.drops.slice(mark).map((d) => ({ stage: d.stage, drop: d.drop }));
}

describe('macvlan_queue_xmit', () => {
  it('bridge mode: a unicast for a bridge-mode sibling is received by the lower device, and never leaves it', () => {
    const { world: w } = macvlans(['bridge', 'bridge']);
    const [h1, h2] = hosts(w, 2);
    const lower = listen(w, '', 'veth0');
    const wire = listen(w, 'out', 'veth1');
    send(w, 'ns1', 'mv1', mac(2), mac(1));
    expect(h2!.received()).toEqual([MV1_TO_MV2]);
    expect(h1!.received()).toEqual([]);
    // dev_forward_skb(lowerdev): "send to lowerdev first for its network taps" — in, not out.
    expect([lower.received(), lower.sent()]).toEqual([[MV1_TO_MV2], []]);
    expect(wire.received()).toEqual([]);
  });

  it('bridge mode: a broadcast is copied to the bridge-mode siblings only, and leaves through the lower device', () => {
    const { world: w } = macvlans(['bridge', 'bridge', 'vepa', 'private']);
    const h = hosts(w, 4);
    const wire = listen(w, 'out', 'veth1');
    send(w, 'ns1', 'mv1', BROADCAST, mac(1));
    expect(h.map((x) => x.received().length)).toEqual([0, 1, 0, 0]);
    expect(wire.received()).toEqual([`${mac(1)}>${BROADCAST}`]);
  });

  it.each<[MacvlanMode, MacvlanMode]>([
    ['vepa', 'vepa'],
    ['private', 'private'],
    ['bridge', 'vepa'],
  ])('%s mode to a %s sibling: out through the lower device, and no further (nothing outside hairpins)', (a, b) => {
    const { world: w } = macvlans([a, b]);
    const [, h2] = hosts(w, 2);
    const lower = listen(w, '', 'veth0');
    const wire = listen(w, 'out', 'veth1');
    send(w, 'ns1', 'mv1', mac(2), mac(1));
    expect(lower.sent()).toEqual([MV1_TO_MV2]);
    expect(wire.received()).toEqual([MV1_TO_MV2]);
    expect(h2!.received()).toEqual([]);
  });

  it('a macvlan without carrier sends nothing (its parent has none: the noop qdisc)', () => {
    const { world: w } = macvlans(['bridge', 'bridge'], 'ip netns exec out ip link set veth1 down');
    const [, h2] = hosts(w, 2);
    const mark = markOf(w);
    send(w, 'ns1', 'mv1', mac(2), mac(1));
    expect(h2!.received()).toEqual([]);
    expect(dropsSince(w, mark).map((d) => d.drop)).toEqual(['NOCARRIER']);
  });
});

describe('macvlan_handle_frame', () => {
  it('a unicast from outside goes to the macvlan with its destination MAC, as PACKET_HOST', () => {
    const { world: w } = macvlans(['vepa', 'bridge', 'private']);
    const h = hosts(w, 3);
    send(w, 'out', 'veth1', mac(3), mac(9));
    expect(h.map((x) => x.received())).toEqual([[], [], [`${mac(9)}>${mac(3)}`]]);
  });

  it("a unicast for no macvlan's MAC is the lower device's own (RX_HANDLER_PASS)", () => {
    const { world: w } = macvlans(['vepa', 'bridge']);
    const h = hosts(w, 2);
    const lower = listen(w, '', 'veth0');
    send(w, 'out', 'veth1', mac(7), mac(9));
    expect(h.map((x) => x.received().length)).toEqual([0, 0]);
    expect(lower.received()).toEqual([`${mac(9)}>${mac(7)}`]);
  });

  it("a macvlan that is down is out of the port's hash: frames for its MAC stay the lower device's", () => {
    const { world: w } = macvlans(['bridge', 'bridge'], 'ip netns exec ns2 ip link set mv2 down');
    const [, h2] = hosts(w, 2);
    const lower = listen(w, '', 'veth0');
    send(w, 'out', 'veth1', mac(2), mac(9));
    expect(h2!.received()).toEqual([]);
    expect(lower.received()).toEqual([`${mac(9)}>${mac(2)}`]);
  });

  it('a broadcast from outside reaches every macvlan, whatever its mode, through the broadcast work', () => {
    const { world: w } = macvlans(['vepa', 'bridge', 'private']);
    const taps = [1, 2, 3].map((i) => rawTap(w, `ns${i}`, `mv${i}`));
    const sent = w.loop.now;
    send(w, 'out', 'veth1', BROADCAST, mac(9));
    for (const t of taps) {
      expect(t.frames).toHaveLength(1);
      // macvlan_process_broadcast runs from a workqueue, after the lower device's own stack had it.
      expect(t.frames[0]!.t - sent).toBeGreaterThanOrEqual(MACVLAN_BC_WORK_NS);
    }
  });

  it('the flood walks the port hash bucket by bucket (macvlan_eth_hash), not in creation order', () => {
    // hash_64(MAC as a little-endian u64 << 16, 8) for 02:00:00:00:00:0N: 247, 226, 205, 184.
    expect([1, 2, 3, 4].map((i) => macvlan_eth_hash(mac(i)))).toEqual([247, 226, 205, 184]);
    const { world: w } = macvlans(['vepa', 'vepa', 'vepa', 'vepa']);
    const taps = [1, 2, 3, 4].map((i) => rawTap(w, `ns${i}`, `mv${i}`));
    send(w, 'out', 'veth1', BROADCAST, mac(9));
    const order = taps.map((t, i) => ({ i: i + 1, seq: t.frames[0]!.seq })).sort((a, b) => a.seq - b.seq);
    expect(order.map((o) => o.i)).toEqual([4, 3, 2, 1]);
  });

  it.each<[string, MacvlanMode, number[]]>([
    // macvlan_multicast_rx: a VEPA macvlan's own broadcast, reflected, goes to every VEPA and bridge one but the sender;
    ['a VEPA sender', 'vepa', [0, 1, 1, 0]],
    // a bridge one's to the VEPA ones only (the bridge ones had it on the way out);
    ['a bridge sender', 'bridge', [0, 1, 0, 0]],
    // a private one's back to the sender alone ("forward to original port").
    ['a private sender', 'private', [1, 0, 0, 0]],
  ])('a broadcast of %s that comes back on the lower device', (_what, mode, expected) => {
    const { world: w } = macvlans([mode, 'vepa', 'bridge', 'private']);
    const h = hosts(w, 4);
    // The frame as a hairpin outside would return it: arriving on veth0 with mv1's source MAC.
    send(w, 'out', 'veth1', BROADCAST, mac(1));
    expect(h.map((x) => x.received().length)).toEqual(expected);
  });

  it("passthru: the port's macvlan takes every unicast, whatever its destination", () => {
    const { world: w } = simulate(`
      ip netns add out
      ip link add veth0 type veth peer name veth1
      ip link set veth1 netns out
      ip link set veth0 up
      ip netns exec out ip link set veth1 up
      ip link add mvp link veth0 type macvlan mode passthru
      ip link set mvp up
    `);
    const mvp = listen(w, '', 'mvp');
    send(w, 'out', 'veth1', mac(7), mac(9));
    expect(mvp.received()).toEqual([`${mac(9)}>${mac(7)}`]);
    expect(devOf(w, '', 'mvp').mac).toBe(devOf(w, '', 'veth0').mac);
  });

  it('passthru, down: the unicast the lower device receives is dropped, not given to its own stack', () => {
    const { world: w } = simulate(`
      ip netns add out
      ip link add veth0 type veth peer name veth1
      ip link set veth1 netns out
      ip link set veth0 up
      ip netns exec out ip link set veth1 up
      ip link add mvp link veth0 type macvlan mode passthru
    `);
    const mark = markOf(w);
    send(w, 'out', 'veth1', mac(7), mac(9));
    expect(dropsSince(w, mark)).toEqual([{ stage: 'macvlan_handle_frame', drop: 'DEV_READY' }]);
  });

  it('bcqueuelen 0 on every macvlan: the broadcast queue takes nothing', () => {
    const { world: w } = simulate(`
      ip netns add out
      ip link add veth0 type veth peer name veth1
      ip link set veth1 netns out
      ip link set veth0 up
      ip netns exec out ip link set veth1 up
      ip netns add ns1
      ip link add mv1 link veth0 type macvlan mode bridge bcqueuelen 0
      ip link set mv1 netns ns1
      ip netns exec ns1 ip link set mv1 up
    `);
    const h1 = listen(w, 'ns1', 'mv1');
    const mark = markOf(w);
    send(w, 'out', 'veth1', BROADCAST, mac(9));
    expect(h1.received()).toEqual([]);
    // The copy for the macvlans goes; the frame itself is veth0's own stack's (which has no handler for it).
    expect(dropsSince(w, mark).map((d) => d.drop)).toEqual(['MACVLAN_BROADCAST_QUEUE', 'UNHANDLED_PROTO']);
  });

  it('the queue holds bc_queue_len_used frames until the work runs: one more is dropped', () => {
    const { world: w } = macvlans(['bridge', 'vepa'], 'ip link add mvq link veth0 type macvlan bcqueuelen 2');
    const h1 = listen(w, 'ns1', 'mv1');
    // Three broadcasts at the same instant, before the broadcast work has run once: mv1 and mv2 ask
    // for 1000, so the port queues all three.
    const burst = () => {
      for (const src of [7, 8, 9]) dev_queue_xmit(w, alloc_skb(w, nsOf(w, 'out'), devOf(w, 'out', 'veth1'), eth_header(BROADCAST, mac(src), ETHERTYPE_TEST, new Uint8Array(46))));
      quiet(w);
    };
    burst();
    expect(h1.received()).toHaveLength(3);
    // With only mvq (bcqueuelen 2) left, bc_queue_len_used is 2: the third waits for no room.
    tool(w, 'ip -n ns1 link del mv1');
    tool(w, 'ip -n ns2 link del mv2');
    expect(tool(w, 'ip -d link show mvq').stdout).toContain('bcqueuelen 2 usedbcqueuelen 2 ');
    tool(w, 'ip link set mvq up');
    const q = listen(w, '', 'mvq');
    const mark = markOf(w);
    burst();
    expect(q.received()).toHaveLength(2);
    expect(dropsSince(w, mark).filter((d) => d.drop === 'MACVLAN_BROADCAST_QUEUE')).toHaveLength(1);
  });
});

describe('the lower device', () => {
  it('gives its carrier to its macvlans (NETDEV_CHANGE), wherever they are', () => {
    const { world: w } = macvlans(['bridge'], 'ip netns exec out ip link set veth1 down');
    expect(devOf(w, 'ns1', 'mv1').carrier).toBe(false);
    tool(w, 'ip -n out link set veth1 up');
    expect(devOf(w, 'ns1', 'mv1').carrier).toBe(true);
  });

  it('is promiscuous while a macvlan of it is up (uc_promisc), not counting how many', () => {
    const { world: w } = macvlans(['bridge', 'vepa']);
    expect(devOf(w, '', 'veth0').promiscuity).toBe(1);
    tool(w, 'ip -n ns1 link set mv1 down');
    expect(devOf(w, '', 'veth0').promiscuity).toBe(1);
    tool(w, 'ip -n ns2 link set mv2 down');
    expect(devOf(w, '', 'veth0').promiscuity).toBeUndefined();
  });

  it('lowers its macvlans’ MTU with its own, and does not raise it', () => {
    const { world: w } = macvlans(['bridge']);
    tool(w, 'ip link set veth0 mtu 1400');
    expect(devOf(w, 'ns1', 'mv1').mtu).toBe(1400);
    tool(w, 'ip link set veth0 mtu 1500');
    expect(devOf(w, 'ns1', 'mv1').mtu).toBe(1400);
    expect(tool(w, 'ip -n ns1 link set mv1 mtu 1450').exit).toBe(0);
    expect(tool(w, 'ip -n ns1 link set mv1 mtu 1600')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Invalid argument\n', exit: 2 });
  });

  it('takes its macvlans along when it is deleted, but not when it moves', () => {
    const { world: w } = macvlans(['bridge', 'vepa'], 'ip netns add far');
    tool(w, 'ip link set veth0 netns far');
    expect(nsOf(w, 'ns1').state.devices).toHaveProperty(String(devOf(w, 'ns1', 'mv1').ifindex));
    tool(w, 'ip -n far link del veth0');
    expect(tool(w, 'ip -n ns1 link show mv1').stderr).toBe('Device "mv1" does not exist.\n');
    expect(tool(w, 'ip -n ns2 link show mv2').stderr).toBe('Device "mv2" does not exist.\n');
  });

  it('with macvlans cannot be a bridge port, and a bridge port cannot have macvlans (one rx_handler: EBUSY)', () => {
    const { world: w } = macvlans(['bridge'], 'ip link add br0 type bridge\nip link add vx type veth peer name vy\nip link set vx master br0');
    expect(tool(w, 'ip link set veth0 master br0').stderr).toBe('RTNETLINK answers: Device or resource busy\n');
    expect(tool(w, 'ip link add mvx link vx type macvlan').stderr).toBe('RTNETLINK answers: Device or resource busy\n');
  });

  it("passthru: the macvlan's new address is the lower device's; the port's end gives the lower its own back", () => {
    const { world: w } = simulate('ip link add veth0 type veth peer name veth1\nip link add mvp link veth0 type macvlan mode passthru');
    const own = devOf(w, '', 'veth0').mac;
    tool(w, 'ip link set mvp address 02:00:00:00:00:aa');
    expect([devOf(w, '', 'veth0').mac, devOf(w, '', 'mvp').mac]).toEqual(['02:00:00:00:00:aa', '02:00:00:00:00:aa']);
    tool(w, 'ip link del mvp');
    expect(devOf(w, '', 'veth0').mac).toBe(own);
    // The port went with its last macvlan: veth0 may be a bridge port again.
    expect(tool(w, 'ip link add br0 type bridge').exit).toBe(0);
    expect(tool(w, 'ip link set veth0 master br0').exit).toBe(0);
  });
});
