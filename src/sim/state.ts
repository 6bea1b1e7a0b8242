/**
 * The control-plane state of one network namespace — devices, addresses, routes, rules, neighbours and
 * sysctls — as an immutable value (immer). Every change makes a new value that shares what did not
 * change, so each step of a run can be kept and looked at again; packets read it, they never copy it.
 * Names follow the kernel's: ifindex, ifa_*, fib tables, NUD states, devconf.
 */
import type { Ipv4Address } from '../wire/ipv4.js';

/** A device's kind: the name its driver registered (devices/*: 'loopback', 'veth', 'bridge', ...). */
export type DeviceKind = string;

export interface DeviceState {
  /** World-wide identity of the device, kept across namespaces (the kernel's net_device pointer). */
  readonly id: number;
  readonly ifindex: number;
  readonly name: string;
  readonly kind: DeviceKind;
  readonly mac: string;
  readonly mtu: number;
  /** IFF_UP: what `ip link set DEV up|down` sets. */
  readonly up: boolean;
  /** Carrier: a veth has it while both ends are up. */
  readonly carrier: boolean;
  /** veth: the id of the other end. */
  readonly peer?: number;
  /** A device stacked on another (macvlan): the id of the lower device (IFLA_LINK). */
  readonly link?: number;
  readonly master?: number;
  /** dev->tx_queue_len, an unsigned 32-bit count (iproute2 prints it signed). */
  readonly txqlen: number;
  /**
   * dev_activate has attached the default qdisc (noqueue): `ip link` shows "qdisc noqueue" from the
   * first time the device comes up — also after it goes down again — and "qdisc noop" before that and
   * after a move to another namespace (dev_shutdown).
   */
  readonly qdiscAttached?: boolean;
  /** A bridge's ageing_time, in ns (300 s unless set). */
  readonly bridgeAgeing?: number;
  /**
   * IFF_PROMISC as the user asked for it (dev->gflags: `ip link set DEV promisc on`, Open vSwitch's
   * ports and internal devices): what `ip link` shows among the flags.
   */
  readonly promisc?: boolean;
  /** IFF_ALLMULTI as the user asked for it (`allmulticast on`: dev->gflags), shown among the flags. */
  readonly allmultiFlag?: boolean;
  /** dev->allmulti, the users of all-multicast mode (the user's flag among them; a bridge counts apart). */
  readonly allmulti?: number;
  /** IFF_NOARP (`arp off`): the device resolves no neighbours; they all get its own address. */
  readonly noarp?: boolean;
  /** IFF_MULTICAST set or cleared by the user; undefined: the driver's default (on but for lo). */
  readonly multicast?: boolean;
  /** IFLA_IFALIAS (`ip link set DEV alias TEXT`): shown as "alias TEXT"; undefined or "": none. */
  readonly ifalias?: string;
  /**
   * dev->promiscuity, as dev_set_promiscuity counts it for the kernel's own users (a macvlan's lower
   * device: its uc_promisc, a passthru macvlan); the device is promiscuous while it is above 0. Not
   * the IFF_PROMISC flag `ip link` shows, which only the user's own request sets (dev->gflags).
   */
  readonly promiscuity?: number;
  /** Bridge: the user set its MTU (br->mtu_set_by_user), so it no longer follows its ports' smallest. */
  readonly mtuSetByUser?: boolean;
  /** Bridge: the user set its MAC (NET_ADDR_SET), so it no longer takes its ports' smallest. */
  readonly macSetByUser?: boolean;
  /**
   * Bridge: a port came or went, so its carrier follows its ports (br_port_state_selection). Until
   * then it keeps the carrier a new device starts with, and its operstate is never computed (UNKNOWN).
   */
  readonly carrierComputed?: boolean;
  /**
   * dev->operstate as linkwatch last worked it out (rfc2863_policy, after a carrier change): what
   * `ip link` shows for an up device. Undefined: no event since the device was made.
   */
  readonly operstate?: 'UP' | 'DOWN' | 'LOWERLAYERDOWN';
  /** Per-device IPv4 settings (conf/DEV/*), copied from conf/default when the device joins the namespace. */
  readonly conf: Readonly<Record<string, number>>;
  /**
   * Where the device stands in its namespace's device list (dev_base_head), which is arrival order, not
   * ifindex order: a device moved in goes last. Set on a move; a device never moved is in creation
   * order, which its id keeps.
   */
  readonly arrived?: number;
  /**
   * A bridge port: when it joined. br_add_if puts a new port at the head of the bridge's port list,
   * so floods reach the newest port first — and with it, which of two hosts answers first.
   */
  readonly portJoined?: number;
}

/** The namespace's device list order (for_each_netdev). */
export function devListOrder(d: DeviceState): number {
  return d.arrived ?? d.id;
}

export type AddrScope = 'global' | 'link' | 'host';

export interface IfAddr {
  readonly ifindex: number;
  readonly local: Ipv4Address;
  readonly prefixlen: number;
  readonly broadcast: Ipv4Address | undefined;
  readonly scope: AddrScope;
  readonly label: string;
  /** A second address in a subnet that already has one (IFA_F_SECONDARY). */
  readonly secondary: boolean;
  /** IFA_RT_PRIORITY (`metric N`): its prefix route's metric; absent: 0. */
  readonly metric?: number;
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit' | 'throw';
export type RouteScope = 'global' | 'link' | 'host' | 'nowhere';

export interface Route {
  readonly table: number;
  readonly type: RouteType;
  readonly dst: Ipv4Address;
  readonly dstLen: number;
  readonly dev: number | undefined;
  readonly gateway?: Ipv4Address | undefined;
  readonly proto: string;
  readonly scope: RouteScope;
  readonly prefsrc: Ipv4Address | undefined;
  readonly metric?: number | undefined;
  /** Nexthop flags the kernel shows: 'onlink', and 'linkdown' when the device has no carrier. */
  readonly onlink?: boolean;
  /**
   * The gateway is one of the namespace's own addresses: fib_check_nh found it through a local route,
   * so the nexthop has host scope, and rt_set_nexthop only follows gateways of link scope — packets go
   * to their destination directly, as if the route had no gateway (`ip route show` still shows it).
   */
  readonly gatewayLocal?: boolean;
}

/** The neighbour a route sends to: its gateway, unless that is one of our own addresses. */
export function routeGateway(r: Route): Ipv4Address | undefined {
  return r.gatewayLocal ? undefined : r.gateway;
}

export interface Rule {
  readonly priority: number;
  readonly table: number;
  readonly from?: { readonly addr: Ipv4Address; readonly len: number };
  readonly to?: { readonly addr: Ipv4Address; readonly len: number };
  readonly iif?: string;
  readonly oif?: string;
  /** FIB_RULE_INVERT (`not`): the rule applies where its selectors do not all match. */
  readonly invert?: boolean;
  /** fwmark/mask: matches when (mark ^ fwmark) & fwmask is 0; a rule without them has both 0. */
  readonly fwmark?: number;
  readonly fwmask?: number;
  /** The TOS bits (IPTOS_RT_MASK) the flow must carry; 0 for any. */
  readonly tos?: number;
  readonly uidrange?: { readonly start: number; readonly end: number };
  readonly ipproto?: number;
  readonly sport?: { readonly start: number; readonly end: number };
  readonly dport?: { readonly start: number; readonly end: number };
  readonly action: 'lookup' | 'unreachable' | 'blackhole' | 'prohibit';
}

/** Neighbour Unreachability Detection states (include/uapi/linux/neighbour.h). */
export type Nud = 'NONE' | 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

export interface NeighEntry {
  readonly ifindex: number;
  readonly ip: Ipv4Address;
  readonly mac: string | undefined;
  readonly state: Nud;
  /** Virtual ns of the last state change, the last confirmation of reachability, the last use. */
  readonly updated: number;
  readonly confirmed: number;
  readonly used: number;
  readonly probes: number;
  /** Randomised per entry as the kernel does per parms: base_reachable_time × [0.5, 1.5). */
  readonly reachableTime: number;
}

/**
 * A next-hop exception (fib_nh_exception) an accepted ICMP redirect made: traffic for `daddr` that
 * the FIB sends out of `dev` via `oldGw` goes to `gw` instead, until `expires` (virtual ns).
 */
export interface RouteException {
  readonly dev: number;
  readonly oldGw: Ipv4Address;
  readonly daddr: Ipv4Address;
  readonly gw: Ipv4Address;
  readonly expires: number;
  /** The fib_info the exception hangs on, as the attributes fib_find_info compares (metric/proto/prefsrc). */
  readonly fi: string;
}

/** A proxy neighbour entry (struct pneigh_entry). */
export interface PneighEntry {
  readonly ip: Ipv4Address;
  /** 0 for an entry without a device, which answers on all of them. */
  readonly ifindex: number;
}

export interface NsState {
  readonly name: string;
  readonly devices: Readonly<Record<number, DeviceState>>;
  readonly nextIfindex: number;
  readonly addrs: readonly IfAddr[];
  readonly routes: readonly Route[];
  readonly rules: readonly Rule[];
  /** Keyed `${ifindex}/${ip}`. */
  readonly neigh: Readonly<Record<string, NeighEntry>>;
  /**
   * Proxy entries (pneigh, `ip neigh add proxy ADDR [dev DEV]`) in the kernel's dump order: hash
   * bucket of the address, newest first within a bucket. ifindex 0: every device. Undefined: none yet.
   */
  readonly pneigh?: readonly PneighEntry[];
  /** Next-hop exceptions from ICMP redirects, oldest first. Undefined: none yet. */
  readonly fnhe?: readonly RouteException[];
  /** conf/all and conf/default. */
  readonly confAll: Readonly<Record<string, number>>;
  readonly confDefault: Readonly<Record<string, number>>;
  /** Namespace-wide IPv4 sysctls (net.ipv4.icmp_echo_ignore_broadcasts, ...), and net.ipv6 ones accepted as values. */
  readonly sysctl: Readonly<Record<string, number>>;
  /**
   * The FIB tables that exist (fib_new_table): a table is created by the first route put in it — even
   * one the kernel then refuses — and lives as long as the namespace, empty or not. `ip route show
   * table N` fails for the others ("FIB table does not exist"). Undefined: none yet.
   */
  readonly fibTables?: readonly number[];
  /**
   * fib_has_custom_rules: set by the first `ip rule add` or `ip rule del` that the kernel accepts, and
   * never cleared (fib4_rule_configure, fib4_rule_delete). Until then local routes live in main's trie
   * (creating the local table creates main, lookups report main) and fib_validate_source may take its
   * fast path.
   */
  readonly customRules?: boolean;
}

export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_UNSPEC = 0;

export function neighKey(ifindex: number, ip: Ipv4Address): string {
  return `${ifindex}/${ip}`;
}
