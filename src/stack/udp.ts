/**
 * UDP receive (net/ipv4/udp.c, __udp4_lib_rcv) for the only UDP sockets a simulated namespace has: the
 * kernel's own tunnel sockets (udp_tunnel_sock_cfg's encap_rcv — a VXLAN device's), bound to a port on
 * every address. A datagram for a port nobody has is answered with ICMP port unreachable, unless it
 * was a broadcast, and dropped (SKB_DROP_REASON_NO_SOCKET) — as on a real host with nothing listening.
 *
 * Checksums: every datagram here was sent by a simulated kernel through a veth, a bridge or Open
 * vSwitch, which leave it CHECKSUM_PARTIAL (the field holds the pseudo-header sum, see wire/udp.ts);
 * the kernel takes such a packet as verified, so nothing is checked here either.
 */
import type { Namespace, World } from '../sim/world.js';
import { pernetSlot } from '../sim/world.js';
import { kfree_skb, skb_trace, type Skb } from '../core/skbuff.js';
import { fail, OK, type Result } from '../core/errno.js';
import { IP_PROTO_UDP, ipv4Dst, ipv4HeaderLength, ipv4Src } from '../wire/ipv4.js';
import { UDP_HEADER_LEN, UdpPacket } from '../wire/udp.js';
import { ICMP_DEST_UNREACHABLE, UNREACH_PORT } from '../wire/icmp.js';
import { udp_tunnel_register, type EncapRcv, type TunnelFlow, type TunnelHeader, type TunnelRoute } from '../core/udp_tunnel.js';
import type { XmitResult } from '../core/netdevice.js';
import { icmp_send, type RawDelivery } from './icmp.js';
import { inet_add_protocol } from './ipv4-input.js';
import { buildDatagram, ip_output, nextIpId } from './ipv4-output.js';
import { fmt, ip_route_output, type OutputRoute } from './route.js';

/** The namespace's bound UDP ports (udp_table), each with its socket's receive function. */
const udpPorts = pernetSlot(() => new Map<number, EncapRcv>());

/** udp_sock_create + setup_udp_tunnel_sock: bind `port` on every address. EADDRINUSE if it is bound. */
export function udp_tunnel_sock_bind(ns: Namespace, port: number, rcv: EncapRcv): Result {
  const ports = udpPorts(ns);
  if (ports.has(port)) return fail('EADDRINUSE');
  ports.set(port, rcv);
  return OK;
}

/** udp_tunnel_sock_release. */
export function udp_tunnel_sock_release(ns: Namespace, port: number): void {
  udpPorts.peek(ns)?.delete(port);
}

/** Whether `port` has a socket in the namespace. */
export function udp_port_bound(ns: Namespace, port: number): boolean {
  return udpPorts.peek(ns)?.has(port) === true;
}

/** __udp4_lib_rcv. */
function udp_rcv(w: World, skb: Skb, _info: RawDelivery, broadcast: boolean): void {
  const d = skb.data;
  const at = ipv4HeaderLength(d);
  if (d.length < at + UDP_HEADER_LEN) {
    kfree_skb(w, skb, 'udp_rcv', 'PKT_TOO_SMALL', `${d.length - at} bytes after the IP header, fewer than a UDP header`);
    return;
  }
  const udp = UdpPacket.unchecked(d.subarray(at));
  const ulen = udp.length;
  if (ulen < UDP_HEADER_LEN || ulen > d.length - at) {
    kfree_skb(w, skb, 'udp_rcv', 'UDP_LEN', `UDP length ${ulen} in a ${d.length - at}-byte datagram`);
    return;
  }
  if (ulen < d.length - at) skb.data = d.subarray(0, at + ulen);
  const rcv = udpPorts.peek(skb.ns)?.get(udp.dstPort);
  if (rcv) {
    if (w.trace.detailed) skb_trace(w, skb, 'udp_queue_rcv_skb', `to the tunnel socket on port ${udp.dstPort}`);
    rcv(w, skb, at);
    return;
  }
  // No socket: a broadcast goes silently; anything else is told so.
  if (!broadcast) icmp_send(w, skb, ICMP_DEST_UNREACHABLE, UNREACH_PORT);
  kfree_skb(w, skb, 'udp_rcv', 'NO_SOCKET', `${fmt(ipv4Src(d))}.${udp.srcPort} > ${fmt(ipv4Dst(d))}.${udp.dstPort}: no socket on port ${udp.dstPort}`);
}

/** ip_route_output_key for a tunnel's outer flow (UDP, its ports and TOS in the flow keys). */
function udp_tunnel_route(ns: Namespace, f: TunnelFlow): TunnelRoute {
  const r = ip_route_output(ns.state, { daddr: f.daddr, saddr: f.saddr, oif: f.oif, keys: { proto: IP_PROTO_UDP, sport: f.sport, dport: f.dport, tos: f.tos & 0x1e } });
  if (!r.ok) return { ok: false, why: r.why };
  return { ok: true, dev: r.dev, saddr: r.saddr, local: r.type === 'local', handle: r };
}

/**
 * udp_tunnel_xmit_skb → iptunnel_xmit: the outer header (no DF: the tunnels here never set it; an id
 * from the namespace's counter), then ip_local_out. A 'EMSGSIZE' cannot happen without DF.
 */
function udp_tunnel_xmit(w: World, skb: Skb, route: Extract<TunnelRoute, { ok: true }>, h: TunnelHeader, udp: Uint8Array): XmitResult {
  const ns = skb.ns;
  const ttl = h.ttl || (ns.state.sysctl.ip_default_ttl ?? 64);
  skb.data = buildDatagram({ src: h.src, dst: h.dst, protocol: IP_PROTO_UDP, ttl, ident: nextIpId(ns), dontFragment: false, tos: h.tos }, udp);
  const r = ip_output(w, skb, route.handle as Extract<OutputRoute, { ok: true }>);
  return r === 'EMSGSIZE' ? 'ENOBUFS' : r;
}

export function udp_init(): void {
  inet_add_protocol(IP_PROTO_UDP, udp_rcv);
  udp_tunnel_register({ route: udp_tunnel_route, xmit: udp_tunnel_xmit, sock_bind: udp_tunnel_sock_bind, sock_release: udp_tunnel_sock_release });
}
