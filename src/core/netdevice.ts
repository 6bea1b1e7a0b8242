/**
 * What a device kind is to the core (include/linux/netdevice.h's net_device_ops, with the parts of
 * rtnl_link_ops and the device's type that the rest of the stack asks about). Each driver in devices/
 * registers one table; the core and the stack ask the table, never the kind's name.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import type { Skb } from './skbuff.js';
import type { Result } from './errno.js';

/** What a send reports back: NET_XMIT_DROP from the driver surfaces as ENOBUFS in sendmsg. */
export type XmitResult = 'ok' | 'ENOBUFS';

export interface NetDeviceOps {
  /** The kind's name in DeviceState.kind. */
  readonly kind: string;
  /** IFLA_INFO_KIND, as `ip -d link` and `ip link show type` name it; undefined for lo. */
  readonly infoKind: string | undefined;
  /** dev->type: ARPHRD_LOOPBACK (link/loopback, IFF_LOOPBACK) or ARPHRD_ETHER (link/ether, IFF_BROADCAST|IFF_MULTICAST). */
  readonly type: 'loopback' | 'ether';
  /** min_mtu and max_mtu (dev_set_mtu's range). */
  readonly minMtu: number;
  readonly maxMtu: number;
  /** ndo_start_xmit: the frame in skb.data leaves through skb.dev. */
  start_xmit(w: World, skb: Skb): XmitResult;
  /**
   * ndo_open / ndo_stop, after IFF_UP was set / before it is cleared. An open that fails (a macvlan
   * whose address is taken: EADDRINUSE) leaves the device down, as __dev_open does.
   */
  readonly open?: (w: World, ns: Namespace, dev: DeviceState) => Result | void;
  readonly stop?: (w: World, ns: Namespace, dev: DeviceState) => void;
  /**
   * Whether the driver has ever set an operational state (netif_carrier_on/off through linkwatch):
   * while not, an up device reports UNKNOWN. Absent: always.
   */
  readonly operstateKnown?: (dev: DeviceState) => boolean;
  /** ndo_get_iflink: the device this one sits on (a veth's peer, a macvlan's lower device). */
  readonly iflink?: (w: World, dev: DeviceState) => { ns: Namespace; dev: DeviceState } | undefined;
  /** rtnl_link_ops->dellink: the devices that go with this one (a veth's peer). */
  readonly dellinkWith?: (w: World, dev: DeviceState) => readonly number[];
  /** ndo_add_slave / ndo_del_slave: this device taking a port (a bridge). */
  readonly add_slave?: (w: World, ns: Namespace, master: DeviceState, port: DeviceState) => Result;
  readonly del_slave?: (w: World, ns: Namespace, master: DeviceState, port: DeviceState) => void;
  /**
   * ndo_change_mtu / ndo_set_mac_address: the driver's part of a change the user asked for, after the
   * core's own checks and before the core sets the value and tells NETDEV_CHANGEMTU / CHANGEADDR. It
   * may refuse (a macvlan: an MTU above its lower device's, an address in use on its port), note
   * something (a bridge whose MTU or address the user set stops following its ports), or carry the
   * change further (a passthru macvlan's address is its lower device's).
   */
  readonly change_mtu?: (w: World, ns: Namespace, dev: DeviceState, mtu: number) => Result | void;
  readonly set_mac_address?: (w: World, ns: Namespace, dev: DeviceState, mac: string) => Result | void;
  /** Can this device be a bridge port (br_add_if refuses lo and bridges)? Undefined: yes. */
  readonly enslave?: (master: DeviceState) => Result | undefined;
}

const OPS = new Map<string, NetDeviceOps>();
/** The driver asked for last: a hop asks for the same one several times (a hash lookup each, measured). */
let lastOps: NetDeviceOps | undefined;

/** A driver's registration (module_init → rtnl_link_register / the ops its devices carry). */
export function register_netdev_ops(ops: NetDeviceOps): void {
  OPS.set(ops.kind, ops);
  lastOps = undefined;
}

export function netdev_ops(dev: DeviceState): NetDeviceOps {
  if (lastOps !== undefined && lastOps.kind === dev.kind) return lastOps;
  const ops = OPS.get(dev.kind);
  if (!ops) throw new Error(`no driver registered for device kind ${dev.kind}`);
  lastOps = ops;
  return ops;
}

export function netdev_ops_of_kind(kind: string): NetDeviceOps | undefined {
  return OPS.get(kind);
}

/** IFF_LOOPBACK. */
export function isLoopback(dev: DeviceState): boolean {
  return netdev_ops(dev).type === 'loopback';
}
