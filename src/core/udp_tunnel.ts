/**
 * What a UDP tunnel driver (VXLAN) needs of the IPv4 stack (net/ipv4/udp_tunnel_core.c and the route
 * lookup it leans on): a route for the outer datagram, its transmission, and a kernel socket on a port.
 * The stack fills the table in at boot (udp_init); drivers call through it, so devices/ never imports
 * stack/ — as a module calls exported symbols of the core kernel rather than including its insides.
 */
import type { DeviceState } from '../sim/state.js';
import type { Namespace, World } from '../sim/world.js';
import type { Skb } from './skbuff.js';
import type { XmitResult } from './netdevice.js';
import type { Result } from './errno.js';

/** The outer flow (flowi4) of a tunnel's datagram. */
export interface TunnelFlow {
  readonly daddr: number;
  /** 0: let the route choose. */
  readonly saddr: number;
  /** The device the remote names (`via`), 0 for none. */
  readonly oif: number;
  readonly sport: number;
  readonly dport: number;
  readonly tos: number;
}

/** ip_route_output_key's answer: where the datagram goes, or why it cannot. */
export type TunnelRoute =
  | {
      readonly ok: true;
      readonly dev: DeviceState;
      readonly saddr: number;
      /** RTN_LOCAL: the remote is one of the namespace's own addresses. */
      readonly local: boolean;
      /** The stack's own route, handed back to xmit. */
      readonly handle: unknown;
    }
  | { readonly ok: false; readonly why: string };

/** The outer header's fields (udp_tunnel_xmit_skb's arguments). */
export interface TunnelHeader {
  readonly src: number;
  readonly dst: number;
  readonly tos: number;
  /** 0: the route's hop limit (ip4_dst_hoplimit). */
  readonly ttl: number;
}

/** A tunnel socket's encap_rcv: it owns the skb, whose data is the whole IP datagram; `udpAt` is where UDP starts. */
export type EncapRcv = (w: World, skb: Skb, udpAt: number) => void;

export interface UdpTunnelStack {
  route(ns: Namespace, flow: TunnelFlow): TunnelRoute;
  /** udp_tunnel_xmit_skb → iptunnel_xmit: `udp` (a whole UDP datagram) behind an IPv4 header, out along `route`. */
  xmit(w: World, skb: Skb, route: Extract<TunnelRoute, { ok: true }>, h: TunnelHeader, udp: Uint8Array): XmitResult;
  /** udp_sock_create + setup_udp_tunnel_sock: bind `port` on every address; EADDRINUSE if it is bound. */
  sock_bind(ns: Namespace, port: number, rcv: EncapRcv): Result;
  sock_release(ns: Namespace, port: number): void;
}

let registered: UdpTunnelStack | undefined;

/** The stack's registration, once at boot. */
export function udp_tunnel_register(stack: UdpTunnelStack): void {
  registered = stack;
}

/** The registered stack; a driver used before boot is a programming error. */
export function udp_tunnel(): UdpTunnelStack {
  if (!registered) throw new Error('no IPv4 stack registered for UDP tunnels (do_initcalls not run)');
  return registered;
}
