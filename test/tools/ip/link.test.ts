/**
 * `ip link`. Expected texts are the kernel's, from kernel-mode runs of the scenarios named in each test
 * (ip-probe-cN: kernel/ip-probe-cN.json; others: scenarios/*.yaml's recorded expectations).
 */
import { describe, expect, it } from 'vitest';
import { findByName } from '../../../src/sim/world.js';
import { macs, session } from './helpers.js';

const LO_UP = '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n';

describe('ip link show', () => {
  it('lists lo, then a veth pair with the peer (registered first) at the lower ifindex', () => {
    // scenarios/veth-del-peer.yaml
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    const r = s.run('ip link show');
    const ns = s.world.namespaces.get('') as NonNullable<ReturnType<typeof s.world.namespaces.get>>;
    const mac = (n: string) => findByName(ns.state, n)?.mac as string;
    expect(r).toEqual({
      stdout:
        LO_UP +
        `2: veth1@veth0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether ${mac('veth1')} brd ff:ff:ff:ff:ff:ff\n` +
        `3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether ${mac('veth0')} brd ff:ff:ff:ff:ff:ff\n`,
      stderr: '',
      exit: 0,
    });
  });

  it('shows NO-CARRIER and LOWERLAYERDOWN while the peer is down, and keeps qdisc noqueue once the device has been up', () => {
    // ip-probe-c8, lines 13 and 15
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip link set veth0 mtu 1400 up');
    expect(macs(s.run('ip link show veth0').stdout)).toBe(
      '3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1400 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000\n    link/ether <mac1> brd ff:ff:ff:ff:ff:ff\n',
    );
    s.run('ip link set veth0 down');
    expect(macs(s.run('ip link show veth0').stdout)).toBe(
      '3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1400 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n    link/ether <mac1> brd ff:ff:ff:ff:ff:ff\n',
    );
  });

  it('names a peer in another namespace by ifindex, with link-netns NAME or link-netnsid N', () => {
    // ip-probe-c7, lines 24-28
    const s = session();
    s.run('ip netns add ns1');
    s.run('ip link add veth0 type veth peer name veth1');
    s.run('ip link set veth1 netns ns1');
    expect(s.run('ip netns list').stdout).toBe('ns1 (id: 0)\n');
    expect(macs(s.run('ip link show veth0').stdout)).toBe(
      '3: veth0@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether <mac1> brd ff:ff:ff:ff:ff:ff link-netns ns1\n',
    );
    expect(macs(s.run('ip -n ns1 link show veth1').stdout)).toBe(
      '2: veth1@if3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether <mac1> brd ff:ff:ff:ff:ff:ff link-netnsid 0\n',
    );
  });

  it('prints the second line after a backslash with -o', () => {
    // ip-probe-c9, line 38
    const s = session();
    expect(s.run('ip -o link show lo').stdout).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n',
    );
  });
});

describe('ip link add', () => {
  it('gives an unnamed peer the first free vethN; `ip link add veth0 type veth` collides with it and burns an ifindex', () => {
    // ip-probe-c9, lines 1-4
    const s = session();
    expect(s.run('ip link add veth0 type veth')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: File exists\n', exit: 2 });
    s.run('ip link add veth9 type veth peer name veth8');
    s.run('ip link add type veth');
    const names = s.run('ip link show').stdout.split('\n').filter((l) => /^\d+:/.test(l)).map((l) => l.split(':').slice(0, 2).join(':'));
    expect(names).toEqual(['1: lo', '3: veth8@veth9', '4: veth9@veth8', '5: veth0@veth1', '6: veth1@veth0']);
  });

  it('fails with ENOTCONN when the peer is to be created up', () => {
    // ip-probe-c13, line 2
    const s = session();
    expect(s.run('ip link add vethR type veth peer name vethS up')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Transport endpoint is not connected\n', exit: 2 });
  });

  it('reports the usage of a veth on stdout when "peer" is missing, and requires a type', () => {
    // ip-probe-c8 line 65; ip-probe-c14 (ip li a veth0 ty veth pe na veth1)
    const s = session();
    expect(s.run('ip link add veth0')).toEqual({ stdout: '', stderr: 'Not enough information: "type" argument is required\n', exit: 1 });
    expect(s.run('ip li a veth0 ty veth pe na veth1')).toEqual({ stdout: "Usage: ip link <options> type veth [peer <options>]\nTo get <options> type 'ip link add help'\n", stderr: '', exit: 1 });
  });
});

describe('ip link set', () => {
  it('reports iproute2 and kernel errors with their statuses', () => {
    // scenarios/errors-syntax.yaml; ip-probe-c8 lines 7-27
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    expect(s.run('ip link set veth0 mtu abc')).toEqual({ stdout: '', stderr: 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n', exit: 255 });
    expect(s.run('ip link set veth0 mtu 65536')).toEqual({ stdout: '', stderr: 'Error: mtu greater than device maximum.\n', exit: 2 });
    expect(s.run('ip link set veth0 mtu -1')).toEqual({ stdout: '', stderr: 'Error: mtu less than device minimum.\n', exit: 2 });
    expect(s.run('ip link set veth0 upp')).toEqual({ stdout: '', stderr: 'Error: either "dev" is duplicate, or "upp" is a garbage.\n', exit: 255 });
    expect(s.run('ip link set veth0 up mtu 1400 mtu 1300')).toEqual({ stdout: '', stderr: 'Error: duplicate "mtu": "1300" is the second value.\n', exit: 255 });
    expect(s.run('ip link set veth0 address 01:11:22:33:44:55')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Cannot assign requested address\n', exit: 2 });
    expect(s.run('ip link set veth0 address zz')).toEqual({ stdout: '', stderr: '"zz" is invalid lladdr.\n', exit: 1 });
    expect(s.run('ip link set veth0 address 02:11:22:33:44')).toEqual({ stdout: '', stderr: 'Invalid address length 5 - must be 6 bytes\n', exit: 1 });
    expect(s.run('ip link set veth0 name veth1')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: File exists\n', exit: 2 });
    expect(s.run('ip link set nosuch up')).toEqual({ stdout: '', stderr: 'Cannot find device "nosuch"\n', exit: 1 });
    expect(s.run('ip link set')).toEqual({ stdout: '', stderr: 'Not enough information: "dev" argument is required.\n', exit: 255 });
    expect(s.run('ip link set veth0 mtu')).toEqual({ stdout: '', stderr: 'Command line is not complete. Try option "help"\n', exit: 255 });
    expect(s.run('ip link set veth0 netns nosuch')).toEqual({ stdout: '', stderr: 'Error: argument "nosuch" is wrong: Invalid "netns" value\n\n', exit: 255 });
    expect(s.run('ip link del lo')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Operation not supported\n', exit: 2 });
  });

  it('renames an up device, relabelling its addresses as inetdev_changename does', () => {
    // ip-probe-c9, lines 18-25
    const s = session();
    s.run('ip link add veth9 type veth peer name veth8');
    s.run('ip addr add 10.1.1.3/24 dev veth9');
    s.run('ip addr add 10.1.1.4/24 dev veth9 label veth9:foo');
    s.run('ip addr add 10.2.2.2/24 dev veth9 label blah');
    s.run('ip addr add 10.3.3.3/24 dev veth9');
    s.run('ip link set veth9 up');
    expect(s.run('ip link set veth9 name vethA').exit).toBe(0);
    const labels = s.run('ip -o addr show dev vethA').stdout.split('\n').filter(Boolean).map((l) => (/scope global (?:secondary )?(\S+)\\/.exec(l) ?? [])[1]);
    expect(labels).toEqual(['vethA', 'vethA:2', 'vethA:3', 'vethA:foo']);
  });

  it('enslaves to a bridge, which takes its ports\' smallest MAC and MTU and has carrier only through a forwarding port', () => {
    // ip-probe-c9, lines 43-61; ip-probe-c8 lines 48-58
    const s = session();
    s.run('ip link add br0 type bridge');
    s.run('ip link set br0 up');
    // A new bridge brought up with no port keeps the carrier it was created with; its state is unknown.
    expect(s.run('ip link show br0').stdout).toMatch(/^\d+: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT/);
    s.run('ip link add veth3 type veth peer name veth4');
    s.run('ip link set veth3 master br0');
    expect(s.run('ip link show br0').stdout).toMatch(/^\d+: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT/);
    s.run('ip link set veth3 up');
    s.run('ip link set veth4 up');
    s.run('ip link set veth3 mtu 1400');
    const br = s.run('ip link show br0').stdout;
    expect(br).toMatch(/^\d+: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc noqueue state UP mode DEFAULT/);
    const ns = s.world.namespaces.get('') as NonNullable<ReturnType<typeof s.world.namespaces.get>>;
    expect(br).toContain(`link/ether ${findByName(ns.state, 'veth3')?.mac as string} `);
    expect(s.run('ip link show veth3').stdout).toContain(' qdisc noqueue master br0 state UP ');
    expect(s.run('ip link set veth4 master veth3')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Operation not supported\n', exit: 2 });
    expect(s.run('ip link set lo master br0')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Invalid argument\n', exit: 2 });
    expect(s.run('ip link set br0 master br0')).toEqual({ stdout: '', stderr: 'Error: Can not enslave a bridge to a bridge.\n', exit: 2 });
    expect(s.run('ip link set veth3 master nosuch')).toEqual({ stdout: '', stderr: 'Error: argument "nosuch" is wrong: Device does not exist\n\n', exit: 255 });
  });
});
