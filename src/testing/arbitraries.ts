/**
 * fast-check arbitraries for topologies. Values are drawn as indices and small choices first, then
 * resolved into a Topology, so shrinking removes whole segments, pings and settings and the rest stays
 * meaningful. Addresses come from a small pool (10.0.0-2.1-4, mostly /24, sometimes /16) so subnets
 * overlap and addresses repeat often enough to matter.
 */
import fc from 'fast-check';
import {
  addrOf,
  hostIfaces,
  pointOf,
  LOOK_FORMS,
  type ArpingSpec,
  type LookForm,
  type LookSpec,
  type LinkEventSpec,
  type Conf,
  type Iface,
  type Leg,
  type MacvlanLeg,
  type MacvlanLegMode,
  type NsName,
  type NsSpec,
  type PingSpec,
  type RouteGetSpec,
  type RouteSpec,
  type Segment,
  type Topology,
} from './model.js';

export interface TopologyOptions {
  /** Namespaces besides the script's own (1..n are drawn). Default 3. */
  readonly maxNamespaces?: number;
  /** Default 3. */
  readonly maxSegments?: number;
  /** Legs of one bridge, at most. Default 3. */
  readonly maxLegs?: number;
  readonly linuxBridges?: boolean;
  readonly ovsBridges?: boolean;
  /** Veth pairs whose one end has macvlans (bridge, vepa, private) in other namespaces. Default true. */
  readonly macvlans?: boolean;
  /** Host interfaces may stay in the script's own namespace (where bridges live). Default true. */
  readonly rootHosts?: boolean;
  /** Draw non-default sysctls (rp_filter, accept_local, arp_ignore, arp_announce, ip_forward). Default true. */
  readonly sysctls?: boolean;
  /** Links may stay down, lo may stay down. Default true. */
  readonly linkStates?: boolean;
  readonly maxPings?: number;
  /** Capture on every interface that is up (properties that look at every frame), not on a random few. */
  readonly captureAll?: boolean;
  /**
   * With an OVS bridge, the script's namespace (where its ports live) may own addresses. Its stack then
   * answers ARP on the OVS ports themselves, racing ovs-vswitchd's forwarding by tens of microseconds —
   * the order frames then meet in a capture is timing on the real machine. Default true; the
   * differential property turns it off.
   */
  readonly ovsRootAddresses?: boolean;
  /** After the pings, `ip -br`/`ip -j` listings of a namespace (LOOK_FORMS). Default true. */
  readonly looks?: boolean;
  /** After those, an `arping -c N -I DEV` to an address held once. Default true. */
  readonly arpings?: boolean;
  /** With linkStates: after the looks, a veth end's MAC changed or its link bounced, then a ping to its peer. Default true. */
  readonly linkEvents?: boolean;
}

/** Mostly `usual`, sometimes one of `rare`. */
function mostly<T>(usual: T, rare: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T> {
  return fc.oneof({ weight, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: rare });
}

export function confArb(enabled: boolean): fc.Arbitrary<Conf> {
  if (!enabled) return fc.constant({});
  const opt = <T>(a: fc.Arbitrary<T>) => mostly<T | undefined>(undefined, a, 5);
  return fc
    .record({
      rp_filter: opt(fc.constantFrom(0 as const, 1 as const, 2 as const)),
      accept_local: opt(fc.constant(1 as const)),
      arp_ignore: opt(fc.constantFrom(1 as const, 2 as const)),
      arp_announce: opt(fc.constantFrom(1 as const, 2 as const)),
    })
    .map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Conf);
}

/** An address from the shared pool, as CIDR. */
export function cidrArb(): fc.Arbitrary<string> {
  return fc
    .record({ net: fc.integer({ min: 0, max: 2 }), host: fc.integer({ min: 1, max: 4 }), len: mostly(24, fc.constant(16), 5) })
    .map(({ net, host, len }) => `10.0.${net}.${host}/${len}`);
}

/** An address on the segment's own subnet (host part only), or a CIDR from the pool. */
type RawAddr = string | { readonly host: number };

interface RawIface {
  readonly ns: number;
  readonly up: boolean;
  readonly addrs: readonly RawAddr[];
  readonly conf: Conf;
}

type RawSegment =
  | { readonly kind: 'veth'; readonly net: number; readonly a: RawIface; readonly b: RawIface }
  | { readonly kind: 'macvlan'; readonly net: number; readonly parent: RawIface; readonly far: RawIface; readonly legs: readonly { host: RawIface; mode: MacvlanLegMode }[] }
  | { readonly kind: 'bridge' | 'ovs'; readonly net: number; readonly up: boolean; readonly addrs: readonly string[]; readonly legs: readonly { host: RawIface; portUp: boolean }[] };

interface RawTopology {
  readonly nsCount: number;
  readonly ns: readonly { loUp: boolean; all: Conf; forwarding: boolean }[];
  readonly segments: readonly RawSegment[];
  readonly routes: readonly { ns: number; net: number; via: number }[];
  readonly captures: readonly number[];
  readonly pings: readonly { ns: number; dst: number; dev: number | undefined; count: 1 | 2 }[];
  readonly routeGets: readonly { ns: number; dst: number }[];
  readonly looks: readonly { ns: number; form: LookForm }[];
  readonly arpings: readonly { ns: number; dev: number; dst: number; count: 1 | 2 }[];
  readonly linkEvents: readonly { seg: number; end: number; kind: 'address' | 'bounce'; count: 1 | 2; notify: boolean }[];
}

function rawArb(o: Required<TopologyOptions>): fc.Arbitrary<RawTopology> {
  const up = o.linkStates ? mostly(true, fc.constant(false), 8) : fc.constant(true);
  const iface: fc.Arbitrary<RawIface> = fc.record({
    ns: fc.nat(),
    up,
    // Mostly the segment's own /24 (hosts on one wire usually share a subnet), sometimes anything.
    addrs: fc.oneof(
      { weight: 6, arbitrary: fc.array(fc.integer({ min: 1, max: 4 }).map((host) => ({ host })), { minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.array(fc.oneof(cidrArb(), fc.integer({ min: 1, max: 4 }).map((host) => ({ host }))), { maxLength: 2 }) },
    ),
    conf: confArb(o.sysctls),
  });
  const kinds = [
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('veth' as const), net: fc.integer({ min: 0, max: 2 }), a: iface, b: iface }) as fc.Arbitrary<RawSegment> },
    ...(['bridge', 'ovs'] as const)
      .filter((k) => (k === 'bridge' ? o.linuxBridges : o.ovsBridges))
      .map((kind) => ({
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant(kind),
          net: fc.integer({ min: 0, max: 2 }),
          up,
          addrs: kind === 'bridge' ? mostly<string[]>([], fc.array(cidrArb(), { minLength: 1, maxLength: 1 }), 4) : fc.constant([]),
          legs: fc.array(fc.record({ host: iface, portUp: up }), { minLength: 2, maxLength: o.maxLegs }),
        }) as fc.Arbitrary<RawSegment>,
      })),
    ...(o.macvlans
      ? [
          {
            weight: 2,
            arbitrary: fc.record({
              kind: fc.constant('macvlan' as const),
              net: fc.integer({ min: 0, max: 2 }),
              parent: iface,
              far: iface,
              legs: fc.array(fc.record({ host: iface, mode: fc.constantFrom<MacvlanLegMode>('bridge', 'vepa', 'private') }), { minLength: 1, maxLength: o.maxLegs }),
            }) as fc.Arbitrary<RawSegment>,
          },
        ]
      : []),
  ];
  return fc.record({
    nsCount: fc.integer({ min: 1, max: o.maxNamespaces }),
    ns: fc.array(
      fc.record({ loUp: o.linkStates ? mostly(true, fc.constant(false), 4) : fc.constant(true), all: confArb(o.sysctls), forwarding: o.sysctls ? mostly(false, fc.constant(true), 4) : fc.constant(false) }),
      { minLength: o.maxNamespaces + 1, maxLength: o.maxNamespaces + 1 },
    ),
    segments: fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: o.maxSegments }),
    routes: mostly([], fc.array(fc.record({ ns: fc.nat(), net: fc.integer({ min: 0, max: 3 }), via: fc.nat() }), { minLength: 1, maxLength: 2 }), 3),
    captures: fc.uniqueArray(fc.nat({ max: 15 }), { maxLength: 4 }),
    pings: fc.array(
      fc.record({ ns: fc.nat(), dst: fc.nat(), dev: mostly<number | undefined>(undefined, fc.nat(), 5), count: mostly<1 | 2>(1, fc.constant(2), 5) }),
      { minLength: 1, maxLength: o.maxPings },
    ),
    routeGets: mostly([], fc.array(fc.record({ ns: fc.nat(), dst: fc.nat() }), { minLength: 1, maxLength: 1 }), 3),
    looks: o.looks ? mostly([], fc.array(fc.record({ ns: fc.nat(), form: fc.constantFrom(...LOOK_FORMS) }), { minLength: 1, maxLength: 2 }), 2) : fc.constant([]),
    arpings: o.arpings ? mostly([], fc.array(fc.record({ ns: fc.nat(), dev: fc.nat(), dst: fc.nat(), count: mostly<1 | 2>(1, fc.constant(2), 3) }), { minLength: 1, maxLength: 1 }), 3) : fc.constant([]),
    // Drawn last, so that the values above stay what a seed gave before.
    linkEvents:
      o.linkEvents && o.linkStates
        ? mostly([], fc.array(fc.record({ seg: fc.nat(), end: fc.nat(), kind: fc.constantFrom<'address' | 'bounce'>('address', 'bounce'), count: mostly<1 | 2>(1, fc.constant(2), 3), notify: mostly(false, fc.constant(true), 2) }), { minLength: 1, maxLength: 1 }), 3)
        : fc.constant([]),
  });
}

function pick<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length] as T;
}

/** Names in creation order: veth pairs veth0/veth1, ..., bridges br0/ovs0, ..., their legs' ends. */
function resolve(r: RawTopology, o: Required<TopologyOptions>): Topology {
  const names: NsName[] = Array.from({ length: r.nsCount }, (_, i) => `ns${i + 1}`);
  const hasOvs = r.segments.some((s) => s.kind === 'ovs');
  const rootAddrs = !hasOvs || o.ovsRootAddresses;
  const hostNs: NsName[] = o.rootHosts && rootAddrs ? ['', ...names] : names;
  const namespaces: NsSpec[] = ['', ...names].map((name, i) => {
    const n = r.ns[i] as RawTopology['ns'][number];
    return { name, loUp: n.loUp, all: n.all, forwarding: n.forwarding };
  });
  let veth = 0;
  let bridges = 0;
  let ovs = 0;
  let macvlans = 0;
  const host = (x: RawIface, net: number): Iface => ({
    ns: pick(hostNs, x.ns),
    name: `veth${veth++}`,
    up: x.up,
    addrs: x.addrs.map((a) => (typeof a === 'string' ? a : `10.0.${net}.${a.host}/24`)),
    conf: x.conf,
  });
  const segments: Segment[] = r.segments.map((s) => {
    if (s.kind === 'veth') return { kind: 'veth', a: host(s.a, s.net), b: host(s.b, s.net) };
    if (s.kind === 'macvlan') {
      const parent = host(s.parent, s.net);
      // The parent, the far end and every macvlan in a namespace of its own. Two stacks of one port
      // that both answer an ARP request answer in the order of the port's hash of their (random) MACs,
      // and the parent's own before its macvlans' only by the broadcast work's delay: races on the
      // kernel. And a namespace holding the far end and a macvlan (or the parent) answers for the
      // macvlan's address on the far end, while what it sends from the macvlan never comes back: one
      // side resolves, the other retries its ARP request every second — against ping's own second.
      const free = hostNs.filter((n) => n !== parent.ns);
      const farNs = free.length === 0 ? parent.ns : (free.splice(s.far.ns % free.length, 1)[0] as NsName);
      const far = { ...host(s.far, s.net), ns: farNs };
      // Host numbers on the segment's own /24 go to one participant each while any is left: two that
      // share an address would both answer for it (see macvlanAnswersOnce), and such cases are not run.
      const taken = new Set([s.parent, s.far].flatMap((x) => x.addrs.flatMap((a) => (typeof a === 'string' ? [] : [a.host]))));
      const own = (h: number) => {
        for (let k = 0; k < 4; k++) {
          const c = ((h - 1 + k) % 4) + 1;
          if (!taken.has(c)) {
            taken.add(c);
            return c;
          }
        }
        return h;
      };
      const legs: MacvlanLeg[] = [];
      for (const l of s.legs) {
        if (free.length === 0) break;
        const ns = free.splice(l.host.ns % free.length, 1)[0] as NsName;
        const name = `mv${macvlans++}`;
        const addrs = l.host.addrs.map((a) => (typeof a === 'string' ? a : `10.0.${s.net}.${own(a.host)}/24`));
        legs.push({ host: { ns, name, up: l.host.up, addrs, conf: l.host.conf }, mode: l.mode });
      }
      return { kind: 'macvlan', parent, far, legs };
    }
    const name = s.kind === 'bridge' ? `br${bridges++}` : `ovs${ovs++}`;
    const legs: Leg[] = s.legs.map((l) => {
      const h = host(l.host, s.net);
      return { host: h, port: `${name}-${h.name}`, portUp: l.portUp };
    });
    return { kind: s.kind, name, up: s.up, addrs: rootAddrs ? s.addrs : [], legs };
  });
  const partial: Topology = { namespaces, segments, routes: [], captures: [], pings: [], routeGets: [] };
  const ifaces = hostIfaces(partial);
  const addrs = [...new Set([...ifaces.flatMap((i) => i.addrs), ...segments.flatMap((s) => (s.kind === 'bridge' || s.kind === 'ovs' ? s.addrs : []))].map((a) => a.split('/')[0] as string))];
  const targets = addrs.length > 0 ? addrs : ['10.0.0.1'];
  const points = [
    ...ifaces.map((i) => (i.ns === '' ? i.name : `${i.ns}/${i.name}`)),
    ...segments.flatMap((s) => (s.kind === 'bridge' || s.kind === 'ovs' ? s.legs.map((l) => l.port) : [])),
  ];
  // Capturing on a device that is down is an error both sides print; it says nothing about packets.
  const upPoints = points.filter((p) => {
    const i = ifaces.find((x) => (x.ns === '' ? x.name : `${x.ns}/${x.name}`) === p);
    if (i) return i.up;
    return segments.some((s) => (s.kind === 'bridge' || s.kind === 'ovs') && s.legs.some((l) => l.port === p && l.portUp));
  });
  // Everything, for the properties that follow every frame: the bridge devices too.
  if (o.captureAll) upPoints.push(...segments.flatMap((s) => ((s.kind === 'bridge' || s.kind === 'ovs') && s.up ? [s.name] : [])));
  const routes: RouteSpec[] = r.routes.map((x) => ({ ns: pick(hostNs, x.ns), prefix: `10.0.${x.net === 3 ? 9 : x.net}.0/24`, via: pick(targets, x.via) }));
  // Pings and lookups start where there are interfaces; a namespace without any has nothing to say.
  const busyNs = [...new Set(ifaces.map((i) => i.ns))];
  const pings: PingSpec[] = r.pings.map((p) => {
    const ns = pick(busyNs, p.ns);
    const own = ifaces.filter((i) => i.ns === ns);
    const dev = p.dev === undefined || own.length === 0 ? undefined : pick(own, p.dev).name;
    return { ns, dst: pick(targets, p.dst), ...(dev ? { dev } : {}), count: p.count };
  });
  const routeGets: RouteGetSpec[] = r.routeGets.map((g) => ({ ns: pick(busyNs, g.ns), dst: pick(targets, g.dst) }));
  const captures = o.captureAll ? upPoints : upPoints.length === 0 ? [] : [...new Set(r.captures.map((c) => pick(upPoints, c)))];
  // A bridge (Linux or OVS) takes the lowest MAC among its ports, which are random: `ip -br link` where
  // the bridges live would show which port that was — chance, on the kernel as here.
  const bridged = segments.some((s) => s.kind === 'bridge' || s.kind === 'ovs');
  const looks: LookSpec[] = r.looks.map((l) => ({ ns: pick(busyNs, l.ns), form: l.form })).filter((l) => !(bridged && l.ns === '' && l.form === 'ip -br link'));
  const changes = linkEventsOf(r, segments);
  const linkEvents = changes.map((c) => c.event);
  // What a change leaves is seen from the other end of its veth: a capture there (an added one, so a
  // seed's other values stay as they were).
  const captured = [...new Set([...captures, ...changes.flatMap((c) => (c.watch === undefined ? [] : [c.watch]))])];
  return { namespaces, segments, routes, captures: captured, pings, routeGets, looks, arpings: arpingsOf(r, ifaces, busyNs), ...(linkEvents.length > 0 ? { linkEvents } : {}) };
}


/**
 * Only on a veth pair or a Linux bridge's leg, and only an interface that is up: whatever the pings left
 * there is then flushed (the changed interface's entries; both ends' when a pair's link bounces:
 * NETDEV_DOWN on one, carrier loss on the other) or renewed by the after-ping's own broadcast request
 * (an entry for the changed interface's address takes the new MAC), so it does not matter how old those
 * entries were — past the 15 s at which a REACHABLE entry may go STALE, at a random moment on each side.
 * A leg is not bounced: the other legs' entries for it would keep that age. What the change leaves is
 * watched from the other end of its veth (`watch`, a capture point).
 */
function linkEventsOf(r: RawTopology, segments: readonly Segment[]): { event: LinkEventSpec; watch: string | undefined }[] {
  const places = segments.filter((s) => s.kind === 'veth' || s.kind === 'bridge');
  if (places.length === 0) return [];
  return r.linkEvents.flatMap((e, i) => {
    const place = pick(places, e.seg);
    let me: Iface;
    let dst: string | undefined;
    let watch: string | undefined;
    if (place.kind === 'veth') {
      const [a, b] = e.end % 2 === 0 ? [place.a, place.b] : [place.b, place.a];
      me = a;
      dst = b.addrs[0];
      watch = b.up ? pointOf(b.ns, b.name) : undefined;
    } else if (place.kind === 'bridge' && e.kind === 'address') {
      const leg = pick(place.legs, e.end);
      me = leg.host;
      dst = [...place.legs.filter((l) => l !== leg).flatMap((l) => l.host.addrs), ...place.addrs][0];
      watch = leg.portUp ? leg.port : undefined;
    } else return [];
    if (!me.up) return [];
    const afterPing = dst === undefined ? undefined : { ns: me.ns, dst: addrOf(dst), dev: me.name, count: e.count };
    // arp_notify only for a MAC change: the announcement a link coming up makes is sent inside the
    // command, before af_packet re-hooks a capture on the device itself and while the peer's qdisc
    // still waits for linkwatch (which needs the rtnl lock the command holds) — neither modelled yet.
    const notify = e.notify && e.kind === 'address';
    const at = { ns: me.ns, dev: me.name, ...(afterPing ? { afterPing } : {}), ...(notify ? { notify: true } : {}) };
    const event: LinkEventSpec = e.kind === 'address' ? { kind: 'address', ...at, mac: `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}` } : { kind: 'bounce', ...at };
    return [{ event, watch }];
  });
}

/**
 * arping prints every reply in the order it arrives: an address two interfaces hold would make which
 * answers first part of the outcome (a race behind an OVS bridge). So only addresses held once, sent from
 * an interface that is up (arping refuses one that is down, as both sides print, saying nothing more).
 */
function arpingsOf(r: RawTopology, ifaces: readonly Iface[], busyNs: readonly NsName[]): ArpingSpec[] {
  const holders = new Map<string, number>();
  for (const a of ifaces.flatMap((i) => i.addrs.map(addrOf))) holders.set(a, (holders.get(a) ?? 0) + 1);
  const once = [...holders].filter(([, n]) => n === 1).map(([a]) => a);
  if (once.length === 0) return [];
  return r.arpings.flatMap((a) => {
    const ns = pick(busyNs, a.ns);
    const up = ifaces.filter((i) => i.ns === ns && i.up);
    if (up.length === 0) return [];
    return [{ ns, dev: pick(up, a.dev).name, dst: pick(once, a.dst), count: a.count }];
  });
}

const DEFAULTS: Required<TopologyOptions> = {
  maxNamespaces: 3,
  maxSegments: 3,
  maxLegs: 3,
  linuxBridges: true,
  ovsBridges: true,
  macvlans: true,
  rootHosts: true,
  sysctls: true,
  linkStates: true,
  maxPings: 3,
  captureAll: false,
  ovsRootAddresses: true,
  looks: true,
  arpings: true,
  linkEvents: true,
};

/** Random topologies with pings, lookups and captures; every value prints as a scenario (to-scenario.ts). */
export function topologyArb(options: TopologyOptions = {}): fc.Arbitrary<Topology> {
  const o = { ...DEFAULTS, ...options };
  return rawArb(o).map((r) => resolve(r, o));
}
