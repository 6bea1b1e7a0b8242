/**
 * print_linkinfo (ip/ipaddress.c): the two lines `ip link` and `ip addr` print for a device.
 *
 *   3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000
 *       link/ether 2e:fb:49:4f:23:3a brd ff:ff:ff:ff:ff:ff
 *
 * "mode DEFAULT" only in `ip link`. A veth names its peer by name when it is in the same namespace
 * (and says M-DOWN while that peer is down), by "if<ifindex>" plus link-netns/link-netnsid otherwise.
 */
import type { DeviceState } from '../../sim/state.js';
import type { Namespace, World } from '../../sim/world.js';
import { peernet2idAlloc } from './nsid.js';
import { linkDetails } from './link-details.js';
import { netdev_ops } from '../../core/netdevice.js';

export type OperState = 'UNKNOWN' | 'DOWN' | 'LOWERLAYERDOWN' | 'UP';

/**
 * The RFC 2863 state the kernel reports (rfc2863_policy): DOWN while the device is down; lo never sets
 * one (UNKNOWN); without carrier a device stacked on another link (a veth: its iflink is its peer) is
 * LOWERLAYERDOWN, others DOWN.
 */
export function operState(dev: DeviceState): OperState {
  if (!dev.up) return 'DOWN';
  if (dev.kind === 'loopback' || dev.kind === 'ovs-internal') return 'UNKNOWN';
  // A bridge whose carrier was never recomputed (no port yet) never had its operstate set either.
  if (dev.kind === 'bridge' && !dev.carrierComputed) return 'UNKNOWN';
  // What linkwatch kept at the device's last carrier change.
  if (dev.operstate !== undefined) return dev.operstate;
  if (dev.carrier) return 'UP';
  return dev.kind === 'veth' ? 'LOWERLAYERDOWN' : 'DOWN';
}

interface PeerInfo {
  readonly label: string;
  readonly mDown: boolean;
  readonly netns: string | undefined;
}

/**
 * The "@peer" part and the link-netns field (IFLA_LINK: a veth's peer, a macvlan's lower device),
 * allocating the peer namespace's id as a dump does.
 */
export function peerInfo(w: World, ns: Namespace, dev: DeviceState): PeerInfo | undefined {
  const iflink = netdev_ops(dev).iflink;
  if (!iflink) return undefined;
  const peer = iflink(w, dev);
  if (!peer) return { label: 'NONE', mDown: false, netns: undefined };
  if (peer.ns === ns) return { label: peer.dev.name, mDown: !peer.dev.up, netns: undefined };
  const id = peernet2idAlloc(w, ns, peer.ns);
  // get_name_from_nsid: the peer is shown by name when it has one under /run/netns.
  const named = peer.ns.name !== '' && w.namespaces.get(peer.ns.name) === peer.ns;
  return { label: `if${peer.dev.ifindex}`, mDown: false, netns: named ? ` link-netns ${peer.ns.name}` : ` link-netnsid ${id}` };
}

export function linkFlags(dev: DeviceState, mDown: boolean): string {
  const f: string[] = [];
  const running = dev.up && (operState(dev) === 'UP' || operState(dev) === 'UNKNOWN');
  if (dev.up && !running) f.push('NO-CARRIER');
  if (dev.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (dev.promisc) f.push('PROMISC');
  if (dev.up) f.push('UP');
  if (dev.up && dev.carrier) f.push('LOWER_UP');
  return `<${f.join(',')}${mDown ? ',M-DOWN' : ''}>`;
}

export interface LinkLineOptions {
  /** `ip link` (do_link): print "mode DEFAULT". */
  readonly link: boolean;
  /** -o: the second line follows a '\' on the same line. */
  readonly oneline: boolean;
  /** The link/ether line (not with `ip -4 addr`). */
  readonly linkLayer: boolean;
  /** -details: the link-layer line goes on with the device's attributes, then its kind's (link-details.ts). */
  readonly details?: boolean;
}

export function printLinkinfo(w: World, ns: Namespace, dev: DeviceState, o: LinkLineOptions): string {
  const p = peerInfo(w, ns, dev);
  const name = p ? `${dev.name}@${p.label}` : dev.name;
  const master = dev.master === undefined ? undefined : w.device(dev.master);
  let line = `${dev.ifindex}: ${name}: ${linkFlags(dev, p?.mDown ?? false)} mtu ${dev.mtu} qdisc ${dev.up || dev.qdiscAttached ? 'noqueue' : 'noop'} `;
  if (master && master.ns === ns) line += `master ${master.dev.name} `;
  line += `state ${operState(dev)} `;
  if (o.link) line += 'mode DEFAULT ';
  line += 'group default ';
  if (dev.txqlen) line += `qlen ${dev.txqlen}`;
  if (!o.linkLayer) return `${line}\n`;
  const lo = dev.kind === 'loopback';
  const sep = o.oneline ? '\\' : '\n';
  let second = `    link/${lo ? 'loopback' : 'ether'} ${dev.mac} brd ${lo ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'}${p?.netns ?? ''}`;
  if (o.details) second += ` ${linkDetails(w, ns, dev, { sep, link: o.link })}`;
  return `${line}${sep}${second}\n`;
}

/** The devices of a namespace in the order a dump returns them: by ifindex. */
export function devicesInOrder(ns: Namespace): DeviceState[] {
  return Object.values(ns.state.devices).sort((a, b) => a.ifindex - b.ifindex);
}

/** A link's kind as IFLA_INFO_KIND names it (lo has none). */
export function linkKind(dev: DeviceState): string | undefined {
  return netdev_ops(dev).infoKind;
}
