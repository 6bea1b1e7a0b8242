/**
 * Netfilter's seams (include/linux/netfilter.h NF_HOOK): where the kernel hands a packet to the
 * iptables/nftables hooks before going on with `okfn`. No table is modelled yet, so every hook lets
 * every packet through — the calls stand where the kernel's do, so that a table model is an addition
 * here, not an edit of the stages. With no hook registered they cost one array check.
 */
import type { World } from '../sim/world.js';
import type { Skb } from '../core/skbuff.js';

/** The IPv4 hook points (NF_INET_*), and the bridge's (NF_BR_*). */
export type NfHook = 'PRE_ROUTING' | 'LOCAL_IN' | 'FORWARD' | 'LOCAL_OUT' | 'POST_ROUTING' | 'BR_PRE_ROUTING' | 'BR_LOCAL_IN' | 'BR_FORWARD' | 'BR_LOCAL_OUT' | 'BR_POST_ROUTING';

/** A hook's verdict: NF_ACCEPT goes on, NF_DROP ends the packet (the hook records why). */
export type NfVerdict = 'accept' | 'drop';
export type NfHookFn = (w: World, hook: NfHook, skb: Skb) => NfVerdict;

const hooks: NfHookFn[] = [];

/** nf_register_net_hook. */
export function nf_register_hook(fn: NfHookFn): void {
  hooks.push(fn);
}

/**
 * NF_HOOK: every registered hook sees the packet; if all accept, `okfn(w, skb, arg)` goes on with it
 * and its result is the hook's (a drop answers `dropped`: NET_XMIT_DROP does not tell the sender).
 * `arg` carries what the kernel keeps in the skb (its dst), so no closure is made per packet.
 */
export function NF_HOOK<A, T>(w: World, hook: NfHook, skb: Skb, okfn: (w: World, skb: Skb, arg: A) => T, arg: A, dropped: T): T {
  for (let i = 0; i < hooks.length; i++) if (hooks[i]!(w, hook, skb) === 'drop') return dropped;
  return okfn(w, skb, arg);
}
