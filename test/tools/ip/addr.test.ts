/**
 * `ip address`. Expected texts are the kernel's, from kernel-mode runs of the scenarios named in each
 * test (ip-probe-cN: kernel/ip-probe-cN.json).
 */
import { describe, expect, it } from 'vitest';
import { macs, session } from './helpers.js';

describe('ip address add and show', () => {
  it('orders primaries by scope (host, link, global) ahead of secondaries, with brd only when asked', () => {
    // ip-probe-c2, lines 1-9 and 15 (ip a s veth0)
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    for (const l of [
      'ip addr add 10.1.1.2/24 dev veth0',
      'ip addr add 10.1.1.3/24 dev veth0',
      'ip addr add 10.1.1.4/24 brd + dev veth0 label veth0:1',
      'ip addr add 10.2.2.2/16 brd 10.2.255.254 scope link dev veth0',
      'ip addr add 10.3.3.3 dev veth0',
      'ip addr add 10.4.4.4/32 dev veth0',
      'ip addr add 10.5.5.5/31 dev veth0',
      'ip addr add 10.6.6.6/24 dev veth0 scope host',
    ]) {
      expect(s.run(l).exit, l).toBe(0);
    }
    const forever = '       valid_lft forever preferred_lft forever\n';
    expect(macs(s.run('ip a s veth0').stdout)).toBe(
      '3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000\n' +
        '    link/ether <mac1> brd ff:ff:ff:ff:ff:ff\n' +
        `    inet 10.6.6.6/24 scope host veth0\n${forever}` +
        `    inet 10.2.2.2/16 brd 10.2.255.254 scope link veth0\n${forever}` +
        `    inet 10.1.1.2/24 scope global veth0\n${forever}` +
        `    inet 10.3.3.3/32 scope global veth0\n${forever}` +
        `    inet 10.4.4.4/32 scope global veth0\n${forever}` +
        `    inet 10.5.5.5/31 scope global veth0\n${forever}` +
        `    inet 10.1.1.3/24 scope global secondary veth0\n${forever}` +
        `    inet 10.1.1.4/24 brd 10.1.1.255 scope global secondary veth0:1\n${forever}`,
    );
  });

  it('hides the link layer and address-less links with -4, and prints one line per address with -o', () => {
    // ip-probe-c10, lines 35 and 64
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip addr add 10.1.1.2/24 dev veth0');
    s.run('ip addr add 10.1.1.5/24 dev veth0');
    expect(s.run('ip -4 addr show dev veth1')).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(s.run('ip -o addr show dev veth0').stdout).toBe(
      '3: veth0    inet 10.1.1.2/24 scope global veth0\\       valid_lft forever preferred_lft forever\n3: veth0    inet 10.1.1.5/24 scope global secondary veth0\\       valid_lft forever preferred_lft forever\n',
    );
  });

  it('reports errors as iproute2 and the kernel do', () => {
    // scenarios/errors-names.yaml, scenarios/errors-syntax.yaml; ip-probe-c2 lines 28-48; ip-probe-c9 line 19; ip-probe-c10 lines 6, 23
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip addr add 10.1.1.3/24 dev veth0');
    const cases: [string, string, number][] = [
      ['ip addr add 10.1.1.3/24 dev veth0', 'Error: ipv4: Address already assigned.\n', 2],
      ['ip addr add 10.1.1.2/24 dev veth0 scope link', 'Error: ipv4: Invalid scope value.\n', 2],
      ['ip addr del 10.1.1.9/24 dev veth0', 'Error: ipv4: Address not found.\n', 2],
      ['ip addr add 10.1.1.2/24 dev nosuch', 'Cannot find device "nosuch"\n', 1],
      ['ip addr add 10.1.1.300/24 dev veth0', 'Error: any valid prefix is expected rather than "10.1.1.300/24".\n', 1],
      ['ip addr add 10.1.1.2/33 dev veth0', 'Error: any valid prefix is expected rather than "10.1.1.2/33".\n', 1],
      ['ip addr add 10.1.1.2/24 brd 10.1.1.300 dev veth0', 'Error: inet address is expected rather than "10.1.1.300".\n', 1],
      ['ip addr add 10.1.1.2/24 dev veth0 scope foo', 'Error: argument "foo" is wrong: invalid scope value.\n', 255],
      ['ip addr add 10.1.1.2/24', 'Not enough information: "dev" argument is required.\n', 1],
      ['ip addr add 10.1.1.2/24 dev veth0 foo', 'Error: either "local" is duplicate, or "foo" is a garbage.\n', 255],
      ['ip addr add 10.1.1.2/24 dev', 'Command line is not complete. Try option "help"\n', 255],
      ['ip addr add dev veth0', 'RTNETLINK answers: Operation not supported\n', 2],
      ['ip -4 addr add dev veth0', 'Error: ipv4: Local address is not supplied.\n', 2],
      ['ip addr add 10.1.1.7/24 dev veth0 label thisisaverylonglabel', 'Error: Attribute failed policy validation.\n', 2],
      ['ip addr flush', 'Flush requires arguments.\n', 1],
      ['ip addr show nosuch', 'Device "nosuch" does not exist.\n', 1],
      ['ip addr foo', 'Command "foo" is unknown, try "ip address help".\n', 255],
    ];
    for (const [line, stderr, exit] of cases) expect(s.run(line), line).toEqual({ stdout: '', stderr, exit });
  });
});

describe('ip address del and flush', () => {
  it('warns about a wildcard deletion without a prefix length, and a primary takes its secondaries along', () => {
    // ip-probe-c2, lines 23-27
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip addr add 10.1.1.2/24 dev veth0');
    s.run('ip addr add 10.1.1.3/24 dev veth0');
    s.run('ip addr add 10.1.1.4/24 dev veth0');
    expect(s.run('ip addr del 10.1.1.4 dev veth0')).toEqual({
      stdout: '',
      stderr:
        'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
        '         Explicitly specify the prefix length (10.1.1.4/32) to avoid this warning.\n' +
        '         This special behaviour is likely to disappear in further releases,\n' +
        '         fix your scripts!\n',
      exit: 0,
    });
    s.run('ip addr del 10.1.1.2/24 dev veth0');
    expect(s.run('ip -o addr show dev veth0').stdout).toBe('');
  });

  it('flushes what the filter selects', () => {
    // ip-probe-c10, lines 66-71
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip addr add 127.0.0.5/8 dev veth0');
    s.run('ip addr add 10.1.1.2/24 dev veth0');
    expect(s.run('ip addr flush to 10.1.1.0/24')).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(s.run('ip -o addr show dev veth0').stdout).toBe('3: veth0    inet 127.0.0.5/8 scope host veth0\\       valid_lft forever preferred_lft forever\n');
  });
});
