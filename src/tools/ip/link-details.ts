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
 * numbers from the bridge's own model (devices/bridge.ts, in virtual time); the rest are the kernel's
 * defaults, which no modelled command changes. Open vSwitch devices are not covered: the kernel shows its userspace datapath's
 * tap devices (kind tun) there.
 */
import type { DeviceState } from '../../sim/state.js';
import type { Namespace, World } from '../../sim/world.js';
import { BR_AGEING_TIME, BRIDGE_KIND, br_gc_timer_left, br_port_info } from '../../devices/bridge.js';
import { OVS_INTERNAL_KIND, ovsPortOf } from '../../devices/ovs.js';
import { netdev_ops } from '../../core/netdevice.js';
import { macvlan_bc_queue_len_used, macvlanOf, type MacvlanDev } from '../../devices/macvlan.js';
import { unsupported } from './errors.js';

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

/** print_timer: "%4i.%.2i", seconds and hundredths of the clock_t value. */
function timer(ns: number): string {
  const t = clockT(ns);
  return `${String(Math.floor(t / 100)).padStart(4, ' ')}.${String(t % 100).padStart(2, '0')}`;
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
const BRIDGE_PRIORITY = 32768;
const PORT_PRIORITY = 32;
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

/** bridge_print_opt: IFLA_INFO_DATA of a bridge, on this kernel (no VLAN filtering support). */
function bridgeOpts(w: World, br: DeviceState): string {
  const id = bridgeIdString(BRIDGE_PRIORITY, bridgeIdMac(br));
  const ageing = clockT(br.bridgeAgeing ?? BR_AGEING_TIME);
  return (
    `bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time ${ageing} stp_state 0 priority ${BRIDGE_PRIORITY} vlan_filtering 0 ` +
    // STP is off: the bridge is its own root, and the STP timers never run.
    `bridge_id ${id} designated_root ${id} root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 ` +
    `hello_timer ${timer(0)} tcn_timer ${timer(0)} topology_change_timer ${timer(0)} gc_timer ${timer(br_gc_timer_left(w, br))} ` +
    'group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 ' +
    'mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 ' +
    'mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 ' +
    'mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 ' +
    'mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 '
  );
}

/** bridge_slave_print_opt: IFLA_INFO_SLAVE_DATA of a bridge port. */
function bridgeSlaveOpts(w: World, br: DeviceState, port: DeviceState): string {
  const c = br_port_info(w, port);
  if (!c) throw new Error(`ip: bridge port ${port.name} was never observed`);
  const portId = (PORT_PRIORITY << BR_PORT_BITS) | c.portNo;
  const id = bridgeIdString(BRIDGE_PRIORITY, bridgeIdMac(br));
  return (
    `bridge_slave state ${c.forwarding ? 'forwarding' : 'disabled'} priority ${PORT_PRIORITY} cost 2 hairpin ${c.hairpin ? 'on' : 'off'} guard off root_block off ` +
    `fastleave off learning on flood on port_id 0x${portId.toString(16)} port_no 0x${c.portNo.toString(16)} designated_port ${portId} ` +
    `designated_cost 0 designated_bridge ${id} designated_root ${id} hold_timer ${timer(0)} message_age_timer ${timer(0)} ` +
    `forward_delay_timer ${timer(c.forwardDelayLeft)} topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off ` +
    'mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 ' +
    'group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off '
  );
}

/** macvlan_print_opt: mode, flags, the queue lengths (this kernel sends no IFLA_MACVLAN_BC_CUTOFF at its default). */
function macvlanOpts(w: World, vlan: MacvlanDev): string {
  let s = `macvlan mode ${vlan.mode} `;
  if (vlan.nopromisc) s += 'nopromisc ';
  if (vlan.nodst) s += 'nodst ';
  return `${s}bcqueuelen ${vlan.bcQueueLenReq} usedbcqueuelen ${macvlan_bc_queue_len_used(w, vlan)} `;
}

/** A new device's tso_max_size is TSO_LEGACY_MAX_SIZE; a bridge's grows with its first port. */
function tsoMaxSize(dev: DeviceState): number {
  return dev.kind === BRIDGE_KIND && !dev.carrierComputed ? TSO_LEGACY_MAX_SIZE : GSO_MAX_SIZE;
}

/**
 * What -details adds to a link: the rest of the link-layer line, then the kind's lines. `sep` is what
 * print_nl prints ("\n", or "\" with -o); `link`: `ip link` (addrgenmode is shown there only).
 */
export function linkDetails(w: World, ns: Namespace, dev: DeviceState, o: { readonly sep: string; readonly link: boolean }): string {
  if (dev.kind === OVS_INTERNAL_KIND || ovsPortOf(w, dev.id)) unsupported('ip -details on an Open vSwitch device');
  const master = dev.master === undefined ? undefined : w.device(dev.master);
  const bridge = master && master.ns === ns && master.dev.kind === BRIDGE_KIND ? master.dev : undefined;
  const ops = netdev_ops(dev);
  const lo = ops.type === 'loopback';
  // br_add_if: dev_set_promiscuity and dev_set_allmulti, one each; the kernel's other users (a
  // macvlan's lower device) count in dev->promiscuity.
  const allmulti = bridge ? 1 : 0;
  const promisc = allmulti + (dev.promiscuity ?? 0);
  const vlan = macvlanOf(w, dev.id);
  // lo's max_mtu is 0 in the kernel (no limit set), though dev_set_mtu takes up to INT_MAX there.
  let s = `promiscuity ${promisc}  allmulti ${allmulti} minmtu ${ops.minMtu} maxmtu ${lo ? 0 : ops.maxMtu} `;
  if (ops.infoKind === 'veth') s += `${o.sep}    veth `;
  if (vlan) s += `${o.sep}    ${macvlanOpts(w, vlan)}`;
  if (dev.kind === BRIDGE_KIND) s += `${o.sep}    ${bridgeOpts(w, dev)}`;
  if (bridge) s += `${o.sep}    ${bridgeSlaveOpts(w, bridge, dev)}`;
  if (o.link) s += 'addrgenmode eui64 ';
  const queues = ops.infoKind === 'veth' ? VETH_QUEUES : 1;
  // netif_inherit_tso_max: a macvlan has its lower device's, as it was when the macvlan was made.
  const tsoMax = tsoMaxSize(vlan ? vlan.tsoFrom : dev);
  s += `numtxqueues ${queues} numrxqueues ${queues} gso_max_size 65536 gso_max_segs 65535 tso_max_size ${tsoMax} tso_max_segs 65535 gro_max_size 65536 `;
  return s;
}
