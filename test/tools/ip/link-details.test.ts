/**
 * `ip -details`' bridge timers and port numbers in virtual time. The kernel's values depend on the
 * wall-clock time between commands (the transcripts mask them where they run); here the simulator's
 * are checked exactly against the kernel's schedule: gc_work queued at once by ageing_time, 1/10 s
 * after the bridge comes up, cancelled when it goes down, then every ageing_time or sooner when a
 * learned entry expires; forward_delay_timer 15 s from the moment a port is enabled.
 */
import { describe, expect, it } from 'vitest';
import { session } from './helpers.js';
import { fdbOf } from '../../../src/devices/bridge.js';
import { findByName } from '../../../src/sim/world.js';
import { bridgeIdString } from '../../../src/tools/ip/link-details.js';

function field(text: string, name: string): string {
  const m = new RegExp(`\\b${name} +(\\S+)`).exec(text);
  if (!m) throw new Error(`no ${name} in ${text}`);
  return m[1] as string;
}

/** br0 with port p0 (its peer veth0), both ends up, br0 down. */
function bridgeWithPort() {
  const s = session();
  for (const l of ['ip link add br0 type bridge', 'ip link add veth0 type veth peer name p0', 'ip link set p0 master br0', 'ip link set p0 up', 'ip link set veth0 up']) {
    expect(s.run(l).exit, l).toBe(0);
  }
  return s;
}

describe('ip -d link show: bridge timers in virtual time', () => {
  it('gc_timer is not running on a new bridge, and runs ageing_time after ageing_time is set, even down', () => {
    const s = bridgeWithPort();
    expect(field(s.run('ip -d link show br0').stdout, 'gc_timer')).toBe('0.00');
    s.run('ip link set br0 type bridge ageing_time 1000');
    s.run('sleep 0.05');
    const out = s.run('ip -d link show br0').stdout;
    expect(field(out, 'ageing_time')).toBe('1000');
    expect(field(out, 'gc_timer')).toBe('9.95');
    s.run('sleep 10');
    expect(field(s.run('ip -d link show br0').stdout, 'gc_timer')).toBe('9.95');
  });

  it('gc_timer runs 1/10 s after the bridge comes up, then every ageing_time; down cancels it', () => {
    const s = bridgeWithPort();
    s.run('ip link set br0 type bridge ageing_time 1000');
    s.run('ip link set br0 up');
    s.run('sleep 0.04');
    expect(field(s.run('ip -d link show br0').stdout, 'gc_timer')).toBe('0.06');
    s.run('sleep 2.04');
    expect(field(s.run('ip -d link show br0').stdout, 'gc_timer')).toBe('8.02');
    s.run('ip link set br0 down');
    expect(field(s.run('ip -d link show br0').stdout, 'gc_timer')).toBe('0.00');
  });

  it('the default ageing_time (300 s) shows as 30000 and paces gc_timer', () => {
    const s = bridgeWithPort();
    s.run('ip link set br0 up');
    s.run('sleep 100');
    const out = s.run('ip -d link show br0').stdout;
    expect(field(out, 'ageing_time')).toBe('30000');
    // Runs at 0.1 s, then 300.1 s.
    expect(field(out, 'gc_timer')).toBe('200.10');
  });

  it('a learned entry that expires before hold_time brings the next garbage collection forward', () => {
    const s = bridgeWithPort();
    s.run('ip link set br0 type bridge ageing_time 1000');
    s.run('ip link set br0 up');
    const w = s.world;
    const host = w.namespaces.get('') ?? expect.fail('no namespace');
    const br = findByName(host.state, 'br0') ?? expect.fail('no br0');
    const p0 = findByName(host.state, 'p0') ?? expect.fail('no p0');
    s.run('sleep 5');
    fdbOf(w, br.id).set('02:00:00:00:00:99', { port: p0.id, updated: w.loop.now });
    // Runs at 0.1 s and 10.1 s; the one at 10.1 s sees the entry expire at 15 s and comes back then.
    s.run('sleep 7');
    expect(field(s.run('ip -d link show br0').stdout, 'gc_timer')).toBe('3.00');
  });

  it('forward_delay_timer starts at 15 s when a port is enabled, with STP off in state forwarding at once', () => {
    const s = session();
    for (const l of ['ip link add br0 type bridge', 'ip link set br0 up', 'ip link add veth0 type veth peer name p0', 'ip link set p0 master br0', 'ip link set p0 up']) s.run(l);
    let out = s.run('ip -d link show p0').stdout;
    expect(field(out, 'bridge_slave state')).toBe('disabled');
    expect(field(out, 'forward_delay_timer')).toBe('0.00');
    s.run('ip link set veth0 up');
    s.run('sleep 0.02');
    out = s.run('ip -d link show p0').stdout;
    expect(field(out, 'bridge_slave state')).toBe('forwarding');
    expect(field(out, 'forward_delay_timer')).toBe('14.98');
    s.run('sleep 15');
    expect(field(s.run('ip -d link show p0').stdout, 'forward_delay_timer')).toBe('0.00');
    s.run('ip link set br0 down');
    expect(field(s.run('ip -d link show p0').stdout, 'bridge_slave state')).toBe('disabled');
  });

  it('a port takes the lowest free port number', () => {
    const s = session();
    for (const l of ['ip link add br0 type bridge', 'ip link add va type veth peer name pa', 'ip link add vb type veth peer name pb', 'ip link add vc type veth peer name pc']) s.run(l);
    s.run('ip link set pa master br0');
    s.run('ip link set pb master br0');
    s.run('ip link set pa nomaster');
    s.run('ip link set pc master br0');
    expect(field(s.run('ip -d link show pb').stdout, 'port_no')).toBe('0x2');
    const pc = s.run('ip -d link show pc').stdout;
    expect(field(pc, 'port_no')).toBe('0x1');
    expect(field(pc, 'port_id')).toBe('0x8001');
    expect(field(pc, 'designated_port')).toBe('32769');
  });
});

describe('bridge ids', () => {
  it.each([
    [32768, '02:0a:00:01:00:ff', '8000.2:a:0:1:0:ff'],
    [32768, '00:00:00:00:00:00', '8000.0:0:0:0:0:0'],
    [4096, 'ca:85:3d:c1:e2:3f', '1000.ca:85:3d:c1:e2:3f'],
  ])('priority %i, address %s prints as %s', (prio, mac, text) => {
    expect(bridgeIdString(prio, mac)).toBe(text);
  });
});
