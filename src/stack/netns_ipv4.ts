/**
 * What IPv4 keeps per namespace beside its NsState (include/net/netns/ipv4.h and the sockets): the raw
 * ICMP sockets ping opens, the IP identification counter, fragments waiting for reassembly.
 */
import type { Timer } from '../sim/event-loop.js';
import { pernetSlot, type Namespace } from '../sim/world.js';
import type { Skb } from '../core/skbuff.js';

/** A raw ICMP socket (a ping process's). */
export interface RawSocket {
  /** SO_BINDTODEVICE: ifindex, 0 for none. */
  readonly boundDev: number;
  /** bind(): the local address, 0 for any. */
  readonly boundAddr: number;
  /** A datagram delivered locally (raw_local_deliver). */
  onPacket(datagram: Uint8Array, info: { readonly iif: number; readonly dev: number }): void;
  /** An ICMP error about a datagram this socket sent (IP_RECVERR's error queue). */
  onError(from: number, type: number, code: number, offending: Uint8Array): void;
}

export interface FragQueue {
  readonly parts: { offset: number; data: Uint8Array; last: boolean; skb: Skb }[];
  header: Uint8Array;
  readonly timer: Timer;
}

export interface NetnsIpv4 {
  readonly rawSockets: Set<RawSocket>;
  /** IP identification counter for locally generated datagrams; drawn when the namespace is made. */
  ipId: number;
  /** Fragments being reassembled (ip_defrag), keyed by src/dst/id/proto. */
  readonly defrag: Map<string, FragQueue>;
}

/**
 * Every namespace has one (its IP id is drawn when it is made), but most never open a socket or see a
 * fragment: the set and the map are made when first asked for, which an idle namespace never does.
 */
class NetnsIpv4Data implements NetnsIpv4 {
  ipId = 0;
  private sockets: Set<RawSocket> | undefined;
  private queues: Map<string, FragQueue> | undefined;

  get rawSockets(): Set<RawSocket> {
    return (this.sockets ??= new Set());
  }

  get defrag(): Map<string, FragQueue> {
    return (this.queues ??= new Map());
  }
}

export const netnsIpv4 = pernetSlot<NetnsIpv4>(() => new NetnsIpv4Data());

/** The namespace's raw sockets (ping registers its own here). */
export function rawSockets(ns: Namespace): Set<RawSocket> {
  return netnsIpv4(ns).rawSockets;
}
