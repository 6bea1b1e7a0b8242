/**
 * ip.check(): what the simulator does not model is refused before a run (a load-time error naming the
 * line); iproute2's own usage errors are not — the run prints them as iproute2 does.
 */
import { describe, expect, it } from 'vitest';
import { ip } from '../../../src/tools/ip/index.js';

const argv = (line: string) => line.split(' ');

describe('ip.check', () => {
  it('accepts what is modelled, including usage errors iproute2 reports itself', () => {
    for (const line of [
      'ip l a veth0 type veth peer name veth1',
      'ip link add veth0 type veth',
      'ip -n ns1 a a 10.1.1.2/24 dev veth0',
      'ip l s veth0 up mtu 1400 address 02:00:00:00:00:01 name x master br0',
      'ip r g 10.1.1.2 from 10.1.1.3 oif veth0',
      'ip ro a default via 10.1.1.1 metric 5 proto static table 100',
      'ip rule add from 10.0.0.0/8 to 10.1.0.0/16 iif veth0 pref 5 lookup 7',
      'ip n replace 10.1.1.3 lladdr 02:00:00:00:00:03 dev veth0 nud reachable',
      'ip netns add ns1',
      'ip -4 -o a',
      'ip link set veth0 upp',
      'ip link set veth0 mtu abc',
      'ip addr add 10.1.1.300/24 dev veth0',
      'ip route add 10.5.0.0/16 vai 10.1.1.1',
      'ip foo',
      'ip -x link',
      'ip route add',
      'ip netns exec ns1',
      'ip -V',
      'ip link add mv1 link veth0 type macvlan mode bridge',
      'ip l a mv1 l veth0 address 02:00:00:00:00:01 mtu 1400 up type macvlan mo private bcq 5 nod',
      'ip link add mv1 link veth0 netns ns1 type macvlan',
      'ip link add mv1 link veth0 type macvlan mode passthru nopromisc',
      'ip link add mv1 link veth0 type macvlan mode foo',
      'ip link add mv1 link veth0 type macvlan help',
      'ip link delete mv1 type macvlan',
      'ip -br a',
      'ip -brief -4 addr show dev veth0',
      'ip -j -p link',
      'ip -s -s link show veth0',
      'ip -c link',
      'ip -color=never -o addr',
      'ip -6 route',
      'ip -0 addr',
      'ip -f inet6 neigh',
      'ip -d route show table all',
      'ip -j rule',
      'ip -j netns',
      'ip neigh get 10.1.1.3 dev veth0',
      'ip route get fibmatch 10.1.1.3',
      'ip -s neigh flush all',
      'ip monitor help',
      'ip -f',
      'ip -6 addr add 10.1.1.2/24 dev veth0',
      'ip -s -h -iec link',
    ]) {
      expect(ip.check(argv(line)), line).toBeUndefined();
    }
  });

  it('refuses objects, options and keywords it does not model, saying what', () => {
    const refused: [string, RegExp][] = [
      ['ip xfrm state', /ip xfrm/],
      ['ip link add x type geneve id 5 remote 10.0.0.1', /type geneve/],
      ['ip monitor', /ip monitor/],
      ['ip monitor link', /ip monitor/],
      ['ip -s neigh', /ip -s neigh/],
      ['ip -s -s neigh flush all', /ip -s neigh flush/],
      ['ip -s route get 10.1.1.3', /ip -s route get/],
      ['ip -t monitor', /ip -t/],
      ['ip -B neigh', /-B neigh/],
      ['ip -6 rule flush', /ip -6 rule flush/],
      ['ip -6 route add default dev veth0', /IPv6/],
      ['ip -0 neigh add 10.1.1.3 dev veth0', /ip -0 with an address \(only IPv4/],
      ['ip link set veth0 trailers off', /trailers/],
      ['ip link add veth0 promisc on type veth', /ip link add ... promisc/],
      ['ip route add 10.0.0.0/8 nexthop via 10.1.1.1', /nexthop/],
      ['ip route get 10.1.1.3 iif veth1 oif veth0', /iif with oif/],
      ['ip route get 224.1.1.1 from 10.1.1.2 iif veth1', /multicast input routes/],
      ['ip rule add realms 5 table 5', /realms/],
      ['ip neigh add 10.1.1.3 dev veth0 nud delay', /nud delay/],
      ['ip netns exec ns1 ping -c 1 10.1.1.3', /script runner/],
      ['ip addr add 2001:db8::1/64 dev veth0', /IPv6/],
      ['ip link add veth0 up type veth', /up type veth/],
      ['ip link add mv1 link veth0 type macvlan mode source', /mode source/],
      ['ip link add mv1 link veth0 type macvlan macaddr add 02:00:00:00:00:01', /macaddr/],
      ['ip link add mv1 link veth0 master br0 type macvlan', /master/],
      ['ip link add v0 link veth0 type veth', /link DEV type veth/],
      ['ip link set mv1 link veth0', /ip link set \.\.\. link/],
      ['ip link set mv1 type macvlan mode bridge', /type macvlan/],
    ];
    for (const [line, why] of refused) expect(ip.check(argv(line)), line).toMatch(why);
  });
});
