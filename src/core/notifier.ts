/**
 * The netdevice notifier chain (net/core/dev.c call_netdevice_notifiers): what happens to a device is
 * told to every subsystem that registered, in registration order, and each does its own part — the FIB
 * drops or restores routes, the neighbour table flushes, a bridge re-examines its ports, devinet gives
 * lo its address. The core only says what happened.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';

export type NetdevEvent =
  /** The device came up (dev_open). */
  | 'NETDEV_UP'
  /** The device went down (dev_close). */
  | 'NETDEV_DOWN'
  /** Its carrier changed (netif_carrier_on/off, through linkwatch). */
  | 'NETDEV_CHANGE'
  /** Its MAC address changed. */
  | 'NETDEV_CHANGEADDR'
  | 'NETDEV_CHANGEMTU'
  | 'NETDEV_CHANGENAME'
  /** It joined a namespace (created, or moved in). */
  | 'NETDEV_REGISTER'
  /** It leaves its namespace (deleted, or moved out): everything of it there goes. */
  | 'NETDEV_UNREGISTER'
  /** It got or lost a master (a bridge took it as a port, or released it). */
  | 'NETDEV_CHANGEUPPER';

export interface NetdevNotification {
  readonly event: NetdevEvent;
  readonly w: World;
  readonly ns: Namespace;
  /** The device as it is now (for UNREGISTER: as it was). */
  readonly dev: DeviceState;
  /** NETDEV_CHANGEUPPER: the master, and whether the device joined (true) or left it. */
  readonly upper?: DeviceState;
  readonly linking?: boolean;
  /**
   * NETDEV_UNREGISTER of a device that is only changing namespace (dev_change_net_namespace: its
   * reg_state stays NETREG_REGISTERED): it lets go of what it had here, but it is not being destroyed.
   */
  readonly netnsMove?: boolean;
  /** NETDEV_CHANGE from dev_change_link_flags: which of the plain flags changed (netdev_notifier_change_info). */
  readonly flagsChanged?: { readonly noarp: boolean; readonly multicast: boolean };
}

export type NetdevNotifier = (n: NetdevNotification) => void;

const chain: NetdevNotifier[] = [];

export function register_netdevice_notifier(fn: NetdevNotifier): void {
  chain.push(fn);
}

export function call_netdevice_notifiers(w: World, event: NetdevEvent, ns: Namespace, dev: DeviceState, extra: { upper?: DeviceState; linking?: boolean; netnsMove?: boolean; flagsChanged?: { readonly noarp: boolean; readonly multicast: boolean } } = {}): void {
  const n: NetdevNotification = { event, w, ns, dev, ...extra };
  for (const fn of chain) fn(n);
}
