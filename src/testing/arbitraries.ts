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
  type AddrDelSpec,
  type ArpingSpec,
  type LookForm,
  type LookSpec,
  type LinkEventSpec,
  type Conf,
  type Iface,
  type Leg,
  type MacvlanLeg,
  type MacvlanLegMode,
  type PortFlagWords,
  type NsName,
  type NsSpec,
  type PingSpec,
  type RejectType,
  type RouteGetSpec,
  type RouteSpec,
  type RuleSelector,
  type RuleSpec,
  type OvsPipeline,
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
  /**
   * Some routes are blackhole, unreachable, prohibit or throw (a /32 of an address in the topology, or a /25
   * of a segment's subnet): refused locally, and on a forwarding namespace answered by ip_error.
   * Default true.
   */
  readonly rejectRoutes?: boolean;
  /**
   * Policy routing: fwmark/tos/iif rules (sometimes `not`) toward a table 100, pings with -m/-Q, and
   * `ip route get ... from A iif DEV [mark] [tos]`. Default false (the oracle knows no rules); the
   * differential property turns it on. Drawn last, so the rest of a seed's case stays as it was.
   */
  readonly policy?: boolean;
  /**
   * proxy_arp=1 on one interface of a forwarding namespace (the only proxy: two would answer after
   * random delays, in an order chance decides). Default false.
   */
  readonly proxyArp?: boolean;
  /** Second addresses in an interface's subnet, and `ip addr del` of a primary, promote_secondaries on or off. Default false. */
  readonly addrDels?: boolean;
  /** With linkStates: after the looks, a veth end's MAC changed or its link bounced, then a ping to its peer. Default true. */
  readonly linkEvents?: boolean;
  /**
   * Linux bridge ports may get `bridge link set dev PORT learning off|flood off|isolated on`. Default
   * false (so that earlier seeds draw what they drew); predictPings does not model them.
   */
  readonly bridgePortFlags?: boolean;
}

/** Mostly `usual`, sometimes one of `rare`. */
function mostly<T>(usual: T, rare: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T> {
  return fc.oneof({ weight, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: rare });
}

export function confArb(enabled: boolean, proxyArp = false): fc.Arbitrary<Conf> {
  if (!enabled) return fc.constant({});
  const opt = <T>(a: fc.Arbitrary<T>) => mostly<T | undefined>(undefined, a, 5);
  return fc
    .record({
      rp_filter: opt(fc.constantFrom(0 as const, 1 as const, 2 as const)),
      accept_local: opt(fc.constant(1 as const)),
      arp_ignore: opt(fc.constantFrom(1 as const, 2 as const)),
      arp_announce: opt(fc.constantFrom(1 as const, 2 as const)),
      proxy_arp: proxyArp ? mostly<1 | undefined>(undefined, fc.constant(1 as const), 2) : fc.constant(undefined),
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
  /** A further host on the segment's /24 (addrDels): a secondary when the first address is there too. */
  readonly extra: number | undefined;
}

type RawSegment =
  | { readonly kind: 'veth'; readonly net: number; readonly a: RawIface; readonly b: RawIface }
  | { readonly kind: 'macvlan'; readonly net: number; readonly parent: RawIface; readonly far: RawIface; readonly legs: readonly { host: RawIface; mode: MacvlanLegMode }[] }
  | { readonly kind: 'bridge' | 'ovs'; readonly net: number; readonly up: boolean; readonly addrs: readonly string[]; readonly legs: readonly { host: RawIface; portUp: boolean; flags?: PortFlagWords[] }[]; readonly pipeline?: OvsPipeline };

interface RawTopology {
  readonly nsCount: number;
  readonly ns: readonly { loUp: boolean; all: Conf; forwarding: boolean }[];
  readonly segments: readonly RawSegment[];
  readonly routes: readonly { ns: number; net: number; via: number; reject?: RejectType | undefined }[];
  readonly captures: readonly number[];
  readonly pings: readonly { ns: number; dst: number; dev: number | undefined; count: 1 | 2 }[];
  readonly routeGets: readonly { ns: number; dst: number }[];
  readonly looks: readonly { ns: number; form: LookForm }[];
  readonly arpings: readonly { ns: number; dev: number; dst: number; count: 1 | 2 }[];
  readonly addrDels: readonly { at: number; promote: boolean }[];
  readonly policy: RawPolicy | undefined;
  readonly linkEvents: readonly { seg: number; end: number; kind: 'address' | 'bounce'; count: 1 | 2; notify: boolean }[];
}

interface RawPolicy {
  readonly rules: readonly { ns: number; sel: number; value: number; dev: number; not: boolean; main: boolean; pref: number | undefined; net: number; via: number }[];
  /** Per ping, in order: its -m and -Q (0 for none). */
  readonly pingKeys: readonly { mark: number; tos: number }[];
  readonly gets: readonly { ns: number; dst: number; from: number; iif: number; mark: number; tos: number; output: boolean }[];
}

/** Marks ping -m takes (decimal) and fwmark rules compare: 0x1, 0x10, 0x13, 0x1f. */
const MARKS = [1, 16, 19, 31] as const;
/** TOS values an `ip rule tos` accepts (IPTOS_TOS_MASK, no ECN bits). */
const TOSES = [0x10, 0x08, 0x04] as const;

function policyArb(o: Required<TopologyOptions>): fc.Arbitrary<RawPolicy | undefined> {
  if (!o.policy) return fc.constant(undefined);
  const key = (values: readonly number[]) => mostly(0, fc.constantFrom(...values), 2);
  return mostly<RawPolicy | undefined>(
    undefined,
    fc.record({
      rules: fc.array(
        fc.record({
          ns: fc.nat(),
          // fwmark, fwmark/mask, tos, iif, ipproto icmp, uidrange 0-0
          sel: fc.integer({ min: 0, max: 5 }),
          value: fc.nat(),
          dev: fc.nat(),
          not: mostly(false, fc.constant(true), 4),
          main: mostly(false, fc.constant(true), 4),
          pref: mostly<number | undefined>(undefined, fc.constantFrom(100, 200, 300), 1),
          net: fc.integer({ min: 0, max: 3 }),
          via: fc.nat(),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      pingKeys: fc.array(fc.record({ mark: key(MARKS), tos: key(TOSES) }), { maxLength: o.maxPings }),
      gets: fc.array(fc.record({ ns: fc.nat(), dst: fc.nat(), from: fc.nat(), iif: fc.nat(), mark: key(MARKS), tos: key(TOSES), output: mostly(false, fc.constant(true), 2) }), { maxLength: 2 }),
    }),
    1,
  );
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
    conf: confArb(o.sysctls, o.proxyArp),
    extra: o.addrDels ? mostly<number | undefined>(undefined, fc.integer({ min: 1, max: 4 }), 2) : fc.constant(undefined),
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
          // Without bridgePortFlags the record is the one earlier seeds drew from.
          legs: fc.array(
            kind === 'bridge' && o.bridgePortFlags
              ? fc.record({ host: iface, portUp: up, flags: mostly<PortFlagWords[]>([], fc.subarray<PortFlagWords>(['learning off', 'flood off', 'isolated on'], { minLength: 1 }), 3) })
              : fc.record({ host: iface, portUp: up }),
            { minLength: 2, maxLength: o.maxLegs },
          ),
          ...(kind === 'ovs' ? { pipeline: mostly<OvsPipeline | undefined>(undefined, fc.constantFrom<OvsPipeline>('tables', 'secure'), 2) } : {}),
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
      fc.record({ loUp: o.linkStates ? mostly(true, fc.constant(false), 4) : fc.constant(true), all: confArb(o.sysctls), forwarding: o.sysctls ? (o.proxyArp ? mostly(false, fc.constant(true), 1) : mostly(false, fc.constant(true), 4)) : fc.constant(false) }),
      { minLength: o.maxNamespaces + 1, maxLength: o.maxNamespaces + 1 },
    ),
    segments: fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: o.maxSegments }),
    routes: mostly(
      [],
      fc.array(
        fc.record({
          ns: fc.nat(),
          net: fc.integer({ min: 0, max: 3 }),
          via: fc.nat(),
          ...(o.rejectRoutes ? { reject: mostly<RejectType | undefined>(undefined, fc.constantFrom<RejectType>('blackhole', 'unreachable', 'prohibit', 'throw'), 2) } : {}),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      3,
    ),
    captures: fc.uniqueArray(fc.nat({ max: 15 }), { maxLength: 4 }),
    pings: fc.array(
      fc.record({ ns: fc.nat(), dst: fc.nat(), dev: mostly<number | undefined>(undefined, fc.nat(), 5), count: mostly<1 | 2>(1, fc.constant(2), 5) }),
      { minLength: 1, maxLength: o.maxPings },
    ),
    routeGets: mostly([], fc.array(fc.record({ ns: fc.nat(), dst: fc.nat() }), { minLength: 1, maxLength: 1 }), 3),
    looks: o.looks ? mostly([], fc.array(fc.record({ ns: fc.nat(), form: fc.constantFrom(...LOOK_FORMS) }), { minLength: 1, maxLength: 2 }), 2) : fc.constant([]),
    arpings: o.arpings ? mostly([], fc.array(fc.record({ ns: fc.nat(), dev: fc.nat(), dst: fc.nat(), count: mostly<1 | 2>(1, fc.constant(2), 3) }), { minLength: 1, maxLength: 1 }), 3) : fc.constant([]),
    policy: policyArb(o),
    addrDels: o.addrDels ? mostly([], fc.array(fc.record({ at: fc.nat(), promote: fc.boolean() }), { minLength: 1, maxLength: 1 }), 1) : fc.constant([]),
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
    addrs: withExtra(x.addrs.map((a) => (typeof a === 'string' ? a : `10.0.${net}.${a.host}/24`)), x.extra === undefined ? undefined : `10.0.${net}.${x.extra}/24`),
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
      const flags = 'flags' in l ? l.flags : undefined;
      return { host: h, port: `${name}-${h.name}`, portUp: l.portUp, ...(flags && flags.length > 0 ? { flags } : {}) };
    });
    return { kind: s.kind, name, up: s.up, addrs: rootAddrs ? s.addrs : [], legs, ...(s.pipeline ? { pipeline: s.pipeline } : {}) };
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
  const routes: RouteSpec[] = r.routes.map((x) => {
    if (!x.reject) return { ns: pick(hostNs, x.ns), prefix: `10.0.${x.net === 3 ? 9 : x.net}.0/24`, via: pick(targets, x.via) };
    // Narrower than the segments' /24 and /16 prefix routes (an equal prefix is EEXIST): one address,
    // or the half of a subnet the pool's hosts .1-.4 live in.
    const prefix = x.via % 2 === 0 ? `${pick(targets, x.via >> 1)}/32` : `10.0.${x.net % 3}.0/25`;
    return { ns: pick(hostNs, x.ns), prefix, via: '', reject: x.reject };
  });
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
  const orphaned = orphanedEnds(segments);
  const looks: LookSpec[] = r.looks
    .map((l) => ({ ns: pick(busyNs, l.ns), form: l.form }))
    .filter((l) => !(bridged && l.ns === '' && l.form === 'ip -br link') && !(orphaned.has(l.ns) && OPERSTATE_FORMS.has(l.form)));
  const changes = linkEventsOf(r, segments);
  const linkEvents = changes.map((c) => c.event);
  // What a change leaves is seen from the other end of its veth: a capture there (an added one, so a
  // seed's other values stay as they were).
  const captured = [...new Set([...captures, ...changes.flatMap((c) => (c.watch === undefined ? [] : [c.watch]))])];
  const proxied = oneProxy(segments, namespaces);
  const base: Topology = { namespaces, segments: proxied.segments, routes, captures: captured, pings: proxiedPing(pings, proxied, r), routeGets, looks, arpings: arpingsOf(r, ifaces, busyNs), ...(linkEvents.length > 0 ? { linkEvents } : {}) };
  const t = o.addrDels ? { ...base, addrDels: addrDelsOf(r, hostIfaces(base)) } : base;
  return r.policy ? withPolicy(t, r.policy, ifaces, busyNs, targets) : t;
}

/** The looks that print each device's operational state. */
const OPERSTATE_FORMS: ReadonlySet<LookForm> = new Set<LookForm>(['ip -br addr', 'ip -br link', 'ip -br -4 addr show up']);

/**
 * Namespaces holding a veth end that is up while its peer is down. Its operational state is what
 * linkwatch last worked out, and linkwatch runs at most once a second machine-wide: whether that was
 * before or after the peer moved to another namespace (LOWERLAYERDOWN or DOWN) is a race on the real
 * machine (the fuzzer met it under load, seed 777001 case 18).
 */
function orphanedEnds(segments: readonly Segment[]): Set<NsName> {
  const out = new Set<NsName>();
  const pair = (x: { ns: NsName; up: boolean }, y: { ns: NsName; up: boolean }) => {
    if (x.up && !y.up) out.add(x.ns);
    if (y.up && !x.up) out.add(y.ns);
  };
  for (const s of segments) {
    if (s.kind === 'veth') pair(s.a, s.b);
    else if (s.kind === 'macvlan') pair(s.parent, s.far);
    else for (const l of s.legs) pair(l.host, { ns: '', up: l.portUp });
  }
  return out;
}

/**
 * Rules in namespaces that have interfaces, each with a route of its own in table 100; marks and TOS
 * values on the pings; input-path lookups from an address of the pool (or a foreign one) arriving on
 * one of the namespace's interfaces (or lo).
 */
function withPolicy(t: Topology, p: RawPolicy, ifaces: readonly Iface[], busyNs: readonly NsName[], targets: readonly string[]): Topology {
  const rules: RuleSpec[] = [];
  const routes: RouteSpec[] = [...t.routes];
  for (const x of p.rules) {
    const ns = pick(busyNs, x.ns);
    const devs = ['lo', ...ifaces.filter((i) => i.ns === ns).map((i) => i.name)];
    const selectors: RuleSelector[] = [
      { kind: 'fwmark', mark: pick(MARKS, x.value) },
      { kind: 'fwmark', mark: 0x10, mask: 0xf0 },
      { kind: 'tos', tos: pick(TOSES, x.value) },
      { kind: 'iif', dev: pick(devs, x.dev) },
      // Every simulated packet is ICMP; every flow, forwarded ones too, has uid 0.
      { kind: 'ipproto', proto: 'icmp' },
      { kind: 'uidrange', start: 0, end: 0 },
    ];
    const selector = pick(selectors, x.sel);
    rules.push({ ns, selector, not: x.not, table: x.main ? 'main' : 100, ...(x.pref !== undefined ? { pref: x.pref } : {}) });
    const prefix = `10.0.${x.net === 3 ? 9 : x.net}.0/24`;
    const via = pick(targets, x.via);
    // One route per table, prefix and gateway: a repeat would be refused the same way on both sides, but says nothing.
    if (!routes.some((r) => r.ns === ns && r.table === 100 && r.prefix === prefix)) routes.push({ ns, prefix, via, table: 100 });
  }
  const pings: PingSpec[] = t.pings.map((ping, i) => {
    const k = p.pingKeys[i];
    return k ? { ...ping, ...(k.mark ? { mark: k.mark } : {}), ...(k.tos ? { tos: k.tos } : {}) } : ping;
  });
  const gets: RouteGetSpec[] = p.gets.map((g) => {
    const ns = pick(busyNs, g.ns);
    const devs = ['lo', ...ifaces.filter((i) => i.ns === ns).map((i) => i.name)];
    return {
      ns,
      dst: pick(targets, g.dst),
      ...(g.output ? {} : { input: { from: pick([...targets, '10.0.9.9'], g.from), iif: pick(devs, g.iif) } }),
      ...(g.mark ? { mark: g.mark } : {}),
      ...(g.tos ? { tos: g.tos } : {}),
    };
  });
  return { ...t, routes, rules, pings, routeGets: [...t.routeGets, ...gets] };
}

function withExtra(addrs: readonly string[], extra: string | undefined): string[] {
  return extra === undefined || addrs.includes(extra) ? [...addrs] : [...addrs, extra];
}

/**
 * proxy_arp stays on the first interface of a forwarding namespace that drew it, and leaves every
 * other. The hosts on its link get a /16 for their first /24 address, so that they ARP for the
 * neighbouring /24s the router reaches through its other devices — what proxy ARP is for.
 */
function oneProxy(segments: readonly Segment[], namespaces: readonly NsSpec[]): { segments: Segment[]; askers: Iface[]; proxy?: Iface } {
  let kept: Iface | undefined;
  const all = hostIfaces({ namespaces: [], segments, routes: [], captures: [], pings: [], routeGets: [] });
  const net = (a: string) => addrOf(a).split('.').slice(0, 3).join('.');
  // A router worth proxying on: another device of its namespace is up in a /24 this one is not in.
  const reachesElsewhere = (i: Iface) => all.some((o) => o.ns === i.ns && o.name !== i.name && o.up && o.addrs.some((a) => a.endsWith('/24') && !i.addrs.some((b) => net(b) === net(a))));
  // Only on a veth or a Linux bridge: behind OVS or a macvlan, the proxy's answer and the owner's would race.
  // Nor on a bridge leg whose namespace has the bridge (the script's own) or another leg of it: the proxy
  // would answer that namespace's own ARP for the routed address, and what it then sends to itself
  // comes back through the bridge to be forwarded again until its TTL runs out — a storm whose length
  // the kernel's backlog decides (seed 20261128 case 42: 30 and 57 copies in two kernel runs).
  const hearsItself = (i: Iface, s: Segment | undefined) => s !== undefined && s.kind === 'bridge' && (i.ns === '' || s.legs.filter((l) => l.host.ns === i.ns).length > 1);
  const fix = (i: Iface, where: Segment['kind'] = 'veth', s?: Segment): Iface => {
    if (i.conf.proxy_arp === undefined) return i;
    const forwards = namespaces.find((n) => n.name === i.ns)?.forwarding ?? false;
    if (forwards && !kept && (where === 'veth' || where === 'bridge') && reachesElsewhere(i) && !hearsItself(i, s)) {
      kept = i;
      return i;
    }
    const { proxy_arp: _dropped, ...conf } = i.conf;
    return { ...i, conf };
  };
  const fixed = segments.map((s): Segment => {
    if (s.kind === 'veth') return { ...s, a: fix(s.a), b: fix(s.b) };
    if (s.kind === 'macvlan') return { ...s, parent: fix(s.parent), far: fix(s.far), legs: s.legs.map((l) => ({ ...l, host: fix(l.host) })) };
    return { ...s, legs: s.legs.map((l) => ({ ...l, host: fix(l.host, s.kind, s) })) };
  });
  const proxy = kept;
  const askers: Iface[] = [];
  if (!proxy) return { segments: fixed, askers };
  const widen = (i: Iface): Iface => {
    if (i === proxy) return i;
    const first = i.addrs.findIndex((a) => a.endsWith('/24'));
    if (first < 0) return i;
    const wide = `${addrOf(i.addrs[first] as string)}/16`;
    if (i.addrs.includes(wide)) return i;
    const w = { ...i, addrs: i.addrs.map((a, k) => (k === first ? wide : a)) };
    askers.push(w);
    return w;
  };
  const out = fixed.map((s): Segment => {
    if (s.kind === 'veth') return s.a === proxy || s.b === proxy ? { ...s, a: widen(s.a), b: widen(s.b) } : s;
    if (s.kind === 'bridge') return s.legs.some((l) => l.host === proxy) ? { ...s, legs: s.legs.map((l) => ({ ...l, host: widen(l.host) })) } : s;
    return s;
  });
  return { segments: out, askers, proxy };
}

/**
 * With a proxy, the first ping goes from a host on its link to an address of another /24 of the
 * pool: the one the host's /16 makes it ARP for, and the proxy answers.
 */
function proxiedPing(pings: readonly PingSpec[], proxied: { segments: Segment[]; askers: Iface[]; proxy?: Iface }, r: RawTopology): PingSpec[] {
  const asker = proxied.askers.find((a) => a.up && a.ns !== proxied.proxy?.ns);
  const first = pings[0];
  const proxy = proxied.proxy;
  if (!asker || !first || !proxy) return [...pings];
  const net = (a: string) => addrOf(a).split('.').slice(0, 3).join('.');
  const own = net(asker.addrs.find((a) => a.endsWith('/16')) as string);
  const ifaces = hostIfaces({ namespaces: [], segments: proxied.segments, routes: [], captures: [], pings: [], routeGets: [] });
  // The /24s the router reaches through its other devices, and the addresses the topology has there.
  const reached = new Set(ifaces.filter((i) => i.ns === proxy.ns && i.name !== proxy.name && i.up).flatMap((i) => i.addrs.filter((a) => a.endsWith('/24')).map(net)));
  reached.delete(own);
  for (const a of proxy.addrs) reached.delete(net(a));
  const mine = new Set(ifaces.filter((i) => i.ns === asker.ns).flatMap((i) => i.addrs.map(addrOf)));
  const away = [...new Set(ifaces.flatMap((i) => i.addrs.map(addrOf)))].filter((a) => reached.has(net(a)) && !mine.has(a));
  if (away.length === 0) return [...pings];
  return [{ ns: asker.ns, dst: pick(away, r.pings[0]?.dst ?? 0), count: first.count }, ...pings.slice(1)];
}

/** The primaries (in `ip addr add` order) that have a secondary in their subnet: what `ip addr del` may take. */
function addrDelsOf(r: RawTopology, ifaces: readonly Iface[]): AddrDelSpec[] {
  const cands: { i: Iface; cidr: string }[] = [];
  for (const i of ifaces) {
    const prim: string[] = [];
    const withSecondary = new Set<string>();
    for (const a of i.addrs) {
      const p = prim.find((x) => sameSubnet(x, a));
      if (p === undefined) prim.push(a);
      else withSecondary.add(p);
    }
    for (const p of prim) if (withSecondary.has(p)) cands.push({ i, cidr: p });
  }
  if (cands.length === 0) return [];
  return r.addrDels.map((d) => {
    const c = pick(cands, d.at);
    return { ns: c.i.ns, dev: c.i.name, cidr: c.cidr, promote: d.promote };
  });
}

/** Same prefix length and the same network: the second is a secondary of the first. */
function sameSubnet(a: string, b: string): boolean {
  const [x, lx] = a.split('/') as [string, string];
  const [y, ly] = b.split('/') as [string, string];
  if (lx !== ly) return false;
  const n = (s: string) => s.split('.').reduce((v, o) => v * 256 + Number(o), 0);
  const len = Number(lx);
  const mask = len === 0 ? 0 : 2 ** 32 - 2 ** (32 - len);
  return (n(x) & mask) >>> 0 === (n(y) & mask) >>> 0;
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
  rejectRoutes: true,
  policy: false,
  proxyArp: false,
  addrDels: false,
  linkEvents: true,
  bridgePortFlags: false,
};

/** Random topologies with pings, lookups and captures; every value prints as a scenario (to-scenario.ts). */
export function topologyArb(options: TopologyOptions = {}): fc.Arbitrary<Topology> {
  const o = { ...DEFAULTS, ...options };
  return rawArb(o).map((r) => resolve(r, o));
}
