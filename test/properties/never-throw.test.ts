/**
 * Random input lines — real commands with their words shuffled, wrong values, shell noise, garbage —
 * never make the loader, the simulator or any tool throw: a line is refused with `file:line: message`
 * before anything runs, or it runs and prints what the real tool would.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { ScenarioErrors } from '../../src/scenario/errors.js';
import { runSim, SimulationError } from '../../src/runner/simulate.js';

const SETUP = [
  'ip netns add ns1',
  'ip link add veth0 type veth peer name veth1',
  'ip link set veth1 netns ns1',
  'ip addr add 10.0.0.1/24 dev veth0',
  'ip link set veth0 up',
  'ip netns exec ns1 ip addr add 10.0.0.2/24 dev veth1',
  'ip netns exec ns1 ip link set veth1 up',
  'ip link add br0 type bridge',
  'ovs-vsctl add-br ovs0',
];

const PROGRAMS = ['ip', 'ping', 'sysctl', 'echo', 'cat', 'sleep', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl', 'bridge', 'tcpdump', 'ifconfig', 'route', 'arp', 'arping', 'ip netns exec ns1 arping', 'ip netns exec ns1 ip', 'ip netns exec ns1 ping', 'ip netns exec nope ip'];
const WORDS = [
  ...['link', 'l', 'addr', 'a', 'route', 'r', 'rule', 'neigh', 'n', 'netns', 'exec', 'monitor', 'maddr', 'help'],
  ...['add', 'del', 'set', 's', 'show', 'list', 'flush', 'get', 'change', 'replace', 'append'],
  ...['type', 'veth', 'bridge', 'dummy', 'vlan', 'peer', 'name', 'dev', 'up', 'down', 'master', 'nomaster', 'netns', 'mtu', 'address', 'ageing_time', 'vlan_filtering', 'promisc', 'on', 'off'],
  ...['via', 'src', 'table', 'local', 'main', 'default', 'all', '255', '0', 'prio', 'from', 'to', 'lookup', 'scope', 'host', 'link', 'global', 'proto', 'metric', 'lladdr', 'nud', 'permanent', 'broadcast', 'brd', '+'],
  ...['lo', 'veth0', 'veth1', 'br0', 'ovs0', 'ns1', 'eth0', 'x'.repeat(16)],
  ...['10.0.0.1', '10.0.0.2', '10.0.0.0/24', '10.0.0.1/33', '10.0.0.256', '0.0.0.0/0', '255.255.255.255', '224.0.0.1', '127.0.0.1', '::1', 'aa:bb:cc:dd:ee:ff', 'zz:zz'],
  ...['-c', '1', '2', '-W', '-I', '-b', '-s', '-D', '-U', '-A', '-f', '-w', '65507', '70000', '-M', 'do', '-t', '0', '-i', '0.2', '-q', '-n', '-4', '-6', '-d', '-j', '-br', '-s', '-S', '-details'],
  ...['add-br', 'del-br', 'add-port', 'del-port', 'list-br', 'list-ports', 'br-exists', 'show', '--may-exist', '--if-exists', '--', 'add-flow', 'del-flows', 'dump-flows', '--strict', '--no-stats', 'fdb/show', 'priority=10,actions=drop', 'in_port=1,actions=output:2', 'arp,actions=normal', 'icmp,actions=flood', 'actions=mod_dl_dst:00:00:00:00:00:01,normal'],
  ...['-w', '-n', '-q', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.veth0.arp_ignore=8', 'net/ipv4/conf/lo/accept_local=1', 'kernel.hostname'],
  ...['>', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/conf/veth0/rp_filter', '/etc/passwd', '&', '-nnt', '-e', '-i', 'any', 'icmp', 'arp', 'not', 'ip6', 'host'],
  ...['fdb', 'vlan', 'vid', '10', 'pvid', 'untagged', 'br', '1e9', '-1', 'NaN', '0x10', '""', "''"],
  ...['netmask', 'gw', '-net', '-host', 'reject', '-a', '-an', '-e', '-v', '-vv', '-x', '-XX', '-q', '-c', 'veth0:1', '10.0.0.0/33', '/proc/net/dev', '/proc/net/arp', '/proc/net/route', '/proc/net/snmp'],
  ...['icmp[icmptype]', '==', 'icmp-echo', 'and', 'or', '(', ')', 'src', 'dst', 'net', 'ether', 'proto', '\\icmp', 'less', '100', 'len', '>'],
];

const word = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[\n\r]/.test(s)) });
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...PROGRAMS), fc.array(word, { maxLength: 7 })).map(([p, ws]) => [p, ...ws].join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter((s) => !/[\n\r]/.test(s)) },
);

function clear(e: unknown): boolean {
  if (e instanceof ScenarioErrors) return e.message.split('\n').every((l) => l === '' || /^random\.yaml(:\d+)?: /.test(l));
  return e instanceof SimulationError;
}

describe('the loader, the simulator and the tools never throw on random lines', () => {
  it('a clear error naming file and line, or a run', () => {
    let ran = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), (lines) => {
        const text = stringify({ name: 'random', title: 'random lines', script: `${[...SETUP, ...lines].join('\n')}\n` });
        try {
          // Bounded, so a line that asks for hours (sleep 1e9, ping -c 100000) ends as a clear error.
          runSim(parseScenario(text, 'random.yaml'), { maxEvents: 200_000 });
          ran++;
        } catch (e) {
          if (!clear(e)) throw e;
          refused++;
        }
      }),
      { seed: 11, numRuns: 3000 },
    );
    expect(ran).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
