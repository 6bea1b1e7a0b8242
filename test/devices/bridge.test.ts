/**
 * The Linux bridge (src/devices/bridge.ts), frame by frame: br_fdb_update learns the source on the
 * ingress port and moves it when it shows up elsewhere; entries age out after ageing_time (virtual
 * time; 300 s by default); broadcast and unknown unicast are flooded to every port but the ingress
 * one; a learned destination gets the frame on its port only, and never back out of the ingress port.
 * The port flags, hand-set states and fdb entries change that as the kernel does (the recorded
 * bridge-port-* and bridge-fdb-add scenarios hold the kernel's word).
 */
import { describe, expect, it } from 'vitest';
import { fdbOf, BR_AGEING_TIME } from '../../src/devices/bridge.js';
import { NS_PER_SEC } from '../../src/sim/event-loop.js';
import { BROADCAST, devOf, linuxBridge, listen, mac, nsOf, send, sleep, tool } from './helpers.js';
import { dev_set_promiscuity } from '../../src/core/dev.js';
import type { World } from '../../src/sim/world.js';

/** br0's learned entries, MAC → port name. */
function learned(w: World): Record<string, string> {
  const br = devOf(w, '', 'br0');
  const out: Record<string, string> = {};
  for (const [m, e] of fdbOf(w, br.id)) out[m] = w.device(e.port)?.dev.name ?? `#${e.port}`;
  return out;
}

/** The learned (not permanent) lines of `bridge fdb show br br0`. */
function fdbShow(w: World): string[] {
  return tool(w, 'bridge fdb show br br0').stdout.split('\n').filter((l) => l !== '' && !l.includes('permanent'));
}

describe('Linux bridge: learning', () => {
  it('learns a source MAC on the port the frame came in on', () => {
    const { world: w } = linuxBridge(3);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(learned(w)).toEqual({ [mac(1)]: 'br-veth1' });
    expect(fdbShow(w)).toEqual([`${mac(1)} dev br-veth1 master br0 `]);
  });

  it('moves the entry when the MAC appears on another port', () => {
    const { world: w } = linuxBridge(3);
    send(w, 'ns1', 'veth1', BROADCAST, mac(9));
    send(w, 'ns3', 'veth3', BROADCAST, mac(9));
    expect(learned(w)).toEqual({ [mac(9)]: 'br-veth3' });
    expect(fdbShow(w)).toEqual([`${mac(9)} dev br-veth3 master br0 `]);
    // ... and traffic to it follows: only ns3 gets a frame for mac(9) now.
    const [h1, h2, h3] = [listen(w, 'ns1', 'veth1'), listen(w, 'ns2', 'veth2'), listen(w, 'ns3', 'veth3')];
    send(w, 'ns2', 'veth2', mac(9), mac(2));
    expect([h1.received(), h2.received(), h3.received()]).toEqual([[], [], [`${mac(2)}>${mac(9)}`]]);
  });

  it('never learns a group address as a source', () => {
    const { world: w } = linuxBridge(2);
    send(w, 'ns1', 'veth1', BROADCAST, '03:00:00:00:00:01');
    expect(learned(w)).toEqual({});
  });

  it('refreshes the entry of a MAC seen again on the same port', () => {
    const { world: w } = linuxBridge(2);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    const first = fdbOf(w, devOf(w, '', 'br0').id).get(mac(1))?.updated;
    sleep(w, 7);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    const second = fdbOf(w, devOf(w, '', 'br0').id).get(mac(1))?.updated;
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(7 * NS_PER_SEC);
  });

  it('forgets what was learned on a port that leaves the bridge (br_fdb_delete_by_port)', () => {
    const { world: w } = linuxBridge(2);
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    tool(w, 'ip link set br-veth2 nomaster');
    expect(learned(w)).toEqual({});
  });

  // br_stp_disable_port (the port goes down, or loses carrier) deletes the entries learned on the port
  // (br_fdb_delete_by_port) — measured: after `ip link set br-veth2 down` `bridge fdb show` no longer
  // lists ns2's MAC, nor after the port is up again.
  it('forgets what was learned on a port that goes down (br_stp_disable_port)', () => {
    const { world: w } = linuxBridge(2);
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    tool(w, 'ip link set br-veth2 down');
    expect(fdbShow(w)).toEqual([]);
    tool(w, 'ip link set br-veth2 up');
    expect(fdbShow(w)).toEqual([]);
  });
});

describe('Linux bridge: ageing in virtual time', () => {
  it('keeps an entry for the default ageing_time, 300 s, and not after', () => {
    const { world: w } = linuxBridge(2);
    expect(BR_AGEING_TIME).toBe(300 * NS_PER_SEC);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    sleep(w, 299);
    expect(fdbShow(w)).toEqual([`${mac(1)} dev br-veth1 master br0 `]);
    sleep(w, 2);
    expect(fdbShow(w)).toEqual([]);
  });

  it('ages with ageing_time set by ip link (1000 centiseconds = 10 s)', () => {
    const { world: w } = linuxBridge(2, 'ip link set br0 type bridge ageing_time 1000');
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    sleep(w, 9.9);
    expect(fdbShow(w)).toHaveLength(1);
    sleep(w, 0.2);
    expect(fdbShow(w)).toEqual([]);
  });

  it('floods to every port again once the entry has aged out', () => {
    const { world: w } = linuxBridge(3, 'ip link set br0 type bridge ageing_time 500');
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    const [h2, h3] = [listen(w, 'ns2', 'veth2'), listen(w, 'ns3', 'veth3')];
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect([h2.received().length, h3.received().length]).toEqual([1, 0]);
    sleep(w, 6);
    send(w, 'ns1', 'veth1', mac(2), mac(1));
    expect([h2.received().length, h3.received().length]).toEqual([2, 1]);
  });

  it('a refreshed entry lives ageing_time from its last frame', () => {
    const { world: w } = linuxBridge(2, 'ip link set br0 type bridge ageing_time 1000');
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    sleep(w, 8);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    sleep(w, 8);
    expect(fdbShow(w)).toHaveLength(1);
    sleep(w, 2.1);
    expect(fdbShow(w)).toEqual([]);
  });
});

describe('Linux bridge: flooding and forwarding', () => {
  it('floods a broadcast to every port but the ingress one, once each', () => {
    const { world: w } = linuxBridge(4);
    const hosts = [1, 2, 3, 4].map((i) => listen(w, `ns${i}`, `veth${i}`));
    const ports = [1, 2, 3, 4].map((i) => listen(w, '', `br-veth${i}`));
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 1, 1, 1]);
    // Out of br-veth2..4, never back out of br-veth1.
    expect(ports.map((p) => p.sent().length)).toEqual([0, 1, 1, 1]);
    expect(ports.map((p) => p.received().length)).toEqual([1, 0, 0, 0]);
  });

  it('floods an unknown unicast destination to every port but the ingress one', () => {
    const { world: w } = linuxBridge(3);
    const hosts = [1, 2, 3].map((i) => listen(w, `ns${i}`, `veth${i}`));
    send(w, 'ns2', 'veth2', mac(7), mac(2));
    expect(hosts.map((h) => h.received())).toEqual([[`${mac(2)}>${mac(7)}`], [], [`${mac(2)}>${mac(7)}`]]);
  });

  it('passes a broadcast up to the bridge device too', () => {
    const { world: w } = linuxBridge(2);
    const br = listen(w, '', 'br0');
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(br.received()).toEqual([`${mac(1)}>${BROADCAST}`]);
  });

  it('forwards to the learned port only', () => {
    const { world: w } = linuxBridge(4);
    send(w, 'ns3', 'veth3', BROADCAST, mac(3));
    const hosts = [1, 2, 3, 4].map((i) => listen(w, `ns${i}`, `veth${i}`));
    const br = listen(w, '', 'br0');
    send(w, 'ns1', 'veth1', mac(3), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 0, 1, 0]);
    expect(br.received()).toEqual([]);
  });

  it('drops a frame whose destination was learned on its own ingress port', () => {
    const { world: w } = linuxBridge(3);
    send(w, 'ns1', 'veth1', BROADCAST, mac(5));
    const hosts = [1, 2, 3].map((i) => listen(w, `ns${i}`, `veth${i}`));
    const p1 = listen(w, '', 'br-veth1');
    send(w, 'ns1', 'veth1', mac(5), mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([0, 0, 0]);
    expect(p1.sent()).toEqual([]);
    expect(w.trace.drops.some((d) => d.stage === 'br_handle_frame' && d.dev === 'br-veth1')).toBe(true);
  });

  it('delivers a frame for a port\'s own MAC to the bridge device, not to the port\'s host', () => {
    const { world: w } = linuxBridge(2);
    const portMac = devOf(w, '', 'br-veth2').mac;
    const [h2, br] = [listen(w, 'ns2', 'veth2'), listen(w, '', 'br0')];
    send(w, 'ns1', 'veth1', portMac, mac(1));
    expect(h2.received()).toEqual([]);
    expect(br.received()).toEqual([`${mac(1)}>${portMac}`]);
  });

  it('does not flood to a port that is down', () => {
    const { world: w } = linuxBridge(3, 'ip link set br-veth3 down');
    const [h2, h3] = [listen(w, 'ns2', 'veth2'), listen(w, 'ns3', 'veth3')];
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect([h2.received().length, h3.received().length]).toEqual([1, 0]);
  });

  it('switches nothing while the bridge is down', () => {
    const { world: w } = linuxBridge(2, 'ip link set br0 down');
    const h2 = listen(w, 'ns2', 'veth2');
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h2.received()).toEqual([]);
    expect(learned(w)).toEqual({});
  });
});

describe('Linux bridge: hairpin mode and a promiscuous bridge device', () => {
  it('floods a broadcast back out of its ingress port when that port is in hairpin mode', () => {
    const { world: w } = linuxBridge(3, 'bridge link set dev br-veth1 hairpin on');
    const hosts = [1, 2, 3].map((i) => listen(w, `ns${i}`, `veth${i}`));
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(hosts.map((h) => h.received().length)).toEqual([1, 1, 1]);
  });

  it('sends a unicast learned behind the ingress port back out of it in hairpin mode (should_deliver)', () => {
    const { world: w } = linuxBridge(2, 'bridge link set dev br-veth1 hairpin on');
    send(w, 'ns1', 'veth1', BROADCAST, mac(5));
    const [h1, h2] = [listen(w, 'ns1', 'veth1'), listen(w, 'ns2', 'veth2')];
    send(w, 'ns1', 'veth1', mac(5), mac(1));
    expect([h1.received(), h2.received()]).toEqual([[`${mac(1)}>${mac(5)}`], []]);
    // ... and not once it is off again.
    tool(w, 'bridge link set dev br-veth1 hairpin off');
    send(w, 'ns1', 'veth1', mac(5), mac(1));
    expect(h1.received()).toHaveLength(1);
  });

  it('shows the hairpin flag in ip -d link', () => {
    const { world: w } = linuxBridge(1, 'bridge link set dev br-veth1 hairpin on');
    expect(tool(w, 'ip -d link show br-veth1').stdout).toContain(' cost 2 hairpin on guard off ');
  });

  it.each([
    ['bridge link set dev veth9 hairpin on', '', 'Cannot find bridge device "veth9"\n', 255],
    ['bridge link set dev br0 hairpin on', '', 'RTNETLINK answers: Operation not supported\n', 255],
    ['bridge link set dev br-veth1 hairpin maybe', '', 'Error: argument of "hairpin" must be one of "off", "on", not "maybe"\n', 234],
    ['bridge link set dev br-veth1 hairpin', '', 'Command line is not complete. Try option "help"\n', 255],
    ['bridge link set hairpin on', '', 'Device is a required argument.\n', 255],
  ])('%s: what iproute2 6.1 says', (line, stdout, stderr, exit) => {
    const { world: w } = linuxBridge(1);
    expect(tool(w, line)).toEqual({ stdout, stderr, exit });
  });

  it('passes what it switches up to a bridge device that is promiscuous (local_rcv)', () => {
    const { world: w } = linuxBridge(3);
    send(w, 'ns3', 'veth3', BROADCAST, mac(3));
    const br = listen(w, '', 'br0');
    send(w, 'ns1', 'veth1', mac(3), mac(1));
    send(w, 'ns1', 'veth1', mac(7), mac(1));
    expect(br.received()).toEqual([]);
    // What a macvlan on the bridge does to it: dev_set_promiscuity.
    dev_set_promiscuity(w, nsOf(w, ''), devOf(w, '', 'br0'), 1);
    const h3 = listen(w, 'ns3', 'veth3');
    send(w, 'ns1', 'veth1', mac(3), mac(1));
    send(w, 'ns1', 'veth1', mac(7), mac(1));
    expect(br.received()).toEqual([`${mac(1)}>${mac(3)}`, `${mac(1)}>${mac(7)}`]);
    expect(h3.received()).toEqual([`${mac(1)}>${mac(3)}`, `${mac(1)}>${mac(7)}`]);
  });
});

describe('Linux bridge: port flags, states and fdb entries set by hand', () => {
  it('learning off: the source is not learned, so frames to it are flooded', () => {
    const { world: w } = linuxBridge(3);
    expect(tool(w, 'bridge link set dev br-veth1 learning off').exit).toBe(0);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(learned(w)).toEqual({});
    const [h1, h3] = [listen(w, 'ns1', 'veth1'), listen(w, 'ns3', 'veth3')];
    send(w, 'ns2', 'veth2', mac(1), mac(2));
    expect([h1.received(), h3.received()]).toEqual([[`${mac(2)}>${mac(1)}`], [`${mac(2)}>${mac(1)}`]]);
  });

  it('flood off keeps unknown unicast off the port, bcast_flood off broadcast', () => {
    const { world: w } = linuxBridge(3);
    expect(tool(w, 'bridge link set dev br-veth3 flood off').exit).toBe(0);
    const h3 = listen(w, 'ns3', 'veth3');
    send(w, 'ns1', 'veth1', mac(7), mac(1));
    expect(h3.received()).toEqual([]);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h3.received()).toEqual([`${mac(1)}>${BROADCAST}`]);
    expect(tool(w, 'ip link set br-veth3 type bridge_slave bcast_flood off').exit).toBe(0);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h3.received()).toEqual([`${mac(1)}>${BROADCAST}`]);
  });

  it('isolated ports exchange nothing; a port that is not isolated still reaches both', () => {
    const { world: w } = linuxBridge(3);
    tool(w, 'bridge link set dev br-veth1 isolated on');
    tool(w, 'bridge link set dev br-veth2 isolated on');
    const [h1, h2, h3] = [listen(w, 'ns1', 'veth1'), listen(w, 'ns2', 'veth2'), listen(w, 'ns3', 'veth3')];
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect([h2.received(), h3.received()]).toEqual([[], [`${mac(1)}>${BROADCAST}`]]);
    send(w, 'ns3', 'veth3', BROADCAST, mac(3));
    expect([h1.received(), h2.received()]).toEqual([[`${mac(3)}>${BROADCAST}`], [`${mac(3)}>${BROADCAST}`]]);
  });

  it('a learning port learns and forwards nothing; blocking turns forwarding at once with STP off', () => {
    const { world: w } = linuxBridge(2);
    expect(tool(w, 'bridge link set dev br-veth2 state learning').exit).toBe(0);
    const [h1, h2] = [listen(w, 'ns1', 'veth1'), listen(w, 'ns2', 'veth2')];
    send(w, 'ns2', 'veth2', BROADCAST, mac(2));
    expect(learned(w)).toEqual({ [mac(2)]: 'br-veth2' });
    expect(h1.received()).toEqual([]);
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h2.received()).toEqual([]);
    tool(w, 'bridge link set dev br-veth2 state 4');
    expect(tool(w, 'bridge link show dev br-veth2').stdout).toContain('state forwarding');
    send(w, 'ns1', 'veth1', BROADCAST, mac(1));
    expect(h2.received()).toEqual([`${mac(1)}>${BROADCAST}`]);
  });

  it('a static entry never ages; a dynamic one does', () => {
    const { world: w } = linuxBridge(2);
    expect(tool(w, 'bridge fdb add 02:00:00:00:00:aa dev br-veth1 master static').exit).toBe(0);
    expect(tool(w, 'bridge fdb add 02:00:00:00:00:bb dev br-veth1 master dynamic').exit).toBe(0);
    expect(tool(w, 'bridge fdb add 02:00:00:00:00:aa dev br-veth2 master').stderr).toBe('RTNETLINK answers: File exists\n');
    sleep(w, BR_AGEING_TIME / NS_PER_SEC + 1);
    expect(fdbShow(w)).toEqual(['02:00:00:00:00:aa dev br-veth1 master br0 static']);
  });
});
