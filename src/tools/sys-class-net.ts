/**
 * /sys/class/net/DEV/ATTR as the kernel's net-sysfs attributes show them for the namespace the file
 * system was mounted in (each `ip netns exec` mounts its own): the attributes people read to find a
 * veth's peer (iflink), or a device's address, MTU and state. dev->flags is the raw field, not what
 * dev_get_flags reports: PROMISC and ALLMULTI whenever anyone (a bridge, a macvlan, the user) holds
 * them, and no RUNNING.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { dev_is_multicast, dev_is_promiscuous } from '../core/dev.js';
import { isLoopback, netdev_ops } from '../core/netdevice.js';
import { br_port_master } from '../devices/bridge.js';
import { operState } from './ip/link-format.js';

/** The attributes modelled, each as the kernel's show function writes it. */
const ATTRS = ['ifindex', 'iflink', 'address', 'broadcast', 'mtu', 'operstate', 'carrier', 'tx_queue_len', 'flags', 'type', 'addr_len', 'carrier_changes', 'ifalias'] as const;
type Attr = (typeof ATTRS)[number];

export interface SysClassNetFile {
  readonly dev: string;
  readonly attr: Attr;
}

/** A /sys/class/net path: one of the attributes read here, a refusal for the rest, or undefined for other paths. */
export function sysClassNetFile(path: string): SysClassNetFile | { refuse: string } | undefined {
  if (!path.startsWith('/sys/class/net')) return undefined;
  const m = /^\/sys\/class\/net\/([^/]+)\/([^/]+)$/.exec(path);
  if (m && (ATTRS as readonly string[]).includes(m[2] as string)) return { dev: m[1] as string, attr: m[2] as Attr };
  return { refuse: `cat ${path} is not simulated (of /sys/class/net/DEV the simulator reads ${ATTRS.join(', ')})` };
}

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_NOARP = 0x80;
const IFF_PROMISC = 0x100;
const IFF_ALLMULTI = 0x200;
const IFF_MULTICAST = 0x1000;

/** The file's text, or the error cat reports reading it (the device may be gone, or refuse the read). */
export function sysClassNetRead(w: World, ns: Namespace, f: SysClassNetFile): { text: string } | { errno: 'ENOENT' | 'EINVAL' } {
  const dev = Object.values(ns.state.devices).find((d) => d.name === f.dev);
  if (!dev) return { errno: 'ENOENT' };
  const lo = isLoopback(dev);
  switch (f.attr) {
    case 'ifindex':
      return { text: `${dev.ifindex}\n` };
    case 'iflink':
      // dev_get_iflink: the peer's or lower device's index, else the device's own.
      return { text: `${netdev_ops(dev).iflink?.(w, dev)?.dev.ifindex ?? dev.ifindex}\n` };
    case 'address':
      return { text: `${dev.mac}\n` };
    case 'broadcast':
      return { text: `${lo ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'}\n` };
    case 'mtu':
      return { text: `${dev.mtu}\n` };
    case 'operstate':
      return { text: `${operState(dev).toLowerCase()}\n` };
    case 'carrier':
      // netif_running first: a device that is down has no carrier to tell.
      return dev.up ? { text: `${dev.carrier ? 1 : 0}\n` } : { errno: 'EINVAL' };
    case 'tx_queue_len':
      return { text: `${dev.txqlen | 0}\n` };
    case 'flags': {
      const bridged = br_port_master(w, ns, dev) !== undefined;
      let v = lo ? IFF_LOOPBACK : IFF_BROADCAST;
      if (dev.up) v |= IFF_UP;
      if (dev_is_multicast(dev)) v |= IFF_MULTICAST;
      if (dev.noarp) v |= IFF_NOARP;
      if (bridged || dev_is_promiscuous(dev)) v |= IFF_PROMISC;
      if (bridged || (dev.allmulti ?? 0) > 0) v |= IFF_ALLMULTI;
      return { text: `0x${v.toString(16)}\n` };
    }
    case 'type':
      return { text: `${lo ? 772 : 1}\n` };
    case 'addr_len':
      return { text: '6\n' };
    case 'carrier_changes':
      return { text: `${w.carrierChanges.get(dev.id) ?? 0}\n` };
    case 'ifalias':
      // ifalias_show writes nothing at all, not even a newline, for a device without one.
      return { text: dev.ifalias === undefined ? '' : `${dev.ifalias}\n` };
  }
}
