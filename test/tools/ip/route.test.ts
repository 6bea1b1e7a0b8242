/**
 * `ip route`. Expected texts are the kernel's, from kernel-mode runs of the scenarios named in each test
 * (ip-probe-cN: kernel/ip-probe-cN.json; others: scenarios/*.yaml's recorded expectations). Every route
 * line ends with a space, as print_route prints one after each field.
 */
import { describe, expect, it } from 'vitest';
import { session, type Session } from './helpers.js';

function pair(): Session {
  const s = session();
  s.run('ip link add veth0 type veth peer name veth1');
  s.run('ip addr add 10.1.1.2/24 dev veth0');
  s.run('ip link set veth0 up');
  s.run('ip link set veth1 up');
  return s;
}

describe('ip route show', () => {
  it('lists a table in trie order — by prefix, a longer one first for the same key — with proto, scope, src, metric and flags', () => {
    // ip-probe-c3, line 37 (ip route), the routes it lists added as there
    const s = pair();
    for (const l of [
      'ip route add 10.5.0.0/16 via 10.1.1.3',
      'ip route add 10.5.0.0/16 via 10.1.1.4 metric 10',
      'ip route add 10.7.0.0/16 dev veth0 src 10.1.1.2 metric 5 proto static',
      'ip route add 10.8.0.0/16 via 10.1.1.1 dev veth0 onlink',
      'ip route add 10.0.0.0/8 dev veth0',
      'ip route add 10.0.0.0/12 dev veth0 scope link',
      'ip route add 10.0.0.0/24 dev veth0 scope host',
      'ip route add unreachable 10.20.0.0/16',
      'ip route add 10.29.0.0/16 dev veth0 proto 99',
      'ip route add 10.34.0.1 dev veth0',
      'ip route add default via 10.1.1.3',
      'ip route add default via 10.1.1.4 metric 100',
    ]) {
      expect(s.run(l), l).toEqual({ stdout: '', stderr: '', exit: 0 });
    }
    expect(s.run('ip r').stdout).toBe(
      'default via 10.1.1.3 dev veth0 \n' +
        'default via 10.1.1.4 dev veth0 metric 100 \n' +
        '10.0.0.0/24 dev veth0 scope host \n' +
        '10.0.0.0/12 dev veth0 scope link \n' +
        '10.0.0.0/8 dev veth0 scope link \n' +
        '10.1.1.0/24 dev veth0 proto kernel scope link src 10.1.1.2 \n' +
        '10.5.0.0/16 via 10.1.1.3 dev veth0 \n' +
        '10.5.0.0/16 via 10.1.1.4 dev veth0 metric 10 \n' +
        '10.7.0.0/16 dev veth0 proto static scope link src 10.1.1.2 metric 5 \n' +
        '10.8.0.0/16 via 10.1.1.1 dev veth0 onlink \n' +
        'unreachable 10.20.0.0/16 \n' +
        '10.29.0.0/16 dev veth0 proto openr scope link \n' +
        '10.34.0.1 dev veth0 scope link \n',
    );
    // ip-probe-c3, line 84: without carrier, every nexthop but a host-scope one is "linkdown".
    s.run('ip link set veth1 down');
    expect(s.run('ip route show 10.0.0.0/24').stdout).toBe('10.0.0.0/24 dev veth0 scope host \n');
    expect(s.run('ip route show 10.0.0.0/8').stdout).toBe('10.0.0.0/8 dev veth0 scope link linkdown \n');
  });

  it('lists every table in hash order with "table all": custom tables, main, then local', () => {
    // scenarios/route-show-tables.yaml; ip-probe-c3 line 40
    const s = pair();
    s.run('ip route add 10.24.0.0/16 dev veth0 table 100');
    s.run('ip route add 10.25.0.0/16 dev veth0 table 1000');
    expect(s.run('ip route show table all').stdout).toBe(
      '10.24.0.0/16 dev veth0 table 100 scope link \n' +
        '10.25.0.0/16 dev veth0 table 1000 scope link \n' +
        '10.1.1.0/24 dev veth0 proto kernel scope link src 10.1.1.2 \n' +
        'local 10.1.1.2 dev veth0 table local proto kernel scope host src 10.1.1.2 \n' +
        'broadcast 10.1.1.255 dev veth0 table local proto kernel scope link src 10.1.1.2 \n' +
        'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \n' +
        'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 \n' +
        'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 \n',
    );
    expect(s.run('ip route show table 1000').stdout).toBe('10.25.0.0/16 dev veth0 scope link \n');
    // A table stays once created, even empty (ip-probe-c12 line 54).
    s.run('ip route del 10.24.0.0/16 table 100');
    expect(s.run('ip route show table 100')).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(s.run('ip route show table 5')).toEqual({ stdout: '', stderr: 'Error: ipv4: FIB table does not exist.\nDump terminated\n', exit: 2 });
    expect(s.run('ip route show table foo')).toEqual({ stdout: '', stderr: 'Error: argument "foo" is wrong: table id value is invalid\n\n', exit: 255 });
  });
});

describe('ip route add, change, replace, del', () => {
  it('answers as the kernel does', () => {
    // scenarios/errors-names.yaml, scenarios/errors-syntax.yaml; ip-probe-c3; ip-probe-c9 lines 8-13; ip-probe-c10 line 15; ip-probe-c12
    const s = pair();
    s.run('ip route add 10.5.0.0/16 via 10.1.1.3');
    const cases: [string, string, number][] = [
      ['ip route add 10.5.0.0/16 via 10.1.1.4', 'RTNETLINK answers: File exists\n', 2],
      ['ip route add 10.10.0.0/16 via 10.9.9.9 dev veth0', 'Error: Nexthop has invalid gateway.\n', 2],
      ['ip route add 10.31.0.0/16 dev veth0 src 10.1.1.9', 'Error: Invalid prefsrc address.\n', 2],
      ['ip route add 10.35.0.1/16 dev veth0', 'Error: Invalid prefix for given prefix length.\n', 2],
      ['ip route add 10.50.0.0/16', 'RTNETLINK answers: No such device\n', 2],
      ['ip route add 10.9.0.0/16 dev veth0 onlink', 'Error: Invalid flags for nexthop - PERVASIVE and ONLINK can not be set.\n', 2],
      ['ip route change 10.41.0.0/16 via 10.1.1.6', 'RTNETLINK answers: No such file or directory\n', 2],
      ['ip route del 10.6.0.0/16', 'RTNETLINK answers: No such process\n', 2],
      ['ip route del 10.0.0.0/8 table 77', 'Error: FIB table does not exist.\n', 2],
      ['ip route add 10.50.0.0/16 via 10.1.1.300', 'Error: inet address is expected rather than "10.1.1.300".\n', 1],
      ['ip route add 10.50.0.0/33 dev veth0', 'Error: any valid prefix is expected rather than "10.50.0.0/33".\n', 1],
      ['ip route add 10.50.0.0/16 dev nosuch', 'Cannot find device "nosuch"\n', 1],
      ['ip route add 10.50.0.0/16 dev veth0 metric abc', 'Error: argument "abc" is wrong: "metric" value is invalid\n\n', 255],
      ['ip route add 10.50.0.0/16 dev veth0 proto abc', 'Error: argument "abc" is wrong: "protocol" value is invalid\n\n', 255],
      ['ip route add 10.50.0.0/16 dev veth0 scope abc', 'Error: argument "abc" is wrong: invalid "scope" value\n\n', 255],
      ['ip route add 10.5.0.0/16 vai 10.1.1.1', 'Error: either "to" is duplicate, or "vai" is a garbage.\n', 255],
      ['ip route add 10.50.0.0/16 via', 'Command line is not complete. Try option "help"\n', 255],
      ['ip route foo', 'Command "foo" is unknown, try "ip route help".\n', 255],
    ];
    for (const [line, stderr, exit] of cases) expect(s.run(line), line).toEqual({ stdout: '', stderr, exit });
    expect(s.run('ip route add').stderr).toMatch(/^Usage: ip route \{ list \| flush \} SELECTOR\n/);
    s.run('ip link set veth0 down');
    expect(s.run('ip route add 10.9.0.0/16 dev veth0')).toEqual({ stdout: '', stderr: 'Error: Device for nexthop is not up.\n', exit: 2 });
    expect(s.run('ip route add 10.9.0.0/16 via 10.1.1.9 dev veth0 onlink')).toEqual({ stdout: '', stderr: 'Error: Nexthop device is not up.\n', exit: 2 });
    expect(s.run('ip route add 10.9.0.0/16 dev veth0 scope host').exit).toBe(0);
  });

  it('replaces in place, deletes the first match, and a device going down takes its routes but host-scope ones', () => {
    // ip-probe-c3 lines 47-63; ip-probe-c11
    const s = pair();
    s.run('ip route add 10.5.0.0/16 via 10.1.1.3');
    s.run('ip route add 10.5.0.0/16 via 10.1.1.4 metric 10');
    s.run('ip route replace 10.5.0.0/16 via 10.1.1.5');
    expect(s.run('ip route show 10.5.0.0/16').stdout).toBe('10.5.0.0/16 via 10.1.1.5 dev veth0 \n10.5.0.0/16 via 10.1.1.4 dev veth0 metric 10 \n');
    expect(s.run('ip route del 10.5.0.0/16').exit).toBe(0);
    expect(s.run('ip route del 10.5.0.0/16').exit).toBe(0);
    s.run('ip route add 10.9.0.0/16 dev veth0 scope host');
    s.run('ip route add 10.8.0.0/16 via 10.1.1.3');
    s.run('ip link set veth0 down');
    expect(s.run('ip route show').stdout).toBe('10.9.0.0/16 dev veth0 scope host \n');
  });
});

describe('ip route get', () => {
  it('prints the route the kernel would use, with its cache line', () => {
    // scenarios/route-get.yaml; ip-probe-c4; ip-probe-c10 lines 25-30
    const s = pair();
    s.run('ip addr add 10.1.1.5/24 dev veth0');
    expect(s.run('ip ro g 10.1.1.3').stdout).toBe('10.1.1.3 dev veth0 src 10.1.1.2 uid 0 \n    cache \n');
    expect(s.run('ip route get 10.1.1.5').stdout).toBe('local 10.1.1.5 dev lo src 10.1.1.2 uid 0 \n    cache <local> \n');
    expect(s.run('ip route get 10.1.1.255').stdout).toBe('broadcast 10.1.1.255 dev veth0 src 10.1.1.2 uid 0 \n    cache <local,brd> \n');
    expect(s.run('ip route get 0.0.0.0').stdout).toBe('local 0.0.0.0 dev lo src 127.0.0.1 uid 0 \n    cache <local> \n');
    expect(s.run('ip route get 10.1.1.3 from 10.1.1.5').stdout).toBe('10.1.1.3 from 10.1.1.5 dev veth0 uid 0 \n    cache \n');
    expect(s.run('ip route get 10.9.9.9 oif veth0').stdout).toBe('10.9.9.9 dev veth0 src 10.1.1.2 uid 0 \n    cache \n');
    expect(s.run('ip route get 255.255.255.255 oif veth0').stdout).toBe('broadcast 255.255.255.255 dev veth0 src 10.1.1.2 uid 0 \n    cache <local,brd> \n');
    expect(s.run('ip route get 224.0.0.5 oif veth0').stdout).toBe('multicast 224.0.0.5 dev veth0 src 10.1.1.2 rt_offload_failed uid 0 \n    cache <mc> \n');
    const errors: [string, string, number][] = [
      ['ip route get 192.0.2.1', 'RTNETLINK answers: Network is unreachable\n', 2],
      ['ip route get 10.1.1.3 from 10.9.9.9', 'RTNETLINK answers: Network is unreachable\n', 2],
      ['ip route get 10.1.1.3 oif nosuch', 'Cannot find device "nosuch"\n', 1],
      ['ip route get 10.1.1.300', 'Error: any valid prefix is expected rather than "10.1.1.300".\n', 1],
      ['ip route get', 'need at least a destination address\n', 1],
      ['ip route get 10.1.1.3 foo', 'Error: inet prefix is expected rather than "foo".\n', 1],
    ];
    for (const [line, stderr, exit] of errors) expect(s.run(line), line).toEqual({ stdout: '', stderr, exit });
    expect(s.run('ip route get 10.1.1.0/24')).toEqual({ stdout: '10.1.1.0 dev veth0 src 10.1.1.2 uid 0 \n    cache \n', stderr: 'Warning: /24 as prefix is invalid, only /32 (or none) is supported.\n', exit: 0 });
    s.run('ip route add unreachable 10.8.0.0/16');
    s.run('ip route add blackhole 10.9.0.0/16');
    s.run('ip route add prohibit 10.10.0.0/16');
    expect(s.run('ip route get 10.8.8.8').stderr).toBe('RTNETLINK answers: No route to host\n');
    expect(s.run('ip route get 10.9.9.8').stderr).toBe('RTNETLINK answers: Invalid argument\n');
    expect(s.run('ip route get 10.10.1.1').stderr).toBe('RTNETLINK answers: Permission denied\n');
  });

  it('names the table the answer came from once the rules are no longer the default ones', () => {
    // scenarios/ip-rule.yaml; ip-probe-c5 line 29
    const s = pair();
    expect(s.run('ip route get 10.1.1.2').stdout).toBe('local 10.1.1.2 dev lo src 10.1.1.2 uid 0 \n    cache <local> \n');
    s.run('ip rule add from 10.1.1.0/24 table 100');
    expect(s.run('ip route get 10.1.1.2').stdout).toBe('local 10.1.1.2 dev lo table local src 10.1.1.2 uid 0 \n    cache <local> \n');
  });
});
