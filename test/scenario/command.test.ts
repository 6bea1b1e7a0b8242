import { describe, expect, it } from 'vitest';
import { capturePoint, commandList, invocation, netnsAdded, pingIsBounded, tcpdumpArgs } from '../../src/scenario/command.js';
import { parseScenario } from '../../src/scenario/load.js';
import { prepare } from '../../src/runner/simulate.js';
import { ScenarioErrors } from '../../src/scenario/errors.js';
import { splitScript } from '../../src/scenario/script.js';

const words = (line: string) => splitScript(line, 't', 1)[0]?.words ?? [];

describe('invocation', () => {
  it.each([
    ['ip netns exec ns1 ping 10.1.1.3 -c 2', 'ns1', 'ping'],
    ['ip netns e ns1 ip a', 'ns1', 'ip'],
    ['ip net exec ns2 tcpdump -i veth1', 'ns2', 'tcpdump'],
    ['ip -n ns1 link show', undefined, 'ip'],
    ['ping 10.1.1.3 -c 1', undefined, 'ping'],
    ['ip netns exec ns1 ip netns exec ns2 true', 'ns2', 'true'],
    ['nsenter --net=/run/netns/ns1 ip a', 'ns1', 'ip'],
    ['nsenter -n/var/run/netns/ns2 -- ping -c 1 10.1.1.1', 'ns2', 'ping'],
    ['nsenter -t 1 -n ip a', undefined, 'nsenter'],
    ['nsenter --net=/tmp/ns1 ip a', undefined, 'nsenter'],
  ])('%s runs %s in namespace %s', (line, netns, program) => {
    const inv = invocation(words(line));
    expect(inv.netns).toBe(netns);
    expect(inv.argv[0]).toBe(program);
  });
});

describe('netnsAdded', () => {
  it.each([
    ['ip netns add ns1', 'ns1'],
    ['ip netns a ns1', 'ns1'],
    ['ip net ad ns1', 'ns1'],
    ['ip -n x netns add ns1', 'ns1'],
    ['ip netns del ns1', undefined],
    ['ip n add 10.1.1.9 dev veth0 lladdr 02:00:00:00:00:01', undefined],
    ['ip netns exec ns1 true', undefined],
  ])('%s -> %s', (line, name) => expect(netnsAdded(words(line))).toBe(name));
});

describe('tcpdumpArgs', () => {
  it('splits options from the filter like getopt', () => {
    expect(tcpdumpArgs(['-nnt', '-i', 'veth0', 'arp', 'or', 'icmp'])).toEqual({
      iface: 'veth0',
      count: undefined,
      options: ['-nnt', '-i', 'veth0'],
      filter: ['arp', 'or', 'icmp'],
      flags: 'nnt',
      values: { i: 'veth0' },
      longFlags: [],
    });
  });
  it('takes options after the filter too, as GNU getopt permutes', () => {
    expect(tcpdumpArgs(['-i', 'veth0', 'icmp', '-nnvt', '-c', '2', '--immediate-mode'])).toMatchObject({
      iface: 'veth0',
      count: 2,
      filter: ['icmp'],
      flags: 'nnvt',
      longFlags: ['--immediate-mode'],
    });
    expect(tcpdumpArgs(['-nnt', '--', 'icmp', '-x'])).toMatchObject({ filter: ['icmp', '-x'], flags: 'nnt' });
  });
  it('reads -w FILE as a value option', () => {
    expect(tcpdumpArgs(['-nnt', '-i', 'veth0', '-w', 'x.pcap', '-s100'])).toMatchObject({ iface: 'veth0', values: { i: 'veth0', w: 'x.pcap', s: '100' }, filter: [] });
  });
  it('reads -c as atoi does and leaves refusing it to tcpdump', () => {
    expect(tcpdumpArgs(['-c', '3x'])).toMatchObject({ count: 3, values: { c: '3x' } });
    expect(tcpdumpArgs(['-c', 'x'])).toMatchObject({ count: 0 });
  });
  it('knows the long options and their abbreviations', () => {
    expect(tcpdumpArgs(['--direction=in', '--snap', '0', '--number'])).toMatchObject({ values: { Q: 'in', s: '0' }, flags: '#' });
    expect(tcpdumpArgs(['--bogus'])).toEqual({ error: "tcpdump: unrecognized option '--bogus'" });
  });
  it('reads bundled values and counts', () => {
    expect(tcpdumpArgs(['-nntiveth0', '-c3'])).toMatchObject({ iface: 'veth0', count: 3, filter: [] });
    expect(tcpdumpArgs(['--interface=lo', '-e'])).toMatchObject({ iface: 'lo', flags: 'e' });
  });
  it("reports a missing value as tcpdump does", () => {
    expect(tcpdumpArgs(['-nn', '-i'])).toEqual({ error: "tcpdump: option requires an argument -- 'i'" });
  });
  it('names capture points IF or NS/IF', () => {
    expect(capturePoint(undefined, 'lo')).toBe('lo');
    expect(capturePoint('ns1', 'veth0')).toBe('ns1/veth0');
  });
});

describe('pingIsBounded', () => {
  it.each([
    [['10.1.1.3', '-c', '2'], true],
    [['-c2', '10.1.1.3'], true],
    [['-w', '5', '10.1.1.3'], true],
    [['-qc1', '10.1.1.3'], true],
    [['-I', 'veth0', '10.1.1.3'], false],
    [['-Ic', '10.1.1.3'], false], // 'c' is -I's value here
    [['10.1.1.3'], false],
  ])('%j -> %s', (args, bounded) => expect(pingIsBounded(args)).toBe(bounded));
});

describe('commandList', () => {
  const show = (line: string) => commandList(words(line)).map((c) => `${c.op ?? ''}[${c.words.map((w) => (typeof w === 'string' ? w : w.op)).join(' ')}]${c.discard === 'none' ? '' : c.discard}`);
  it.each([
    ['ip netns add a && ip netns add b', ['[ip netns add a]', '&&[ip netns add b]']],
    ['a || b; c', ['[a]', '||[b]', ';[c]']],
    ['a;', ['[a]']],
    ['ping -c 1 x > /dev/null && echo ok', ['[ping -c 1 x]stdout', '&&[echo ok]']],
    ['ping -c 1 x >/dev/null 2>&1 || echo no', ['[ping -c 1 x]both', '||[echo no]']],
    ['ping -c 1 x &> /dev/null', ['[ping -c 1 x]both']],
    ['echo 1 > /proc/sys/net/ipv4/ip_forward', ['[echo 1 > /proc/sys/net/ipv4/ip_forward]']],
    ['ping -c 2 x 2>&1', ['[ping -c 2 x 2 >& 1]']],
  ])('%s', (line, want) => expect(show(line)).toEqual(want));

  const refusal = (line: string) => {
    try {
      prepare(parseScenario(`name: t\ntitle: t\nscript: |\n  ${line}\n`, 't.yaml'));
      return undefined;
    } catch (e) {
      if (e instanceof ScenarioErrors) return e.errors.map((x) => x.message).join('; ');
      throw e;
    }
  };
  it.each([
    ['ip netns add a &&', "t.yaml:4: syntax error near unexpected token `&&'"],
    ['; ip netns add a', "t.yaml:4: syntax error near unexpected token `;'"],
    ['ip link show | grep x', "t.yaml:4: shell operator '|' is not simulated"],
    ['ip netns add a && tcpdump -c 1 -i lo', 't.yaml:4: tcpdump is simulated as a capture on a line of its own'],
    ['ip netns add a && ping 10.1.1.1', "t.yaml:4: ping without -c or -w would never end"],
    ["ip netns exec a sh -c 'ping 10.1.1.1'", "t.yaml:4: sh -c: ping without -c or -w would never end"],
    ["sh -c 'echo $HOME'", "t.yaml:4: shell expansion '$HOME' in 'sh -c' is not simulated"],
    ['sh -x -c true', "t.yaml:4: sh is simulated only as 'sh -c COMMANDS'"],
    ["bash -c \"sh -c 'true'\"", 't.yaml:4: bash -c: sh -c inside sh -c is not simulated'],
    ["sh -c 'ip link | grep x'", "t.yaml:4: sh -c: shell operator '|' is not simulated"],
  ])('refuses %s at load, naming the line', (line, start) => expect(refusal(line)).toMatch(new RegExp(`^${start.replace(/[|.*+?()[\]\\^$]/g, '\\$&')}`)));
  it('accepts the lists it runs', () => expect(refusal('ip netns add a && ip netns exec a ping -c 1 127.0.0.1 > /dev/null || echo no')).toBeUndefined());
});
