/**
 * `ip -details` (print_linkinfo with show_details): after the link-layer line, the device's generic
 * attributes, its kind's IFLA_INFO_DATA (print_linktype: iplink_bridge.c's bridge_print_opt) and, for
 * a bridge port, its IFLA_INFO_SLAVE_DATA (iplink_bridge_slave.c), each kind on its own line — or after
 * a '\' with -o. Every word and its order is the one iproute2 6.1 printed on Linux 6.18 (kernel mode).
 *
 *   3: br-veth0@veth0: <...> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000
 *       link/ether 86:17:ab:5d:77:d6 brd ff:ff:ff:ff:ff:ff promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535
 *       veth
 *       bridge_slave state forwarding priority 32 cost 2 ... port_id 0x8001 port_no 0x1 ...
 *
 * The bridge's options the simulator models come from its state (ageing_time); its timers and port
 * numbers from the bridge's model (devices/bridge.ts, virtual time); the rest are the kernel's defaults, which no modelled
 * command changes. Open vSwitch devices are not covered: the kernel shows its userspace datapath's
 * tap devices (kind tun) there.
 */
import type { DeviceState } from '../../sim/state.js';
import type { Namespace, World } from '../../sim/world.js';
import { BR_AGEING_TIME, BR_STATES, BRIDGE_KIND, br_gc_timer_left, br_params, br_port_info, br_port_master } from '../../devices/bridge.js';
import { OVS_INTERNAL_KIND, ovsPortOf } from '../../devices/ovs.js';
import { netdev_ops } from '../../core/netdevice.js';
import { macvlan_bc_queue_len_used, macvlanOf, type MacvlanDev } from '../../devices/macvlan.js';
import { vxlanOf, type VxlanDev } from '../../devices/vxlan.js';
import { unsupported } from './errors.js';
import { ipString } from './parse.js';
import type { Printer } from './print.js';

/** The clock_t unit the kernel reports bridge times and timers in (USER_HZ = 100). */
const NS_PER_CLOCK_TICK = 10_000_000;

/**
 * veth's queues: veth_get_num_queues() is num_possible_cpus(), a property of the machine. 2 is the
 * conformance machine's (and what the recorded transcripts show).
 */
export const VETH_QUEUES = 2;

/** GSO_MAX_SIZE on Linux 6.18 (512 KiB - 8): what veth and lo allow, and a bridge once it had a port. */
const GSO_MAX_SIZE = 524280;
/** TSO_LEGACY_MAX_SIZE: a new device's tso_max_size, kept by a bridge that never had a port. */
const TSO_LEGACY_MAX_SIZE = 65536;

/** A time in ns as a clock_t count (jiffies_to_clock_t truncates). */
function clockT(ns: number): number {
  return Math.floor(ns / NS_PER_CLOCK_TICK);
}

/**
 * _print_timer: as text "%4i.%.2i" after the name, in JSON the same digits unpadded as a bare number
 * ("gc_timer": 299.04).
 */
function printTimer(p: Printer, key: string, ns: number): void {
  const t = clockT(ns);
  const secs = Math.floor(t / 100);
  const hundredths = String(t % 100).padStart(2, '0');
  p.jraw(key, `${secs}.${hundredths}`);
  p.fp(`${key} ${String(secs).padStart(4, ' ')}.${hundredths} `);
}

/**
 * A bridge id as iproute2 prints struct ifla_bridge_id: "%.2x%.2x.%x:%x:%x:%x:%x:%x" (priority bytes
 * padded, address bytes not: 8000.2:a:0:1:0:ff).
 */
export function bridgeIdString(priority: number, mac: string): string {
  const bytes = mac.split(':').map((b) => parseInt(b, 16).toString(16));
  return `${((priority >> 8) & 0xff).toString(16).padStart(2, '0')}${(priority & 0xff).toString(16).padStart(2, '0')}.${bytes.join(':')}`;
}

const ZERO_MAC = '00:00:00:00:00:00';
/** BR_PORT_BITS: a port id is (priority << 10) | port_no. */
const BR_PORT_BITS = 10;

/**
 * br->bridge_id: br_stp_recalculate_bridge_id sets it to the smallest port MAC when a port comes or
 * goes (and the bridge's address with it), a user-set address sets both at once (br_set_mac_address);
 * until then it is all zeros, while the device has a random address of its own.
 */
function bridgeIdMac(br: DeviceState): string {
  return br.carrierComputed || br.macSetByUser ? br.mac : ZERO_MAC;
}

/**
 * One attribute of a kind's options: its JSON key, the word the text prints (when it differs), and
 * its value — a number, a string, on/off (true/false in JSON), a timer, or text only (a word the JSON
 * already has under another key).
 */
type Opt =
  | readonly [key: string, value: number, text?: string]
  | readonly [key: string, value: string, text?: string]
  | readonly [key: string, value: boolean, text?: string]
  | readonly ['timer', key: string, ns: number]
  | readonly ['fp', text: string];

function printOpts(p: Printer, opts: readonly Opt[]): void {
  for (const o of opts) {
    if (o[0] === 'timer') printTimer(p, String(o[1]), o[2] as number);
    else if (o[0] === 'fp') p.fp(`${o[1]} `);
    else {
      const [key, v, text] = o as readonly [string, number | string | boolean, string?];
      const word = text ?? key;
      if (typeof v === 'number') p.num(key, `${word} ${v} `, v);
      else if (typeof v === 'boolean') p.bool(key, `${word} ${v ? 'on' : 'off'} `, v);
      else p.str(key, `${word} ${v} `, v);
    }
  }
}

/** bridge_print_opt: IFLA_INFO_DATA of a bridge, on this kernel (no VLAN filtering support). */
function bridgeOpts(w: World, br: DeviceState): Opt[] {
  const prm = br_params(w, br.id);
  const id = bridgeIdString(prm.priority, bridgeIdMac(br));
  const ageing = clockT(br.bridgeAgeing ?? BR_AGEING_TIME);
  return [
    ['forward_delay', clockT(prm.forwardDelay)],
    ['hello_time', clockT(prm.helloTime)],
    ['max_age', clockT(prm.maxAge)],
    ['ageing_time', ageing],
    ['stp_state', 0],
    ['priority', prm.priority],
    ['vlan_filtering', 0],
    // STP is off: the bridge is its own root, and the STP timers never run.
    ['bridge_id', id],
    ['root_id', id, 'designated_root'],
    ['root_port', 0],
    ['root_path_cost', 0],
    ['topology_change', 0],
    ['topology_change_detected', 0],
    ['timer', 'hello_timer', 0],
    ['timer', 'tcn_timer', 0],
    ['timer', 'topology_change_timer', 0],
    ['timer', 'gc_timer', br_gc_timer_left(w, br)],
    // print_0xhex: "%#llx" of 0 is "0", as text and as the JSON string.
    ['group_fwd_mask', '0'],
    ['group_addr', '01:80:c2:00:00:00', 'group_address'],
    ['mcast_snooping', 1],
    ['no_linklocal_learn', 0],
    ['mcast_vlan_snooping', 0],
    ['mcast_router', 1],
    ['mcast_query_use_ifaddr', 0],
    ['mcast_querier', 0],
    ['mcast_hash_elasticity', 16],
    ['mcast_hash_max', 4096],
    ['mcast_last_member_cnt', 2, 'mcast_last_member_count'],
    ['mcast_startup_query_cnt', 2, 'mcast_startup_query_count'],
    ['mcast_last_member_intvl', 100, 'mcast_last_member_interval'],
    ['mcast_membership_intvl', 26000, 'mcast_membership_interval'],
    ['mcast_querier_intvl', 25500, 'mcast_querier_interval'],
    ['mcast_query_intvl', 12500, 'mcast_query_interval'],
    ['mcast_query_response_intvl', 1000, 'mcast_query_response_interval'],
    ['mcast_startup_query_intvl', 3124, 'mcast_startup_query_interval'],
    ['mcast_stats_enabled', 0],
    ['mcast_igmp_version', 2],
    ['mcast_mld_version', 1],
    ['nf_call_iptables', 0],
    ['nf_call_ip6tables', 0],
    ['nf_call_arptables', 0],
  ];
}

/** bridge_slave_print_opt: IFLA_INFO_SLAVE_DATA of a bridge port. */
function bridgeSlaveOpts(w: World, br: DeviceState, port: DeviceState): Opt[] {
  const c = br_port_info(w, port);
  if (!c) throw new Error(`ip: bridge port ${port.name} was never observed`);
  // With STP off every port is designated: designated_port follows port_id.
  const portId = (c.priority << BR_PORT_BITS) | c.portNo;
  const id = bridgeIdString(br_params(w, br.id).priority, bridgeIdMac(br));
  return [
    ['state', BR_STATES[c.state] ?? 'disabled'],
    ['priority', c.priority],
    ['cost', c.cost],
    ['hairpin', c.flags.hairpin],
    ['guard', false],
    ['root_block', false],
    ['fastleave', false],
    ['learning', c.flags.learning],
    ['flood', c.flags.flood],
    ['id', `0x${portId.toString(16)}`, 'port_id'],
    ['no', `0x${c.portNo.toString(16)}`, 'port_no'],
    ['designated_port', portId],
    ['designated_cost', 0],
    ['bridge_id', id, 'designated_bridge'],
    ['root_id', id, 'designated_root'],
    ['timer', 'hold_timer', 0],
    ['timer', 'message_age_timer', 0],
    ['timer', 'forward_delay_timer', c.forwardDelayLeft],
    ['topology_change_ack', 0],
    ['config_pending', 0],
    ['proxy_arp', false],
    ['proxy_arp_wifi', false],
    ['multicast_router', 1, 'mcast_router'],
    // IFLA_BRPORT_FAST_LEAVE a second time, as text only: the JSON had it as "fastleave".
    ['fp', 'mcast_fast_leave off'],
    ['mcast_flood', c.flags.mcast_flood],
    ['bcast_flood', c.flags.bcast_flood],
    ['mcast_to_unicast', false],
    ['neigh_suppress', false],
    ['group_fwd_mask', '0'],
    ['group_fwd_mask_str', '0x0'],
    ['vlan_tunnel', false],
    ['isolated', c.flags.isolated],
    ['locked', false],
  ];
}

/** macvlan_print_opt: mode, flags, the queue lengths (this kernel sends no IFLA_MACVLAN_BC_CUTOFF at its default). */
function macvlanOpts(p: Printer, w: World, vlan: MacvlanDev): void {
  p.str('mode', `mode ${vlan.mode} `, vlan.mode);
  if (vlan.nopromisc) p.bool('nopromisc', 'nopromisc ', true);
  if (vlan.nodst) p.bool('nodst', 'nodst ', true);
  p.num('bcqueuelen', `bcqueuelen ${vlan.bcQueueLenReq} `, vlan.bcQueueLenReq);
  const used = macvlan_bc_queue_len_used(w, vlan);
  p.num('usedbcqueuelen', `usedbcqueuelen ${used} `, used);
}

/**
 * vxlan_print_opt (iproute2 6.1) for what the kernel's vxlan_fill_info sends: the lower device by its
 * name where the command runs, the source port range always, "ttl auto" for 0, the IPv6 checksum
 * flags at their defaults.
 */
function vxlanOpts(p: Printer, ns: Namespace, v: VxlanDev): void {
  const c = v.cfg;
  p.num('id', `id ${c.vni} `, c.vni);
  if (c.remote) p.str('remote', `remote ${ipString(c.remote)} `, ipString(c.remote));
  if (c.local) p.str('local', `local ${ipString(c.local)} `, ipString(c.local));
  const lower = c.link ? ns.state.devices[c.link] : undefined;
  if (lower) p.str('link', `dev ${lower.name} `, lower.name);
  p.openObject('port_range');
  p.num('low', `srcport ${c.portLow} `, c.portLow);
  p.num('high', `${c.portHigh} `, c.portHigh);
  p.closeObject();
  p.num('port', `dstport ${c.dstPort} `, c.dstPort);
  p.jraw('learning', c.learning ? 'true' : 'false');
  if (!c.learning) p.fp('nolearning ');
  if (c.tos === 1) {
    p.fp('tos inherit ');
    p.jstr('tos', '0x1');
  }
  else if (c.tos) p.str('tos', `tos 0x${c.tos.toString(16)} `, `0x${c.tos.toString(16)}`);
  if (c.ttl) p.num('ttl', `ttl ${c.ttl} `, c.ttl);
  else {
    p.fp('ttl auto ');
    p.jnum('ttl', 0);
  }
  p.jstr('df', 'unset');
  if (c.ageing === 0) p.num('ageing', 'ageing none ', 0);
  else p.num('ageing', `ageing ${c.ageing} `, c.ageing);
  p.jraw('udp_csum', c.udpCsum ? 'true' : 'false');
  p.fp(c.udpCsum ? 'udpcsum ' : 'noudpcsum ');
  p.jraw('udp_zero_csum6_tx', 'false');
  p.fp('noudp6zerocsumtx ');
  p.jraw('udp_zero_csum6_rx', 'false');
  p.fp('noudp6zerocsumrx ');
}

/** A new device's tso_max_size is TSO_LEGACY_MAX_SIZE; a bridge's grows with its first port. */
function tsoMaxSize(dev: DeviceState): number {
  return dev.kind === BRIDGE_KIND && !dev.carrierComputed ? TSO_LEGACY_MAX_SIZE : GSO_MAX_SIZE;
}

/**
 * What -details adds to a link after the link-layer line: the device's attributes, its kind's
 * (print_linktype: "linkinfo" in JSON) each on its own line (print_nl: a '\' with -o), then the rest.
 * `link`: `ip link` (addrgenmode, IFLA_AF_SPEC, is shown there only).
 */
export function linkDetails(p: Printer, w: World, ns: Namespace, dev: DeviceState, o: { readonly link: boolean }): void {
  if (dev.kind === OVS_INTERNAL_KIND || ovsPortOf(w, dev.id)) unsupported('ip -details on an Open vSwitch device');
  const bridge = br_port_master(w, ns, dev);
  const ops = netdev_ops(dev);
  const lo = ops.type === 'loopback';
  // lo's max_mtu is 0 in the kernel (no limit set), though dev_set_mtu takes up to INT_MAX there.
  const minMtu = lo ? 0 : ops.minMtu;
  const maxMtu = lo ? 0 : ops.maxMtu;
  // br_add_if: dev_set_promiscuity and dev_set_allmulti, one each; the kernel's other users (a
  // macvlan's lower device) count in dev->promiscuity.
  const byBridge = bridge ? 1 : 0;
  const allmulti = byBridge + (dev.allmulti ?? 0);
  const promisc = byBridge + (dev.promiscuity ?? 0);
  const vlan = macvlanOf(w, dev.id);
  const vx = vxlanOf(w, dev.id);
  p.num('promiscuity', ` promiscuity ${promisc} `, promisc);
  p.num('allmulti', ` allmulti ${allmulti} `, allmulti);
  p.num('min_mtu', `minmtu ${minMtu} `, minMtu);
  p.num('max_mtu', `maxmtu ${maxMtu} `, maxMtu);
  if (ops.infoKind !== undefined) {
    p.openObject('linkinfo');
    p.nl();
    p.str('info_kind', `    ${ops.infoKind} `, ops.infoKind);
    if (dev.kind === BRIDGE_KIND) {
      p.openObject('info_data');
      printOpts(p, bridgeOpts(w, dev));
      p.closeObject();
    }
    if (vlan) {
      p.openObject('info_data');
      macvlanOpts(p, w, vlan);
      p.closeObject();
    }
    if (vx) {
      p.openObject('info_data');
      vxlanOpts(p, ns, vx);
      p.closeObject();
    }
    if (bridge) {
      p.nl();
      p.str('info_slave_kind', '    bridge_slave ', 'bridge');
      p.openObject('info_slave_data');
      printOpts(p, bridgeSlaveOpts(w, bridge, dev));
      p.closeObject();
    }
    p.closeObject();
  }
  if (o.link) p.str('inet6_addr_gen_mode', 'addrgenmode eui64 ', 'eui64');
  const queues = ops.infoKind === 'veth' ? VETH_QUEUES : 1;
  // netif_inherit_tso_max: a macvlan has its lower device's, as it was when the macvlan was made.
  const tsoMax = vx ? (vx.tsoFrom ? tsoMaxSize(vx.tsoFrom) : TSO_LEGACY_MAX_SIZE) : tsoMaxSize(vlan ? vlan.tsoFrom : dev);
  printOpts(p, [
    ['num_tx_queues', queues, 'numtxqueues'],
    ['num_rx_queues', queues, 'numrxqueues'],
    ['gso_max_size', 65536],
    ['gso_max_segs', 65535],
    ['tso_max_size', tsoMax],
    ['tso_max_segs', 65535],
    ['gro_max_size', 65536],
  ]);
}
