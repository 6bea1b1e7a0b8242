/**
 * `ip link add NAME type vxlan ...` (src/tools/ip/link-vxlan.ts): iproute2 6.1's vxlan_parse_opt. The
 * messages are those scenarios/vxlan-config.yaml and vxlan-flood.yaml recorded (stdout and stderr
 * are one text there; the statuses are iproute2's: invarg 255, vxlan's own messages 1); keywords
 * the simulator does not model are refused by ip.check before a run, naming the keyword.
 */
import { describe, expect, it } from 'vitest';
import { session } from './helpers.js';
import { ip } from '../../../src/tools/ip/index.js';
import { VXLAN_USAGE } from '../../../src/tools/ip/link-vxlan.js';
import { vxlanOf } from '../../../src/devices/vxlan.js';
import { findByName } from '../../../src/sim/world.js';

const DSTPORT_WARNING =
  "vxlan: destination port not specified\nWill use Linux kernel default (non-standard value)\nUse 'dstport 4789' to get the IANA assigned value\nUse 'dstport 0' to get default and quiet this message\n";

const argv = (line: string) => line.split(' ');

function cfgOf(s: ReturnType<typeof session>, name: string) {
  const dev = findByName(s.world.namespaces.get('')!.state, name);
  return dev ? vxlanOf(s.world, dev.id)?.cfg : undefined;
}

describe('ip link add ... type vxlan: iproute2\'s errors', () => {
  it('reports a missing id, a bad id, a duplicate id, and a VNI beyond 24 bits', () => {
    const s = session();
    expect(s.run('ip link add vxlan0 type vxlan dstport 4789')).toEqual({ stdout: '', stderr: 'vxlan: missing virtual network identifier\n', exit: 1 });
    expect(s.run('ip link add vxlan0 type vxlan id abc dstport 4789')).toEqual({ stdout: '', stderr: 'Error: argument "abc" is wrong: invalid id\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 16777216 dstport 4789')).toEqual({ stdout: '', stderr: 'Error: argument "16777216" is wrong: invalid id\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 id 2 dstport 4789')).toEqual({ stdout: '', stderr: 'Error: either "id" is duplicate, or "2" is a garbage.\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id')).toEqual({ stdout: '', stderr: 'Command line is not complete. Try option "help"\n', exit: 255 });
    // None of them made a device.
    expect(cfgOf(s, 'vxlan0')).toBeUndefined();
    // The largest VNI is taken; `vni` is id's other name.
    expect(s.run('ip link add vxlan0 type vxlan vni 16777215 dstport 4789').exit).toBe(0);
    expect(cfgOf(s, 'vxlan0')?.vni).toBe(16777215);
  });

  it('an unknown keyword is vxlan\'s message and the usage, on stderr, exit 1; help is the usage alone', () => {
    const s = session();
    expect(s.run('ip link add vxlan0 type vxlan id 1 foo dstport 4789')).toEqual({ stdout: '', stderr: `vxlan: unknown command "foo"?\n${VXLAN_USAGE}`, exit: 1 });
    expect(s.run('ip link add vxlan0 type vxlan help')).toEqual({ stdout: '', stderr: VXLAN_USAGE, exit: 1 });
    expect(VXLAN_USAGE.startsWith('Usage: ... vxlan id VNI\n')).toBe(true);
    // ip.check lets both through: iproute2 prints them itself.
    expect(ip.check(argv('ip link add vxlan0 type vxlan id 1 foo dstport 4789'))).toBeUndefined();
    expect(ip.check(argv('ip link add vxlan0 type vxlan help'))).toBeUndefined();
  });

  it('bad addresses, ports and TTLs, as vxlan-config.yaml recorded them', () => {
    const s = session();
    expect(s.run('ip link add vxlan0 type vxlan id 1 remote 239.1.1.1 dstport 4789')).toEqual({ stdout: '', stderr: 'Error: argument "239.1.1.1" is wrong: invalid remote address\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 remote foo dstport 4789')).toEqual({ stdout: '', stderr: 'Error: any valid address is expected rather than "foo".\n', exit: 1 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 dstport 70000')).toEqual({ stdout: '', stderr: 'Error: argument "70000" is wrong: dst port\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 dstport 4789 ttl 300')).toEqual({ stdout: '', stderr: 'Error: argument "300" is wrong: TTL must be <= 255\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 dstport 4789 srcport 5000')).toEqual({ stdout: '', stderr: 'Command line is not complete. Try option "help"\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 dstport 4789 local 239.0.0.1')).toEqual({ stdout: '', stderr: 'Error: argument "239.0.0.1" is wrong: invalid local address\n', exit: 255 });
    expect(s.run('ip link add vxlan0 type vxlan id 1 dstport 4789 dev nosuch')).toEqual({ stdout: '', stderr: 'Cannot find device "nosuch"\n', exit: 255 });
  });

  it('the kernel refuses a second device with the same VNI on the same port (its extended ack); another port is fine', () => {
    const s = session();
    expect(s.run('ip link add vxlan0 type vxlan id 5 dstport 4789').exit).toBe(0);
    expect(s.run('ip link add vxlan1 type vxlan id 5 dstport 4789')).toEqual({ stdout: '', stderr: 'Error: A VXLAN device with the specified VNI already exists.\n', exit: 2 });
    expect(s.run('ip link add vxlan1 type vxlan id 5 dstport 4790')).toEqual({ stdout: '', stderr: '', exit: 0 });
  });
});

describe('ip link add ... type vxlan: dstport', () => {
  it('omitted: iproute2\'s warning on stderr, the device made on 8472 (vxlan-flood.yaml)', () => {
    const s = session();
    expect(s.run('ip link add vx8 type vxlan id 8 remote 10.0.0.2')).toEqual({ stdout: '', stderr: DSTPORT_WARNING, exit: 0 });
    expect(cfgOf(s, 'vx8')).toMatchObject({ vni: 8, dstPort: 8472, remote: 0x0a000002 });
  });

  it('dstport 0 is the kernel default without the warning; a port given is used and nothing is said', () => {
    const s = session();
    expect(s.run('ip link add vx0 type vxlan id 1 dstport 0')).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(cfgOf(s, 'vx0')?.dstPort).toBe(8472);
    expect(s.run('ip link add vx1 type vxlan id 1 dstport 4789')).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(cfgOf(s, 'vx1')?.dstPort).toBe(4789);
  });

  it('the options land in the config (vxlan-config.yaml\'s vxlan1)', () => {
    const s = session();
    s.run('ip link add vxlan1 type vxlan id 5 dstport 4790 ttl 10 tos inherit srcport 4000 4001 nolearning noudpcsum ageing 20 local 10.9.9.9');
    expect(cfgOf(s, 'vxlan1')).toEqual({ vni: 5, remote: 0, local: 0x0a090909, link: 0, dstPort: 4790, portLow: 4000, portHigh: 4001, ttl: 10, tos: 1, learning: false, ageing: 20, udpCsum: false });
    s.run('ip link add vxlan2 type vxlan id 6 dstport 4789 ageing none ttl auto');
    expect(cfgOf(s, 'vxlan2')).toMatchObject({ ageing: 0, ttl: 0, learning: true, udpCsum: true, portLow: 0, portHigh: 0 });
  });
});

describe('ip link add ... type vxlan: what is not simulated', () => {
  it('is refused by ip.check, naming the keyword', () => {
    const refused: [string, RegExp][] = [
      ['ip link add vx type vxlan id 1 group 239.1.1.1 dev veth0 dstport 4789', /type vxlan group \(multicast groups are not simulated/],
      ['ip link add vx type vxlan id 1 dstport 4789 external', /type vxlan external \(collect_metadata \(external\) mode: not simulated\)/],
      ['ip link add vx type vxlan id 1 dstport 4789 gbp', /type vxlan gbp/],
      ['ip link add vx type vxlan id 1 dstport 4789 gpe', /type vxlan gpe/],
      ['ip link add vx type vxlan id 1 dstport 4789 proxy', /ARP proxying/],
      ['ip link add vx type vxlan id 1 dstport 4789 l2miss', /netlink miss notifications/],
      ['ip link add vx type vxlan id 1 dstport 4789 df set', /the DF setting/],
      ['ip link add vx type vxlan id 1 dstport 4789 ttl inherit', /ttl inherit/],
      ['ip link add vx type vxlan id 1 dstport 4789 maxaddress 10', /fdb size limits/],
      ['ip link add vx type vxlan id 1 dstport 4789 vnifilter', /VNI filtering/],
      ['ip link add vx netns ns1 type vxlan id 1 dstport 4789', /netns \.\.\. type vxlan/],
      ['ip link add vx master br0 type vxlan id 1 dstport 4789', /master \.\.\. type vxlan/],
      ['ip link set vx type vxlan id 2', /type vxlan/],
    ];
    for (const [line, why] of refused) {
      const r = ip.check(argv(line));
      expect(r, line).toMatch(why);
      expect(r, line).toMatch(/is not simulated$/);
    }
  });

  it('a refused keyword stops a live run too (NotSimulated), and makes no device', () => {
    const s = session();
    const r = s.run('ip link add vx type vxlan id 1 dstport 4789 external');
    expect(r.exit).toBe(-1);
    expect(r.stderr).toMatch(/external/);
    expect(cfgOf(s, 'vx')).toBeUndefined();
  });

  it('group and remote together are iproute2\'s own error, not a refusal', () => {
    const s = session();
    s.run('ip link add veth0 type veth peer name veth1');
    expect(s.run('ip link add vx type vxlan id 1 remote 10.0.0.1 group 239.1.1.1 dev veth0 dstport 4789')).toEqual({ stdout: '', stderr: 'vxlan: both group and remote cannot be specified\n', exit: 1 });
  });
});
