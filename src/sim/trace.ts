/**
 * What happened to every packet, stage by stage, and why anything was dropped. Stages carry the names
 * of the kernel functions they model (veth_xmit, arp_process, ip_route_input, ...); drop reasons are
 * the kernel's SKB_DROP_REASON_* names. Drops are always recorded; the per-stage path, the normal ends
 * of packets and the state changes only when asked (`--explain`, the terminal UI), so the hot path
 * stays cheap.
 *
 * Every event has a sequence number (its index in `events`), and the world's state history is kept
 * against the same sequence (see World.history): the state before and after any event is exact, even
 * among the many events that share one virtual instant.
 */

/**
 * Why a packet was dropped: the kernel's `enum skb_drop_reason` (include/net/dropreason-core.h) where
 * it has one. A few names are the simulator's own, for decisions the kernel takes without freeing the
 * packet as a drop (it consumes it unanswered) or without a reason of its own; each says so.
 */
export type DropReason =
  /** The packet's link-layer destination is another host (the device is promiscuous, or the frame was tagged for a VLAN with no device). */
  | 'OTHERHOST'
  /** The device is not up (IFF_UP is not set), or went away with the packet on its way. */
  | 'DEV_READY'
  /** The device is up but has no carrier: its queue is the noop qdisc (dev_deactivate). The kernel counts it as a qdisc drop; simulator's name. */
  | 'NOCARRIER'
  /** No protocol handler for the frame's ethertype. */
  | 'UNHANDLED_PROTO'
  /** Larger than the MTU allows (with DF set, or on a veth whose peer's MTU is smaller). */
  | 'PKT_TOO_BIG'
  /** Fewer bytes than the header needs (an ARP packet cut short). */
  | 'PKT_TOO_SMALL'
  /**
   * The packet breaks its protocol's rules: an ARP packet for another hardware or protocol type or with
   * an unknown operation, an ICMP echo to a broadcast address while icmp_echo_ignore_broadcasts is set.
   */
  | 'INVALID_PROTO'
  /** Bad IPv4 header checksum. */
  | 'IP_CSUM'
  /** Something wrong in the IPv4 header (version, length). */
  | 'IP_INHDR'
  /** The source is one of our own addresses and accept_local is off (fib_validate_source). */
  | 'IP_LOCAL_SOURCE'
  /** Reverse-path filtering (rp_filter) refused the source. */
  | 'IP_RPFILTER'
  /** A martian source: multicast, limited broadcast, zero network. */
  | 'IP_INVALID_SOURCE'
  /** A martian destination: zero network, or a route type nothing may be forwarded to. */
  | 'IP_INVALID_DEST'
  /** 127/8 as source or destination on a device without route_localnet. */
  | 'IP_LOCALNET'
  /** Not for us and this device does not forward (ip_forward=0): host unreachable in the kernel's counters. */
  | 'IP_INADDRERRORS'
  /** No route for an arriving packet. */
  | 'IP_INNOROUTES'
  /** No route for a packet we send. */
  | 'IP_OUTNOROUTES'
  /** No handler for the IP protocol. */
  | 'IP_NOPROTO'
  /** Bad ICMP checksum. */
  | 'ICMP_CSUM'
  /** icmp_echo_ignore_all is set: the kernel consumes the request unanswered; simulator's name. */
  | 'ICMP_ECHO_IGNORE_ALL'
  /** An ICMP error not sent: its destination's inet_peer bucket is short of icmp_ratelimit (ICMP_MIB_RATELIMITHOST); nothing is freed in the kernel, simulator's name. */
  | 'ICMP_RATELIMIT'
  /** arp_ignore refused to answer: the kernel consumes the request unanswered; simulator's name. */
  | 'ARP_IGNORE'
  /** arp_filter refused to answer (the route back leaves through another device): consumed unanswered in the kernel; simulator's name. */
  | 'ARP_FILTER'
  /** Gratuitous ARP dropped by drop_gratuitous_arp. */
  | 'ARP_GRATUITOUS'
  /** A multicast or loopback target, which ARP never answers. */
  | 'ARP_BAD_TARGET'
  /** The neighbour did not answer: the packets that waited for it go (arp_error_report sends ICMP host unreachable). */
  | 'NEIGH_FAILED'
  /** Too many packets waiting for the neighbour's resolution: the oldest goes. */
  | 'NEIGH_QUEUEFULL'
  /** The neighbour entry the packet waited on was flushed (its device's address changed, or it lost carrier). */
  | 'NEIGH_DEAD'
  /** TTL ran out on the forwarding path (ICMP time exceeded goes back). */
  | 'TTL_EXPIRED'
  /** Fragments of a datagram that never arrived whole. */
  | 'FRAG_REASM_TIMEOUT'
  /** The bridge learned the destination behind the port the frame came in on (br_forward's should_deliver); the kernel frees it without a reason; simulator's name. */
  | 'BR_SAME_PORT'
  /** The port's STP state takes no frames (disabled, listening, blocking; learning learns and drops them); the kernel frees it without a reason; simulator's name. */
  | 'BR_PORT_STATE'
  /** should_deliver refused the port the destination is on (not forwarding, or isolated from the ingress); simulator's name. */
  | 'BR_SHOULD_DELIVER'
  /**
   * A macvlan port's broadcast queue is full (bc_queue_len_used frames; bcqueuelen 0 takes none): the
   * copy for its macvlans goes, counted as the lower device's rx_dropped. The kernel frees it without
   * a reason; simulator's name.
   */
  | 'MACVLAN_BROADCAST_QUEUE'
  /** Open vSwitch: the flow's actions end without an output (table miss, no actions, or NORMAL refusing the frame — the why says what xlate_report says). */
  | 'OVS_DROP_LAST_ACTION'
  /** Open vSwitch: the flow says drop. */
  | 'OVS_DROP_EXPLICIT'
  /** A UDP datagram for a port no socket is bound to (ICMP port unreachable goes back unless it was a broadcast). */
  | 'NO_SOCKET'
  /** A UDP datagram whose length field disagrees with the datagram. */
  | 'UDP_LEN'
  /** VXLAN: a header with the I flag clear, or another flag or reserved bit set. */
  | 'VXLAN_INVALID_HDR'
  /** VXLAN: no device of the socket carries the header's VNI. */
  | 'VXLAN_VNI_NOT_FOUND'
  /** VXLAN: the inner frame's source MAC is the receiving device's own (a loop, or its own flood come back). */
  | 'LOCAL_MAC'
  /** VXLAN: the inner source MAC is a static entry of the fdb pointing elsewhere, which learning may not move. */
  | 'VXLAN_ENTRY_EXISTS'
  /** VXLAN: no fdb entry for the destination and no default remote (all-zeros entry) to send it to. */
  | 'VXLAN_NO_REMOTE'
  /** The tunnel's route failed: none to the remote (ENETUNREACH: tx_carrier_errors) or back through the tunnel itself (ELOOP: collisions). */
  | 'IP_TUNNEL_ROUTE'
  /** ECN decapsulation: the outer header says CE over an inner packet that is not ECN-capable (rx_frame_errors). */
  | 'IP_TUNNEL_ECN'
  /** The storm guard stopped the run. */
  | 'STORM_GUARD';

/** A step on a packet's way, a drop, the normal end of a packet (the kernel's consume_skb), or a change of state. */
export type TraceKind = 'step' | 'drop' | 'consume' | 'state';

export interface TraceEvent {
  /** The event's index in the trace: one order shared with the state history. */
  readonly seq: number;
  /** Virtual time, ns. */
  readonly t: number;
  /** Namespace name ('' is the script's own) and device, where it happened. */
  readonly ns: string;
  readonly dev: string | undefined;
  readonly stage: string;
  readonly what: string;
  readonly kind: TraceKind;
  readonly drop: DropReason | undefined;
  /** The packet it is about (its skb's id); undefined for pure state events. */
  readonly pkt: number | undefined;
  /** On a clone's first event: the packet it was cloned from. */
  readonly parent: number | undefined;
  /** The script line being run when it happened; undefined once the script has ended. */
  readonly line: number | undefined;
}

export class Trace {
  readonly events: TraceEvent[] = [];
  /** The script line running now, stamped on every event (the runner sets it). */
  line: number | undefined = undefined;
  constructor(public detailed: boolean) {}

  private push(t: number, ns: string, dev: string | undefined, stage: string, what: string, kind: TraceKind, drop: DropReason | undefined, pkt: number | undefined, parent: number | undefined): void {
    this.events.push({ seq: this.events.length, t, ns, dev, stage, what, kind, drop, pkt, parent, line: this.line });
  }

  step(t: number, ns: string, dev: string | undefined, stage: string, what: string, pkt?: number, parent?: number): void {
    if (this.detailed) this.push(t, ns, dev, stage, what, 'step', undefined, pkt, parent);
  }

  consume(t: number, ns: string, dev: string | undefined, stage: string, what: string, pkt: number | undefined): void {
    if (this.detailed) this.push(t, ns, dev, stage, what, 'consume', undefined, pkt, undefined);
  }

  state(t: number, ns: string, dev: string | undefined, stage: string, what: string): void {
    if (this.detailed) this.push(t, ns, dev, stage, what, 'state', undefined, undefined, undefined);
  }

  drop(t: number, ns: string, dev: string | undefined, stage: string, reason: DropReason, what: string, pkt?: number): void {
    this.push(t, ns, dev, stage, what, 'drop', reason, pkt, undefined);
  }

  /** The position the next event will have: what a state change is recorded against. */
  get position(): number {
    return this.events.length;
  }

  get drops(): TraceEvent[] {
    return this.events.filter((e) => e.kind === 'drop');
  }
}

/** One event as a line of `vethsim run --explain`: time, namespace/device, stage, drop reason, what. */
export function formatTraceEvent(e: TraceEvent): string {
  const secs = (e.t / 1e9).toFixed(6);
  const where = `${e.ns === '' ? '' : `${e.ns}/`}${e.dev ?? '-'}`;
  return `${secs} ${where.padEnd(16)} ${e.stage.padEnd(22)} ${e.drop ? `DROP ${e.drop}: ` : ''}${e.what}`;
}
