/**
 * `ip -s link` after traffic, and what is refused. Expected counters are the kernel's, from the
 * recorded scenarios named in each test (scenarios/ip-stats-*.yaml) and transcripts (kernel/*.json).
 */
import { describe, expect, it } from 'vitest';
import { macs, session, type Session } from './helpers.js';
import { printNum } from '../../../src/tools/ip/link-format.js';

/** Two namespaces joined by veth0 (ns1, 10.1.1.2) and veth1 (ns2, 10.1.1.3), both up. */
function pair(mtu?: number): Session {
  const s = session();
  for (const l of [
    'ip netns add ns1',
    'ip netns add ns2',
    'ip link add veth0 type veth peer name veth1',
    'ip link set veth0 netns ns1',
    'ip link set veth1 netns ns2',
    ...(mtu === undefined ? [] : [`ip netns exec ns1 ip link set veth0 mtu ${mtu}`]),
    'ip -n ns1 addr add 10.1.1.2/24 dev veth0',
    'ip -n ns1 link set veth0 up',
    'ip -n ns1 link set lo up',
    'ip -n ns2 addr add 10.1.1.3/24 dev veth1',
    'ip -n ns2 link set veth1 up',
  ]) {
    expect(s.run(l).exit, l).toBe(0);
  }
  return s;
}

/** The RX and TX lines of `ip -s link show` for one device (the first record). */
function counters(text: string): string[] {
  return text.split('\n').filter((l, i, all) => /^ {4,}\d/.test(l) && /RX:|TX:/.test(all[i - 1] ?? ''));
}

describe('ip -s link counters', () => {
  it('mirrors a veth pair — each end received what the other sent — and counts lo once, without Ethernet headers', () => {
    // scenarios/ip-stats-veth.yaml
    const s = pair();
    s.run('ip netns exec ns1 ping -c 3 10.1.1.3');
    s.run('ip netns exec ns1 ping -c 1 10.1.1.2');
    const ns1 = s.run('ip -n ns1 -s link').stdout;
    const [loRx, loTx, vRx, vTx] = counters(ns1);
    expect([loRx, loTx]).toEqual(['           168       2      0       0       0       0 ', '           168       2      0       0       0       0 ']);
    expect([vRx, vTx]).toEqual(['           336       4      0       0       0       0 ', '           336       4      0       0       0       0 ']);
    expect(s.run('ip -n ns2 -s -j link show veth1').stdout).toContain(
      '"stats64":{"rx":{"bytes":336,"packets":4,"errors":0,"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":336,"packets":4,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}',
    );
  });

  it("counts a frame the peer's MTU refuses as the sender's tx dropped and the receiver's rx dropped", () => {
    // scenarios/ip-stats-drops.yaml
    const s = pair(9000);
    s.run('ip netns exec ns1 ping -c 1 -s 1400 10.1.1.3');
    s.run('ip netns exec ns1 ping -c 1 -W 1 -s 3000 10.1.1.3');
    expect(counters(s.run('ip -n ns1 -s link show veth0').stdout)).toEqual(['          1484       2      0       0       0       0 ', '          1484       2      0       2       0       0 ']);
    expect(counters(s.run('ip -n ns2 -s link show veth1').stdout)).toEqual(['          1484       2      0       2       0       0 ', '          1484       2      0       0       0       0 ']);
  });

  it('widens every column to the longest number in it, headers included', () => {
    // scenarios/ip-stats-fragments.yaml
    const s = pair();
    for (let i = 0; i < 4; i++) s.run('ip netns exec ns1 ping -c 1 -s 60000 10.1.1.3');
    const lines = s.run('ip -n ns1 -s link show veth0').stdout.split('\n');
    expect(lines.slice(2, 6)).toEqual([
      '    RX:  bytes packets errors dropped  missed   mcast           ',
      '        245650     165      0       0       0       0 ',
      '    TX:  bytes packets errors dropped carrier collsns           ',
      '        245650     165      0       0       0       0 ',
    ]);
  });

  it('counts carrier changes from the veth made (1) through both ends up (2) and one down (3), as -s -s transns', () => {
    // kernel/ip-probe-c18.json, lines 20-27
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    const transns = () => s.run('ip -s -s link show veth0').stdout.trimEnd().split('\n').at(-1)?.trim();
    expect(transns()).toBe('0      0       0       0       1');
    s.run('ip link set veth0 up');
    s.run('ip link set veth1 up');
    expect(transns()).toBe('0      0       0       0       2');
    s.run('ip link set veth1 down');
    expect(transns()).toBe('0      0       0       0       3');
  });

  it("refuses the counters of a bridge, and of its ports and their peers once the bridge was up (its IGMP reports)", () => {
    const s = session();
    s.run('ip link add br0 type bridge');
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip link set veth1 master br0');
    const refused = /^the counters of (\S+) \(a bridge, its ports and their peers: the bridge's own IGMP reports and br_dev_xmit's counting are not modelled\) are not simulated\n$/;
    expect(s.run('ip -s link show br0').stderr).toMatch(refused);
    // Before the bridge was ever up, its port counted nothing the model does not.
    expect(s.run('ip -s link show veth1').exit).toBe(0);
    s.run('ip link set br0 up');
    const r = s.run('ip -s link show veth0');
    expect({ exit: r.exit, err: r.stderr.replace(refused, '$1') }).toEqual({ exit: -2, err: 'veth0' });
    // The run stops at the first refused device (br0, second in the dump).
    const all = s.run('ip -s link');
    expect({ exit: all.exit, err: all.stderr.replace(refused, '$1') }).toEqual({ exit: -2, err: 'br0' });
  });

  it('prints no counters with -brief, nor with ip -o addr, which prints no link line', () => {
    // kernel/ip-probe-c17.json line 22, kernel/ip-probe-c21.json line 31
    const s = pair();
    expect(s.run('ip -n ns1 -br -s link show veth0').stdout).toMatch(/^veth0@if2 +UP +\S+ <BROADCAST,MULTICAST,UP,LOWER_UP> \n$/);
    expect(s.run('ip -n ns1 -o -s addr show dev veth0').stdout).toBe('3: veth0    inet 10.1.1.2/24 scope global veth0\\       valid_lft forever preferred_lft forever\n');
  });
});

describe('print_num with -human', () => {
  const human = { human: true, iec: false };
  it.each([
    // scenarios/ip-stats-drops.yaml and ip-stats-fragments.yaml
    [human, 1484, '1.48k'],
    [human, 245650, '246k'],
    [{ human: true, iec: true }, 245650, '240ki'],
    [human, 999, '999'],
    [{ human: false, iec: true }, 245650, '245650'],
    // glibc's printf rounds an exact tie to even (printf '%.2f' 1.125 prints 1.12 here); toFixed would
    // not. 1145 / 1000 is no tie as a double (1.14500000000000001776...): up, as python's '%.2f' says.
    [human, 1125, '1.12k'],
    [human, 1145, '1.15k'],
    [human, 1375, '1.38k'],
    [human, 2_500_000, '2.50M'],
  ])('%o writes %d as %s', (f, count, text) => {
    expect(printNum(f, 10, count)).toBe(`${text.padStart(10)} `);
  });
});
