/**
 * VXLAN (drivers/net/vxlan/vxlan_core.c): an Ethernet device whose frames travel inside UDP datagrams
 * of the namespace it was made in — the overlay of Flannel, Docker's overlay networks and the
 * tutorials' `ip link add vxlan0 type vxlan id 42 remote 10.0.0.2 dstport 4789 dev eth0`.
 *
 * Sending (vxlan_xmit): the frame's destination MAC is looked up in the device's own forwarding table
 * (its fdb, not a bridge's); with no entry the all-zeros entry is the default (what `remote` makes, and
 * `bridge fdb append 00:00:00:00:00:00 ... dst IP` extends for head-end replication). Each remote of
 * the entry gets a copy: the second and later remotes first, in the order they were added, the first
 * remote last. vxlan_xmit_one puts a VXLAN header, UDP (source port from a hash of the inner flow,
 * udp_flow_src_port) and IPv4 (no DF, TTL the route's, TOS with the inner packet's ECN bits) in
 * front, routes it in the device's namespace, and sends it as the kernel's own datagram.
 *
 * Receiving (vxlan_rcv, the encap_rcv of the UDP socket each port gets while a device on it is up):
 * the VNI picks the device; the inner source MAC is learned against the outer source address (unless
 * `nolearning`), and the frame is received on the device after GRO (another softirq turn).
 *
 * Kernel facts (Linux 6.18, iproute2 6.1, measured in kernel mode):
 * - MTU 1450 with `dev` (the lower device's minus 50), else 1500; carrier on, operstate UNKNOWN when up.
 *   An MTU given at creation may be larger; a change later may not. The lower device's MTU changing
 *   leaves the vxlan's alone.
 * - `bridge fdb add` without `dst` is EINVAL; `dst 0.0.0.0` makes an entry that sends nowhere.
 * - Without `dstport` iproute2 warns and the kernel uses 8472 (tcpdump prints that port as OTV).
 * - The counters count the inner packet without its Ethernet header (iptunnel_xmit_stats, and
 *   dev_sw_netstats_rx_add after eth_type_trans): a ping's 84-byte datagram is 84 bytes.
 * - No fdb entry and no default remote: the frame is counted in tx_dropped. No route to the remote:
 *   tx_errors and tx_carrier_errors; the route back through the device itself: tx_errors and collisions.
 * - `bridge fdb show` lists the entries newest first (fdb_list); a learned entry has no state word and
 *   no `via`; the default remote's entry shows `via DEV` when the device has one.
 * - A datagram to a port with no socket (the receiving device down) is answered with ICMP port unreachable.
 *
 * Not modelled (refused where typed): multicast groups (`group`), IPv6, `external` (collect_metadata),
 * proxy/rsc/l2miss/l3miss, gbp/gpe, `df`, `ttl inherit`, `flowlabel`, `maxaddress`, moving the device to
 * another namespace, and changing it (`ip link set ... type vxlan`). A frame larger than the path
 * allows leaves fragmented (the device sets no DF); the PMTU the kernel then records for the inner
 * route (skb_tunnel_check_pmtu) is not modelled.
 */
import type { DeviceState } from '../sim/state.js';
import { findById, findByName, worldSlot, type Namespace, type World } from '../sim/world.js';
import { register_netdev_ops, type NetDeviceOps, type XmitResult } from '../core/netdevice.js';
import { dev_alloc_name, isValidEtherAddr, LOOPBACK_HOP_NS, netif_receive_skb, register_netdevice, rtnl_dellink } from '../core/dev.js';
import { register_netdevice_notifier, type NetdevNotification } from '../core/notifier.js';
import { kfree_skb, skb_clone, skb_trace, type Skb } from '../core/skbuff.js';
import { fail, OK, type Result } from '../core/errno.js';
import { ETHERNET_HEADER_LEN, ETHERTYPE_IPV4, ethertypeOf, macAt, ZERO_MAC } from '../wire/ethernet.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, ipv4Dst, ipv4HeaderLength, ipv4Protocol, ipv4Src, ipv4ToString as fmt, ipv4Tos } from '../wire/ipv4.js';
import { emitUdp, UDP_HEADER_LEN } from '../wire/udp.js';
import { emitVxlan, parseVxlan, VXLAN_HEADER_LEN } from '../wire/vxlan.js';
import { get16 } from '../wire/bytes.js';
import { udp_tunnel } from '../core/udp_tunnel.js';
import { NS_PER_SEC } from '../sim/event-loop.js';

export const VXLAN_KIND = 'vxlan';

/** VXLAN_HEADROOM for IPv4: outer IP, UDP, VXLAN and the inner Ethernet header. */
export const VXLAN_HEADROOM = 20 + UDP_HEADER_LEN + VXLAN_HEADER_LEN + ETHERNET_HEADER_LEN;

/** inet_get_local_port_range's default (ip_local_port_range "32768 60999"), which udp_flow_src_port uses for "srcport 0 0". */
const LOCAL_PORT_LOW = 32768;
const LOCAL_PORT_HIGH = 60999;

/** What `ip link add ... type vxlan` configures (struct vxlan_config). */
export interface VxlanConfig {
  readonly vni: number;
  /** The default remote (IFLA_VXLAN_GROUP, unicast): 0 for none. */
  readonly remote: number;
  /** IFLA_VXLAN_LOCAL: the source address of what it sends; 0 lets the route choose. */
  readonly local: number;
  /** IFLA_VXLAN_LINK: the lower device's ifindex in the device's namespace; 0 for none. */
  readonly link: number;
  readonly dstPort: number;
  /** IFLA_VXLAN_PORT_RANGE: [low, high); 0 0 is the namespace's local port range. */
  readonly portLow: number;
  readonly portHigh: number;
  /** 0: the route's hop limit ("ttl auto"). */
  readonly ttl: number;
  /** 0, a DS field value, or 1 for "inherit" (the inner packet's). */
  readonly tos: number;
  readonly learning: boolean;
  /** Seconds a learned entry lives unused; 0: forever ("ageing none"). */
  readonly ageing: number;
  readonly udpCsum: boolean;
}

/** One place an fdb entry sends to (struct vxlan_rdst): port and VNI default to the device's. */
export interface VxlanRemote {
  readonly ip: number;
  readonly port: number;
  readonly vni: number;
  /** remote_ifindex: the lower device it goes out of (`via`); 0 for none. */
  readonly ifindex: number;
}

/** An fdb entry: NUD_PERMANENT (user's, and the default remote), NUD_NOARP ("static"), or NUD_REACHABLE (learned, or `dynamic`). */
export interface VxlanFdbEntry {
  readonly mac: string;
  state: 'permanent' | 'static' | 'reachable';
  /** NTF_SELF entries the user added are shown "self"; all are. */
  readonly remotes: VxlanRemote[];
  used: number;
  updated: number;
  /** Creation order: fdb_list is newest first. */
  readonly seq: number;
}

/** What one vxlan device is (struct vxlan_dev), by its device id. */
export interface VxlanDev {
  readonly id: number;
  readonly cfg: VxlanConfig;
  /** vxlan->net: where its socket and routes live (the device cannot move here). */
  readonly ns: Namespace;
  readonly fdb: Map<string, VxlanFdbEntry>;
  /** netif_inherit_tso_max: the lower device at creation, if any. */
  readonly tsoFrom: DeviceState | undefined;
  /** Counters `ip -s link` cannot show yet: when any is non-zero the device's counters are refused. */
  readonly errors: { tx_errors: number; tx_carrier_errors: number; collisions: number; tx_aborted_errors: number };
  /** Counters of what it received (dev_sw_netstats_rx_add). */
  rx_packets: number;
  rx_bytes: number;
}

interface VxlanRuntime {
  readonly devs: Map<number, VxlanDev>;
  /** Open sockets by namespace and port (vxlan_sock), each with the up devices on it in the order they opened. */
  readonly socks: Map<Namespace, Map<number, number[]>>;
  fdbSeq: number;
  /** The key of the flow hash (the kernel's hashrnd, random per boot), drawn when the first device is made. */
  hashKey: number | undefined;
}

const runtime = worldSlot<VxlanRuntime>(() => ({ devs: new Map(), socks: new Map(), fdbSeq: 0, hashKey: undefined }));

/** The vxlan device of this id, if it is one. */
export function vxlanOf(w: World, id: number): VxlanDev | undefined {
  return runtime(w).devs.get(id);
}

// ---------------------------------------------------------------------------------------------
// The flow hash (udp_flow_src_port)

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * skb_get_hash over the inner frame as the flow dissector sees it — the ethertype, for IPv4 the two
 * addresses, the protocol and (TCP, UDP) the two ports or (ICMP echo) the identifier — with both
 * directions of a flow hashing alike (__flow_hash_consistentify), keyed per world.
 */
function innerFlowHash(key: number, frame: Uint8Array): number {
  const type = ethertypeOf(frame);
  let h = mix(key, type);
  if (type === ETHERTYPE_IPV4 && frame.length >= ETHERNET_HEADER_LEN + 20) {
    const ip = frame.subarray(ETHERNET_HEADER_LEN);
    const a = ipv4Src(ip);
    const b = ipv4Dst(ip);
    h = mix(mix(h, Math.min(a, b)), Math.max(a, b));
    const proto = ipv4Protocol(ip);
    h = mix(h, proto);
    const l4 = ip.subarray(ipv4HeaderLength(ip));
    if ((proto === IP_PROTO_TCP || proto === IP_PROTO_UDP) && l4.length >= 4) {
      const p = get16(l4, 0);
      const q = get16(l4, 2);
      h = mix(mix(h, Math.min(p, q)), Math.max(p, q));
    } else if (proto === 1 && l4.length >= 6 && (l4[0] === 8 || l4[0] === 0)) h = mix(h, get16(l4, 4));
  }
  return h || 1;
}

/** udp_flow_src_port: the hash, scaled into [low, high) — the local port range when low >= high. */
export function udp_flow_src_port(key: number, frame: Uint8Array, low: number, high: number): number {
  if (low >= high) {
    low = LOCAL_PORT_LOW;
    high = LOCAL_PORT_HIGH;
  }
  let hash = innerFlowHash(key, frame);
  hash = (hash ^ (hash << 16)) >>> 0;
  return Math.floor((hash * (high - low)) / 0x1_0000_0000) + low;
}

// ---------------------------------------------------------------------------------------------
// The forwarding table

function hasExpired(w: World, v: VxlanDev, f: VxlanFdbEntry): boolean {
  return f.state === 'reachable' && v.cfg.ageing > 0 && w.loop.now >= f.used + v.cfg.ageing * NS_PER_SEC;
}

/** vxlan_cleanup, run when the table is read: learned entries unused for `ageing` seconds go. */
function vxlan_cleanup(w: World, v: VxlanDev): void {
  for (const [mac, f] of v.fdb) if (hasExpired(w, v, f)) v.fdb.delete(mac);
}

/** vxlan_find_mac: the entry, marked used. */
function vxlan_find_mac(w: World, v: VxlanDev, mac: string): VxlanFdbEntry | undefined {
  const f = v.fdb.get(mac);
  if (!f) return undefined;
  if (hasExpired(w, v, f)) {
    v.fdb.delete(mac);
    return undefined;
  }
  f.used = w.loop.now;
  return f;
}

/** The device's entries as `bridge fdb show` lists them: newest first. */
export function vxlan_fdb_entries(w: World, v: VxlanDev): VxlanFdbEntry[] {
  vxlan_cleanup(w, v);
  return [...v.fdb.values()].sort((a, b) => b.seq - a.seq);
}

function newEntry(w: World, v: VxlanDev, mac: string, state: VxlanFdbEntry['state'], remote: VxlanRemote): VxlanFdbEntry {
  const f: VxlanFdbEntry = { mac, state, remotes: [remote], used: w.loop.now, updated: w.loop.now, seq: ++runtime(w).fdbSeq };
  v.fdb.set(mac, f);
  return f;
}

/** The remote a `bridge fdb` request names, with the device's port and VNI where it names none. */
export interface FdbRequest {
  readonly mac: string;
  readonly ip: number;
  readonly port?: number;
  readonly vni?: number;
  readonly via?: number;
  readonly state: VxlanFdbEntry['state'];
}

function remoteOf(v: VxlanDev, r: FdbRequest): VxlanRemote {
  return { ip: r.ip, port: r.port ?? v.cfg.dstPort, vni: r.vni ?? v.cfg.vni, ifindex: r.via ?? 0 };
}

function sameRemote(a: VxlanRemote, b: VxlanRemote): boolean {
  return a.ip === b.ip && a.port === b.port && a.vni === b.vni && a.ifindex === b.ifindex;
}

function isGroupOrZero(mac: string): boolean {
  return mac === ZERO_MAC || (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/**
 * vxlan_fdb_update (RTM_NEWNEIGH on the device, NTF_SELF). `add` (NLM_F_EXCL) fails on an existing MAC.
 * On an existing entry the state is the request's; `append` adds a remote to an all-zeros or group
 * entry (a unicast one keeps its own), `replace` swaps a unicast entry's first remote (EOPNOTSUPP for
 * the others). A new entry is made with the one remote — but never by `replace` for zeros or a group.
 */
export function vxlan_fdb_add(w: World, v: VxlanDev, how: 'add' | 'append' | 'replace', r: FdbRequest): Result {
  vxlan_cleanup(w, v);
  const remote = remoteOf(v, r);
  const f = v.fdb.get(r.mac);
  const group = isGroupOrZero(r.mac);
  if (!f) {
    if (how === 'replace' && group) return fail('EOPNOTSUPP');
    if (!group && !isValidEtherAddr(r.mac)) return fail('EINVAL');
    newEntry(w, v, r.mac, r.state, remote);
    return OK;
  }
  if (how === 'add') return fail('EEXIST');
  if (f.state !== r.state) {
    f.state = r.state;
    f.updated = w.loop.now;
  }
  if (how === 'replace') {
    if (group) return fail('EOPNOTSUPP', 'Cannot replace non-unicast entry');
    if (!f.remotes.some((x) => sameRemote(x, remote))) {
      f.remotes[0] = remote;
      f.updated = w.loop.now;
    }
  } else if (group && !f.remotes.some((x) => sameRemote(x, remote))) {
    f.remotes.push(remote);
    f.updated = w.loop.now;
  }
  return OK;
}

/**
 * __vxlan_fdb_delete: with a remote address given, that remote (port, VNI and `via` as given or the
 * device's) goes — the entry too if it was the only one; without, the whole entry.
 */
export function vxlan_fdb_delete(w: World, v: VxlanDev, r: Omit<FdbRequest, 'state'>): Result {
  vxlan_cleanup(w, v);
  const f = v.fdb.get(r.mac);
  if (!f) return fail('ENOENT');
  if (r.ip !== 0) {
    const want = remoteOf(v, { ...r, state: 'permanent' });
    const i = f.remotes.findIndex((x) => sameRemote(x, want));
    // A remote the entry does not have: nothing is deleted, and the kernel says so by saying nothing.
    if (i < 0) return OK;
    if (f.remotes.length > 1) {
      f.remotes.splice(i, 1);
      return OK;
    }
  }
  v.fdb.delete(r.mac);
  return OK;
}

/** vxlan_snoop: learn (or move) the inner source MAC to the outer source address; false to drop the frame. */
function vxlan_snoop(w: World, v: VxlanDev, dev: DeviceState, srcIp: number, mac: string): boolean {
  const f = vxlan_find_mac(w, v, mac);
  if (f) {
    const first = f.remotes[0] as VxlanRemote;
    if (first.ip === srcIp && first.ifindex === 0) return true;
    // Static entries do not migrate: the frame is dropped.
    if (f.state !== 'reachable') return false;
    if (w.trace.detailed) w.trace.state(w.loop.now, v.ns.name, dev.name, 'vxlan_snoop', `${mac} migrated from ${fmt(first.ip)} to ${fmt(srcIp)}`);
    f.remotes[0] = { ...first, ip: srcIp };
    f.updated = w.loop.now;
    return true;
  }
  newEntry(w, v, mac, 'reachable', { ip: srcIp, port: v.cfg.dstPort, vni: v.cfg.vni, ifindex: 0 });
  if (w.trace.detailed) w.trace.state(w.loop.now, v.ns.name, dev.name, 'vxlan_snoop', `learned ${mac} behind ${fmt(srcIp)}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Sending

function vxlan_xmit(w: World, skb: Skb): XmitResult {
  const dev = skb.dev;
  const v = vxlanOf(w, dev.id);
  const st = w.statsOf(dev.id);
  if (!v) {
    st.tx_dropped++;
    kfree_skb(w, skb, 'vxlan_xmit', 'DEV_READY', `${dev.name} is being removed`);
    return 'ok';
  }
  const f = vxlan_find_mac(w, v, macAt(skb.data, 0)) ?? vxlan_find_mac(w, v, ZERO_MAC);
  if (!f || f.remotes.length === 0) {
    st.tx_dropped++;
    kfree_skb(w, skb, 'vxlan_xmit', 'VXLAN_NO_REMOTE', `no fdb entry for ${macAt(skb.data, 0)} and no default remote (tx_dropped)`);
    return 'ok';
  }
  // Every remote after the first gets a clone, in list order; the first remote gets the frame itself, last.
  for (let i = 1; i < f.remotes.length; i++) vxlan_xmit_one(w, v, dev, skb_clone(w, skb, 'vxlan_xmit', `a copy for ${fmt((f.remotes[i] as VxlanRemote).ip)}`), f.remotes[i] as VxlanRemote);
  vxlan_xmit_one(w, v, dev, skb, f.remotes[0] as VxlanRemote);
  return 'ok';
}

/** INET_ECN_encapsulate: the outer ECN bits follow the inner packet's (CE inside is ECT(0) outside). */
function ecnEncapsulate(tos: number, inner: number): number {
  const ecn = inner & 3;
  return (tos & ~3) | (ecn === 3 ? 2 : ecn);
}

function vxlan_xmit_one(w: World, v: VxlanDev, dev: DeviceState, skb: Skb, rdst: VxlanRemote): void {
  const st = w.statsOf(dev.id);
  const ns = v.ns;
  const frame = skb.data;
  if (rdst.ip === 0) {
    st.tx_dropped++;
    kfree_skb(w, skb, 'vxlan_xmit_one', 'VXLAN_NO_REMOTE', 'the fdb entry has no remote address (tx_dropped)');
    return;
  }
  const rt = runtime(w);
  const sport = udp_flow_src_port(rt.hashKey ?? 0, frame, v.cfg.portLow, v.cfg.portHigh);
  const innerIp = ethertypeOf(frame) === ETHERTYPE_IPV4 && frame.length >= ETHERNET_HEADER_LEN + 20 ? frame.subarray(ETHERNET_HEADER_LEN) : undefined;
  const innerTos = innerIp ? ipv4Tos(innerIp) : 0;
  const tos = ecnEncapsulate(v.cfg.tos === 1 ? innerTos : v.cfg.tos, innerTos);
  const stack = udp_tunnel();
  const route = stack.route(ns, { daddr: rdst.ip, saddr: v.cfg.local, oif: rdst.ifindex, sport, dport: rdst.port, tos });
  if (!route.ok) {
    v.errors.tx_carrier_errors++;
    v.errors.tx_errors++;
    kfree_skb(w, skb, 'vxlan_get_route', 'IP_TUNNEL_ROUTE', `no route to ${fmt(rdst.ip)}: ${route.why} (tx_carrier_errors)`);
    return;
  }
  if (route.dev.id === dev.id) {
    v.errors.collisions++;
    v.errors.tx_errors++;
    kfree_skb(w, skb, 'vxlan_get_route', 'IP_TUNNEL_ROUTE', `circular route to ${fmt(rdst.ip)} (collisions)`);
    return;
  }
  if (route.local) {
    // encap_bypass_if_local hands the frame to the local device with that port and VNI, unencapsulated.
    v.errors.tx_errors++;
    kfree_skb(w, skb, 'vxlan_xmit_one', 'IP_TUNNEL_ROUTE', `the remote ${fmt(rdst.ip)} is a local address: the encapsulation bypass to a local vxlan device is not simulated`);
    return;
  }
  const saddr = v.cfg.local || route.saddr;
  const udp = emitUdp({ srcPort: sport, dstPort: rdst.port, data: emitVxlan(rdst.vni, frame) }, saddr, rdst.ip, v.cfg.udpCsum ? 'partial' : 'none');
  const innerLen = frame.length - ETHERNET_HEADER_LEN;
  skb.ns = ns;
  skb.rtIif = 0;
  if (w.trace.detailed) skb_trace(w, skb, 'vxlan_xmit_one', `vni ${rdst.vni} in UDP ${fmt(saddr)}.${sport} > ${fmt(rdst.ip)}.${rdst.port}`, dev, ns);
  if (stack.xmit(w, skb, route, { src: saddr, dst: rdst.ip, tos, ttl: v.cfg.ttl }, udp) === 'ok') {
    // iptunnel_xmit_stats: the inner packet from its network header on.
    st.tx_packets++;
    st.tx_bytes += innerLen;
  } else {
    v.errors.tx_errors++;
    v.errors.tx_aborted_errors++;
  }
}

// ---------------------------------------------------------------------------------------------
// Receiving

/** vxlan_rcv: the encap_rcv of the namespace's socket on `port`. */
function vxlan_rcv(w: World, skb: Skb, udpAt: number, port: number): void {
  const d = skb.data;
  const payload = d.subarray(udpAt + UDP_HEADER_LEN);
  const hdr = parseVxlan(payload);
  if (!hdr.ok && payload.length >= VXLAN_HEADER_LEN) {
    kfree_skb(w, skb, 'vxlan_rcv', 'VXLAN_INVALID_HDR', `flags 0x${(payload[0] as number).toString(16).padStart(2, '0')}: the I flag is not set, or another is`);
    return;
  }
  if (!hdr.ok) {
    kfree_skb(w, skb, 'vxlan_rcv', 'PKT_TOO_SMALL', `${payload.length} bytes after the UDP header, fewer than a VXLAN header`);
    return;
  }
  const rt = runtime(w);
  const ids = rt.socks.get(skb.ns)?.get(port) ?? [];
  const v = ids.map((id) => rt.devs.get(id)).find((x) => x !== undefined && x.cfg.vni === hdr.value.vni);
  const home = v ? findById(v.ns.state, v.id) : undefined;
  if (!v || !home) {
    kfree_skb(w, skb, 'vxlan_rcv', 'VXLAN_VNI_NOT_FOUND', `no device for vni ${hdr.value.vni} on port ${port}`);
    return;
  }
  if (hdr.value.reserved !== 0) {
    kfree_skb(w, skb, 'vxlan_rcv', 'VXLAN_INVALID_HDR', 'reserved bits set in the VXLAN header', home);
    return;
  }
  const inner = payload.subarray(VXLAN_HEADER_LEN);
  if (inner.length < ETHERNET_HEADER_LEN) {
    kfree_skb(w, skb, 'vxlan_rcv', 'PKT_TOO_SMALL', `a ${inner.length}-byte inner frame`, home);
    return;
  }
  const src = macAt(inner, 6);
  if (src === home.mac) {
    kfree_skb(w, skb, 'vxlan_set_mac', 'LOCAL_MAC', `the inner source ${src} is ${home.name}'s own address`, home);
    return;
  }
  if (v.cfg.learning && !vxlan_snoop(w, v, home, ipv4Src(d), src)) {
    kfree_skb(w, skb, 'vxlan_snoop', 'VXLAN_ENTRY_EXISTS', `${src} is a static entry pointing elsewhere`, home);
    return;
  }
  // The outer ECN bits only ever carry the inner packet's (ecnEncapsulate): decapsulating changes nothing.
  v.rx_packets++;
  v.rx_bytes += inner.length - ETHERNET_HEADER_LEN;
  if (w.trace.detailed) skb_trace(w, skb, 'vxlan_rcv', `vni ${hdr.value.vni} from ${fmt(ipv4Src(d))}: ${inner.length}-byte frame to ${home.name}`);
  skb.data = inner;
  // The inner frame's checksums were never looked at on this side.
  skb.checksumsKnownGood = false;
  const id = v.id;
  // gro_cells_receive: the frame is received on the device in the next NAPI turn.
  w.loop.after(LOOPBACK_HOP_NS, () => {
    const now = findById(v.ns.state, id);
    if (!now || !now.up) {
      kfree_skb(w, skb, 'gro_cells_receive', 'DEV_READY', `${home.name} went down before the frame was received`, now ?? home, v.ns);
      return;
    }
    skb.dev = now;
    skb.ns = v.ns;
    skb.rtIif = 0;
    netif_receive_skb(w, skb, false);
  });
}

// ---------------------------------------------------------------------------------------------
// The device

/** vxlan_open: the device joins its port's socket, which is opened for the first one. */
function vxlan_open(w: World, _ns: Namespace, dev: DeviceState): Result | void {
  const v = vxlanOf(w, dev.id);
  if (!v) return;
  const rt = runtime(w);
  let ports = rt.socks.get(v.ns);
  if (!ports) rt.socks.set(v.ns, (ports = new Map()));
  const on = ports.get(v.cfg.dstPort);
  if (on) {
    on.push(v.id);
    return;
  }
  const port = v.cfg.dstPort;
  const r = udp_tunnel().sock_bind(v.ns, port, (w2, skb, udpAt) => vxlan_rcv(w2, skb, udpAt, port));
  if (!r.ok) return r;
  ports.set(port, [v.id]);
}

/** vxlan_stop: learned entries go (vxlan_flush keeps permanent and static ones); the last device closes the socket. */
function vxlan_stop(w: World, _ns: Namespace, dev: DeviceState): void {
  const v = vxlanOf(w, dev.id);
  if (!v) return;
  for (const [mac, f] of v.fdb) if (f.state === 'reachable') v.fdb.delete(mac);
  const ports = runtime(w).socks.get(v.ns);
  const on = ports?.get(v.cfg.dstPort);
  if (!ports || !on) return;
  const i = on.indexOf(v.id);
  if (i >= 0) on.splice(i, 1);
  if (on.length === 0) {
    ports.delete(v.cfg.dstPort);
    udp_tunnel().sock_release(v.ns, v.cfg.dstPort);
  }
}

export const vxlanOps: NetDeviceOps = {
  kind: VXLAN_KIND,
  infoKind: 'vxlan',
  type: 'ether',
  minMtu: 68,
  maxMtu: 65535,
  start_xmit: vxlan_xmit,
  open: vxlan_open,
  stop: vxlan_stop,
  // It never sets an operational state: UNKNOWN while up.
  operstateKnown: () => false,
  change_mtu: (w, _ns, dev, mtu) => {
    // vxlan_change_mtu: with a lower device, at most its MTU less the headroom.
    const v = vxlanOf(w, dev.id);
    const lower = v && v.cfg.link ? v.ns.state.devices[v.cfg.link] : undefined;
    if (lower && mtu > lower.mtu - VXLAN_HEADROOM) return fail('EINVAL');
    return OK;
  },
};

export interface VxlanLinkOptions {
  readonly mtu?: number;
  readonly mac?: string;
}

/**
 * vxlan_newlink → vxlan_dev_configure: the VNI must be free on its port in the namespace (EEXIST, "A
 * VXLAN device with the specified VNI already exists"); the default remote's entry is made with it.
 */
export function vxlan_newlink(w: World, ns: Namespace, name: string, cfg: VxlanConfig, opts: VxlanLinkOptions = {}): Result {
  if (opts.mac !== undefined && !isValidEtherAddr(opts.mac)) return fail('EADDRNOTAVAIL');
  const rt = runtime(w);
  for (const o of rt.devs.values()) {
    if (o.ns === ns && o.cfg.dstPort === cfg.dstPort && o.cfg.vni === cfg.vni && findById(ns.state, o.id)) return fail('EEXIST', 'A VXLAN device with the specified VNI already exists');
  }
  const lower = cfg.link ? ns.state.devices[cfg.link] : undefined;
  if (cfg.link && !lower) return fail('ENODEV');
  // IFLA_MTU is checked against the device's limits before the lower device's is known: a later
  // change is held to the lower device's MTU less the headroom (change_mtu), a new device is not.
  if (opts.mtu !== undefined && (opts.mtu < 68 || opts.mtu > 65535)) return fail('EINVAL');
  const devName = dev_alloc_name(ns.state, name);
  if (findByName(ns.state, devName)) return fail('EEXIST');
  rt.hashKey ??= w.rng.next32();
  const dev = register_netdevice(w, ns, VXLAN_KIND, devName, opts.mac ?? w.rng.mac(), { mtu: opts.mtu ?? (lower ? lower.mtu - VXLAN_HEADROOM : 1500), carrier: true });
  const v: VxlanDev = { id: dev.id, cfg, ns, fdb: new Map(), tsoFrom: lower, errors: { tx_errors: 0, tx_carrier_errors: 0, collisions: 0, tx_aborted_errors: 0 }, rx_packets: 0, rx_bytes: 0 };
  rt.devs.set(dev.id, v);
  if (cfg.remote !== 0) newEntry(w, v, ZERO_MAC, 'permanent', { ip: cfg.remote, port: cfg.dstPort, vni: cfg.vni, ifindex: cfg.link });
  w.trace.state(w.loop.now, ns.name, devName, 'vxlan_newlink', `${devName} (vxlan id ${cfg.vni}, dstport ${cfg.dstPort}${cfg.remote ? `, remote ${fmt(cfg.remote)}` : ''}${lower ? ` on ${lower.name}` : ''})`);
  return OK;
}

/** NETDEV_UNREGISTER: the device's table and socket membership go with it; a lower device that goes leaves its vxlans without one. */
function vxlan_device_event(n: NetdevNotification): void {
  const { w, dev, event } = n;
  if (event !== 'NETDEV_UNREGISTER' || n.netnsMove) return;
  const rt = runtime(w);
  if (rt.devs.delete(dev.id)) return;
  // vxlan_handle_lowerdev_unregister: the vxlans sent through it are deleted with it.
  for (const v of [...rt.devs.values()]) {
    const mine = findById(v.ns.state, v.id);
    if (v.ns === n.ns && v.cfg.link === dev.ifindex && mine) rtnl_dellink(w, v.ns, mine.ifindex);
  }
}

export function vxlan_init(): void {
  register_netdev_ops(vxlanOps);
  register_netdevice_notifier(vxlan_device_event);
}
