/**
 * What each command accepts, as the forms a person types: the one table the README's "what it models"
 * section is printed from (`npm run readme`), kept honest both ways by test/tools/forms.test.ts — every
 * example below passes its tool's own check(), and every line of every bundled scenario is covered by
 * some form's leading words. A form's words: literal keywords (abbreviated the way the tool abbreviates
 * them), UPPERCASE placeholders, `[optional]` parts and `a|b` choices.
 */

export interface Form {
  /** The syntax, as a man page's synopsis writes it. */
  readonly form: string;
  /** Concrete lines that exercise what the form names; each is checked against the tool. */
  readonly examples: readonly string[];
  /** What a reader should know: limits, what it is refused with. */
  readonly note?: string;
}

export interface ProgramForms {
  readonly program: string;
  /** The real program and version whose output is reproduced. */
  readonly as: string;
  readonly forms: readonly Form[];
}

export const FORMS: readonly ProgramForms[] = [
  {
    program: 'ip',
    as: 'iproute2 6.1',
    forms: [
      {
        form: 'ip [-4|-6|-0|-f FAMILY] [-br] [-j [-p]] [-o] [-d] [-s [-s]] [-h] [-iec] [-c] [-a] [-n NS] OBJECT ...',
        examples: ['ip -br addr', 'ip -j -p route show', 'ip -o -4 addr show', 'ip -d link show', 'ip -s -s link show dev lo', 'ip -n ns1 link', 'ip -c addr', 'ip -h -s link', 'ip -0 addr'],
        note: 'global options; -stats counters for veth and lo',
      },
      { form: 'ip link add NAME type veth [peer [name] PEER [netns NS]]', examples: ['ip link add veth0 type veth peer name veth1', 'ip l a veth0 type veth peer veth1', 'ip link add veth0 type veth peer name veth1 netns ns1'] },
      {
        form: 'ip link add NAME type bridge [ageing_time N] [forward_delay N] [hello_time N] [max_age N] [priority N] [stp_state 0] [vlan_filtering N]',
        examples: ['ip link add br0 type bridge', 'ip link add br0 type bridge ageing_time 1000', 'ip link add br0 type bridge stp_state 0 forward_delay 400 hello_time 300 max_age 1000 priority 4096'],
        note: 'times in centiseconds; stp_state other than 0 (the spanning tree protocol itself) is refused; vlan_filtering is EOPNOTSUPP, as this kernel has none',
      },
      { form: 'ip link add NAME link PARENT type macvlan mode bridge|vepa|private|passthru', examples: ['ip link add mv0 link veth0 type macvlan mode bridge'] },
      {
        form: 'ip link add NAME [mtu N] [address MAC] type vxlan id VNI [remote ADDR] [local ADDR] [dev LOWER] [dstport PORT] [srcport MIN MAX] [ttl N|auto] [tos N|inherit] [[no]learning] [ageing N|none] [[no]udpcsum]',
        examples: [
          'ip link add vxlan0 type vxlan id 42 remote 10.0.0.2 dstport 4789 dev veth0',
          'ip link add vxlan0 type vxlan id 42 dstport 4789 nolearning',
          'ip link add vx8 type vxlan id 8 remote 10.0.0.2',
          'ip link add vxlan1 type vxlan id 5 dstport 4790 ttl 10 tos inherit srcport 4000 4001 noudpcsum ageing 20 local 10.9.9.9',
          'ip link add vxlan2 mtu 1460 type vxlan id 6 dstport 4789 dev veth0',
        ],
        note: "IPv4 unicast remotes; without dstport iproute2 warns and the kernel uses 8472 (tcpdump's OTV). group (multicast), external, gbp, gpe, proxy, rsc, l2miss/l3miss, df, flowlabel, maxaddress, ttl inherit, IPv6, netns or master at creation, moving a vxlan to another namespace and ip link set ... type vxlan are refused",
      },
      {
        form: 'ip link set [dev] DEV up|down|netns NS|master BR|nomaster|address MAC|mtu N|name NEW|promisc|allmulticast|multicast|arp on|off|txqueuelen N|alias TEXT|type bridge OPTIONS',
        examples: ['ip link set veth0 up', 'ip l s veth0 down', 'ip link set veth1 netns ns1', 'ip link set dev veth2 master br0', 'ip link set veth2 nomaster', 'ip link set veth0 address 02:00:00:00:00:01', 'ip link set veth0 mtu 1400', 'ip link set veth0 name eth0', 'ip link set veth0 promisc on', 'ip link set veth0 arp off', 'ip link set veth0 txqlen 500', 'ip link set veth0 alias uplink'],
        note: 'arp off (NOARP) gives every neighbour the device\'s own address and ignores ARP; promisc and allmulticast count once as the user\'s request; these four, txqueuelen and alias are refused at ip link add',
      },
      {
        form: 'ip link set [dev] PORT type bridge_slave [fdb_flush] [state N] [cost N] [priority N] [learning|flood|mcast_flood|bcast_flood|hairpin|isolated on|off]',
        examples: ['ip link set p1 type bridge_slave learning off', 'ip link set p1 type bridge_slave flood off isolated on state 3', 'ip link set p0 type bridge_slave cost 7 priority 63', 'ip link set p1 type bridge_slave fdb_flush'],
        note: 'a bridge port; the other bridge_slave options are refused',
      },
      { form: 'ip link del|delete [dev] DEV', examples: ['ip link del veth0', 'ip link delete dev veth0'] },
      { form: 'ip link [show|list] [[dev] DEV] [up] [type KIND] [master BR]', examples: ['ip link', 'ip link show', 'ip link show dev veth0', 'ip link show up', 'ip link show type veth', 'ip link show master br0'] },
      { form: 'ip address add|del ADDR[/LEN] [broadcast B|+] [scope S] [label L] dev DEV', examples: ['ip addr add 10.1.1.2/24 dev veth0', 'ip a a 10.1.1.2/24 brd + dev veth0', 'ip address del 10.1.1.2/24 dev veth0', 'ip addr add 127.0.0.2/8 scope host dev lo'] },
      {
        form: 'ip address add|change|replace ADDR/LEN [metric N] ... dev DEV',
        examples: ['ip addr add 10.0.5.1/24 dev veth0 metric 100', 'ip addr change 10.0.5.1/24 dev veth0 metric 50', 'ip address replace 10.0.6.1/24 dev veth0'],
        note: 'metric is the prefix route\'s; change and replace of an address the device has change only its metric',
      },
      { form: 'ip address [show|list] [[dev] DEV] [up]', examples: ['ip addr', 'ip a s', 'ip address show dev veth0', 'ip addr show up'] },
      { form: 'ip address flush [dev] DEV', examples: ['ip addr flush dev veth0'] },
      { form: 'ip route add|del|replace|change|append|prepend [type] PREFIX [via GW] [dev DEV] [src A] [metric N] [table T] [scope S] [proto P] [onlink]', examples: ['ip route add 10.0.0.0/24 via 10.1.1.1', 'ip r a default via 10.1.1.1 dev veth0', 'ip route del 10.0.0.0/24', 'ip route replace 10.0.0.0/24 dev veth0 metric 5', 'ip route add 10.0.0.0/24 dev veth0 table 100', 'ip route append 10.0.0.0/24 via 10.1.1.3', 'ip route prepend 10.0.0.0/24 dev veth0'] },
      { form: 'ip route [show|list] [table T|all] [PREFIX] [dev DEV]', examples: ['ip route', 'ip route show', 'ip route show table local', 'ip route show table all', 'ip route show dev veth0'] },
      {
        form: 'ip route get [fibmatch] ADDR [from A] [oif DEV] [mark N] [tos T|dsfield T] [uid N] [ipproto P] [sport N] [dport N]',
        examples: ['ip route get 10.1.1.3', 'ip r g 10.1.1.3', 'ip route get fibmatch 10.1.1.3', 'ip route get 10.1.1.3 from 10.1.1.2', 'ip route get 10.9.9.9 mark 0x13', 'ip route get 10.9.9.9 tos 0x10', 'ip route get 10.9.9.9 uid 100', 'ip route get 10.9.9.9 ipproto tcp sport 666 dport 777'],
      },
      {
        form: 'ip route get ADDR [from A] iif DEV [mark N] [tos T] [uid N] [ipproto P] [sport N] [dport N]',
        examples: ['ip route get 10.2.2.3 from 10.1.1.2 iif veth1', 'ip route get 10.2.2.3 from 10.1.1.2 iif veth1 mark 7'],
        note: 'the input path (ip_route_input: martians, rp_filter, forwarding, reject routes); not with oif or fibmatch, not for multicast destinations',
      },
      { form: 'ip route flush [table T] [dev DEV]', examples: ['ip route flush dev veth0'] },
      {
        form: 'ip rule add|del [not] [from P] [to P] [tos T|dsfield T] [fwmark N[/MASK]] [iif DEV] [oif DEV] [uidrange A-B] [ipproto P] [sport N[-M]] [dport N[-M]] [priority N] table T|goto N|blackhole|unreachable|prohibit',
        examples: ['ip rule add from 10.1.1.0/24 table 100', 'ip rule del priority 100', 'ip rule add to 10.2.0.0/16 priority 10 table main', 'ip rule add fwmark 0x10/0xf0 lookup 100 pref 100', 'ip rule add not fwmark 0x1 lookup main pref 200', 'ip rule add tos 0x10 lookup 100', 'ip rule add uidrange 100-100 table 100', 'ip rule add sport 666 dport 777 table 100', 'ip rule add ipproto tcp table 100'],
        note: 'ports and protocols match what ip route get is given; simulated traffic is ICMP (an echo request carries type 8 code 0 as its destination port, 2048)',
      },
      { form: 'ip rule [show|list]', examples: ['ip rule', 'ip rule show'] },
      { form: 'ip neigh add|replace|change|del ADDR [lladdr MAC] [nud STATE] dev DEV', examples: ['ip neigh add 10.1.1.3 lladdr 02:00:00:00:00:03 dev veth0', 'ip neigh replace 10.1.1.3 lladdr 02:00:00:00:00:03 nud permanent dev veth0', 'ip neigh del 10.1.1.3 dev veth0'] },
      { form: 'ip neigh [show|list] [ADDR] [dev DEV] [nud STATE]', examples: ['ip neigh', 'ip n show', 'ip neigh show dev veth0', 'ip neigh show 10.1.1.3 dev veth0'] },
      { form: 'ip neigh get ADDR dev DEV', examples: ['ip neigh get 10.1.1.3 dev veth0'] },
      { form: 'ip neigh flush [dev DEV]', examples: ['ip neigh flush dev veth0'] },
      { form: 'ip neigh add|replace|change|del proxy ADDR [dev DEV]', examples: ['ip neigh add proxy 10.1.2.3 dev veth1', 'ip neigh del proxy 10.1.2.3 dev veth1'] },
      { form: 'ip neigh show|flush proxy [ADDR] [dev DEV], ip neigh get proxy ADDR dev DEV', examples: ['ip neigh show proxy', 'ip neigh show proxy dev veth1', 'ip neigh get proxy 10.1.2.3 dev veth1'] },
      { form: "ip netns add|del NAME, ip netns [list], ip netns exec NAME CMD ...", examples: ['ip netns add ns1', 'ip netns del ns1', 'ip netns list', 'ip netns'] },
      {
        form: 'ip netns identify, ip netns set NAME NSID|auto, ip netns list-id [nsid N], ip -all netns exec CMD ..., ip -all netns delete',
        examples: ['ip netns identify', 'ip netns set ns1 7', 'ip netns list-id', 'ip -all netns exec ip -br link', 'ip -all netns delete'],
        note: 'identify without a PID (the simulator has no processes); list-id without target-nsid',
      },
      { form: 'ip help, ip OBJECT help', examples: ['ip help'], note: "ip's usage texts, exit 255" },
      { form: "ip ''", examples: ["ip ''"], note: 'an empty word abbreviates nothing, as iproute2 has it' },
    ],
  },
  {
    program: 'ping',
    as: 'iputils 20221126',
    forms: [
      {
        form: 'ping [-c N] [-i S] [-W S] [-w S] [-I DEV|ADDR] [-s N] [-t TTL] [-M do|want|dont] [-m MARK] [-Q TOS] [-q] [-b] [-n] [-4] ADDR',
        examples: ['ping -c 2 10.1.1.3', 'ping -I veth0 10.1.1.3 -c 2', 'ping -q -c 3 -i 0.2 10.1.1.3', 'ping -c 1 -W 1 -s 1500 -M do 10.1.1.3', 'ping -c 1 -t 1 -n 10.1.1.3', 'ping -b -c 1 10.1.1.255', 'ping -w 2 10.1.1.3', 'ping -c 1 -m 31 10.9.9.9', 'ping -c 1 -Q 0x10 10.9.9.9', 'ping -4 -c 1 10.1.1.3'],
        note: 'numeric destinations only',
      },
    ],
  },
  {
    program: 'arping',
    as: 'iputils 20221126',
    forms: [
      {
        form: 'arping [-I DEV] [-c N] [-w S] [-i S] [-s SRC] [-U|-A|-D] [-b] [-f] [-q] [-V] ADDR',
        examples: ['arping -c 1 -I veth0 10.1.1.3', 'arping -U -c 1 -I veth0 10.1.1.2', 'arping -A -c 2 -I veth0 10.1.1.2', 'arping -D -c 2 -w 3 -I veth0 10.1.1.2', 'arping -q -f -w 2 -I veth0 -s 10.1.1.2 10.1.1.3', 'arping -b -i 0.5 -c 2 -I veth0 10.1.1.3', 'arping -V'],
        note: 'needs -c or -w to end; numeric destinations only',
      },
    ],
  },
  {
    program: 'tcpdump',
    as: 'tcpdump 4.99',
    forms: [
      {
        form: 'tcpdump -nt[e][v[v]][q][x|xx|X|XX][#][l][p] [-c N] [-s 0] [-Q in|out|inout] [-w FILE] -i DEV [FILTER] &',
        examples: ['tcpdump -nnt -i veth0 &', 'tcpdump -nnt -e -i lo &', 'tcpdump -nntv -c 2 -i veth0 icmp &', 'tcpdump -nnt -XX -i veth0 arp &', 'tcpdump -nnt -Q in -i veth0 host 10.1.1.3 and not arp &', 'tcpdump -nt -w /tmp/x.pcap -i veth0 &'],
        note: 'in the background; filters in libpcap\'s grammar: host, net, src/dst, arp, ip, icmp, ether host, vlan, and/or/not, byte relations',
      },
      {
        form: 'tcpdump -nt[e][v[v]][q][#][l][p] [-c N] [-Q in|out|inout] -i any [FILTER] &',
        examples: ['tcpdump -nnt -i any &', 'tcpdump -nnte -Q in -i any icmp &'],
        note: 'every device of the namespace, as Linux cooked v2: the device and the packet type (In, Out, B, M, P) before each packet; -x/-X, -w and Ethernet filter words are refused',
      },
    ],
  },
  {
    program: 'sysctl',
    as: 'procps',
    forms: [{ form: 'sysctl [-n] [-q] [-e] NAME..., sysctl [-q] -w NAME=VALUE...', examples: ['sysctl net.ipv4.ip_forward', 'sysctl -n net.ipv4.conf.all.rp_filter', 'sysctl -qw net.ipv4.conf.veth0.accept_local=1', 'sysctl -w net/ipv4/ip_forward=1'] }],
  },
  {
    program: 'echo',
    as: 'bash',
    forms: [{ form: 'echo VALUE > /proc/sys/...', examples: ['echo 1 > /proc/sys/net/ipv4/conf/veth0/accept_local', 'echo hello'] }],
  },
  {
    program: 'cat',
    as: 'coreutils',
    forms: [
      { form: 'cat /proc/sys/net/ipv4/..., /proc/sys/net/ipv4/conf/*/KEY, /proc/net/dev|arp|route', examples: ['cat /proc/sys/net/ipv4/ip_forward', 'cat /proc/sys/net/ipv4/conf/*/rp_filter', 'cat /proc/net/route', 'cat /proc/net/dev'] },
      {
        form: 'cat /sys/class/net/DEV/ifindex|iflink|address|broadcast|mtu|operstate|carrier|tx_queue_len|flags|type|addr_len|carrier_changes|ifalias',
        examples: ['cat /sys/class/net/veth0/iflink', 'cat /sys/class/net/veth0/operstate', 'cat /sys/class/net/br0/flags'],
        note: "the namespace's own devices (ip netns exec mounts each namespace's sysfs); flags is dev->flags, with PROMISC and ALLMULTI whoever holds them; the other attributes, and bridge/ and brport/, are refused",
      },
    ],
  },
  {
    program: 'nsenter',
    as: 'util-linux 2.38',
    forms: [{ form: 'nsenter --net=/run/netns/NAME|-n/run/netns/NAME [--] COMMAND', examples: ['nsenter --net=/var/run/netns/red ip -br addr', 'nsenter -n/run/netns/red -- ping -c 1 10.9.0.1'], note: 'as `ip netns exec NAME COMMAND`; by pid (-t) or without a command it is refused' }],
  },
  {
    program: 'sh',
    as: 'dash 0.5',
    forms: [{ form: "sh -c 'COMMAND [;|&&||| COMMAND]...'", examples: ["sh -c 'ip link set lo up; ip -br addr show lo'", 'sh -c "ip netns add blue && ip netns exec blue ip -br link"'], note: 'the list runs in the namespace sh was started in; one level deep' }],
  },
  {
    program: 'bash',
    as: 'bash 5.2',
    forms: [{ form: "bash -c 'COMMAND [;|&&||| COMMAND]...'", examples: ["bash -c 'sysctl -w net.ipv4.ip_forward=1 && cat /proc/sys/net/ipv4/ip_forward'"] }],
  },
  { program: 'sleep', as: 'coreutils', forms: [{ form: 'sleep SECONDS[s|m|h]...', examples: ['sleep 1', 'sleep 0.5', 'sleep 2m'] }] },
  {
    program: 'ifconfig',
    as: 'net-tools 2.10',
    forms: [{ form: 'ifconfig [-a] [DEV], ifconfig DEV ADDR[/LEN] [netmask M] [broadcast B] [mtu N] [up|down], ifconfig DEV:N ADDR', examples: ['ifconfig', 'ifconfig -a', 'ifconfig veth0', 'ifconfig veth0 10.1.1.2/24 up', 'ifconfig veth0 10.1.1.2 netmask 255.255.255.0 broadcast 10.1.1.255', 'ifconfig veth0 down', 'ifconfig veth0:1 10.1.2.2'] }],
  },
  {
    program: 'route',
    as: 'net-tools 2.10',
    forms: [{ form: 'route [-n], route add|del [-net|-host] TARGET [netmask M] [gw GW] [dev DEV], route add default gw GW', examples: ['route -n', 'route add -net 10.2.0.0 netmask 255.255.0.0 gw 10.1.1.1', 'route add default gw 10.1.1.1', 'route del -net 10.2.0.0 netmask 255.255.0.0', 'route add -host 10.2.0.5 dev veth0'] }],
  },
  {
    program: 'arp',
    as: 'net-tools 2.10',
    forms: [{ form: 'arp -n [-a] [-i DEV], arp -s ADDR MAC [-i DEV], arp -d ADDR [-i DEV]', examples: ['arp -n', 'arp -an', 'arp -n -i veth0', 'arp -s 10.1.1.3 02:00:00:00:00:03', 'arp -d 10.1.1.3'] }],
  },
  {
    program: 'bridge',
    as: 'iproute2 6.1',
    forms: [
      {
        form: 'bridge [-d] [-s] [-j [-p]] fdb|link|vlan [show] [dev DEV] [br BR] [dynamic]',
        examples: ['bridge fdb show', 'bridge fdb show br br0', 'bridge -j fdb show dynamic', 'bridge link', 'bridge link show', 'bridge -d link show dev p1', 'bridge -j -p link show', 'bridge vlan show', 'bridge -j vlan show', 'bridge -s fdb show br br0'],
        note: '-s with fdb show only (used/updated seconds)',
      },
      {
        form: 'bridge link set dev PORT [state 0..4|disabled|listening|learning|forwarding|blocking] [cost N] [priority N] [hairpin|learning|flood|mcast_flood|bcast_flood|isolated on|off] [master]',
        examples: ['bridge link set dev br0-veth0 hairpin on', 'bridge link set dev p1 learning off flood off', 'bridge link set dev p2 state blocking', 'bridge link set dev p3 isolated on bcast_flood off state 2', 'bridge link set dev p0 cost 100 priority 10'],
        note: 'guard, neigh_suppress, mcast_router and the other port options are refused',
      },
      {
        form: 'bridge fdb add|append|replace|del MAC dev PORT master [local|permanent|static|dynamic]',
        examples: ['bridge fdb add 02:00:00:00:00:01 dev p1 master static', 'bridge fdb replace 02:00:00:00:00:01 dev p2 master', 'bridge fdb append 02:00:00:00:00:02 dev p1 master dynamic', 'bridge fdb del 02:00:00:00:00:01 dev p2 master'],
        note: 'entries of a bridge port (no state word: permanent); vlan, sticky, extern_learn and remotes (dst, port, vni, via) are refused',
      },
      {
        form: 'bridge fdb add|append|replace|del MAC dev VXLAN [self] dst ADDR [port N] [vni N] [via DEV] [permanent|static|dynamic]',
        examples: [
          'bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst 10.0.0.2',
          'bridge fdb add 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.9 port 5000 vni 77',
          'bridge fdb add 02:00:00:00:00:02 dev vxlan1 self dst 10.0.0.9 static',
          'bridge fdb replace 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.10',
          'bridge fdb add 02:00:00:00:00:05 dev vxlan1 dst 10.0.0.9 via lo',
          'bridge fdb del 00:00:00:00:00:00 dev vxlan0 dst 10.0.0.3',
          'bridge fdb del 02:00:00:00:00:02 dev vxlan1',
        ],
        note: "a vxlan device's own table (self, iproute2's default): add needs dst (0.0.0.0 is taken) and fails on an existing MAC; append adds remotes only to the all-zeros or a group entry (head-end replication); replace only a unicast one; del with dst removes that remote; `bridge fdb show [dev VXLAN]` lists entries newest first. self on other devices (their address lists) is refused",
      },
    ],
  },
  {
    program: 'ovs-vsctl',
    as: 'Open vSwitch 3.1',
    forms: [
      { form: 'ovs-vsctl [--may-exist] add-br BR [-- set bridge BR datapath_type=netdev]', examples: ['ovs-vsctl add-br ovs-br', 'ovs-vsctl --may-exist add-br ovs-br'] },
      { form: 'ovs-vsctl [--if-exists] del-br BR', examples: ['ovs-vsctl del-br ovs-br', 'ovs-vsctl --if-exists del-br ovs-br'] },
      { form: 'ovs-vsctl add-port BR PORT [tag=N] [trunks=N,...] [vlan_mode=MODE]', examples: ['ovs-vsctl add-port ovs-br veth1', 'ovs-vsctl add-port ovs-br veth1 tag=10', 'ovs-vsctl add-port ovs-br veth2 trunks=10,20'] },
      { form: 'ovs-vsctl [--if-exists] del-port [BR] PORT', examples: ['ovs-vsctl del-port ovs-br veth1', 'ovs-vsctl --if-exists del-port veth1'] },
      { form: 'ovs-vsctl list-br|list-ports BR|br-exists BR|show', examples: ['ovs-vsctl list-br', 'ovs-vsctl list-ports ovs-br', 'ovs-vsctl br-exists ovs-br', 'ovs-vsctl show'] },
      { form: 'ovs-vsctl list-ifaces BR, ovs-vsctl iface-to-br|port-to-br NAME', examples: ['ovs-vsctl list-ifaces ovs-br', 'ovs-vsctl iface-to-br veth1', 'ovs-vsctl port-to-br veth1'] },
      { form: 'ovs-vsctl set interface IFACE ofport_request=N|type=internal, ovs-vsctl get interface IFACE ofport|ofport_request', examples: ['ovs-vsctl set interface veth1 ofport_request=7', 'ovs-vsctl add-port ovs-br veth1 -- set interface veth1 ofport_request=7', 'ovs-vsctl add-port ovs-br gw0 -- set interface gw0 type=internal', 'ovs-vsctl get interface veth1 ofport'], note: 'type=internal only for a port the same transaction adds; type=patch refused' },
      { form: 'ovs-vsctl set bridge BR other-config:mac-aging-time=N', examples: ['ovs-vsctl set bridge ovs-br other-config:mac-aging-time=30'], note: 'taken within 15..3600 s; no other other-config key' },
      { form: 'ovs-vsctl set|get|clear bridge BR fail_mode[=secure|standalone]', examples: ['ovs-vsctl set bridge ovs-br fail_mode=secure', 'ovs-vsctl add-br ovs-br -- set bridge ovs-br fail_mode=secure', 'ovs-vsctl get bridge ovs-br fail_mode', 'ovs-vsctl clear bridge ovs-br fail_mode'], note: 'a change of mode flushes every flow; standalone adds priority=0 actions=NORMAL' },
      { form: 'ovs-vsctl set|get|clear port PORT tag|trunks|vlan_mode[=VALUE]', examples: ['ovs-vsctl set port veth1 tag=20', 'ovs-vsctl set Port veth1 trunks=1', 'ovs-vsctl get port veth1 tag', 'ovs-vsctl clear port veth1 tag'], note: 'table names in any case' },
    ],
  },
  {
    program: 'ovs-ofctl',
    as: 'Open vSwitch 3.1',
    forms: [
      { form: 'ovs-ofctl [--no-stats] dump-flows BR', examples: ['ovs-ofctl dump-flows ovs-br', 'ovs-ofctl --no-stats dump-flows ovs-br'] },
      { form: 'ovs-ofctl --no-stats dump-flows BR MATCH', examples: ['ovs-ofctl --no-stats dump-flows ovs-br table=1'] },
      { form: 'ovs-ofctl add-flow BR "[table=N,][cookie=C,][idle_timeout=S,][hard_timeout=S,][priority=N,][in_port=P,][dl_src|dl_dst=MAC,][dl_type=T|ip|icmp|tcp|udp|arp,][nw_proto=N,][nw_src|nw_dst=A,]actions=normal|flood|drop|output:P|LOCAL|mod_dl_dst:MAC|set_field:MAC->eth_dst|resubmit(,N)|goto_table:N,..."', examples: ['ovs-ofctl add-flow ovs-br priority=100,icmp,hard_timeout=4,actions=drop', 'ovs-ofctl add-flow ovs-br priority=10,in_port=1,actions=output:2', 'ovs-ofctl add-flow ovs-br actions=normal', "ovs-ofctl add-flow ovs-br 'table=0,in_port=1,actions=resubmit(,1)'", 'ovs-ofctl add-flow ovs-br table=1,cookie=0x5,arp,actions=goto_table:2'], note: 'tables 0-253; timeouts in virtual seconds; VLAN actions refused' },
      { form: 'ovs-ofctl mod-flows BR [--strict] "MATCH,actions=..."', examples: ['ovs-ofctl mod-flows ovs-br icmp,actions=NORMAL', 'ovs-ofctl --strict mod-flows ovs-br priority=0,actions=drop'], note: 'adds the flow when none matches (OpenFlow 1.0)' },
      { form: 'ovs-ofctl del-flows BR [--strict] [MATCH]', examples: ['ovs-ofctl del-flows ovs-br', 'ovs-ofctl del-flows ovs-br in_port=1', 'ovs-ofctl del-flows ovs-br table=1'] },
    ],
  },
  { program: 'ovs-appctl', as: 'Open vSwitch 3.1', forms: [
      { form: 'ovs-appctl fdb/show BR', examples: ['ovs-appctl fdb/show ovs-br'] },
      { form: 'ovs-appctl ofproto/trace BR in_port=P[,dl_src|dl_dst=MAC][,dl_type=T|ip|icmp|tcp|udp|arp][,nw_proto=N][,nw_src|nw_dst=A]', examples: ['ovs-appctl ofproto/trace ovs-br in_port=1,icmp,nw_dst=10.0.0.2', 'ovs-appctl ofproto/trace ovs-br in_port=LOCAL,dl_dst=ff:ff:ff:ff:ff:ff'], note: 'not on a bridge with VLAN columns set; dpctl/* refused (no datapath flow cache)' },
    ] },
];

/** The README's section: one entry per program, its forms and notes, as markdown. */
export function formsMarkdown(forms: readonly ProgramForms[] = FORMS): string {
  const out: string[] = [];
  for (const p of forms) {
    out.push(`- \`${p.program}\` (as ${p.as}):`);
    for (const f of p.forms) out.push(`  - \`${f.form}\`${f.note ? ` — ${f.note}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
