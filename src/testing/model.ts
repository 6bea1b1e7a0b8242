/**
 * A random topology as plain data: what the arbitraries generate, what the reachability oracle reasons
 * over, and what prints as a scenario's script. It describes the network a person builds by hand —
 * namespaces, veth pairs, Linux and OVS bridges with veth legs, addresses, routes, sysctls, link states —
 * and the pings and lookups run on it. Nothing here knows the simulator.
 */

/** The script's own namespace is ''. */
export type NsName = string;

/** The decision sysctls; an absent key keeps the kernel's default. */
export interface Conf {
  readonly rp_filter?: 0 | 1 | 2;
  readonly accept_local?: 0 | 1;
  readonly arp_ignore?: 0 | 1 | 2;
  readonly arp_announce?: 0 | 1 | 2;
  /** Drawn on at most one interface, of a forwarding namespace (TopologyOptions.proxyArp). */
  readonly proxy_arp?: 1;
}

export interface NsSpec {
  readonly name: NsName;
  readonly loUp: boolean;
  /** net.ipv4.conf.all.* */
  readonly all: Conf;
  /** net.ipv4.ip_forward */
  readonly forwarding: boolean;
}

/** An interface a host owns: one end of a veth pair, in namespace `ns`. */
export interface Iface {
  readonly ns: NsName;
  readonly name: string;
  readonly up: boolean;
  /** CIDR strings, in the order `ip addr add` runs them (a repeat is refused, as on the kernel). */
  readonly addrs: readonly string[];
  /** net.ipv4.conf.<name>.* */
  readonly conf: Conf;
}

/** A bridge port: the root-namespace end of a leg whose other end is `host`. */
export interface Leg {
  readonly host: Iface;
  readonly port: string;
  readonly portUp: boolean;
  /** `bridge link set dev PORT ...` words for a Linux bridge's port (TopologyOptions.bridgePortFlags). */
  readonly flags?: readonly PortFlagWords[];
}

/** The port flags the generator draws: each changes forwarding deterministically (no race). */
export type PortFlagWords = 'learning off' | 'flood off' | 'isolated on';

/** The modes a generated macvlan takes (passthru, one per parent, and source are not drawn). */
export type MacvlanLegMode = 'bridge' | 'vepa' | 'private';

/** A macvlan of a macvlan segment's parent, in a namespace of its own. */
export interface MacvlanLeg {
  readonly host: Iface;
  readonly mode: MacvlanLegMode;
}

export type Segment =
  | { readonly kind: 'veth'; readonly a: Iface; readonly b: Iface }
  /**
   * A veth pair whose end `parent` is the lower device of macvlans (`ip link add mvN link PARENT type
   * macvlan mode M`), and whose other end `far` is the rest of the network. The parent and each leg are
   * in namespaces of their own (made so by the arbitrary).
   */
  | { readonly kind: 'macvlan'; readonly parent: Iface; readonly far: Iface; readonly legs: readonly MacvlanLeg[] }
  | {
      readonly kind: 'bridge' | 'ovs';
      /** Bridges live in the script's namespace (OVS's daemons run there in kernel mode). */
      readonly name: string;
      readonly up: boolean;
      /** Addresses on the bridge device itself (a gateway); Linux bridges only. */
      readonly addrs: readonly string[];
      readonly legs: readonly Leg[];
      /**
       * OVS only: how the switching NORMAL is reached — the bridge's own flow (absent), table 0
       * resubmitting to table 1's NORMAL, or fail_mode=secure with NORMAL added by hand. All switch
       * alike; each is followed by an `ofproto/trace` of a broadcast from port 1 after the pings.
       */
      readonly pipeline?: OvsPipeline;
    };

/**
 * The route types whose lookup fails (fib_props' errors: EINVAL, EHOSTUNREACH, EACCES, and throw's
 * EAGAIN, which with the default rules ends as ENETUNREACH — as if there were no route).
 */
export type RejectType = 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

export type OvsPipeline = 'tables' | 'secure';

export interface RouteSpec {
  readonly ns: NsName;
  readonly prefix: string;
  /** The gateway; '' for a reject route. */
  readonly via: string;
  /** `ip route add TYPE PREFIX`: no gateway, no device. */
  readonly reject?: RejectType;
  /** A policy routing table (`table 100`); main when absent. */
  readonly table?: number;
}

/** What a generated rule selects on (one selector each), with `not` sometimes. */
export type RuleSelector =
  | { readonly kind: 'fwmark'; readonly mark: number; readonly mask?: number }
  | { readonly kind: 'tos'; readonly tos: number }
  | { readonly kind: 'iif'; readonly dev: string }
  | { readonly kind: 'ipproto'; readonly proto: 'icmp' }
  | { readonly kind: 'uidrange'; readonly start: number; readonly end: number };

/** `ip rule add [not] SELECTOR lookup 100|main [pref N]`. */
export interface RuleSpec {
  readonly ns: NsName;
  readonly selector: RuleSelector;
  readonly not: boolean;
  readonly table: 100 | 'main';
  readonly pref?: number;
}

export interface PingSpec {
  readonly ns: NsName;
  readonly dst: string;
  /** `ping -I dev`: an interface of `ns`. */
  readonly dev?: string;
  readonly count: 1 | 2;
  /** `ping -m MARK` (decimal) and `ping -Q TOS`. */
  readonly mark?: number;
  readonly tos?: number;
}

export interface RouteGetSpec {
  readonly ns: NsName;
  readonly dst: string;
  /** `from SRC iif DEV`: the input path's answer for a packet arriving on DEV. */
  readonly input?: { readonly from: string; readonly iif: string };
  readonly mark?: number;
  readonly tos?: number;
}

/**
 * What a person types to look at the result, in the output forms scripts parse: `ip -br` and `ip -j`.
 * No neighbour listing: with two entries the kernel lists them in its randomly keyed hash order.
 */
export const LOOK_FORMS = ['ip -br addr', 'ip -br link', 'ip -j route', 'ip -j addr show dev lo', 'ip -br -4 addr show up'] as const;
export type LookForm = (typeof LOOK_FORMS)[number];

export interface LookSpec {
  readonly ns: NsName;
  readonly form: LookForm;
}

/** `arping -c COUNT -I DEV DST` (iputils): DST an address exactly one interface of the topology holds. */
export interface ArpingSpec {
  readonly ns: NsName;
  readonly dev: string;
  readonly dst: string;
  readonly count: 1 | 2;
}

/**
 * `ip addr del CIDR dev DEV` of a primary address that has secondaries in its subnet, after the set-up;
 * with `promote`, promote_secondaries=1 is written on the device first.
 */
export interface AddrDelSpec {
  readonly ns: NsName;
  readonly dev: string;
  readonly cidr: string;
  readonly promote: boolean;
}

/**
 * After the pings, one end of a veth pair changes: its MAC set by hand (`ip link set DEV address MAC`:
 * its neighbours are flushed), or the link taken down and up again (the peer loses carrier meanwhile,
 * and both ends' neighbours go). Then `afterPing`, from that end (`-I DEV`) to its peer, shows what it
 * left: a fresh resolution on the kernel as here.
 */
export type LinkEventSpec = (
  | { readonly kind: 'address'; readonly ns: NsName; readonly dev: string; readonly mac: string; readonly afterPing?: PingSpec }
  | { readonly kind: 'bounce'; readonly ns: NsName; readonly dev: string; readonly afterPing?: PingSpec }
) & {
  /** arp_notify=1 on the device first: the change is announced by a gratuitous ARP per address. */
  readonly notify?: boolean;
};

export interface Topology {
  readonly namespaces: readonly NsSpec[];
  readonly segments: readonly Segment[];
  readonly routes: readonly RouteSpec[];
  /** Interfaces to run `tcpdump -nnt -i` on, as "ns/name" ('' ns: "name"). */
  readonly captures: readonly string[];
  readonly pings: readonly PingSpec[];
  readonly routeGets: readonly RouteGetSpec[];
  /** After the pings: the state in ip's parsed forms, then arpings. */
  readonly looks?: readonly LookSpec[];
  readonly arpings?: readonly ArpingSpec[];
  /** Policy routing: rules added after the routes, then `ip rule show` where there are any. */
  readonly rules?: readonly RuleSpec[];
  /** Before the captures and pings (TopologyOptions.addrDels). */
  readonly addrDels?: readonly AddrDelSpec[];
  /** After the looks, before the arpings: changes of a link and the pings that follow them. */
  readonly linkEvents?: readonly LinkEventSpec[];
}

/** Every host interface (veth ends, leg ends, a macvlan segment's parent, far end and macvlans), in creation order. */
export function hostIfaces(t: Topology): Iface[] {
  return t.segments.flatMap((s) => (s.kind === 'veth' ? [s.a, s.b] : s.kind === 'macvlan' ? [s.parent, s.far, ...s.legs.map((l) => l.host)] : s.legs.map((l) => l.host)));
}

export function nsSpec(t: Topology, name: NsName): NsSpec {
  const n = t.namespaces.find((x) => x.name === name);
  if (!n) throw new Error(`topology has no namespace '${name}'`);
  return n;
}

/** Address part of a CIDR. */
export function addrOf(cidr: string): string {
  return cidr.split('/')[0] as string;
}

export function pointOf(ns: NsName, iface: string): string {
  return ns === '' ? iface : `${ns}/${iface}`;
}
