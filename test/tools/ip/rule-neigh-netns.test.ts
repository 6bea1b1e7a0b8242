/**
 * `ip rule`, `ip neigh`, `ip netns`. Expected texts are the kernel's, from kernel-mode runs of the
 * scenarios named in each test (ip-probe-cN: kernel/ip-probe-cN.json; others: scenarios/*.yaml).
 */
import { describe, expect, it } from 'vitest';
import { session } from './helpers.js';

const DEFAULT_RULES = '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n';

describe('ip rule', () => {
  it('shows the three default rules, with no trailing space', () => {
    // scenarios/ip-rule.yaml; ip-probe-c5 lines 5-8
    const s = session();
    for (const l of ['ip rule', 'ip rule show', 'ip rule list', 'ip ru']) expect(s.run(l).stdout, l).toBe(DEFAULT_RULES);
  });

  it('numbers a rule without a priority one below the second rule, after rules of equal priority', () => {
    // ip-probe-c5 lines 12-28, as recorded
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    for (const l of [
      'ip rule add from 10.1.1.0/24 table 100',
      'ip rule add to 10.2.0.0/16 lookup 101 pref 50',
      'ip rule add from 10.3.3.3 to 10.4.0.0/16 iif veth0 table main priority 60',
      'ip rule add oif veth1 table local prio 70',
      'ip rule add iif lo table 102',
      'ip rule add from all table 103',
      'ip rule add table 104',
      'ip rule add to 10.5.0.0/16 unreachable',
      'ip rule add to 10.6.0.0/16 blackhole',
      'ip rule add to 10.7.0.0/16 prohibit',
      'ip rule add iif nosuch table 105',
      'ip rule add from 10.8.8.8/24 table 106',
      'ip rule add to 10.9.0.0/16 table 0',
      'ip rule add to 10.9.0.0/16 table 107 pref 50',
    ]) {
      expect(s.run(l), l).toEqual({ stdout: '', stderr: '', exit: 0 });
    }
    expect(s.run('ip rule add to 10.9.0.0/16 table 107 pref 50')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: File exists\n', exit: 2 });
    expect(s.run('ip rule add to 10.9.0.0/16').exit).toBe(0);
    expect(s.run('ip rule show').stdout).toBe(
      '0:\tfrom all lookup local\n' +
        '40:\tfrom all to 10.9.0.0/16 lookup main\n' +
        '41:\tfrom all to 10.9.0.0/16 lookup 1\n' +
        '42:\tfrom 10.8.8.8/24 lookup 106\n' +
        '43:\tfrom all iif nosuch [detached] lookup 105\n' +
        '44:\tfrom all to 10.7.0.0/16 prohibit\n' +
        '45:\tfrom all to 10.6.0.0/16 blackhole\n' +
        '46:\tfrom all to 10.5.0.0/16 unreachable\n' +
        '47:\tfrom all lookup 104\n' +
        '48:\tfrom all lookup 103\n' +
        '49:\tfrom all iif lo lookup 102\n' +
        '50:\tfrom all to 10.2.0.0/16 lookup 101\n' +
        '50:\tfrom all to 10.9.0.0/16 lookup 107\n' +
        '60:\tfrom 10.3.3.3 to 10.4.0.0/16 iif veth0 lookup main\n' +
        '70:\tfrom all oif veth1 lookup local\n' +
        '32765:\tfrom 10.1.1.0/24 lookup 100\n' +
        '32766:\tfrom all lookup main\n' +
        '32767:\tfrom all lookup default\n',
    );
    // An unreachable rule answers ENETUNREACH (ip-probe-c5 line 31).
    expect(s.run('ip route get 10.5.1.1')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Network is unreachable\n', exit: 2 });
  });

  it('deletes the first rule matching what is given, flushes all but priority 0, and reports errors', () => {
    // ip-probe-c5 lines 34-63
    const s = session();
    s.run('ip rule add from 10.1.1.0/24 table 100');
    s.run('ip rule add pref 0 table 5');
    const cases: [string, string, number][] = [
      ['ip rule del table 100', '', 0],
      ['ip rule del table 100', 'RTNETLINK answers: No such file or directory\n', 2],
      ['ip rule del', '"ip rule del" requires arguments.\n', 1],
      ['ip rule add', '"ip rule add" requires arguments.\n', 1],
      ['ip rule add from 10.1.1.300 table 5', 'Error: any valid prefix is expected rather than "10.1.1.300".\n', 1],
      ['ip rule add pref abc table 5', 'Error: argument "abc" is wrong: preference value is invalid\n\n', 255],
      ['ip rule add table abc', 'Error: argument "abc" is wrong: invalid table ID\n\n', 255],
      ['ip rule add foo', 'Error: argument "foo" is wrong: Failed to parse rule type\n', 255],
      ['ip rule add from', 'Command line is not complete. Try option "help"\n', 255],
      ['ip rule foo', 'Command "foo" is unknown, try "ip rule help".\n', 255],
    ];
    for (const [line, stderr, exit] of cases) expect(s.run(line), line).toEqual({ stdout: '', stderr, exit });
    s.run('ip rule flush');
    expect(s.run('ip rule show').stdout).toBe('0:\tfrom all lookup local\n0:\tfrom all lookup 5\n');
  });
});

describe('ip neigh', () => {
  it('adds, shows (per device without "dev"), replaces and flushes entries', () => {
    // ip-probe-c6; ip-probe-c10 lines 56-60. The kernel lists entries in its hash order, random per
    // boot; the simulator keeps creation order, so listings are compared as sets.
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip link set veth0 up');
    const sorted = (t: string) => t.split('\n').filter(Boolean).sort();
    for (const l of [
      'ip neigh add 10.1.1.3 lladdr 02:00:00:00:00:03 dev veth0 nud permanent',
      'ip neigh add 10.1.1.4 lladdr 02:00:00:00:00:04 dev veth0 nud reachable',
      'ip neigh add 10.1.1.5 lladdr 02:00:00:00:00:05 dev veth0 nud stale',
      'ip neigh add 10.1.1.6 lladdr 02:00:00:00:00:06 dev veth0',
      'ip neigh add 10.1.1.8 lladdr 02:00:00:00:00:08 dev veth1 nud noarp',
    ]) {
      expect(s.run(l), l).toEqual({ stdout: '', stderr: '', exit: 0 });
    }
    expect(sorted(s.run('ip n').stdout)).toEqual(
      sorted('10.1.1.6 dev veth0 lladdr 02:00:00:00:00:06 PERMANENT \n10.1.1.3 dev veth0 lladdr 02:00:00:00:00:03 PERMANENT \n10.1.1.4 dev veth0 lladdr 02:00:00:00:00:04 REACHABLE \n10.1.1.5 dev veth0 lladdr 02:00:00:00:00:05 STALE \n'),
    );
    expect(s.run('ip neigh show dev veth1').stdout).toBe('');
    expect(s.run('ip neigh show 10.1.1.3').stdout).toBe('10.1.1.3 dev veth0 lladdr 02:00:00:00:00:03 PERMANENT \n');
    expect(sorted(s.run('ip neigh show dev veth0').stdout)).toEqual(
      sorted('10.1.1.6 lladdr 02:00:00:00:00:06 PERMANENT \n10.1.1.3 lladdr 02:00:00:00:00:03 PERMANENT \n10.1.1.4 lladdr 02:00:00:00:00:04 REACHABLE \n10.1.1.5 lladdr 02:00:00:00:00:05 STALE \n'),
    );
    expect(sorted(s.run('ip neigh show nud permanent').stdout)).toEqual(sorted('10.1.1.6 dev veth0 lladdr 02:00:00:00:00:06 PERMANENT \n10.1.1.3 dev veth0 lladdr 02:00:00:00:00:03 PERMANENT \n'));
    s.run('ip neigh replace 10.1.1.3 lladdr 02:00:00:00:00:33 dev veth0 nud reachable');
    expect(s.run('ip neigh show 10.1.1.3').stdout).toBe('10.1.1.3 dev veth0 lladdr 02:00:00:00:00:33 REACHABLE \n');
    s.run('ip neigh flush dev veth0');
    expect(s.run('ip neigh show').stdout).toBe('10.1.1.6 dev veth0 lladdr 02:00:00:00:00:06 PERMANENT \n');
    s.run('ip neigh flush all nud all');
    expect(s.run('ip neigh show').stdout).toBe('');
  });

  it('reports errors as iproute2 and the kernel do', () => {
    // ip-probe-c6 lines 9-47; ip-probe-c10 lines 55-61
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip neigh add 10.1.1.3 lladdr 02:00:00:00:00:03 dev veth0');
    const cases: [string, string, number][] = [
      ['ip neigh add 10.1.1.7 dev veth0', 'Error: No link layer address given.\n', 2],
      ['ip neigh add 10.1.1.3 lladdr 02:00:00:00:00:13 dev veth0', 'RTNETLINK answers: File exists\n', 2],
      ['ip neigh change 10.1.1.21 lladdr 02:00:00:00:00:20 dev veth0', 'RTNETLINK answers: No such file or directory\n', 2],
      ['ip neigh del 10.1.1.4 dev veth0', 'RTNETLINK answers: No such file or directory\n', 2],
      ['ip neigh add 10.1.1.50 lladdr 02:00:00:00:50 dev veth0', 'Error: Invalid link address.\n', 2],
      ['ip neigh add 10.1.1.30 lladdr zz dev veth0', '"zz" is invalid lladdr.\n', 1],
      ['ip neigh add 10.1.1.30 lladdr 02:00:00:00:00:30 dev veth0 nud foo', 'Error: argument "foo" is wrong: nud state is bad\n', 255],
      ['ip neigh add 10.1.1.300 lladdr 02:00:00:00:00:30 dev veth0', 'Error: any valid address is expected rather than "10.1.1.300".\n', 1],
      ['ip neigh add 10.1.1.30 lladdr 02:00:00:00:00:30', 'Device and destination are required arguments.\n', 255],
      ['ip neigh add 10.1.1.30 lladdr 02:00:00:00:00:30 dev nosuch', 'Cannot find device "nosuch"\n', 1],
      ['ip neigh add 10.1.1.30 lladdr 02:00:00:00:00:30 dev veth0 foo', 'Error: either "to" is duplicate, or "foo" is a garbage.\n', 255],
      ['ip neigh flush', 'Flush requires arguments.\n', 1],
      ['ip neigh show dev nosuch', 'Cannot find device "nosuch"\n', 1],
      ['ip neigh foo', 'Command "foo" is unknown, try "ip neigh help".\n', 255],
    ];
    for (const [line, stderr, exit] of cases) expect(s.run(line), line).toEqual({ stdout: '', stderr, exit });
    expect(s.run('ip neigh del 10.1.1.3 dev veth0').exit).toBe(0);
  });
});

describe('ip netns', () => {
  it('lists the newest first, with the ids this namespace has for them, and reports errors', () => {
    // scenarios/errors-names.yaml; ip-probe-c7
    const s = session();
    s.run('ip netns add ns1');
    s.run('ip netns add ns2');
    expect(s.run('ip netns add ns1')).toEqual({ stdout: '', stderr: 'Cannot create namespace file "/run/netns/ns1": File exists\n', exit: 1 });
    expect(s.run('ip netns list').stdout).toBe('ns2\nns1\n');
    s.run('ip netns del ns2');
    s.run('ip netns add ns2');
    s.run('ip netns add ns3');
    expect(s.run('ip netns').stdout).toBe('ns3\nns2\nns1\n');
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip link set veth1 netns ns1');
    s.run('ip link add veth2 type veth peer name veth3 netns ns2');
    expect(s.run('ip netns list').stdout).toBe('ns3\nns2 (id: 1)\nns1 (id: 0)\n');
    expect(s.run('ip netns exec ns2 ip netns list').stdout).toBe('ns3\nns2\nns1\n');
    const cases: [string, string, number][] = [
      ['ip netns delete nosuch', 'Cannot remove namespace file "/run/netns/nosuch": No such file or directory\n', 1],
      ['ip netns add', 'No netns name specified\n', 1],
      ['ip netns del', 'No netns name specified\n', 1],
      ['ip netns add a/b', 'Invalid netns name "a/b"\n', 255],
      ['ip netns add .', 'Invalid netns name "."\n', 255],
      ['ip netns foo', 'Command "foo" is unknown, try "ip netns help".\n', 255],
      ['ip netns exec ns1', 'No command specified\n', 1],
      ['ip netns exec', 'No netns name specified\n', 1],
      ['ip -n nosuch link show', 'Cannot open network namespace "nosuch": No such file or directory\n', 255],
    ];
    for (const [line, stderr, exit] of cases) expect(s.run(line), line).toEqual({ stdout: '', stderr, exit });
    // Deleting a namespace destroys its veths, and their peers with them.
    s.run('ip netns del ns1');
    expect(s.run('ip netns list').stdout).toBe('ns3\nns2 (id: 1)\n');
    expect(s.run('ip link show veth0')).toEqual({ stdout: '', stderr: 'Device "veth0" does not exist.\n', exit: 1 });
  });
});
