// ovs-vsctl's port records: VLAN columns through a transaction, and `show`.
import { describe, expect, it } from 'vitest';
import type { Namespace, World } from '../../src/sim/world.js';
import { ovsVsctl } from '../../src/tools/ovs-vsctl.js';
import { ovsDb } from '../../src/devices/ovs.js';
import type { ToolOutput } from '../../src/tools/tool.js';
import { veth, world } from '../sim/helpers.js';

function vsctl(w: World, ...args: string[]): ToolOutput {
  const argv = ['ovs-vsctl', ...args];
  const why = ovsVsctl.check(argv);
  if (why) return { stdout: '', stderr: `not simulated: ${why}`, exit: -1 };
  return ovsVsctl.run({ world: w, ns: w.namespaces.get('') as Namespace }, argv) as ToolOutput;
}

describe('ovs-vsctl port records', () => {
  it('show prints tag and trunks (not vlan_mode), the internal type and a missing device\'s error', () => {
    const { w, host } = world();
    veth(w, host, 'p0', 'q0');
    veth(w, host, 'p1', 'q1');
    vsctl(w, 'add-br', 'ovs-br');
    vsctl(w, 'add-port', 'ovs-br', 'p0');
    vsctl(w, 'add-port', 'ovs-br', 'p1', 'tag=20', 'trunks=2,1', 'vlan_mode=native-tagged');
    vsctl(w, 'add-port', 'ovs-br', 'p2', 'tag=7');
    vsctl(w, 'set', 'port', 'ovs-br', 'tag=5');
    const lines = vsctl(w, 'show').stdout.split('\n');
    expect(lines[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lines.slice(1)).toEqual([
      '    Bridge ovs-br',
      '        datapath_type: netdev',
      '        Port ovs-br',
      '            tag: 5',
      '            Interface ovs-br',
      '                type: internal',
      '        Port p0',
      '            Interface p0',
      '        Port p1',
      '            tag: 20',
      '            trunks: [1, 2]',
      '            Interface p1',
      '        Port p2',
      '            tag: 7',
      '            Interface p2',
      '                error: "could not open network device p2 (No such device)"',
      '',
    ]);
  });

  it('a transaction is all or nothing: a bad value in a later command leaves the earlier port out too', () => {
    const { w, host } = world();
    veth(w, host, 'p0', 'q0');
    vsctl(w, 'add-br', 'ovs-br');
    expect(vsctl(w, 'add-port', 'ovs-br', 'p0', '--', 'set', 'port', 'p0', 'trunks=5,5')).toEqual({ stdout: '', stderr: 'ovs-vsctl: 5,5: set contains duplicate value\n', exit: 1 });
    expect(vsctl(w, 'list-ports', 'ovs-br').stdout).toBe('');
    expect(ovsDb(w).bridges[0]?.ports).toEqual([]);
  });

  it('keeps the record when only its VLAN columns change, with the same device and OpenFlow port', () => {
    const { w, host } = world();
    veth(w, host, 'p0', 'q0');
    vsctl(w, 'add-br', 'ovs-br');
    vsctl(w, 'add-port', 'ovs-br', 'p0');
    const before = ovsDb(w).bridges[0]?.ports[0];
    vsctl(w, 'set', 'port', 'p0', 'tag=10', 'trunks=1-3');
    const after = ovsDb(w).bridges[0]?.ports[0];
    expect(after).toEqual({ ...before, tag: 10, trunks: [1, 2, 3] });
    expect(after?.ofport).toBe(1);
  });

  it.each([
    [['set', 'port', 'p0', 'vlan_mode=dot1q-tunnel'], 'vlan_mode=dot1q-tunnel is not simulated'],
    [['set', 'port', 'p0', 'qos=x'], 'Port column qos is not simulated (only tag, trunks, vlan_mode)'],
    [['set', 'port', 'p0', 'tag=1,2'], 'a tag with more than one value is not simulated'],
    [['set', 'interface', 'p0', 'type=patch'], "only 'set interface IFACE ofport_request=N|type=internal' and 'get interface IFACE ofport|ofport_request' are simulated on the Interface table (type=patch is not)"],
  ])('refuses what it does not model before the script runs: %j', (args, why) => {
    expect(ovsVsctl.check(['ovs-vsctl', ...args])).toBe(why);
  });
});
