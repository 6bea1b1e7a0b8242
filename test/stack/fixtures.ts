/**
 * Stage tests' world: a namespace with mock devices behind NetDeviceOps (a test-only device kind,
 * registered as a driver would be). What the stack transmits on a mock device is kept, not delivered;
 * a test hands frames in with `receive` and reads back what came out — the exact frames — and the
 * namespace's tables, as smoltcp's and gVisor's stage tests do.
 */
import { createWorld } from '../../src/init/index.js';
import { register_netdev_ops, type NetDeviceOps } from '../../src/core/netdevice.js';
import { dev_change_flags, netif_receive_skb, register_netdevice } from '../../src/core/dev.js';
import { alloc_skb, eth_header } from '../../src/core/skbuff.js';
import { neigh_add } from '../../src/core/neighbour.js';
import { inet_rtm_newaddr } from '../../src/stack/devinet.js';
import { findByName, type Namespace, type World } from '../../src/sim/world.js';
import type { DeviceState } from '../../src/sim/state.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { parseEthernet, type EthernetRepr } from '../../src/wire/ethernet.js';
import { emitIpv4Packet, parseIpv4, parseIpv4Cidr, parseIpv4Packet, type Ipv4Repr } from '../../src/wire/ipv4.js';
import { emitIcmp, parseIcmp, type IcmpRepr } from '../../src/wire/icmp.js';
import { parseArp, type ArpRepr } from '../../src/wire/arp.js';

export const MOCK_KIND = 'mock';

/** Everything a mock device sent, by device name, in order. */
const sentBy = new WeakMap<World, Map<string, Uint8Array[]>>();

const mockOps: NetDeviceOps = {
  kind: MOCK_KIND,
  infoKind: 'mock',
  type: 'ether',
  minMtu: 68,
  maxMtu: 65535,
  start_xmit(w, skb) {
    const sent = sentBy.get(w) ?? new Map<string, Uint8Array[]>();
    sentBy.set(w, sent);
    sent.set(skb.dev.name, [...(sent.get(skb.dev.name) ?? []), skb.data.slice()]);
    return 'ok';
  },
};
register_netdev_ops(mockOps);

export const A = (s: string): number => parseIpv4(s) as number;

export const PEER_MAC = '02:00:00:00:00:99';

export interface StageWorld {
  readonly w: World;
  readonly ns: Namespace;
  dev(name: string): DeviceState;
  /** A frame arrives on the device; the world runs until nothing that sends is left. */
  receive(dev: string, frame: Uint8Array): void;
  /** The frames the device sent since the last call. */
  sent(dev: string): Uint8Array[];
  drops(): TraceEvent[];
  /** Runs virtual time forward by `ns` nanoseconds. */
  advance(ns: number): void;
}

/** A namespace with mock devices, each up with an address (`mock0: '10.0.0.1/24'`). */
export function stageWorld(devices: Readonly<Record<string, string | undefined>>): StageWorld {
  const w = createWorld({ seed: 11, detailedTrace: true });
  const ns = w.createNamespace('', true);
  let n = 1;
  for (const [name, cidr] of Object.entries(devices)) {
    const d = register_netdevice(w, ns, MOCK_KIND, name, `02:00:00:00:00:0${n++}`, { carrier: true });
    if (cidr) {
      const c = parseIpv4Cidr(cidr);
      if (!c) throw new Error(cidr);
      inet_rtm_newaddr(ns, d.ifindex, { local: c.addr, prefixlen: c.prefixLen, broadcast: 'auto' });
    }
    dev_change_flags(w, ns, d.ifindex, true);
  }
  const dev = (name: string) => findByName(ns.state, name) ?? (() => { throw new Error(`no device ${name}`); })();
  let taken = new Map<string, number>();
  return {
    w,
    ns,
    dev,
    receive(name, frame) {
      const skb = alloc_skb(w, ns, dev(name), frame);
      netif_receive_skb(w, skb);
      while (w.loop.busy && w.loop.step());
    },
    sent(name) {
      const all = sentBy.get(w)?.get(name) ?? [];
      const from = taken.get(name) ?? 0;
      taken = new Map(taken).set(name, all.length);
      return all.slice(from);
    },
    drops: () => w.trace.events.filter((e) => e.kind === 'drop'),
    advance(t) {
      w.loop.runUntil(w.loop.now + t);
    },
  };
}

/** A resolved neighbour, so that what the stack sends goes out at once. */
export function knownNeighbour(s: StageWorld, dev: string, ip: string, mac = PEER_MAC): void {
  neigh_add(s.w, s.ns, s.dev(dev).ifindex, A(ip), mac, 'PERMANENT', false);
}

export function ipv4Repr(src: string, dst: string, protocol: number, more: Partial<Ipv4Repr> = {}): Ipv4Repr {
  return { tos: 0, ident: 7, reservedFlag: false, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol, src: A(src), dst: A(dst), options: new Uint8Array(0), ...more };
}

/** An Ethernet frame carrying an ICMP message in an IPv4 datagram. */
export function icmpFrame(eth: Partial<EthernetRepr>, ip: Ipv4Repr, icmp: IcmpRepr): Uint8Array {
  return eth_header(eth.dst ?? '02:00:00:00:00:01', eth.src ?? PEER_MAC, 0x0800, emitIpv4Packet(ip, emitIcmp(icmp)));
}

/** What a sent frame is: its Ethernet header, and the IPv4 datagram with its ICMP message, or the ARP packet. */
export function decode(frame: Uint8Array): { eth: EthernetRepr; ip?: Ipv4Repr; icmp?: IcmpRepr; arp?: ArpRepr } {
  const e = parseEthernet(frame);
  if (!e.ok) throw new Error('not an Ethernet frame');
  if (e.value.repr.ethertype === 0x0806) {
    const a = parseArp(e.value.payload);
    if (!a.ok) throw new Error('bad ARP');
    return { eth: e.value.repr, arp: a.value };
  }
  const ip = parseIpv4Packet(e.value.payload);
  if (!ip.ok) throw new Error('bad IPv4');
  const icmp = parseIcmp(ip.value.payload);
  return { eth: e.value.repr, ip: ip.value.repr, ...(icmp.ok ? { icmp: icmp.value } : {}) };
}
