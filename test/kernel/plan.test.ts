import { describe, expect, it } from 'vitest';
import { intendedSeconds, makePlan } from '../../src/kernel/plan.js';
import { splitScript } from '../../src/scenario/script.js';
import { parseScenario } from '../../src/scenario/load.js';
import { defaultSysctlArgs } from '../../src/kernel/sysctl-defaults.js';

const scenario = (script: string, ipv6 = false) =>
  parseScenario(`name: p\ntitle: t\nipv6: ${ipv6}\nscript: |\n${script.replace(/^/gm, '  ')}\n`, 'p.yaml');

describe('makePlan', () => {
  it('makes captures flush each packet, stay root, and filter IPv6 out', () => {
    const plan = makePlan(scenario('tcpdump -nnt -i veth0 &\nip netns exec ns1 tcpdump -nnt -i veth1 arp or icmp &'), { ovsNetdev: true });
    expect(plan.steps).toEqual([
      { kind: 'capture', line: 5, point: 'veth0', argv: ['tcpdump', '-l', '--immediate-mode', '-Z', 'root', '-nnt', '-i', 'veth0', 'not', 'ip6'] },
      {
        kind: 'capture',
        line: 6,
        point: 'ns1/veth1',
        argv: ['ip', 'netns', 'exec', 'ns1', 'tcpdump', '-l', '--immediate-mode', '-Z', 'root', '-nnt', '-i', 'veth1', '(', 'arp', 'or', 'icmp', ')', 'and', 'not', 'ip6'],
      },
    ]);
  });

  it('leaves the filter alone when the scenario has IPv6 on', () => {
    const plan = makePlan(scenario('tcpdump -nnt -i lo icmp &', true), { ovsNetdev: false });
    expect(plan.steps[0]).toMatchObject({ argv: ['tcpdump', '-l', '--immediate-mode', '-Z', 'root', '-nnt', '-i', 'lo', 'icmp'] });
  });

  it('makes each new OVS bridge a netdev bridge in the same transaction, only when asked', () => {
    const s = scenario('ovs-vsctl add-br ovs-br\novs-vsctl --may-exist add-br b2 -- add-port b2 p1\novs-vsctl add-br fake b2 10');
    expect(makePlan(s, { ovsNetdev: true }).steps.map((x) => (x.kind === 'run' ? x.shell : ''))).toEqual([
      'ovs-vsctl add-br ovs-br -- set bridge ovs-br datapath_type\\=netdev',
      'ovs-vsctl --may-exist add-br b2 -- add-port b2 p1 -- set bridge b2 datapath_type\\=netdev',
      'ovs-vsctl add-br fake b2 10',
    ]);
    expect(makePlan(s, { ovsNetdev: false }).steps.map((x) => (x.kind === 'run' ? x.shell : ''))[0]).toBe('ovs-vsctl add-br ovs-br');
    expect(makePlan(s, { ovsNetdev: false }).ovs).toBe(true);
  });

  it('marks `ip netns add` lines so the new namespace gets kernel defaults', () => {
    const plan = makePlan(scenario('ip netns a ns1\nip netns exec ns1 ip l'), { ovsNetdev: false });
    expect(plan.steps[0]).toMatchObject({ kind: 'run', shell: 'ip netns a ns1', netnsAdded: 'ns1' });
    expect(plan.steps[1]).not.toHaveProperty('netnsAdded');
    expect(plan.ovs).toBe(false);
  });
});

describe('defaultSysctlArgs', () => {
  it('resets the decision sysctls on all, default and lo, and turns IPv6 off unless asked', () => {
    const args = defaultSysctlArgs(false);
    for (const dev of ['all', 'default', 'lo']) {
      for (const [k, v] of [['rp_filter', 0], ['accept_local', 0], ['arp_ignore', 0], ['arp_announce', 0], ['arp_filter', 0], ['forwarding', 0]]) {
        expect(args).toContain(`net.ipv4.conf.${dev}.${k}=${v}`);
      }
    }
    expect(args).toContain('net.ipv6.conf.all.disable_ipv6=1');
    expect(defaultSysctlArgs(true).some((a) => a.includes('ipv6'))).toBe(false);
  });
});

describe('how long a line means to take', () => {
  it.each([
    ['sleep 330', 330],
    ['sleep 1.5', 1.5],
    ['sleep 2m', 120],
    ['ip netns exec ns1 ping -c 50 10.1.1.3', 60],
    ['ping -q -i 0.2 -c 500 10.1.1.3', 110],
    ['ping -c 2 -W 4 10.1.1.3', 6],
    ['ping -w 30 10.1.1.3', 30],
    ['ip link show', 0],
  ])('%s: %d s', (line, secs) => {
    expect(intendedSeconds(splitScript(line, 'x.yaml', 1)[0]!.words)).toBeCloseTo(secs, 6);
  });
});
