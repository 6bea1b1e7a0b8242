/**
 * Open vSwitch (src/devices/ovs.ts, ovs-flows.ts), frame by frame through ovs-br: OpenFlow table 0 —
 * the highest priority matching flow decides; matches on in_port, dl_src, dl_dst, dl_type, arp, icmp,
 * nw_src, nw_dst; actions output:N, NORMAL, FLOOD, drop, mod_dl_dst; del-flows loose and --strict; the
 * packet and byte counters dump-flows shows — and the NORMAL action's MAC learning, which forgets an
 * entry after mac-aging-time (300 s by default).
 */
import { describe, expect, it } from 'vitest';
import { eth_header as ethFrame } from '../../src/core/skbuff.js';
import { OVS_AGEING_TIME } from '../../src/devices/ovs.js';
import { NS_PER_SEC } from '../../src/sim/event-loop.js';
import type { World } from '../../src/sim/world.js';
import { BROADCAST, listen, mac, ovsBridge, send, sendFrame, sleep, tool } from './helpers.js';

/** An IPv4 frame (20-byte header, no options) with protocol `proto`, from `src` to `dst`: 60 bytes. */
function ipFrame(dstMac: string, srcMac: string, src: string, dst: string, proto: number): Uint8Array {
  const ip = new Uint8Array(46);
  ip[0] = 0x45;
  ip[3] = 46;
  ip[8] = 64;
  ip[9] = proto;
  ip.set(src.split('.').map(Number), 12);
  ip.set(dst.split('.').map(Number), 16);
  return ethFrame(dstMac, srcMac, 0x0800, ip);
}

function arpFrame(srcMac: string): Uint8Array {
  const arp = new Uint8Array(46);
  arp.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
  return ethFrame(BROADCAST, srcMac, 0x0806, arp);
}

/** The flow lines of dump-flows, without the header and the durations (they are time). */
function flows(w: World, noStats = false): string[] {
  const text = tool(w, `ovs-ofctl ${noStats ? '--no-stats ' : ''}dump-flows ovs-br`).stdout;
  return text
    .split('\n')
    .filter((l) => l.startsWith(' '))
    .map((l) => l.replace(/ duration=[\d.]+s,/, '').replace(/ idle_age=\d+,/, '').trim());
}

function hostsOf(w: World, n: number) {
  return Array.from({ length: n }, (_, i) => listen(w, `ns${i + 1}`, `veth${i + 1}`));
}

describe('OVS flow table: priorities and matches', () => {
  it('a new bridge has one flow, priority=0 actions=NORMAL, counting what it switches', () => {
    const { world: w } = ovsBridge(3);
    expect(flows(w, true)).toEqual(['priority=0 actions=NORMAL']);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    send(w, 'ns2', 'veth2', mac(1), mac(2));
    expect(flows(w)).toEqual(['cookie=0x0, table=0, n_packets=2, n_bytes=120, priority=0 actions=NORMAL']);
  });

  it('the highest priority flow that matches decides', () => {
    const { world: w } = ovsBridge(3, 'ovs-ofctl add-flow ovs-br priority=10,in_port=1,actions=output:3\novs-ofctl add-flow ovs-br priority=20,in_port=1,dl_dst=02:00:00:00:00:02,actions=output:2');
    const hosts = hostsOf(w, 3);
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    send(w, 'ns1', 'veth1', mac(5), mac(1));
    expect(hosts.map((h) => h.received())).toEqual([[], [`${mac(1)}>${mac(2)}`], [`${mac(1)}>${mac(5)}`]]);
    expect(flows(w)).toEqual([
      'cookie=0x0, table=0, n_packets=1, n_bytes=60, priority=20,in_port=1,dl_dst=02:00:00:00:00:02 actions=output:2',
      'cookie=0x0, table=0, n_packets=1, n_bytes=60, priority=10,in_port=1 actions=output:3',
      'cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL',
    ]);
  });

  it('in_port: a flow for port 2 leaves port 1 to NORMAL', () => {
    const { world: w } = ovsBridge(3, 'ovs-ofctl add-flow ovs-br priority=10,in_port=2,actions=drop');
    const hosts = hostsOf(w, 3);
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(hosts.map((h) => h.received())).toEqual([[], [`${mac(1)}>${BROADCAST}`], [`${mac(1)}>${BROADCAST}`]]);
  });

  it('dl_src: frames from one MAC dropped, others switched', () => {
    const { world: w } = ovsBridge(2, 'ovs-ofctl add-flow ovs-br priority=50,dl_src=02:00:00:00:00:01,actions=drop');
    const [, h2] = hostsOf(w, 2);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    send(w, 'ns1', 'veth1', BROADCAST, mac(3));
    expect(h2?.received()).toEqual([`${mac(3)}>${BROADCAST}`]);
    expect(flows(w)[0]).toBe('cookie=0x0, table=0, n_packets=1, n_bytes=60, priority=50,dl_src=02:00:00:00:00:01 actions=drop');
  });

  it('dl_type: only that ethertype takes the flow', () => {
    const { world: w } = ovsBridge(3, 'ovs-ofctl add-flow ovs-br priority=50,dl_type=0x88b5,actions=output:3');
    const hosts = hostsOf(w, 3);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    sendFrame(w, 'ns1', 'veth1', arpFrame(mac(1)));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 1, 2]);
  });

  it('arp and icmp shorthands, nw_src and nw_dst prefixes', () => {
    const { world: w } = ovsBridge(
      4,
      ['priority=40,arp,actions=output:2', 'priority=40,icmp,nw_src=10.1.1.0/24,actions=output:3', 'priority=30,ip,nw_dst=10.9.9.9,actions=output:4', 'priority=20,actions=drop']
        .map((f) => `ovs-ofctl add-flow ovs-br ${f}`)
        .join('\n'),
    );
    const hosts = hostsOf(w, 4);
    sendFrame(w, 'ns1', 'veth1', arpFrame(mac(1)));
    sendFrame(w, 'ns1', 'veth1', ipFrame(mac(7), mac(1), '10.1.1.2', '10.9.9.9', 1)); // icmp from 10.1.1.0/24
    sendFrame(w, 'ns1', 'veth1', ipFrame(mac(7), mac(1), '10.2.2.2', '10.9.9.9', 1)); // icmp, other source: nw_dst flow
    sendFrame(w, 'ns1', 'veth1', ipFrame(mac(7), mac(1), '10.1.1.2', '10.9.9.9', 17)); // udp: nw_dst flow
    sendFrame(w, 'ns1', 'veth1', ipFrame(mac(7), mac(1), '10.1.1.2', '10.8.8.8', 17)); // udp elsewhere: drop
    expect(hosts.map((h) => h.received().length)).toEqual([0, 1, 1, 2]);
    // Listed as the classifier holds them: the two flows with the empty match share a subtable, where
    // the older (NORMAL) comes first (measured on OVS 3.1, scenarios/ovs-fail-mode.yaml).
    expect(flows(w).map((l) => l.replace(/, n_bytes=\d+/, ''))).toEqual([
      'cookie=0x0, table=0, n_packets=1, priority=40,arp actions=output:2',
      'cookie=0x0, table=0, n_packets=1, priority=40,icmp,nw_src=10.1.1.0/24 actions=output:3',
      'cookie=0x0, table=0, n_packets=2, priority=30,ip,nw_dst=10.9.9.9 actions=output:4',
      'cookie=0x0, table=0, n_packets=0, priority=0 actions=NORMAL',
      'cookie=0x0, table=0, n_packets=1, priority=20 actions=drop',
    ]);
  });
});

describe('OVS flow table: actions', () => {
  it('FLOOD: every port but the input one', () => {
    const { world: w } = ovsBridge(4, 'ovs-ofctl add-flow ovs-br priority=5,actions=flood');
    const hosts = hostsOf(w, 4);
    send(w, 'ns3', 'veth3', mac(1), mac(3));
    expect(hosts.map((h) => h.received().length)).toEqual([1, 1, 0, 1]);
  });

  it('NORMAL with no learning yet floods, then goes to the learned port only', () => {
    const { world: w } = ovsBridge(3);
    const hosts = hostsOf(w, 3);
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 1, 1]);
    send(w, 'ns2', 'veth2', mac(1), mac(2));
    expect(hosts.map((h) => h.received().length)).toEqual([1, 1, 1]);
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([1, 2, 1]);
  });

  it('drop, and a flow without actions, forward nothing', () => {
    const { world: w } = ovsBridge(2, 'ovs-ofctl add-flow ovs-br priority=5,in_port=1,actions=drop');
    const [, h2] = hostsOf(w, 2);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h2?.received()).toEqual([]);
  });

  it('mod_dl_dst rewrites the destination before the output', () => {
    const { world: w } = ovsBridge(3, 'ovs-ofctl add-flow ovs-br priority=5,in_port=1,actions=mod_dl_dst:02:00:00:00:00:33,output:3');
    const hosts = hostsOf(w, 3);
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect(hosts.map((h) => h.received())).toEqual([[], [], [`${mac(1)}>02:00:00:00:00:33`]]);
  });

  it('output:N sends to that port, several outputs to each', () => {
    const { world: w } = ovsBridge(4, 'ovs-ofctl add-flow ovs-br priority=5,in_port=1,actions=output:2,output:4');
    const hosts = hostsOf(w, 4);
    send(w, 'ns1', 'veth1', mac(3), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 1, 0, 1]);
  });

  // OpenFlow's output:N to the packet's own input port is dropped by Open vSwitch (only the IN_PORT
  // action sends back there). Measured in kernel mode (userspace datapath, OVS 3.1): with
  // `priority=100,in_port=1,actions=output:1`, ns1's three ARP requests appear once each in its capture.
  it('output to the input port sends nothing back', () => {
    const { world: w } = ovsBridge(2, 'ovs-ofctl add-flow ovs-br priority=100,in_port=1,actions=output:1');
    const [h1] = hostsOf(w, 2);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h1?.received()).toEqual([]);
  });
});

describe('OVS flow table: add-flow and del-flows', () => {
  const setup = ['priority=100,icmp,actions=drop', 'priority=200,icmp,actions=drop', 'priority=100,ip,actions=drop', 'priority=100,arp,actions=normal'].map((f) => `ovs-ofctl add-flow ovs-br ${f}`).join('\n');

  it('--strict deletes the one flow with that match and priority', () => {
    const { world: w } = ovsBridge(2, setup);
    tool(w, 'ovs-ofctl --strict del-flows ovs-br priority=100,icmp');
    expect(flows(w, true)).toEqual(['priority=200,icmp actions=drop', 'priority=100,ip actions=drop', 'priority=100,arp actions=NORMAL', 'priority=0 actions=NORMAL']);
  });

  it('--strict without a priority means 32768: nothing here', () => {
    const { world: w } = ovsBridge(2, setup);
    tool(w, 'ovs-ofctl --strict del-flows ovs-br icmp');
    expect(flows(w, true)).toHaveLength(5);
  });

  it('a loose match deletes every flow at least as specific, whatever its priority', () => {
    const { world: w } = ovsBridge(2, setup);
    tool(w, 'ovs-ofctl del-flows ovs-br ip');
    expect(flows(w, true)).toEqual(['priority=100,arp actions=NORMAL', 'priority=0 actions=NORMAL']);
  });

  it('del-flows without a match empties the table, and nothing is switched any more', () => {
    const { world: w } = ovsBridge(2, 'ovs-ofctl del-flows ovs-br');
    const [, h2] = hostsOf(w, 2);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(flows(w, true)).toEqual([]);
    expect(h2?.received()).toEqual([]);
  });

  it('adding a flow with the same match and priority replaces it, counters from zero', () => {
    const { world: w } = ovsBridge(2, 'ovs-ofctl add-flow ovs-br priority=5,in_port=1,actions=output:2');
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(flows(w)[0]).toBe('cookie=0x0, table=0, n_packets=1, n_bytes=60, priority=5,in_port=1 actions=output:2');
    tool(w, 'ovs-ofctl add-flow ovs-br priority=5,in_port=1,actions=drop');
    expect(flows(w)).toEqual(['cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=5,in_port=1 actions=drop', 'cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL']);
  });
});

describe('OVS MAC learning (NORMAL)', () => {
  function fdbShow(w: World): string[] {
    return tool(w, 'ovs-appctl fdb/show ovs-br').stdout.split('\n').slice(1).filter(Boolean);
  }

  it('learns each source on its OpenFlow port, and moves it', () => {
    const { world: w } = ovsBridge(3);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    expect(fdbShow(w)).toEqual([`    1     0  ${mac(1)}    0`, `    2     0  ${mac(2)}    0`]);
    send(w, 'ns3', 'veth3', BROADCAST, mac(1));
    // Moved, and last in LRU order.
    expect(fdbShow(w)).toEqual([`    2     0  ${mac(2)}    0`, `    3     0  ${mac(1)}    0`]);
  });

  it('ages an entry out after the default mac-aging-time, 300 s', () => {
    expect(OVS_AGEING_TIME).toBe(300 * NS_PER_SEC);
    const { world: w } = ovsBridge(3);
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    sleep(w, 299);
    expect(fdbShow(w)).toEqual([`    2     0  ${mac(2)}  299`]);
    const hosts = hostsOf(w, 3);
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 1, 0]);
    sleep(w, 2);
    expect(fdbShow(w)).toEqual([`    1     0  ${mac(1)}    2`]);
    // Unknown again: flooded.
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 2, 1]);
  });

  it('a frame to a MAC learned on its input port goes nowhere', () => {
    const { world: w } = ovsBridge(3);
    send(w, 'ns1', 'veth1', BROADCAST, mac(5));
    const hosts = hostsOf(w, 3);
    send(w, 'ns1', 'veth1', mac(5), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 0, 0]);
  });
});
