/**
 * Proxy neighbours (net/core/neighbour.c): the pneigh table (`ip neigh add proxy ADDR dev DEV`), the
 * per-device neigh parms the proxy path reads (proxy_delay, proxy_qlen), and the proxy queue — a
 * request the protocol decided to answer for another host waits there a random 0..proxy_delay-1
 * jiffies (pneigh_enqueue) and is then handed back to the protocol (neigh_proxy_process → proxy_redo),
 * which answers it at once the second time. The queue is how a router lets the real owner of an
 * address answer first.
 */
import type { DeviceState, PneighEntry } from '../sim/state.js';
import { pernetSlot, register_pernet_subsys, type Namespace, type World } from '../sim/world.js';
import type { Timer } from '../sim/event-loop.js';
import { kfree_skb, skb_trace, type Skb } from './skbuff.js';
import { JIFFY_NS } from './neighbour.js';
import { register_netdevice_notifier } from './notifier.js';

/** USER_HZ: the unit the *_delay neigh sysctls are read and written in (proc_dointvec_userhz_jiffies). */
const USER_HZ = 100;
const HZ = 250;

/** The neigh parms the simulator honours, their kernel defaults (arp_tbl.parms), in kernel units. */
export const NEIGH_PROXY_PARMS = {
  /** Jiffies: 80 USER_HZ = 0.8 s. */
  proxy_delay: (80 * HZ) / USER_HZ,
  proxy_qlen: 64,
} as const;

export type NeighParm = keyof typeof NEIGH_PROXY_PARMS;

/** The device's value of a proxy parm (its in_dev's arp_parms), in kernel units (jiffies for proxy_delay). */
export function neigh_parm(dev: DeviceState, key: NeighParm): number {
  return dev.conf[`neigh.${key}`] ?? NEIGH_PROXY_PARMS[key];
}

/** What /proc/sys/net/ipv4/neigh/DEV/KEY reads: proxy_delay in USER_HZ, rounded down. */
export function neigh_parm_read(dev: DeviceState, key: NeighParm): number {
  const v = neigh_parm(dev, key);
  return key === 'proxy_delay' ? Math.floor((v * USER_HZ) / HZ) : v;
}

/** The largest proxy_delay the simulator takes: beyond it the kernel's USER_HZ→jiffies conversion overflows an int. */
export const PROXY_DELAY_MAX = Math.floor((0x7fffffff / HZ) * USER_HZ);

/** A write, in the file's unit; undefined when the kernel refuses it (EINVAL). */
export function neigh_parm_write(ns: Namespace, dev: DeviceState, key: NeighParm, v: number): 'EINVAL' | undefined {
  if (v < 0 || v > 0x7fffffff) return 'EINVAL';
  const stored = key === 'proxy_delay' ? Math.floor((v * HZ) / USER_HZ) : v;
  ns.update((d) => {
    const x = d.devices[dev.ifindex];
    if (x) x.conf[`neigh.${key}`] = stored;
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, dev.name, 'neigh_proc_dointvec', `neigh/${dev.name}/${key} = ${v}`);
  return undefined;
}

/** pneigh_hash: the bucket of an address (its four bytes as the host reads them, folded to 4 bits). */
function pneigh_hash(ip: number): number {
  // The key's bytes in network order, loaded as a little-endian u32.
  let h = (((ip & 0xff) << 24) | (((ip >>> 8) & 0xff) << 16) | (((ip >>> 16) & 0xff) << 8) | (ip >>> 24)) >>> 0;
  h ^= h >>> 16;
  h ^= h >>> 8;
  h ^= h >>> 4;
  return h & 0xf;
}

/** pneigh_lookup without creating: an entry for the address on this device, or one for every device. */
export function pneigh_lookup(ns: Namespace, ip: number, ifindex: number): PneighEntry | undefined {
  return ns.state.pneigh?.find((e) => e.ip === ip && (e.ifindex === 0 || e.ifindex === ifindex));
}

/** pneigh_lookup(creat=1) from neigh_add with NTF_PROXY: an existing entry is kept, a new one goes first in its bucket. */
export function pneigh_add(ns: Namespace, ip: number, ifindex: number): void {
  const list = ns.state.pneigh ?? [];
  if (list.some((e) => e.ip === ip && e.ifindex === ifindex)) return;
  const b = pneigh_hash(ip);
  let at = list.findIndex((e) => pneigh_hash(e.ip) >= b);
  if (at < 0) at = list.length;
  const next = [...list.slice(0, at), { ip, ifindex }, ...list.slice(at)];
  ns.update((d) => {
    d.pneigh = next;
  });
}

/** pneigh_delete: false when there is no such entry (ENOENT). */
export function pneigh_delete(ns: Namespace, sel: (e: PneighEntry) => boolean): number {
  const list = ns.state.pneigh ?? [];
  const keep = list.filter((e) => !sel(e));
  if (keep.length === list.length) return 0;
  ns.update((d) => {
    d.pneigh = keep;
  });
  return list.length - keep.length;
}

interface Queued {
  readonly skb: Skb;
  readonly timer: Timer;
}

/** tbl->proxy_queue, as far as one namespace sees it. */
const queue = pernetSlot((): Queued[] => []);

type Redo = (w: World, skb: Skb) => void;
let proxyRedo: Redo | undefined;

/** neigh_table_init's proxy_redo (parp_redo for ARP), and the table on the notifier chain. */
export function pneigh_table_init(redo: Redo): void {
  proxyRedo = redo;
  register_pernet_subsys({ exit: (w, ns) => pneigh_queue_purge(w, ns) });
  register_netdevice_notifier((n) => {
    if (n.event === 'NETDEV_DOWN' || n.event === 'NETDEV_UNREGISTER') pneigh_ifdown(n.w, n.ns, n.dev.ifindex);
  });
}

/**
 * pneigh_enqueue: the request comes back after a random 0..proxy_delay-1 jiffies, unless the device's
 * share of the queue is over proxy_qlen.
 */
export function pneigh_enqueue(w: World, skb: Skb): void {
  const ns = skb.ns;
  const dev = skb.dev;
  const q = queue(ns);
  const mine = q.filter((x) => x.skb.dev.ifindex === dev.ifindex).length;
  if (mine > neigh_parm(dev, 'proxy_qlen')) {
    kfree_skb(w, skb, 'pneigh_enqueue', 'NEIGH_QUEUEFULL', `the proxy queue of ${dev.name} holds more than proxy_qlen (${neigh_parm(dev, 'proxy_qlen')}) requests`);
    return;
  }
  const delay = neigh_parm(dev, 'proxy_delay');
  const jiffies = delay > 0 ? Math.floor((w.rng.next32() / 0x1_0000_0000) * delay) : 0;
  skb_trace(w, skb, 'pneigh_enqueue', `proxy answer delayed ${jiffies} jiffies (random below proxy_delay ${delay})`);
  const item: Queued = {
    skb,
    // The proxy timer fires on a tick: the one `jiffies` on, or the next for a delay of 0.
    timer: w.loop.at((Math.floor(w.loop.now / JIFFY_NS) + Math.max(jiffies, 1)) * JIFFY_NS, () => neigh_proxy_process(w, ns, item)),
  };
  q.push(item);
}

/** neigh_proxy_process: a request whose time has come goes back to the protocol, if its device still runs. */
function neigh_proxy_process(w: World, ns: Namespace, item: Queued): void {
  const q = queue(ns);
  const i = q.indexOf(item);
  if (i < 0) return;
  q.splice(i, 1);
  const skb = item.skb;
  const here = w.device(skb.dev.id);
  if (!here || here.ns !== ns || !here.dev.up || !proxyRedo) {
    kfree_skb(w, skb, 'neigh_proxy_process', 'DEV_READY', `${skb.dev.name} no longer runs: the proxied request is dropped`);
    return;
  }
  skb.dev = here.dev;
  proxyRedo(w, skb);
}

/** pneigh_queue_purge: every request the namespace had queued is dropped. */
function pneigh_queue_purge(w: World, ns: Namespace): void {
  // peek: a namespace that never queued a request has nothing to purge (and gets no queue for it).
  const q = queue.peek(ns);
  if (q === undefined) return;
  for (const x of q.splice(0)) {
    w.loop.cancel(x.timer);
    kfree_skb(w, x.skb, 'pneigh_queue_purge', 'DEV_READY', 'a device of the namespace went down: the proxy queue is purged');
  }
}

/**
 * The pneigh half of __neigh_ifdown (device down, gone, or — neigh_carrier_down — without carrier): the
 * device's proxy entries go, and the proxy queue of the whole namespace is purged.
 */
export function pneigh_ifdown(w: World, ns: Namespace, ifindex: number): void {
  pneigh_delete(ns, (e) => e.ifindex === ifindex);
  pneigh_queue_purge(w, ns);
}
