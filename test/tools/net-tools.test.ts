// net-tools (ifconfig, route, arp) and the /proc/net files they read, on small worlds built through
// the netlink operations. The texts are what the kernel runs printed (scenarios/net-tools-*.yaml and
// scenarios/proc-net-*.yaml hold the recorded runs).
import { describe, expect, it } from 'vitest';
import type { Namespace, World } from '../../src/sim/world.js';
import { br_newlink } from '../../src/devices/bridge.js';
import { cat } from '../../src/tools/shell.js';
import { arp } from '../../src/tools/net-tools/arp.js';
import { ifconfig, nstrcmp } from '../../src/tools/net-tools/ifconfig.js';
import { route } from '../../src/tools/net-tools/route.js';
import { inetAton, inetGetNetmask } from '../../src/tools/net-tools/inet.js';
import { NotSimulated, type Tool, type ToolOutput } from '../../src/tools/tool.js';
import { addr, move, runPing, up, vethPairInOneNamespace, veth, world } from '../sim/helpers.js';

function run(tool: Tool, w: World, ns: Namespace, line: string): ToolOutput {
  const argv = line.split(' ');
  const why = tool.check(argv);
  if (why) return { stdout: '', stderr: `not simulated: ${why}`, exit: -1 };
  return tool.run({ world: w, ns }, argv) as ToolOutput;
}

/** ns1/veth0 10.1.1.2/24 and ns2/veth1 10.1.1.3/24, up. */
function twoNamespaces(): { w: World; ns1: Namespace; ns2: Namespace } {
  const { w, host } = world();
  const ns1 = w.createNamespace('ns1', false);
  const ns2 = w.createNamespace('ns2', false);
  veth(w, host, 'veth0', 'veth1');
  move(w, host, 'veth0', ns1);
  move(w, host, 'veth1', ns2);
  addr(ns1, 'veth0', '10.1.1.2/24');
  addr(ns2, 'veth1', '10.1.1.3/24');
  up(w, ns1, 'veth0');
  up(w, ns2, 'veth1');
  return { w, ns1, ns2 };
}

/** Both ends in one namespace, fixed MACs for readable texts. */
function pair(): { w: World; host: Namespace } {
  const { w, host } = world();
  veth(w, host, 'veth0', 'veth1');
  host.update((d) => {
    for (const dv of Object.values(d.devices)) if (dv.name === 'veth0') dv.mac = '02:00:00:00:00:02';
    for (const dv of Object.values(d.devices)) if (dv.name === 'veth1') dv.mac = '02:00:00:00:00:03';
  });
  return { w, host };
}

describe('ifconfig', () => {
  it('SIOCSIFADDR takes the class prefix, and the /24 given with it comes last as a netmask', () => {
    const { w, host } = pair();
    expect(run(ifconfig, w, host, 'ifconfig veth0 10.1.1.2/24 up')).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(run(ifconfig, w, host, 'ifconfig veth0').stdout).toBe(
      'veth0: flags=4099<UP,BROADCAST,MULTICAST>  mtu 1500\n' +
        '        inet 10.1.1.2  netmask 255.255.255.0  broadcast 10.1.1.255\n' +
        '        ether 02:00:00:00:00:02  txqueuelen 1000  (Ethernet)\n' +
        '        RX packets 0  bytes 0 (0.0 B)\n' +
        '        RX errors 0  dropped 0  overruns 0  frame 0\n' +
        '        TX packets 0  bytes 0 (0.0 B)\n' +
        '        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n',
    );
    run(ifconfig, w, host, 'ifconfig veth0 10.2.2.2');
    expect(host.state.addrs.filter((a) => a.ifindex !== 1).map((a) => [a.local >>> 24, a.prefixlen, a.broadcast])).toEqual([[10, 8, 0x0affffff]]);
    run(ifconfig, w, host, 'ifconfig veth0 netmask 255.255.0.0');
    expect(host.state.addrs.filter((a) => a.ifindex !== 1).map((a) => [a.prefixlen, a.broadcast])).toEqual([[16, 0x0a02ffff]]);
  });

  it('lists an alias as an interface of its own, and deletes it on down', () => {
    const { w, host } = pair();
    run(ifconfig, w, host, 'ifconfig veth1 up');
    run(ifconfig, w, host, 'ifconfig veth0 10.1.1.2/24 up');
    run(ifconfig, w, host, 'ifconfig veth0:1 10.1.1.20');
    expect(run(ifconfig, w, host, 'ifconfig veth0:1').stdout).toBe(
      'veth0:1: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n' +
        '        inet 10.1.1.20  netmask 255.0.0.0  broadcast 10.255.255.255\n' +
        '        ether 02:00:00:00:00:02  txqueuelen 1000  (Ethernet)\n\n',
    );
    const names = run(ifconfig, w, host, 'ifconfig').stdout.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(':  ')[0]?.split(': ')[0]);
    expect(names).toEqual(['lo', 'veth0', 'veth0:1', 'veth1']);
    run(ifconfig, w, host, 'ifconfig veth0:1 down');
    expect(host.state.addrs.some((a) => a.label === 'veth0:1')).toBe(false);
  });

  it("reports the ioctls' errors and its own", () => {
    const { w, host } = pair();
    expect(run(ifconfig, w, host, 'ifconfig veth0 mtu 100000').stderr).toBe('SIOCSIFMTU: Invalid argument\n');
    expect(run(ifconfig, w, host, 'ifconfig veth9 up').stderr).toBe('veth9: ERROR while getting interface flags: No such device\n');
    expect(run(ifconfig, w, host, 'ifconfig veth9')).toEqual({ stdout: '', stderr: 'veth9: error fetching interface information: Device not found\n', exit: 1 });
    expect(run(ifconfig, w, host, 'ifconfig -z').stderr).toBe("ifconfig: option `-z' not recognised.\nifconfig: `--help' gives usage information.\n");
    expect(run(ifconfig, w, host, 'ifconfig veth0 mtu').stderr).toMatch(/^Usage:\n {2}ifconfig \[-a\]/);
  });

  it('refuses what it does not model', () => {
    for (const line of ['ifconfig veth0 promisc', 'ifconfig -s', 'ifconfig veth0 hw ether 02:00:00:00:00:09', 'ifconfig veth0 myhost']) {
      expect(ifconfig.check(line.split(' ')), line).toMatch(/not simulated/);
    }
  });

  it('sorts names as nstrcmp does', () => {
    expect(['veth10', 'veth2', 'lo', 'veth0:1', 'veth0', 'br0'].sort(nstrcmp)).toEqual(['br0', 'lo', 'veth0', 'veth0:1', 'veth2', 'veth10']);
  });
});

describe('route', () => {
  it('adds the rtentry forms and lists them as route -n does', () => {
    const { w, ns1: host } = twoNamespaces();
    for (const line of [
      'route add -net 10.9.0.0 netmask 255.255.0.0 gw 10.1.1.3',
      'route add -net 10.8.0.0/16 dev veth0',
      'route add -host 10.7.7.7 dev veth0',
      'route add -net 10.6.0.0 netmask 255.255.0.0 dev veth0 metric 5',
      'route add -net 10.5.0.0 netmask 255.255.0.0 reject',
    ]) {
      expect(run(route, w, host, line), line).toEqual({ stdout: '', stderr: '', exit: 0 });
    }
    const lines = run(route, w, host, 'route -n').stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['Kernel IP routing table', 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface']);
    expect(lines).toContain('10.5.0.0        -               255.255.0.0     !     0      -        0 -');
    expect(lines).toContain('10.6.0.0        0.0.0.0         255.255.0.0     U     5      0        0 veth0');
    expect(lines).toContain('10.7.7.7        0.0.0.0         255.255.255.255 UH    0      0        0 veth0');
    expect(lines).toContain('10.9.0.0        10.1.1.3        255.255.0.0     UG    0      0        0 veth0');
  });

  it("answers with the kernel's errors and route's own", () => {
    const { w, ns1: host } = twoNamespaces();
    expect(run(route, w, host, 'route add -net 10.3.0.0 netmask 255.255.0.0 gw 10.50.50.50').stderr).toBe('SIOCADDRT: Network is unreachable\n');
    expect(run(route, w, host, 'route add -net 10.3.0.0 dev veth0').stderr).toBe('SIOCADDRT: Invalid argument\n');
    expect(run(route, w, host, 'route del -net 10.99.0.0 netmask 255.255.0.0').stderr).toBe('SIOCDELRT: No such process\n');
    expect(run(route, w, host, 'route add 10.3.0.0/16 dev veth0').stderr).toMatch(/^route: netmask 0000ffff doesn't make sense with host route\nUsage: inet_route/);
    expect(run(route, w, host, 'route add -net 10.1.1.1 netmask 255.255.255.0 dev veth0').stderr).toMatch(/^route: netmask doesn't match route address\n/);
  });

  it('refuses name lookups: route without -n, names for addresses', () => {
    expect(route.check(['route'])).toMatch(/add -n/);
    expect(route.check('route add default gw myrouter'.split(' '))).toMatch(/name/);
  });

  it('refuses a gateway that is one of our own addresses (a link-scope nexthop)', () => {
    const { w, host } = vethPairInOneNamespace();
    expect(() => run(route, w, host, 'route add -net 10.9.0.0 netmask 255.255.0.0 gw 10.1.1.3')).toThrow(NotSimulated);
  });
});

describe('arp', () => {
  it('sets, shows and deletes entries through SIOCSARP and SIOCDARP', () => {
    const { w, host } = pair();
    addr(host, 'veth0', '10.1.1.2/24');
    up(w, host, 'veth0');
    expect(run(arp, w, host, 'arp -s 10.1.1.50 02:00:00:00:00:50').exit).toBe(0);
    expect(run(arp, w, host, 'arp -n').stdout).toBe(
      'Address                  HWtype  HWaddress           Flags Mask            Iface\n' +
        '10.1.1.50                ether   02:00:00:00:00:50   CM                    veth0\n',
    );
    expect(run(arp, w, host, 'arp -an').stdout).toBe('? (10.1.1.50) at 02:00:00:00:00:50 [ether] PERM on veth0\n');
    expect(run(arp, w, host, 'arp -n 10.1.1.9').stdout).toBe('10.1.1.9 (10.1.1.9) -- no entry\n');
    expect(run(arp, w, host, 'arp -d 10.1.1.50').exit).toBe(0);
    expect(run(arp, w, host, 'arp -d 10.1.1.50').stdout).toBe('No ARP entry for 10.1.1.50\n');
    expect(run(arp, w, host, 'arp -s 10.9.9.9 02:00:00:00:00:99').stderr).toBe('SIOCSARP: Network is unreachable\n');
    expect(run(arp, w, host, 'arp -s 10.1.1.2 02:00:00:00:00:99').stderr).toBe('SIOCSARP: Invalid argument\n');
    expect(run(arp, w, host, 'arp -s 10.1.1.52 zz:00:00:00:00:99').stderr).toBe('arp: invalid hardware address\n');
  });

  it('refuses to order several entries (the kernel lists them in its randomly keyed hash order)', () => {
    const { w, host } = pair();
    addr(host, 'veth0', '10.1.1.2/24');
    up(w, host, 'veth0');
    run(arp, w, host, 'arp -s 10.1.1.50 02:00:00:00:00:50');
    run(arp, w, host, 'arp -s 10.1.1.51 02:00:00:00:00:51');
    expect(() => run(arp, w, host, 'arp -n')).toThrow(NotSimulated);
    expect(run(arp, w, host, 'arp -n 10.1.1.51').stdout).toMatch(/^Address.*\n10\.1\.1\.51 /);
  });
});

describe('/proc/net', () => {
  it("dev: a veth counts its peer's sends as received, lo each frame once for both sides, without the Ethernet header", () => {
    const { w, ns1 } = twoNamespaces();
    up(w, ns1, 'lo');
    runPing(w, ns1, ['-c', '1', '10.1.1.3']);
    runPing(w, ns1, ['-c', '1', '10.1.1.2']);
    const lines = run(cat, w, ns1, 'cat /proc/net/dev').stdout.split('\n');
    expect(lines[0]).toBe('Inter-|   Receive                                                |  Transmit');
    // Out: ARP request, echo, and the reply to ns2's probe 5 s later (42 + 98 + 42); in: the same three
    // the other way. The ping to itself is two frames on lo, 84 bytes each.
    expect(lines.slice(2, 4)).toEqual([
      '    lo:     168       2    0    0    0     0          0         0      168       2    0    0    0     0       0          0',
      ' veth0:     182       3    0    0    0     0          0         0      182       3    0    0    0     0       0          0',
    ]);
  });

  it('dev: refuses a namespace whose counters are not modelled', () => {
    const { w, host } = world();
    br_newlink(w, host, 'br0');
    expect(() => run(cat, w, host, 'cat /proc/net/dev')).toThrow(/br0/);
    expect(cat.check(['cat', '/proc/net/snmp'])).toMatch(/MIB counters/);
    expect(cat.check(['cat', '/proc/net/tcp'])).toMatch(/not simulated/);
  });

  it('route: the main table, addresses byte-reversed, each line 127 characters', () => {
    const { w, host } = vethPairInOneNamespace();
    const lines = run(cat, w, host, 'cat /proc/net/route').stdout.split('\n');
    expect(lines[0]).toBe('Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'.padEnd(127));
    expect(lines[1]).toBe('veth0\t0001010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'.padEnd(127));
    expect(lines[2]).toBe('veth1\t0001010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'.padEnd(127));
  });
});

describe('inet_aton and the /prefix syntax', () => {
  it.each([
    ['10.1.1.2', 0x0a010102],
    ['10.1.258', 0x0a010102],
    ['10.65794', 0x0a010102],
    ['167837954', 0x0a010102],
    ['0x0a.1.1.2', 0x0a010102],
    ['012.1.1.2', 0x0a010102],
  ])('%s is %s', (s, v) => expect(inetAton(s)).toBe(v));
  it('rejects what it cannot read', () => {
    expect(inetAton('10.1.1.256')).toBeUndefined();
    expect(inetAton('10.1.1.2.3')).toBeUndefined();
    expect(inetAton('host')).toBeUndefined();
  });
  it('reads /N as net-tools does, /32 included (a shift by 32 is one by 0 on x86)', () => {
    expect(inetGetNetmask('10.1.1.2/24')).toEqual({ addr: '10.1.1.2', mask: 0xffffff00, prefix: 24 });
    expect(inetGetNetmask('10.1.1.2/32')).toEqual({ addr: '10.1.1.2', mask: 0, prefix: 32 });
    expect(inetGetNetmask('10.1.1.2/x')).toBe('bad');
  });
});
