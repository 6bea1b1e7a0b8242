/**
 * ip_error (net/ipv4/route.c): the input handler of the unreachable route ip_route_input_slow builds
 * when a forwarding device's lookup fails. The errno the lookup met decides: a blackhole (EINVAL) is
 * dropped without a word, an unreachable route answers host unreachable, prohibit "packet filtered",
 * no route (or a throw off the end) net unreachable — each only while the sender's inet_peer bucket
 * holds a second of tokens.
 */
import { ipv4Src } from '../wire/ipv4.js';
import { ICMP_DEST_UNREACHABLE, UNREACH_ADMIN_PROHIBITED, UNREACH_HOST, UNREACH_NET } from '../wire/icmp.js';
import type { World } from '../sim/world.js';
import { kfree_skb, type Skb } from '../core/skbuff.js';
import type { FibError } from './fib.js';
import { icmp_send } from './icmp.js';
import { inet_getpeer_v4, ip_error_allow } from './inetpeer.js';
import { fmt } from './route.js';

const CODE: Readonly<Record<Exclude<FibError, 'EINVAL'>, number>> = {
  EHOSTUNREACH: UNREACH_HOST,
  ENETUNREACH: UNREACH_NET,
  EACCES: UNREACH_ADMIN_PROHIBITED,
};

export function ip_error(w: World, skb: Skb, error: FibError, why: string): void {
  if (error === 'EINVAL') {
    kfree_skb(w, skb, 'ip_error', 'IP_INNOROUTES', `${why}: dropped silently`);
    return;
  }
  const peer = inet_getpeer_v4(w, skb.ns, ipv4Src(skb.data));
  const send = ip_error_allow(w, peer);
  kfree_skb(w, skb, 'ip_error', 'IP_INNOROUTES', send ? `${why}: ICMP unreachable code ${CODE[error]}` : `${why}: no ICMP, ${fmt(ipv4Src(skb.data))}'s error bucket is below ip_rt_error_cost`);
  if (send) icmp_send(w, skb, ICMP_DEST_UNREACHABLE, CODE[error]);
}
