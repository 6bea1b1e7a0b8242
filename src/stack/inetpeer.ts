/**
 * The long-living peer information (net/ipv4/inetpeer.c) the ICMP error limits share: one token bucket
 * per remote address, counted in jiffies. ip_error charges it for the error it is about to send, and
 * icmp_send charges the same bucket again through inet_peer_xrlim_allow — so a forwarded reject costs
 * its sender twice.
 */
import { pernetSlot, type Namespace, type World } from '../sim/world.js';
import { JIFFY_NS } from '../core/neighbour.js';

export interface InetPeer {
  /** Tokens in jiffies. */
  rateTokens: number;
  /** The jiffy the bucket was last refilled at. */
  rateLast: number;
}

const HZ = 250;

/** The namespace's peers by address (net->ipv4.peers). */
const peers = pernetSlot<Map<number, InetPeer>>(() => new Map());

export function jiffies(w: World): number {
  return Math.floor(w.loop.now / JIFFY_NS);
}

/**
 * inet_getpeer_v4: the peer for `addr`, created on first use with an empty bucket last refilled a
 * minute ago — which every limit's cap turns into a full one. Unused peers are never reclaimed here:
 * one reclaimed and made again (after minutes) starts as full as a kept one has refilled to.
 */
export function inet_getpeer_v4(w: World, ns: Namespace, addr: number): InetPeer {
  const table = peers(ns);
  let p = table.get(addr);
  if (!p) {
    p = { rateTokens: 0, rateLast: jiffies(w) - 60 * HZ };
    table.set(addr, p);
  }
  return p;
}

/** XRLIM_BURST_FACTOR: a peer may save up six timeouts' worth. */
const XRLIM_BURST_FACTOR = 6;

/** inet_peer_xrlim_allow: one message per `timeout` jiffies, in bursts of up to six. */
export function inet_peer_xrlim_allow(w: World, peer: InetPeer, timeout: number): boolean {
  const now = jiffies(w);
  let token = peer.rateTokens;
  const delta = now - peer.rateLast;
  if (delta) {
    peer.rateLast = now;
    token = Math.min(token + delta, XRLIM_BURST_FACTOR * timeout);
  }
  let ok = false;
  if (token >= timeout) {
    token -= timeout;
    ok = true;
  }
  peer.rateTokens = token;
  return ok;
}

/** ip_rt_error_cost and ip_rt_error_burst: net.ipv4.route.error_cost/error_burst exist only in the initial namespace (measured: a new one's route/ holds flush, min_adv_mss, min_pmtu, mtu_expires). */
export const IP_RT_ERROR_COST = HZ;
export const IP_RT_ERROR_BURST = 5 * HZ;

/** ip_error's own bucket arithmetic on the peer (it refills and caps at error_burst, not at six timeouts). */
export function ip_error_allow(w: World, peer: InetPeer): boolean {
  const now = jiffies(w);
  peer.rateTokens = Math.min(peer.rateTokens + (now - peer.rateLast), IP_RT_ERROR_BURST);
  peer.rateLast = now;
  if (peer.rateTokens < IP_RT_ERROR_COST) return false;
  peer.rateTokens -= IP_RT_ERROR_COST;
  return true;
}

/** msecs_to_jiffies at HZ=250, which rounds up: how the kernel keeps a _ms sysctl such as icmp_ratelimit. */
export function msecsToJiffies(ms: number): number {
  return Math.ceil(ms / (1000 / HZ));
}

export function jiffiesToMsecs(j: number): number {
  return j * (1000 / HZ);
}
