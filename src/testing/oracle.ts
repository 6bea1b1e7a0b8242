/**
 * A reachability oracle for generated topologies, written from the kernel's documented rules
 * (Documentation/networking/ip-sysctl.rst, net/ipv4/{arp,fib_frontend,fib_semantics,route,devinet}.c,
 * net/bridge) and from experiments on the kernel — not from the simulator's code. It predicts, for each
 * `ping -c N -W S [-I dev] DST` of a topology, whether ping gets at least one echo reply.
 *
 * It reasons over a graph, not over packets in time: each namespace has its devices (veth ends, the
 * Linux bridge device, the OVS internal port and the OVS port veths, which the userspace datapath does
 * not enslave, macvlans), its local and main routing tables, its neighbour cache; L2 segments say which
 * devices hear a frame another one sends (a macvlan parent's far end is heard by the parent and its
 * macvlans, a macvlan's frames by the far end and, in bridge mode, its bridge-mode siblings). An echo request is followed hop by hop — route lookup, ARP, the
 * receiver's input route (local delivery or forwarding), reverse-path validation — and then its echo
 * reply back to the ping's source address the same way. When more than one device answers an ARP
 * request (an address owned twice on a segment, or a weak-host answer), the first reply wins on the
 * kernel and which one is first is a matter of timing: the oracle follows every candidate and decides
 * only when they all agree.
 *
 * Out of scope, answered 'unknown' (rare; the property measures it — about 0.2% of pings):
 * - candidates that disagree: several devices answer an ARP request and where the echo goes depends
 *   on whose reply is first; or a neighbour entry that timing (ovs-vswitchd's late flood, locktime,
 *   the 5 s delayed probe) may leave holding either of two MACs;
 * - a neighbour entry whose delayed unicast probe goes unanswered (it may fail and be re-resolved);
 * - paths longer than MAX_HOPS (forwarding loops: TTL and ICMP time exceeded are not modelled).
 */
import { type Conf, type Iface, type NsName, type NsSpec, type PingSpec, type Topology } from './model.js';

export type Prediction = 'reply' | 'no-reply' | 'unknown';

/** Thrown where the oracle declines to decide. */
class OutOfScope extends Error {}

const MAX_HOPS = 8;

// ---------------------------------------------------------------------------------------------------
// Addresses

type Ip = number;

function ip(s: string): Ip {
  return s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

interface Addr {
  readonly ip: Ip;
  readonly len: number;
  /** A second address in the same subnet (same mask and network) on the same device is secondary. */
  readonly secondary: boolean;
}

function inSubnet(a: Addr, x: Ip): boolean {
  const m = maskOf(a.len);
  return ((a.ip & m) >>> 0) === ((x & m) >>> 0);
}

// ---------------------------------------------------------------------------------------------------
// Devices and segments

type DevKind = 'host' | 'bridge' | 'ovs-internal' | 'ovs-port';

interface Dev {
  readonly id: number;
  readonly ns: NsName;
  readonly name: string;
  readonly kind: DevKind;
  readonly up: boolean;
  readonly addrs: Addr[];
  readonly conf: Conf;
  /** Position in the namespace's device list (lo first): inet_select_addr walks devices in this order. */
  order: number;
  /** When it was set up, for the order of connected routes. */
  upSeq: number;
}

/** Who hears a frame a device sends: in order, and whether the first one to answer is certain to win. */
interface Hearing {
  /** Devices whose stack sees the frame before anyone else's (the OVS port veth it arrives on). */
  readonly first: Dev[];
  readonly rest: Dev[];
}

interface World {
  readonly t: Topology;
  readonly devs: Dev[];
  readonly ns: Map<NsName, NsSpec>;
  /** Which devices hear what `dev` sends (carrier and bridge state taken into account). */
  readonly hears: Map<number, Hearing>;
  readonly local: Map<NsName, LocalRoute[]>;
  readonly main: Map<NsName, Route[]>;
  /** Reject routes (blackhole, unreachable, prohibit, throw) in main: a lookup they win fails. */
  readonly rejects: Map<NsName, { readonly net: Ip; readonly len: number }[]>;
  /** Neighbour caches: `${dev id}|${ip}` → the devices that may own that MAC (candidates). */
  readonly neigh: Map<NsName, Map<string, Neigh>>;
  /** Entries learned from a request (STALE) and not used yet: their first use arms a probe. */
  readonly learned: Set<string>;
}

/**
 * A neighbour entry: the devices whose MAC it may hold — or `late`, set by an answer that may come
 * before or after the namespace's own request for it (timing), so both are possible.
 */
type Neigh = Dev[] | { readonly late: Dev } | 'unsure';

interface LocalRoute {
  readonly ip: Ip;
  readonly dev: Dev;
  /** Its preferred source: the address itself, or for a secondary the primary of its subnet (fib_add_ifaddr). */
  readonly src: Ip;
}

interface Route {
  readonly net: Ip;
  readonly len: number;
  readonly dev: Dev;
  /** A gateway used as the next hop (a route via one of the namespace's own addresses is on-link). */
  readonly gw?: Ip;
  /** The preferred source: the address whose prefix route this is; static routes select one. */
  readonly src?: Ip;
  /** `ip route add … via`: universe scope, so never a gateway's way (those are looked up at link scope). */
  readonly static?: boolean;
}

function addAddr(list: Addr[], cidr: string): void {
  const [a, l] = cidr.split('/');
  const x = ip(a as string);
  const len = Number(l);
  // `ip addr add` of an address already on the device with the same prefix length is refused (EEXIST).
  if (list.some((y) => y.ip === x && y.len === len)) return;
  const secondary = list.some((y) => y.len === len && inSubnet(y, x));
  list.push({ ip: x, len, secondary });
}

function confMax(nsAll: Conf, dev: Conf, key: 'rp_filter' | 'arp_ignore' | 'arp_announce'): number {
  return Math.max(nsAll[key] ?? 0, dev[key] ?? 0);
}

/** The world as the script leaves it, before any ping. */
function build(t: Topology): World {
  const devs: Dev[] = [];
  const ns = new Map(t.namespaces.map((n) => [n.name, n]));
  const hears = new Map<number, Hearing>();
  let seq = 0;
  const mk = (ns: NsName, name: string, kind: DevKind, up: boolean, cidrs: readonly string[], conf: Conf): Dev => {
    const addrs: Addr[] = [];
    for (const c of cidrs) addAddr(addrs, c);
    const d: Dev = { id: devs.length, ns, name, kind, up, addrs, conf, order: seq++, upSeq: 0 };
    devs.push(d);
    return d;
  };
  const host = (i: Iface) => mk(i.ns, i.name, 'host', i.up, i.addrs, i.conf);
  // A device moved into another namespace is appended to that namespace's device list.
  const moved = (d: Dev) => {
    if (d.ns !== '') d.order = seq++;
  };
  const upNow = (d: Dev) => {
    if (d.up) d.upSeq = seq++;
  };
  const hear = (from: Dev, first: Dev[], rest: Dev[]) => hears.set(from.id, { first, rest });
  for (const s of t.segments) {
    if (s.kind === 'veth') {
      const a = host(s.a);
      const b = host(s.b);
      // veth_newlink registers the peer first.
      b.order = seq++;
      a.order = seq++;
      moved(a);
      upNow(a);
      moved(b);
      upNow(b);
      // A veth has carrier only when both ends are up; a frame sent without carrier is dropped.
      const carrier = a.up && b.up;
      hear(a, [], carrier ? [b] : []);
      hear(b, [], carrier ? [a] : []);
      continue;
    }
    if (s.kind === 'macvlan') {
      // The pair first (the far end registered first), then the macvlans in the script's namespace;
      // their addresses are added before the parent's and the far end's, as the script does.
      const farOrder = seq++;
      const parentOrder = seq++;
      const legs = s.legs.map((l) => ({ d: host(l.host), mode: l.mode }));
      for (const l of legs) {
        moved(l.d);
        upNow(l.d);
      }
      const parent = host(s.parent);
      parent.order = parentOrder;
      moved(parent);
      upNow(parent);
      const far = host(s.far);
      far.order = farOrder;
      moved(far);
      upNow(far);
      // A macvlan has its parent's carrier, and it is up (hashed) or nothing reaches it. What the far
      // end sends reaches the parent's own stack and every macvlan; what the parent sends, the far end
      // only. A macvlan's frames leave through the parent to the far end — and a bridge-mode one's
      // broadcasts reach its bridge-mode siblings too; VEPA and private ones reach no sibling, as
      // nothing out there hairpins (the far end is a host, not a bridge port).
      const carrier = parent.up && far.up;
      const live = legs.filter((l) => carrier && l.d.up);
      hear(far, [], carrier ? [parent, ...live.map((l) => l.d)] : []);
      hear(parent, [], carrier ? [far] : []);
      for (const l of legs) {
        const siblings = l.mode === 'bridge' ? live.filter((x) => x !== l && x.mode === 'bridge').map((x) => x.d) : [];
        hear(l.d, [], live.includes(l) ? [far, ...siblings] : []);
      }
      continue;
    }
    const br = mk('', s.name, s.kind === 'bridge' ? 'bridge' : 'ovs-internal', s.up, s.kind === 'bridge' ? s.addrs : [], {});
    upNow(br);
    const legs = s.legs.map((l) => {
      const port = s.kind === 'ovs' ? mk('', l.port, 'ovs-port', l.portUp, [], {}) : undefined;
      const h = host(l.host);
      moved(h);
      upNow(h);
      // A Linux bridge forwards through a port only while the bridge, the port and its peer are up
      // (no STP: the port forwards at once); OVS switches between its ports whatever its internal
      // port's state.
      const live = l.host.up && l.portUp && (s.kind === 'ovs' || s.up);
      return { h, port, live };
    });
    const liveHosts = legs.filter((l) => l.live).map((l) => l.h);
    if (s.kind === 'bridge') {
      // The bridge device takes part as a station on its own segment.
      hear(br, [], s.up ? liveHosts : []);
      for (const l of legs) hear(l.h, [], l.live ? [...liveHosts.filter((h) => h !== l.h), br] : []);
    } else {
      // Ports of a userspace-datapath bridge are not enslaved: the script namespace's stack sees each
      // frame on the port veth it arrives on before ovs-vswitchd floods it (ovs-port-stack-answers-first).
      // The internal port is a tap in the script's namespace; it hears floods while it is up.
      const internal = s.up ? [br] : [];
      for (const l of legs) hear(l.h, l.live ? [l.port as Dev] : [], l.live ? [...liveHosts.filter((h) => h !== l.h), ...internal] : []);
      hear(br, [], s.up ? liveHosts : []);
    }
  }
  const w: World = { t, devs, ns, hears, local: new Map(), main: new Map(), rejects: new Map(), neigh: new Map(), learned: new Set() };
  for (const n of t.namespaces) {
    w.local.set(n.name, localTable(w, n.name));
    w.main.set(n.name, connectedRoutes(w, n.name));
    w.rejects.set(n.name, []);
    w.neigh.set(n.name, new Map());
  }
  for (const r of t.routes) {
    if (r.reject) addRejectRoute(w, r.ns, r.prefix);
    else addStaticRoute(w, r.ns, r.prefix, ip(r.via));
  }
  return w;
}

function devsOf(w: World, ns: NsName): Dev[] {
  return w.devs.filter((d) => d.ns === ns).sort((a, b) => a.order - b.order);
}

function allConf(w: World, ns: NsName): Conf {
  return w.ns.get(ns)?.all ?? {};
}

// ---------------------------------------------------------------------------------------------------
// Routing tables (fib_add_ifaddr, fib_check_nh, fib_table_lookup)

/**
 * The local table: one local route per address, whether its device is up or not (fib_add_ifaddr adds
 * it before checking IFF_UP; NETDEV_DOWN leaves host-scope routes alone). Measured: an address on a
 * down device answers its own namespace's ping through lo.
 */
function localTable(w: World, ns: NsName): LocalRoute[] {
  const primaryOf = (d: Dev, a: Addr) => (a.secondary ? (d.addrs.find((p) => !p.secondary && p.len === a.len && inSubnet(p, a.ip)) ?? a) : a);
  return devsOfAddOrder(w, ns).flatMap((d) => d.addrs.map((a) => ({ ip: a.ip, dev: d, src: primaryOf(d, a).ip })));
}

/** Devices in the order their addresses were added (script order = creation order). */
function devsOfAddOrder(w: World, ns: NsName): Dev[] {
  return w.devs.filter((d) => d.ns === ns);
}

/**
 * Prefix routes: one per primary address of a device that is up (secondaries add none), created when
 * the device comes up. Two devices with the same prefix give two routes; the first one created wins.
 * A device without carrier keeps its routes (ignore_routes_with_linkdown=0).
 */
function connectedRoutes(w: World, ns: NsName): Route[] {
  return devsOfAddOrder(w, ns)
    .filter((d) => d.up)
    .sort((a, b) => a.upSeq - b.upSeq)
    .flatMap((d) => d.addrs.filter((a) => !a.secondary).map((a) => ({ net: (a.ip & maskOf(a.len)) >>> 0, len: a.len, dev: d, src: a.ip })));
}

/**
 * `ip route add PREFIX via GW`: the gateway is looked up at link scope (connected and local routes
 * only): no such route → "Nexthop has invalid gateway"; a local address on a device that is down →
 * "Network is down"; a local address on an up device makes the route on-link through that device
 * (measured: `ip route get` shows no via). A route with the same prefix already there → EEXIST.
 */
function addStaticRoute(w: World, ns: NsName, prefix: string, gw: Ip): void {
  const main = w.main.get(ns) as Route[];
  const [p, l] = prefix.split('/');
  const net = ip(p as string);
  const len = Number(l);
  if (taken(w, ns, net, len)) return;
  const local = (w.local.get(ns) as LocalRoute[]).find((r) => r.ip === gw);
  if (local) {
    if (!local.dev.up) return;
    main.push({ net, len, dev: local.dev, src: selectAddr(w, local.dev, gw), static: true });
    return;
  }
  const via = longestMatch(main.filter((r) => !r.static), gw);
  if (!via) return;
  main.push({ net, len, dev: via.dev, gw, src: selectAddr(w, via.dev, gw), static: true });
}

/** A route of that prefix (and metric 0) is already in main, whatever its type: EEXIST. */
function taken(w: World, ns: NsName, net: Ip, len: number): boolean {
  return (w.main.get(ns) as Route[]).some((r) => r.net === net && r.len === len) || (w.rejects.get(ns) ?? []).some((r) => r.net === net && r.len === len);
}

/**
 * `ip route add blackhole|unreachable|prohibit|throw PREFIX`: universe scope, so never a gateway's way; in
 * a lookup it wins by prefix length like any route, whatever device the flow is bound to (its error
 * comes before the nexthop check), and the lookup fails — no local sending (but the on-link
 * assumption of a bound device), no forwarding, no reverse path.
 */
function addRejectRoute(w: World, ns: NsName, prefix: string): void {
  const [p, l] = prefix.split('/');
  const len = Number(l);
  const net = (ip(p as string) & maskOf(len)) >>> 0;
  if (taken(w, ns, net, len)) return;
  (w.rejects.get(ns) as { net: Ip; len: number }[]).push({ net, len });
}

function longestMatch<R extends { net: Ip; len: number }>(routes: readonly R[], dst: Ip): R | undefined {
  let best: R | undefined;
  for (const r of routes) if (((dst & maskOf(r.len)) >>> 0) === r.net && (!best || r.len > best.len)) best = r;
  return best;
}

type Lookup = { type: 'local'; dev: Dev; src: Ip } | { type: 'unicast'; route: Route };

/** fib_lookup: the local table first, then main; with an output device, only routes through it. */
function fibLookup(w: World, ns: NsName, dst: Ip, oif?: Dev): Lookup | undefined {
  const local = (w.local.get(ns) as LocalRoute[]).find((r) => r.ip === dst && (!oif || r.dev === oif));
  if (local) return { type: 'local', dev: local.dev, src: local.src };
  const route = longestMatch((w.main.get(ns) as Route[]).filter((r) => !oif || r.dev === oif), dst);
  const reject = longestMatch(w.rejects.get(ns) ?? [], dst);
  if (reject && (!route || reject.len > route.len)) return undefined;
  return route ? { type: 'unicast', route } : undefined;
}

function isLocal(w: World, ns: NsName, x: Ip): boolean {
  return (w.local.get(ns) as LocalRoute[]).some((r) => r.ip === x);
}

/**
 * inet_select_addr: the device's first primary address in dst's subnet, else its first primary; a
 * device without one borrows the first primary address of the namespace's devices in list order.
 */
function selectAddr(w: World, dev: Dev, dst: Ip | undefined): Ip | undefined {
  const prim = dev.addrs.filter((a) => !a.secondary);
  const inNet = dst === undefined ? undefined : prim.find((a) => inSubnet(a, dst));
  if (inNet ?? prim[0]) return (inNet ?? prim[0])?.ip;
  for (const d of devsOf(w, dev.ns)) {
    const a = d.addrs.find((x) => !x.secondary);
    if (a) return a.ip;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Output route (ip_route_output_key_hash)

type OutRoute =
  | { readonly kind: 'local'; readonly src: Ip }
  | { readonly kind: 'link'; readonly dev: Dev; readonly nh: Ip; readonly src: Ip | undefined };

/**
 * The route a locally generated packet takes. With `oif` (ping -I, SO_BINDTODEVICE) the device must be
 * up, and only routes through it count — the local route of an address on another device too, which is
 * why `ping -I veth0 <veth1's address>` leaves through veth0; with no route at all through the device,
 * the kernel assumes the destination is on-link there.
 */
function outputRoute(w: World, ns: NsName, dst: Ip, oif?: Dev, fixedSrc?: Ip): OutRoute | 'unreachable' {
  if (oif && !oif.up) return 'unreachable';
  const r = fibLookup(w, ns, dst, oif);
  if (!r) {
    if (!oif) return 'unreachable';
    return { kind: 'link', dev: oif, nh: dst, src: fixedSrc ?? selectAddr(w, oif, undefined) };
  }
  // A local destination: the local route's preferred source — for a secondary address, the primary.
  if (r.type === 'local') return { kind: 'local', src: fixedSrc ?? r.src };
  const { route } = r;
  return { kind: 'link', dev: route.dev, nh: route.gw ?? dst, src: fixedSrc ?? route.src ?? selectAddr(w, route.dev, route.gw ?? dst) };
}

// ---------------------------------------------------------------------------------------------------
// Reverse-path validation (fib_validate_source)

/**
 * Is a packet from `src` arriving on `dev` acceptable? rp_filter is max(all, dev); accept_local is
 * all || dev. With rp_filter 0 the only test is that the source is not one of the namespace's own
 * addresses (unless accept_local) — except when the packet would be forwarded back out the device it
 * came in on (send_redirects), where the full check runs with mode 0. The full check: the route back
 * to src must exist and be unicast (or local with accept_local); strict mode (1) wants it through
 * `dev`; loose mode (2) any. A device without addresses that is not the way back fails in modes 1, 2.
 */
function validSource(w: World, dev: Dev, src: Ip, oif: Dev | undefined): boolean {
  const all = allConf(w, dev.ns);
  const rpf = confMax(all, dev.conf, 'rp_filter');
  const acceptLocal = (all.accept_local ?? 0) === 1 || (dev.conf.accept_local ?? 0) === 1;
  if (rpf === 0 && dev !== oif) return acceptLocal || !isLocal(w, dev.ns, src);
  const r = fibLookup(w, dev.ns, src);
  if (!r) return rpf === 0;
  if (r.type === 'local' && !acceptLocal) return false;
  const back = r.type === 'local' ? r.dev : r.route.dev;
  if (back === dev) return true;
  if (dev.addrs.length === 0) return rpf === 0;
  return rpf !== 1;
}

// ---------------------------------------------------------------------------------------------------
// ARP (arp_solicit, arp_process)

/**
 * The sender address of an ARP request (arp_announce, max(all, dev)): 0 names the packet's source if
 * it is local; 1 only if some address of the device has both it and the target in its subnet; 2, and
 * the fallbacks, inet_select_addr on the device for the target.
 */
function arpSender(w: World, dev: Dev, target: Ip, pktSrc: Ip): Ip {
  const mode = confMax(allConf(w, dev.ns), dev.conf, 'arp_announce');
  const local = isLocal(w, dev.ns, pktSrc);
  if (mode === 0 && local) return pktSrc;
  if (mode === 1 && local && dev.addrs.some((a) => inSubnet(a, target) && inSubnet(a, pktSrc))) return pktSrc;
  const s = selectAddr(w, dev, target);
  // An ARP request with sender 0.0.0.0 is answered by a different path (DAD); not modelled.
  if (s === undefined) throw new OutOfScope('ARP request without a sender address');
  return s;
}

/**
 * Does the stack of `dev` answer "who-has tip tell sip"? The target must be a local address of the
 * namespace (weak host: any device); arp_ignore (max(all, dev)) 1 wants it on `dev`, 2 also wants the
 * sender in the subnet of an address of `dev` holding both; and the sender is validated like an IP
 * source arriving on `dev` (a martian sender — one of our own addresses without accept_local — or one
 * failing rp_filter gets no answer).
 */
function answersArp(w: World, dev: Dev, sip: Ip, tip: Ip): boolean {
  if (!isLocal(w, dev.ns, tip)) return false; // proxy_arp is off: nobody answers for others
  const mode = confMax(allConf(w, dev.ns), dev.conf, 'arp_ignore');
  if (mode >= 1 && !dev.addrs.some((a) => a.ip === tip)) return false;
  if (mode === 2 && !dev.addrs.some((a) => inSubnet(a, tip) && inSubnet(a, sip))) return false;
  return validSource(w, dev, sip, undefined);
}

function neighOf(w: World, ns: NsName): Map<string, Neigh> {
  return w.neigh.get(ns) as Map<string, Neigh>;
}

/** The devices a unicast to `nh` out of `dev` may reach: the cached neighbour entry, else an ARP exchange. */
function resolve(w: World, dev: Dev, nh: Ip, pktSrc: Ip): Dev[] {
  const key = `${dev.id}|${nh}`;
  const cached = neighOf(w, dev.ns).get(key);
  if (cached === 'unsure') throw new OutOfScope('neighbour entry whose delayed probe may go unanswered');
  if (cached && !('late' in cached)) {
    if (w.learned.delete(`${dev.ns}|${key}`)) delayedProbe(w, dev, nh, cached);
    return cached;
  }
  const fresh = arpExchange(w, dev, nh, pktSrc, cached !== undefined);
  // A late answer's entry (below) and our own request race: either may have set the entry first.
  const winners = cached ? [...new Set([cached.late, ...fresh])] : fresh;
  if (winners.length > 0) neighOf(w, dev.ns).set(key, winners);
  return winners;
}

/**
 * Broadcast "who-has nh" out of `dev` and collect who answers. Every device that answers caches the
 * sender (neigh_event_ns); the first reply to arrive wins — on an OVS port the script namespace's own
 * stack, if it answers, is certain to be first. `racy`: whether this request is sent at all depends on
 * timing, so neither are the entries it creates elsewhere certain.
 */
function arpExchange(w: World, dev: Dev, nh: Ip, pktSrc: Ip, racy: boolean): Dev[] {
  const sip = arpSender(w, dev, nh, pktSrc);
  const h = w.hears.get(dev.id) ?? { first: [], rest: [] };
  const first = h.first.filter((d) => answersArp(w, d, sip, nh));
  const rest = h.rest.filter((d) => answersArp(w, d, sip, nh));
  // When an OVS port's own stack answered at once, the flooded copies reach the others only after
  // ovs-vswitchd has read them — while the exchange that followed may already have needed (and asked
  // for) the very entry their answer creates. Such entries are marked late: both orders are followed.
  const late = racy || first.length > 0;
  for (const d of first) learn(w, d, sip, dev, racy);
  for (const d of rest) learn(w, d, sip, dev, late);
  const answered = new Set([...first, ...rest]);
  const silent = [...h.first, ...h.rest].filter((d) => !answered.has(d));
  for (const d of silent) overheard(w, d, sip, nh, dev, answered.size === 0);
  return first.length > 0 ? first : rest;
}

/**
 * arp_process on a device that does not answer still updates an existing entry for the sender: at
 * once for a gratuitous request (sender = target, not a local address there), or once the entry is
 * older than locktime (1 s) — certain when the request goes unanswered, since the kernel repeats it
 * a second and two seconds later; otherwise timing decides, and the entry may hold either.
 */
function overheard(w: World, at: Dev, sip: Ip, tip: Ip, from: Dev, unanswered: boolean): void {
  const key = `${at.id}|${sip}`;
  const had = neighOf(w, at.ns).get(key);
  if (had === undefined || had === 'unsure' || 'late' in had || (had.length === 1 && had[0] === from)) return;
  const garp = sip === tip && !isLocal(w, at.ns, sip);
  neighOf(w, at.ns).set(key, garp || unanswered ? [from] : [...new Set([...had, from])]);
}

/**
 * An entry learned from someone else's request is STALE; using it starts the kernel's delay timer and
 * 5 s later (delay_first_probe_time) a unicast probe goes to the cached MAC (measured: the kernel's
 * probe after ping -W 4 made a later echo reply take the prober's device). When that lands is timing
 * against the script's later pings (each waits up to -W seconds), so its effects are taken as late:
 * the owner that answers learns the prober's sender address (neigh_event_ns); an owner that does not
 * answer lets the entry fail, after which nothing is certain.
 */
function delayedProbe(w: World, dev: Dev, nh: Ip, owners: Dev[]): void {
  // A probe carries no queued packet (skb NULL in arp_solicit): whatever arp_announce says, the
  // sender is inet_select_addr's choice.
  const sip = selectAddr(w, dev, nh);
  if (sip === undefined) throw new OutOfScope('ARP probe without a sender address');
  for (const x of owners) {
    if (answersArp(w, x, sip, nh)) learn(w, x, sip, dev, true);
    else neighOf(w, dev.ns).set(`${dev.id}|${nh}`, 'unsure');
  }
}

/** neigh_event_ns: the answering device's namespace caches the asker (overriding what it had). */
function learn(w: World, at: Dev, ip: Ip, owner: Dev, late: boolean): void {
  const key = `${at.id}|${ip}`;
  const had = neighOf(w, at.ns).get(key);
  if (!late) {
    neighOf(w, at.ns).set(key, [owner]);
    w.learned.add(`${at.ns}|${key}`);
  }
  // A late override of an existing entry: it holds either; of no entry: ours may come first.
  else if (had === 'unsure') return;
  else if (had && !('late' in had)) neighOf(w, at.ns).set(key, [...new Set([...had, owner])]);
  else neighOf(w, at.ns).set(key, { late: owner });
}

// ---------------------------------------------------------------------------------------------------
// Following a packet

interface Packet {
  readonly src: Ip;
  readonly dst: Ip;
  readonly echo: 'request' | 'reply';
}

/** Where a packet ends: taken in by a namespace's stack (`iif` as a bound socket sees it), or lost. */
type End = { readonly ns: NsName; readonly iif: Dev } | 'lost';

/** Send out of `dev` toward next hop `nh`: every candidate receiver is one possible path. */
function transmit(w: World, dev: Dev, nh: Ip, pkt: Packet, hops: number): End[] {
  const to = resolve(w, dev, nh, pkt.src);
  if (to.length === 0) return ['lost'];
  return to.flatMap((x) => receive(w, x, pkt, hops + 1));
}

/** Locally delivered through lo (needs lo up); a bound socket sees the device of the local route. */
function loopback(w: World, ns: NsName, pkt: Packet): End[] {
  // The script's own namespace is a host's: its lo is up (kernel mode sets it up before the script).
  if (ns !== '' && !w.ns.get(ns)?.loUp) return ['lost'];
  const dev = (w.local.get(ns) as LocalRoute[]).find((r) => r.ip === pkt.dst)?.dev as Dev;
  return [{ ns, iif: dev }];
}

/**
 * ip_route_input: a destination local to the namespace (any device) is delivered if the source
 * validates; otherwise it is forwarded if ip_forward is on and a route exists (source validated
 * against the way out), else dropped.
 */
function receive(w: World, dev: Dev, pkt: Packet, hops: number): End[] {
  if (hops > MAX_HOPS) throw new OutOfScope('path longer than MAX_HOPS');
  const r = fibLookup(w, dev.ns, pkt.dst);
  if (r?.type === 'local') return validSource(w, dev, pkt.src, undefined) ? [{ ns: dev.ns, iif: dev }] : ['lost'];
  if (!w.ns.get(dev.ns)?.forwarding || !r) return ['lost'];
  if (!validSource(w, dev, pkt.src, r.route.dev)) return ['lost'];
  return transmit(w, r.route.dev, r.route.gw ?? pkt.dst, pkt, hops);
}

/** Send a packet generated by the namespace's own stack. */
function originate(w: World, ns: NsName, pkt: Packet, route: OutRoute, hops: number): End[] {
  if (route.kind === 'local') return loopback(w, ns, pkt);
  return transmit(w, route.dev, route.nh, pkt, hops);
}

/** The echo reply: from the request's destination back to its source, routed by the replier. */
function echoReply(w: World, at: Exclude<End, 'lost'>, req: Packet, hops: number): End[] {
  const pkt: Packet = { src: req.dst, dst: req.src, echo: 'reply' };
  const route = outputRoute(w, at.ns, pkt.dst, undefined, pkt.src);
  if (route === 'unreachable') return ['lost'];
  return originate(w, at.ns, pkt, route, hops);
}

/** One ping's outcome(s): one per candidate path. */
function pingOutcomes(w: World, p: PingSpec): Set<'reply' | 'no-reply'> {
  const bound = p.dev === undefined ? undefined : w.devs.find((d) => d.ns === p.ns && d.name === p.dev);
  if (p.dev !== undefined && !bound) throw new OutOfScope('ping -I a device the oracle does not know');
  const dst = ip(p.dst);
  const route = outputRoute(w, p.ns, dst, bound);
  if (route === 'unreachable') return new Set(['no-reply']);
  // No address anywhere in the namespace (ping -I on-link): the request would leave from 0.0.0.0, a
  // martian source for every receiver's ip_route_input.
  if (route.src === undefined) return new Set(['no-reply']);
  const req: Packet = { src: route.src, dst, echo: 'request' };
  const out = new Set<'reply' | 'no-reply'>();
  for (const end of originate(w, p.ns, req, route, 0)) {
    if (end === 'lost') {
      out.add('no-reply');
      continue;
    }
    for (const back of echoReply(w, end, req, 0)) {
      // A raw socket bound to a device (ping -I) takes only what arrived on it (inet_iif).
      const ok = back !== 'lost' && back.ns === p.ns && (!bound || back.iif === bound);
      out.add(ok ? 'reply' : 'no-reply');
    }
  }
  return out;
}

/** A ping's prediction, and for 'unknown' why the oracle declined. */
export interface Explained {
  readonly prediction: Prediction;
  readonly reason?: string;
}

/**
 * Knobs the oracle has no rule for: policy rules (and the marks and TOS values that select them),
 * proxy_arp, an address deleted with or without promote_secondaries, a Linux bridge port's flags (an
 * OVS pipeline is drawn to end in NORMAL, which the oracle follows). Every ping of such a topology is 'unknown', so the property's coverage
 * figure counts them instead of trusting a guess.
 */
function unmodelled(t: Topology): string | undefined {
  if ((t.rules ?? []).length > 0) return 'policy rules';
  if (t.pings.some((p) => p.mark !== undefined || p.tos !== undefined)) return 'ping -m/-Q';
  if ((t.addrDels ?? []).length > 0) return 'ip addr del (promote_secondaries)';
  for (const s of t.segments) {
    const ifaces = s.kind === 'veth' ? [s.a, s.b] : s.kind === 'macvlan' ? [s.parent, s.far, ...s.legs.map((l) => l.host)] : s.legs.map((l) => l.host);
    if (ifaces.some((i) => i.conf.proxy_arp !== undefined)) return 'proxy_arp';
    if (s.kind === 'bridge' && s.legs.some((l) => (l.flags ?? []).length > 0)) return 'bridge port flags';
  }
  return undefined;
}

/** For each ping of `t`, in order: does it get at least one echo reply, and why not decided. */
export function explainPings(t: Topology): Explained[] {
  const beyond = unmodelled(t);
  if (beyond !== undefined) return t.pings.map(() => ({ prediction: 'unknown', reason: beyond }));
  const w = build(t);
  return t.pings.map((p): Explained => {
    try {
      const o = pingOutcomes(w, p);
      return o.size === 1 ? { prediction: [...o][0] as Prediction } : { prediction: 'unknown', reason: 'candidate ARP answers disagree' };
    } catch (e) {
      if (e instanceof OutOfScope) return { prediction: 'unknown', reason: e.message };
      throw e;
    }
  });
}

/** For each ping of `t`, in order: does it get at least one echo reply? */
export function predictPings(t: Topology): Prediction[] {
  return explainPings(t).map((e) => e.prediction);
}
