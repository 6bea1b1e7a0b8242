/**
 * ARP for IPv4 over Ethernet (net/ipv4/arp.c): arp_rcv checks the frame, arp_process decides —
 * answer a request for one of our addresses (subject to arp_ignore, arp_filter and the source check
 * of ip_route_input → fib_validate_source), and learn the sender into the neighbour table.
 * arp_solicit sends the requests the neighbour table asks for, choosing their source by arp_announce.
 */
import { ARP_OP_REPLY, ARP_OP_REQUEST, emitArp, parseArp, type ArpRepr } from '../wire/arp.js';
import { BROADCAST_MAC, ETHERNET_HEADER_LEN, ETHERTYPE_ARP, macAt, ZERO_MAC } from '../wire/ethernet.js';
import { ipv4Src } from '../wire/ipv4.js';
import { inSubnet, networkOf, type Ipv4Address } from '../wire/ipv4.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, type DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import { alloc_skb, consume_skb, eth_header, kfree_skb, skb_trace, type Skb } from '../core/skbuff.js';
import { dev_queue_xmit } from '../core/dev.js';
import { neigh_carrier_down, neigh_changeaddr, neigh_lookup, neigh_lookup_create, neigh_update, NEIGH_PARMS } from '../core/neighbour.js';
import type { NetdevNotification } from '../core/notifier.js';
import type { DropReason } from '../sim/trace.js';
import { neigh_parm, pneigh_enqueue, pneigh_lookup } from '../core/pneigh.js';
import { devConf, forwarding } from './devconf.js';
import { fibTableLookup, inetAddrType, inetSelectAddr, localnetScope, SCOPE_VALUE } from './fib.js';
import { ip_route_input, ip_route_output, fmt } from './route.js';
import { icmp_send_unreach_for_local } from './icmp.js';


/** Route-input refusals that are about the sender: a request refused for these is dropped, and said so. */
const SOURCE_CHECKS: ReadonlySet<DropReason> = new Set(['IP_LOCAL_SOURCE', 'IP_RPFILTER', 'IP_INVALID_SOURCE', 'IP_LOCALNET']);

/** A refusal to answer, and why: arp_ignore's or arp_filter's. */
interface Refusal {
  readonly reason: DropReason;
  readonly why: string;
}


/** arp_create + arp_xmit. */
export function arp_send(w: World, ns: Namespace, dev: DeviceState, op: number, dstHw: string, sip: Ipv4Address, tip: Ipv4Address, targetHw: string | undefined): void {
  // arp_send_dst: no ARP on this interface.
  if (dev.noarp) return;
  const p = emitArp({ operation: op, senderMac: dev.mac, senderIp: sip, targetMac: targetHw ?? ZERO_MAC, targetIp: tip });
  const skb = alloc_skb(w, ns, dev, eth_header(dstHw, dev.mac, ETHERTYPE_ARP, p));
  if (w.trace.detailed) skb_trace(w, skb, 'arp_send', op === ARP_OP_REQUEST ? `who-has ${fmt(tip)} tell ${fmt(sip)}` : `${fmt(sip)} is-at ${dev.mac}`);
  dev_queue_xmit(w, skb);
}

/**
 * arp_solicit: ask who has `target`. The sender address follows arp_announce: 0 uses the waiting
 * packet's source if it is ours, 1 only if it is in the target's subnet, 2 always a primary address
 * of the device chosen for the target.
 */
export function arp_solicit(w: World, ns: Namespace, dev: DeviceState, target: Ipv4Address, unicastTo: string | undefined, waiting: Skb | undefined): void {
  const st = ns.state;
  const announce = devConf(st, dev, 'arp_announce');
  const pktSrc = waiting && waiting.data.length >= 20 ? ipv4Src(waiting.data) : undefined;
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
export function arp_rcv(w: World, skb: Skb): void {
  // The kernel consumes these without a drop reason ("do not tweak dropwatch on an ARP we will ignore").
  if (skb.dev.noarp) {
    consume_skb(w, skb, 'arp_rcv', `ignored: ${skb.dev.name} does not ARP (NOARP)`);
    return;
  }
  if (skb.pktType === 'otherhost' || skb.pktType === 'loopback') {
    consume_skb(w, skb, 'arp_rcv', `ignored: marked for another host (to ${macAt(skb.data, 0)}, or tagged for a VLAN ${skb.dev.name} has no device for)`);
    return;
  }
  const a = skb.data.subarray(ETHERNET_HEADER_LEN);
  const r = parseArp(a);
  if (!r.ok) {
    if (r.error.kind === 'truncated') kfree_skb(w, skb, 'arp_rcv', 'PKT_TOO_SMALL', `${a.length} bytes are too few for an Ethernet/IPv4 ARP packet`);
    else kfree_skb(w, skb, 'arp_rcv', 'INVALID_PROTO', 'not an Ethernet/IPv4 ARP packet');
    return;
  }
  skb.data = a;
  arp_process(w, skb, r.value);
}

/** arp_ignore: 1 answers only for addresses on the receiving device; 2 also wants the sender in its subnet. */
function arp_ignore(ns: Namespace, dev: DeviceState, sip: Ipv4Address, tip: Ipv4Address): Refusal | undefined {
  const mode = devConf(ns.state, dev, 'arp_ignore');
  const mine = ns.state.addrs.filter((x) => x.ifindex === dev.ifindex);
  const no = (why: string): Refusal => ({ reason: 'ARP_IGNORE', why });
  switch (mode) {
    case 0:
      return undefined;
    case 1:
      return mine.some((x) => x.local === tip) ? undefined : no(`arp_ignore=1 and ${fmt(tip)} is not configured on ${dev.name}`);
    case 2:
      // inet_confirm_addr (confirm_addr_indev): the target on this device, and any one of its subnets
      // holding both target and sender — not necessarily the target's own.
      return mine.some((x) => x.local === tip) &&
        mine.some((x) => inSubnet(tip, networkOf(x.local, x.prefixlen), x.prefixlen) && inSubnet(sip, networkOf(x.local, x.prefixlen), x.prefixlen))
        ? undefined
        : no(`arp_ignore=2 and ${fmt(tip)} is not on ${dev.name} in ${fmt(sip)}'s subnet`);
    case 3: {
      // inet_confirm_addr(net, NULL, 0, tip, RT_SCOPE_LINK): the target on any device, of scope link
      // or wider — where that device's route_localnet (localnet_scope) makes host scope count as link.
      const st = ns.state;
      const ok = st.addrs.some((x) => {
        const d = st.devices[x.ifindex];
        return x.local === tip && d !== undefined && Math.min(SCOPE_VALUE[x.scope], localnetScope(st, d)) <= SCOPE_VALUE.link;
      });
      return ok ? undefined : no(`arp_ignore=3 and ${fmt(tip)} has host scope`);
    }
    case 8:
      return no('arp_ignore=8: never answer');
    default:
      return undefined;
  }
}

/** arp_filter: answer only if the route back to the sender leaves through this device. */
function arp_filter(ns: Namespace, dev: DeviceState, sip: Ipv4Address, tip: Ipv4Address): Refusal | undefined {
  const r = ip_route_output(ns.state, { daddr: sip, saddr: tip, oif: 0 });
  if (!r.ok) return { reason: 'ARP_FILTER', why: `arp_filter=1 and there is no route back to ${fmt(sip)}` };
  return r.dev.ifindex === dev.ifindex ? undefined : { reason: 'ARP_FILTER', why: `arp_filter=1 and the route back to ${fmt(sip)} leaves through ${r.dev.name}` };
}

/**
 * arp_process: answer a request for one of our addresses (arp_ignore, arp_filter and ip_route_input's
 * source check permitting), and update the sender's neighbour entry if we have one — "we want to add an
 * entry to our cache if it is a reply to us or if it is a request for our address" (arp.c). Every
 * packet ends here: answered or processed (consumed), or refused with its reason.
 */
export function arp_process(w: World, skb: Skb, arp: ArpRepr, locallyEnqueued = false): void {
  const ns = skb.ns;
  const dev = skb.dev;
  const pkt = skb.pktType;
  const op = arp.operation;
  const sha = arp.senderMac;
  const sip = arp.senderIp;
  const tip = arp.targetIp;
  const now = w.loop.now;
  // Built only when something is said about it: most ARP frames are processed silently.
  const describe = () => (op === ARP_OP_REQUEST ? `ARP request who-has ${fmt(tip)} tell ${fmt(sip)}` : `ARP reply ${fmt(sip)} is-at ${sha}`);
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) {
    kfree_skb(w, skb, 'arp_process', 'INVALID_PROTO', `ARP operation ${op} is not handled`);
    return;
  }
  if (tip >>> 28 === 0xe || (tip >>> 24 === 127 && devConf(ns.state, dev, 'route_localnet') === 0)) {
    kfree_skb(w, skb, 'arp_process', 'ARP_BAD_TARGET', `${describe()}: a multicast or loopback target is never answered`);
    return;
  }
  if (sip === tip && devConf(ns.state, dev, 'drop_gratuitous_arp') !== 0) {
    kfree_skb(w, skb, 'arp_process', 'ARP_GRATUITOUS', `${describe()}: gratuitous ARP dropped (drop_gratuitous_arp)`);
    return;
  }
  if (sip === 0) {
    // Duplicate address detection probe (RFC 2131): answer if the target is ours.
    const answer = op === ARP_OP_REQUEST && inetAddrType(ns.state, tip) === 'local' && !arp_ignore(ns, dev, sip, tip);
    consume_skb(w, skb, 'arp_process', `${describe()}: duplicate address probe${answer ? ', answered' : ''}`);
    if (answer) arp_send(w, ns, dev, ARP_OP_REPLY, sha, tip, sip, sha);
    return;
  }
  /** A request refused for its sender ends as a drop — after the table update below, as the kernel does. */
  let refused: Refusal | undefined;
  let done: string | undefined;
  if (op === ARP_OP_REQUEST) {
    const rt = ip_route_input(ns.state, dev, sip, tip);
    if (rt.kind === 'local') {
      const no = arp_ignore(ns, dev, sip, tip) ?? (devConf(ns.state, dev, 'arp_filter') !== 0 ? arp_filter(ns, dev, sip, tip) : undefined);
      if (no) {
        kfree_skb(w, skb, 'arp_process', no.reason, `${describe()}: not answered — ${no.why}`);
        return;
      }
      neigh_lookup_create(w, ns, dev, sip);
      neigh_update(w, ns, dev, sip, sha, 'STALE', { override: true });
      consume_skb(w, skb, 'arp_process', `${describe()}: ${fmt(tip)} is ours, replying`);
      arp_send(w, ns, dev, ARP_OP_REPLY, sha, tip, sip, sha);
      return;
    }
    if (rt.kind === 'forward' && forwarding(dev)) {
      const why = arp_fwd_proxy(ns, dev, rt.outDev) ?? arp_fwd_pvlan(ns, dev, rt.outDev, sip, tip) ?? (rt.outDev.ifindex !== dev.ifindex && pneigh_lookup(ns, tip, dev.ifindex) ? `a proxy entry (ip neigh add proxy) for ${fmt(tip)}` : undefined);
      if (why !== undefined) {
        neigh_lookup_create(w, ns, dev, sip);
        neigh_update(w, ns, dev, sip, sha, 'STALE', { override: true });
        // A broadcast request waits in the proxy queue, so that the owner, if it is on the link, answers first.
        if (locallyEnqueued || pkt === 'host' || neigh_parm(dev, 'proxy_delay') === 0) {
          consume_skb(w, skb, 'arp_process', `${describe()}: ${fmt(tip)} is routed out of ${rt.outDev.name}; answering for it (${why})`);
          arp_send(w, ns, dev, ARP_OP_REPLY, sha, tip, sip, sha);
        } else pneigh_enqueue(w, skb);
        return;
      }
      // Not proxied: on to the table update, like any request that is not for us.
      done = `${describe()}: ${fmt(tip)} is not ours (forwarded out of ${rt.outDev.name}, not proxied)`;
    } else if (rt.kind === 'drop' && SOURCE_CHECKS.has(rt.reason)) {
      refused = { reason: rt.reason, why: `${dev.name} dropped the ARP request (who-has ${fmt(tip)} tell ${fmt(sip)}) because ${rt.why.replace(/^fib_validate_source: /, '')} (ip_route_input → fib_validate_source)` };
    } else if (rt.kind === 'drop') {
      // A request for an address that is not ours is normal processing, not a drop.
      done = `ARP request who-has ${fmt(tip)}: not ours (${rt.why})`;
    } else done = `${describe()}: ${fmt(tip)} is not ours`;
  }
  // Update our ARP tables: an existing entry always; a new one only as arp_accept allows — for a
  // gratuitous ARP, or a reply from a unicast address.
  let existing = neigh_lookup(ns, dev.ifindex, sip);
  const accept = arp_accept(ns, dev, sip);
  const garp = existing !== undefined || accept ? arp_is_garp(ns, dev, op, sip, tip, sha, arp.targetMac) : false;
  if (!existing && accept && (garp || (op === ARP_OP_REPLY && inet_addr_type_table(ns, sip) === 'unicast'))) {
    neigh_lookup_create(w, ns, dev, sip);
    existing = neigh_lookup(ns, dev.ifindex, sip);
  }
  if (existing) {
    // A gratuitous ARP overrides the lock time that otherwise keeps the first of several answers.
    const override = now > existing.updated + NEIGH_PARMS.locktime || garp;
    const state = op !== ARP_OP_REPLY || pkt !== 'host' ? 'STALE' : 'REACHABLE';
    neigh_update(w, ns, dev, sip, sha, state, { override });
    done = `${describe()}: neighbour ${fmt(sip)} updated (${state}${garp ? ', gratuitous' : ''})`;
  } else if (op === ARP_OP_REPLY || garp) done = `${describe()}: unsolicited ${garp ? 'gratuitous ARP' : 'reply'} ignored (arp_accept=${devConf(ns.state, dev, 'arp_accept')})`;
  if (refused) kfree_skb(w, skb, 'arp_process', refused.reason, refused.why);
  else consume_skb(w, skb, 'arp_process', done ?? describe());
}

/**
 * arp_fwd_proxy: proxy_arp (OR of all and the device) answers for an address routed out of another
 * device. medium_id is not simulated (every device has 0, "proxy for all").
 */
function arp_fwd_proxy(ns: Namespace, dev: DeviceState, out: DeviceState): string | undefined {
  if (out.ifindex === dev.ifindex || devConf(ns.state, dev, 'proxy_arp') === 0) return undefined;
  return 'proxy_arp';
}

/** arp_fwd_pvlan: proxy_arp_pvlan (the device's own value) answers for hosts on the same link, not for self-probes. */
function arp_fwd_pvlan(ns: Namespace, dev: DeviceState, out: DeviceState, sip: Ipv4Address, tip: Ipv4Address): string | undefined {
  if (out.ifindex !== dev.ifindex || sip === tip || devConf(ns.state, dev, 'proxy_arp_pvlan') === 0) return undefined;
  return 'proxy_arp_pvlan';
}

/**
 * arp_accept (MAX of all and the device): may an unsolicited ARP create an entry? 1 yes; 2 only for a
 * sender inside a subnet of the receiving device (inet_confirm_addr at link scope); else no.
 */
function arp_accept(ns: Namespace, dev: DeviceState, sip: Ipv4Address): boolean {
  switch (devConf(ns.state, dev, 'arp_accept')) {
    case 1:
      return true;
    case 2: {
      const mine = ns.state.addrs.filter((x) => x.ifindex === dev.ifindex);
      return mine.some((x) => x.scope !== 'host') && mine.some((x) => inSubnet(sip, networkOf(x.local, x.prefixlen), x.prefixlen));
    }
    default:
      return false;
  }
}

/** inet_addr_type_dev_table: what the local table makes of an address; anything it does not hold is unicast. */
function inet_addr_type_table(ns: Namespace, a: Ipv4Address): string {
  if (a >>> 24 === 0 || a === 0xffffffff) return 'broadcast';
  if (a >>> 28 === 0xe) return 'multicast';
  const r = fibTableLookup(ns.state, RT_TABLE_LOCAL, { daddr: a, saddr: 0, oif: 0, iif: 0 });
  return r ? r.type : 'unicast';
}

/** parp_redo: a request back from the proxy queue goes through arp_process again, LOCALLY_ENQUEUED. */
function parp_redo(w: World, skb: Skb): void {
  const r = parseArp(skb.data);
  if (r.ok) arp_process(w, skb, r.value, true);
}

/** neigh_ops for ARP: how the neighbour table asks, and what it does with packets nobody answered for. */
export const arp_neigh_ops = {
  solicit: arp_solicit,
  error_report: (w: World, _ns: Namespace, skb: Skb) => icmp_send_unreach_for_local(w, skb),
  proxy_redo: parp_redo,
};

/**
 * arp_is_garp: sender and target address the same — for a reply also the same hardware addresses — and
 * the address a unicast one for the device (inet_addr_type_dev_table: the local table, where the main
 * table is merged in while no rule is custom).
 */
function arp_is_garp(ns: Namespace, dev: DeviceState, op: number, sip: Ipv4Address, tip: Ipv4Address, sha: string, tha: string): boolean {
  if (sip !== tip) return false;
  if (op === ARP_OP_REPLY && tha !== sha) return false;
  const flow = { daddr: sip, saddr: 0, oif: 0, iif: 0 };
  const r = fibTableLookup(ns.state, RT_TABLE_LOCAL, flow) ?? fibTableLookup(ns.state, RT_TABLE_MAIN, flow);
  const type = r === undefined || (r.dev !== undefined && r.dev !== dev.ifindex) ? 'unicast' : r.type;
  return type === 'unicast';
}

/**
 * arp_netdev_event: a device whose own address changed forgets its neighbours (neigh_changeaddr); one
 * that lost its carrier forgets all but the permanent ones, unless arp_evict_nocarrier (conf/all AND
 * the device's) is off.
 */
export function arp_netdev_event(n: NetdevNotification): void {
  const { w, ns, dev } = n;
  // A change of NOARP flushes the device's entries as a new address does.
  if (n.event === 'NETDEV_CHANGEADDR' || (n.event === 'NETDEV_CHANGE' && n.flagsChanged?.noarp)) neigh_changeaddr(w, ns, dev.ifindex);
  else if (n.event === 'NETDEV_CHANGE' && !dev.carrier && devConf(ns.state, dev, 'arp_evict_nocarrier') !== 0) neigh_carrier_down(w, ns, dev.ifindex);
}
