/**
 * ARP for IPv4 over Ethernet (net/ipv4/arp.c): arp_rcv checks the frame, arp_process decides —
 * answer a request for one of our addresses (subject to arp_ignore, arp_filter and the source check
 * of ip_route_input → fib_validate_source), and learn the sender into the neighbour table.
 * arp_solicit sends the requests the neighbour table asks for, choosing their source by arp_announce.
 */
import { ARP_OP_REPLY, ARP_OP_REQUEST } from '../wire/arp.js';
import { get32, set32 } from '../wire/bytes.js';
import { BROADCAST_MAC, ETHERTYPE_ARP } from '../wire/ethernet.js';
import { inSubnet, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { ethFrame, macAt, macBytes, type PktType } from '../devices/frame.js';
import { dev_queue_xmit } from '../devices/netdev.js';
import { devConf, forwarding } from './devconf.js';
import { inetAddrType, inetSelectAddr, SCOPE_VALUE } from './fib.js';
import { ip_route_input, ip_route_output, fmt } from './route.js';
import { neigh_lookup_create, neigh_update, NEIGH_PARMS } from './neighbour.js';

const ARP_LEN = 28;

/** Route-input refusals that are about the sender: a request refused for these is dropped, and said so. */
const SOURCE_CHECKS: ReadonlySet<string> = new Set(['IP_LOCAL_SOURCE', 'IP_RPFILTER', 'IP_INVALID_SOURCE']);


/** arp_create + arp_xmit. */
export function arp_send(w: World, ns: Namespace, dev: DeviceState, op: number, dstHw: string, sip: Ipv4Address, tip: Ipv4Address, targetHw: string | undefined): void {
  const p = new Uint8Array(ARP_LEN);
  p[1] = 1; // htype Ethernet
  p[2] = 0x08; // ptype IPv4
  p[4] = 6;
  p[5] = 4;
  p[7] = op;
  p.set(macBytes(dev.mac), 8);
  set32(p, 14, sip);
  if (targetHw !== undefined) p.set(macBytes(targetHw), 18);
  set32(p, 24, tip);
  if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'arp_send', op === ARP_OP_REQUEST ? `who-has ${fmt(tip)} tell ${fmt(sip)}` : `${fmt(sip)} is-at ${dev.mac}`);
  dev_queue_xmit(w, ns, dev, ethFrame(dstHw, dev.mac, ETHERTYPE_ARP, p));
}

/**
 * arp_solicit: ask who has `target`. The sender address follows arp_announce: 0 uses the waiting
 * packet's source if it is ours, 1 only if it is in the target's subnet, 2 always a primary address
 * of the device chosen for the target.
 */
export function arp_solicit(w: World, ns: Namespace, dev: DeviceState, target: Ipv4Address, unicastTo: string | undefined, waiting: Uint8Array | undefined): void {
  const st = ns.state;
  const announce = devConf(st, dev, 'arp_announce');
  const pktSrc = waiting && waiting.length >= 20 ? get32(waiting, 12) : undefined;
  let saddr = 0;
  if (announce === 0 || announce > 2) {
    if (pktSrc !== undefined && inetAddrType(st, pktSrc) === 'local') saddr = pktSrc;
  } else if (announce === 1) {
    if (pktSrc !== undefined && inetAddrType(st, pktSrc) === 'local') {
      const onlink = st.addrs.some((a) => a.ifindex === dev.ifindex && inSubnet(target, networkOf(a.local, a.prefixlen), a.prefixlen) && inSubnet(pktSrc, networkOf(a.local, a.prefixlen), a.prefixlen));
      if (onlink) saddr = pktSrc;
    }
  }
  if (saddr === 0) saddr = inetSelectAddr(st, dev.ifindex, target, SCOPE_VALUE.link);
  arp_send(w, ns, dev, ARP_OP_REQUEST, unicastTo ?? BROADCAST_MAC, saddr, target, undefined);
}

/** arp_rcv: sanity checks before arp_process. */
export function arp_rcv(w: World, ns: Namespace, dev: DeviceState, frame: Uint8Array, pkt: PktType): void {
  // The kernel consumes these without a drop reason ("do not tweak dropwatch on an ARP we will ignore").
  if (pkt === 'otherhost') {
    if (w.trace.detailed) w.trace.step(w.loop.now, ns.name, dev.name, 'arp_rcv', `ignored: marked for another host (to ${macAt(frame, 0)}, or tagged for a VLAN ${dev.name} has no device for)`);
    return;
  }
  const a = frame.subarray(14);
  if (a.length < ARP_LEN || a[0] !== 0 || a[1] !== 1 || a[2] !== 0x08 || a[3] !== 0 || a[4] !== 6 || a[5] !== 4) {
    w.trace.drop(w.loop.now, ns.name, dev.name, 'arp_rcv', 'NOT_SPECIFIED', 'not an Ethernet/IPv4 ARP packet');
    return;
  }
  arp_process(w, ns, dev, a, pkt);
}

/** arp_ignore: 1 answers only for addresses on the receiving device; 2 also wants the sender in its subnet. */
function arpIgnored(ns: Namespace, dev: DeviceState, sip: Ipv4Address, tip: Ipv4Address): string | undefined {
  const mode = devConf(ns.state, dev, 'arp_ignore');
  const mine = ns.state.addrs.filter((x) => x.ifindex === dev.ifindex);
  switch (mode) {
    case 0:
      return undefined;
    case 1:
      return mine.some((x) => x.local === tip) ? undefined : `arp_ignore=1 and ${fmt(tip)} is not configured on ${dev.name}`;
    case 2:
      // inet_confirm_addr (confirm_addr_indev): the target on this device, and any one of its subnets
      // holding both target and sender — not necessarily the target's own.
      return mine.some((x) => x.local === tip) &&
        mine.some((x) => inSubnet(tip, networkOf(x.local, x.prefixlen), x.prefixlen) && inSubnet(sip, networkOf(x.local, x.prefixlen), x.prefixlen))
        ? undefined
        : `arp_ignore=2 and ${fmt(tip)} is not on ${dev.name} in ${fmt(sip)}'s subnet`;
    case 3:
      return mine.some((x) => x.local === tip && x.scope !== 'host') ? undefined : `arp_ignore=3 and ${fmt(tip)} has host scope`;
    case 8:
      return 'arp_ignore=8: never answer';
    default:
      return undefined;
  }
}

/** arp_filter: answer only if the route back to the sender leaves through this device. */
function arpFiltered(ns: Namespace, dev: DeviceState, sip: Ipv4Address, tip: Ipv4Address): string | undefined {
  const r = ip_route_output(ns.state, { daddr: sip, saddr: tip, oif: 0 });
  if (!r.ok) return `arp_filter=1 and there is no route back to ${fmt(sip)}`;
  return r.dev.ifindex === dev.ifindex ? undefined : `arp_filter=1 and the route back to ${fmt(sip)} leaves through ${r.dev.name}`;
}

export function arp_process(w: World, ns: Namespace, dev: DeviceState, a: Uint8Array, pkt: PktType): void {
  const op = ((a[6] as number) << 8) | (a[7] as number);
  const sha = macAt(a, 8);
  const sip = get32(a, 14);
  const tip = get32(a, 24);
  const now = w.loop.now;
  // Built only when something is said about it: most ARP frames are processed silently.
  const describe = () => (op === ARP_OP_REQUEST ? `ARP request who-has ${fmt(tip)} tell ${fmt(sip)}` : `ARP reply ${fmt(sip)} is-at ${sha}`);
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) {
    w.trace.drop(now, ns.name, dev.name, 'arp_process', 'NOT_SPECIFIED', `ARP operation ${op} is not handled`);
    return;
  }
  if (tip >>> 28 === 0xe || (tip >>> 24 === 127 && devConf(ns.state, dev, 'route_localnet') === 0)) {
    w.trace.drop(now, ns.name, dev.name, 'arp_process', 'NOT_SPECIFIED', `${describe()}: a multicast or loopback target is never answered`);
    return;
  }
  if (sip === tip && devConf(ns.state, dev, 'drop_gratuitous_arp') !== 0) {
    w.trace.drop(now, ns.name, dev.name, 'arp_process', 'NOT_SPECIFIED', `${describe()}: gratuitous ARP dropped (drop_gratuitous_arp)`);
    return;
  }
  if (sip === 0) {
    // Duplicate address detection probe (RFC 2131): answer if the target is ours.
    if (op === ARP_OP_REQUEST && inetAddrType(ns.state, tip) === 'local' && !arpIgnored(ns, dev, sip, tip)) arp_send(w, ns, dev, ARP_OP_REPLY, sha, tip, sip, sha);
    return;
  }
  if (op === ARP_OP_REQUEST) {
    const rt = ip_route_input(ns.state, dev, sip, tip);
    if (rt.kind === 'local') {
      const ignored = arpIgnored(ns, dev, sip, tip) ?? (devConf(ns.state, dev, 'arp_filter') !== 0 ? arpFiltered(ns, dev, sip, tip) : undefined);
      if (ignored) {
        w.trace.drop(now, ns.name, dev.name, 'arp_process', ignored.startsWith('arp_filter') ? 'ARP_FILTER' : 'ARP_IGNORE', `${describe()}: not answered — ${ignored}`);
        return;
      }
      neigh_lookup_create(w, ns, dev, sip);
      neigh_update(w, ns, dev, sip, sha, 'STALE', { override: true });
      if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'arp_process', `${describe()}: ${fmt(tip)} is ours, replying`);
      arp_send(w, ns, dev, ARP_OP_REPLY, sha, tip, sip, sha);
      return;
    }
    if (rt.kind === 'forward' && forwarding(dev)) {
      // Proxy ARP is not modelled: a request for a forwarded address is consumed unanswered.
      if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'arp_process', `${describe()}: ${fmt(tip)} is not ours (forwarded, no proxy_arp)`);
      return;
    }
    if (rt.kind === 'drop' && SOURCE_CHECKS.has(rt.reason)) {
      w.trace.drop(now, ns.name, dev.name, 'arp_process', rt.reason, `${dev.name} dropped the ARP request (who-has ${fmt(tip)} tell ${fmt(sip)}) because ${rt.why.replace(/^fib_validate_source: /, '')} (ip_route_input → fib_validate_source)`);
      // It still falls through to update an existing entry for the sender, as the kernel does.
    } else if (rt.kind === 'drop' && w.trace.detailed) {
      // A request for an address that is not ours is normal processing, not a drop.
      w.trace.step(now, ns.name, dev.name, 'arp_process', `ARP request who-has ${fmt(tip)}: not ours (${rt.why})`);
    }
  }
  // Update our ARP tables: only an existing entry (unsolicited ARP is not accepted by default).
  const existing = ns.neighFast(dev.ifindex, sip);
  if (existing) {
    const override = now > existing.updated + NEIGH_PARMS.locktime;
    const state = op !== ARP_OP_REPLY || pkt !== 'host' ? 'STALE' : 'REACHABLE';
    neigh_update(w, ns, dev, sip, sha, state, { override });
    if (w.trace.detailed) w.trace.step(now, ns.name, dev.name, 'arp_process', `${describe()}: neighbour ${fmt(sip)} updated (${state})`);
  } else if (w.trace.detailed) {
    // Not a drop: the kernel consumes these (consume_skb) as normal processing.
    if (op === ARP_OP_REPLY) w.trace.step(now, ns.name, dev.name, 'arp_process', `${describe()}: unsolicited reply ignored (arp_accept=0)`);
    else if (ip_route_input(ns.state, dev, sip, tip).kind !== 'drop') w.trace.step(now, ns.name, dev.name, 'arp_process', `${describe()}: ${fmt(tip)} is not ours`);
  }
}
