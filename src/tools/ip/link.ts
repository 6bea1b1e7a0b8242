/**
 * `ip link` (ip/iplink.c): add (veth, bridge, macvlan), set, delete, show. iplink_parse reads the words into one
 * request, which the kernel then applies in do_setlink's order — namespace, address, MTU, name, up or
 * down, master — stopping at the first refusal.
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { duparg, duparg2, fail, invarg, nodev, rtnlFail, unsupported } from './errors.js';
import { getInteger, getUnsigned, llAddrA2n, macToString } from './parse.js';
import { LINK_USAGE } from './usage.js';
import { ipaddrList } from './addr.js';
import { peernet2idAlloc } from './nsid.js';
import { dev_change_flags, dev_change_link_flags, dev_change_name, dev_change_net_namespace, dev_change_tx_queue_len, dev_set_alias, dev_set_mac_address, dev_set_mtu, do_set_master, rtnl_dellink } from '../../core/dev.js';
import { fail as efail, type Result } from '../../core/errno.js';
import { BRIDGE_KIND, br_newlink, br_set_ageing_time, br_set_params, br_setport, type BrPortChange, type BrPortFlags } from '../../devices/bridge.js';
import type { DeviceState } from '../../sim/state.js';
import { veth_newlink } from '../../devices/veth.js';
import { macvlan_newlink, type MacvlanLinkOptions, type MacvlanMode } from '../../devices/macvlan.js';
import { vxlan_newlink, VXLAN_KIND } from '../../devices/vxlan.js';
import { vxlanParseOpt, type VxlanRequest } from './link-vxlan.js';
import { netdev_ops } from '../../core/netdevice.js';
import { findById, type Namespace } from '../../sim/world.js';

/** What iplink_parse gathered for one device (the main one, or a veth's peer). */
export interface LinkReq {
  up?: boolean;
  /** promisc, allmulticast, multicast, arp: on (true) or off, as ifi_flags under ifi_change. */
  promisc?: boolean;
  allmulti?: boolean;
  multicast?: boolean;
  arp?: boolean;
  /** IFLA_TXQLEN, as get_integer read it (-1 is 2^32-1 to the kernel). */
  txqlen?: number;
  /** IFLA_IFALIAS. */
  alias?: string;
  name?: string;
  dev?: string;
  mtu?: number;
  address?: number[];
  netns?: string;
  /** An ifindex; 0 for nomaster. */
  master?: number;
  /** `link DEV` (IFLA_LINK): the device a macvlan sits on, by ifindex where the command runs. */
  link?: number;
  type?: string;
  /** Words after "type KIND". */
  typeArgs: readonly string[];
}

/** iplink_parse's keywords the simulator does not model: exact words, then abbreviable ones. */
const UNMODELLED_EXACT = ['index', 'xdpgeneric', 'xdpdrv', 'xdpoffload', 'xdp', 'trailers', 'carrier', 'vf', 'vrf', 'group', 'mode', 'state', 'protodown', 'protodown_reason', 'gso_max_size', 'gso_max_segs', 'gro_max_size', 'parentdev'];
const UNMODELLED_ABBREV = ['dynamic', 'numtxqueues', 'numrxqueues', 'addrgenmode', 'link-netns', 'link-netnsid'];

/** The on/off keywords iplink_parse turns into ifi_flags, and the request field of each. */
const ON_OFF_FLAGS: ReadonlyMap<string, 'promisc' | 'allmulti' | 'multicast' | 'arp'> = new Map([
  ['multicast', 'multicast'],
  ['allmulticast', 'allmulti'],
  ['promisc', 'promisc'],
  ['arp', 'arp'],
]);

/** IFALIASZ: an alias is shorter than this. */
const IFALIASZ = 256;

/** check_ifname (kernel dev_valid_name's rules): shorter than IFNAMSIZ, no '/' or space; an altname may be longer. */
function checkIfname(n: string, altname: boolean): boolean {
  if (!altname && n.length >= 16) return false;
  return n !== '' && !/[/\s]/.test(n);
}

/**
 * iplink_parse. `create` is NLM_F_CREATE (add); without it the device must exist. Returns the request
 * and, for add, the ifindex is not resolved.
 */
export function iplinkParse(ctx: IpCtx, args: Args, create: boolean): LinkReq & { ifindex: number } {
  const req: LinkReq = { typeArgs: [] };
  let name: string | undefined;
  let dev: string | undefined;
  // In C, `dev != name` compares pointers: true once dev was set apart from "name".
  let devIsName = true;
  let linkName: string | undefined;
  for (; args.more; args.shift()) {
    const w = args.word;
    // Tested in iplink_parse's order, which decides what an abbreviation means ("m" is master, "t"
    // txqueuelen, "l" link).
    if (w === 'up') req.up = true;
    else if (w === 'down') req.up = false;
    else if (w === 'name') {
      const v = args.next();
      if (name !== undefined) duparg('name', v);
      if (!checkIfname(v, false)) invarg('"name" not a valid ifname', v);
      name = v;
      devIsName = dev === undefined;
      dev ??= name;
    } else if (matches(w, 'link')) {
      // Only a macvlan's lower device: the other kinds here take no IFLA_LINK.
      if (!create) unsupported(`ip link set ... ${w}`);
      linkName = args.next();
    } else if (w === 'index' || matches(w, 'broadcast') || w === 'brd') unsupported(`ip link ... ${w}`);
    else if (matches(w, 'address')) req.address = llAddrA2n(args.next(), 32);
    else if (matches(w, 'txqueuelen') || w === 'qlen' || matches(w, 'txqlen')) {
      const v = args.next();
      if (req.txqlen !== undefined) duparg('txqueuelen', v);
      req.txqlen = getInteger(v) ?? invarg('Invalid "txqueuelen" value\n', v);
    }
    else if (w === 'mtu') {
      const v = args.next();
      if (req.mtu !== undefined) duparg('mtu', v);
      req.mtu = getInteger(v) ?? invarg('Invalid "mtu" value\n', v);
    } else if (w === 'netns') {
      const v = args.next();
      if (req.netns !== undefined) duparg('netns', v);
      // "" opens /run/netns itself, a directory the kernel then refuses: not modelled.
      if (v === '') unsupported('ip link ... netns ""');
      // netns_get_fd first; a number that names no namespace is a process id (IFLA_NET_NS_PID).
      if (getInteger(v) !== undefined && (ctx.dry || !ctx.hasNetns(v))) unsupported("ip link ... netns PID (a process's namespace)");
      if (!ctx.hasNetns(v)) invarg('Invalid "netns" value\n', v);
      req.netns = v;
    } else if (ON_OFF_FLAGS.has(w)) {
      const v = args.next();
      if (v !== 'on' && v !== 'off') fail(1, `Error: argument of "${w}" must be "on" or "off", not "${v}"\n`);
      req[ON_OFF_FLAGS.get(w) as 'promisc'] = v === 'on';
    } else if (UNMODELLED_EXACT.includes(w)) unsupported(`ip link ... ${w}`);
    else if (matches(w, 'master')) {
      const v = args.next();
      req.master = ctx.ifindex(v) || invarg('Device does not exist\n', v);
    } else if (matches(w, 'nomaster')) req.master = 0;
    else if (matches(w, 'dynamic')) unsupported(`ip link ... ${w}`);
    else if (matches(w, 'type')) {
      req.type = args.next();
      args.shift();
      req.typeArgs = args.rest();
      break;
    } else if (matches(w, 'alias')) {
      const v = args.next();
      if (v.length >= IFALIASZ) invarg('alias too long\n', v);
      req.alias = v;
    } else if (UNMODELLED_ABBREV.some((k) => matches(w, k))) unsupported(`ip link ... ${w}`);
    else {
      if (matches(w, 'help')) fail(255, LINK_USAGE);
      const v = w === 'dev' ? args.next() : w;
      if (!devIsName) duparg2('dev', v);
      if (!checkIfname(v, true)) invarg('"dev" not a valid ifname', v);
      dev = v;
      devIsName = false;
    }
  }
  if (name === undefined) name = dev;
  else if (dev === undefined) dev = name;
  const sameName = name === dev;
  // ll_name_to_index before the kind's own options are read.
  if (linkName !== undefined) req.link = ctx.ifindex(linkName) || nodev(linkName);

  if (dev !== undefined && req.address && !create && ctx.ifindex(dev) && req.address.length !== 6) {
    fail(1, `Invalid address length ${req.address.length} - must be 6 bytes\n`);
  }
  let ifindex = 0;
  if (!create) {
    if (dev === undefined) fail(255, 'Not enough information: "dev" argument is required.\n');
    ifindex = ctx.ifindex(dev);
    if (!ifindex) nodev(dev);
    // Not renaming to the same name.
    if (sameName) name = undefined;
  } else if (!sameName) {
    fail(255, 'both "name" and "dev" cannot be used when creating devices.\n');
  }
  if (name !== undefined) req.name = name;
  if (dev !== undefined) req.dev = dev;
  return { ...req, ifindex };
}

/** Link kinds iproute2 6.1 can create that the simulator does not model. */
const KNOWN_KINDS = new Set([
  'vlan', 'macvtap', 'bond', 'bond_slave', 'bridge_slave', 'dummy', 'ifb', 'ipvlan', 'ipvtap', 'gre', 'gretap', 'ip6gre', 'ip6gretap',
  'ipip', 'sit', 'ip6tnl', 'vti', 'vti6', 'geneve', 'bareudp', 'vrf', 'team', 'team_slave', 'hsr', 'macsec', 'netdevsim', 'nlmon', 'rmnet', 'wireguard',
  'xfrm', 'can', 'vcan', 'vxcan', 'erspan', 'ip6erspan', 'gtp', 'amt', 'ipoib', 'lowpan', 'virt_wifi', 'tun', 'openvswitch', 'batadv',
]);

const VETH_USAGE = "Usage: ip link <options> type veth [peer <options>]\nTo get <options> type 'ip link add help'\n";

const MACVLAN_USAGE = `Usage: ... macvlan mode MODE [flag MODE_FLAG] MODE_OPTS [bcqueuelen BC_QUEUE_LEN]

MODE: private | vepa | bridge | passthru | source
MODE_FLAG: null | nopromisc | nodst
MODE_OPTS: for mode "source":
\tmacaddr { { add | del } <macaddr> | set [ <macaddr> [ <macaddr>  ... ] ] | flush }
BC_QUEUE_LEN: Length of the rx queue for broadcast/multicast: [0-4294967295]
`;

const MACVLAN_MODES: readonly MacvlanMode[] = ['private', 'vepa', 'bridge', 'passthru', 'source'];

/**
 * macvlan_parse_opt (ip/iplink_macvlan.c, iproute2 6.1): keywords in this order of abbreviation —
 * mode, flag, macaddr, nopromisc, nodst, bcqueuelen, help; values compared exactly. Its errors go to
 * stderr with status 1 (a missing value: "not complete", 255). Mode source and its macaddr lists are
 * not simulated.
 */
function macvlanParseOpt(args: readonly string[]): MacvlanLinkOptions {
  const a = new Args(args);
  const o: { -readonly [K in keyof MacvlanLinkOptions]: MacvlanLinkOptions[K] } = {};
  let hasFlags = false;
  const usage = (first = ''): never => fail(1, `${first}${MACVLAN_USAGE}`);
  for (; a.more; a.shift()) {
    const w = a.word;
    if (matches(w, 'mode')) {
      const v = a.next();
      if (!(MACVLAN_MODES as readonly string[]).includes(v)) fail(1, `Error: argument of "mode" must be "private", "vepa", "bridge", "passthru" or "source", not "${v}"\n`);
      if (v === 'source') unsupported('ip link add ... type macvlan mode source (its source-MAC lists)');
      o.mode = v as MacvlanMode;
    } else if (matches(w, 'flag')) {
      const v = a.next();
      if (v === 'nopromisc') o.nopromisc = true;
      else if (v === 'nodst') o.nodst = true;
      else if (v !== 'null') fail(1, `Error: argument of "flag" must be "nopromisc", "nodst" or "null", not "${v}"\n`);
      hasFlags = true;
    } else if (matches(w, 'macaddr')) unsupported('ip link add ... type macvlan macaddr (mode source)');
    else if (matches(w, 'nopromisc')) {
      o.nopromisc = true;
      hasFlags = true;
    } else if (matches(w, 'nodst')) {
      o.nodst = true;
      hasFlags = true;
    } else if (matches(w, 'bcqueuelen')) {
      const v = a.next();
      const n = getUnsigned(v);
      if (n === undefined) fail(1, `Error: argument of "bcqueuelen" must be a positive integer [0-4294967295], not "${v}"\n`);
      o.bcQueueLen = n;
    } else if (matches(w, 'help')) usage();
    else usage(`macvlan: unknown option "${w}"?\n`);
  }
  if (hasFlags && o.nopromisc && o.mode !== 'passthru') usage('macvlan: nopromisc flag only valid in passthru mode\n');
  return o;
}

/** The flags, queue length and alias are modelled as `ip link set` changes them, not at creation. */
function refuseAtCreation(req: LinkReq): void {
  const given = (['promisc', 'allmulti', 'multicast', 'arp', 'txqlen', 'alias'] as const).find((k) => req[k] !== undefined);
  if (given !== undefined) unsupported(`ip link add ... ${{ allmulti: 'allmulticast', txqlen: 'txqueuelen' }[given as string] ?? given} (set it with ip link set once the device exists)`);
}

function must(r: Result): void {
  if (!r.ok) rtnlFail(r);
}

/** The namespace a request's "netns" names, or the one the command runs in. */
function targetNs(ctx: IpCtx, req: LinkReq): Namespace {
  return req.netns === undefined ? ctx.ns : (ctx.netns(req.netns) as Namespace);
}

/** `ip link add`: veth (with an optional peer), bridge, or macvlan. */
function iplinkAdd(ctx: IpCtx, args: Args): number {
  const req = iplinkParse(ctx, args, true);
  refuseAtCreation(req);
  if (req.type === undefined) return fail(1, 'Not enough information: "type" argument is required\n');
  if (KNOWN_KINDS.has(req.type)) return unsupported(`ip link add ... type ${req.type} (only veth, bridge, macvlan and vxlan are modelled)`);
  if (req.link !== undefined && req.type !== 'macvlan') unsupported(`ip link add ... link DEV type ${req.type} (only a macvlan's lower device is modelled)`);
  let peer: (LinkReq & { ifindex: number }) | undefined;
  if (req.type === 'vxlan') {
    const v = vxlanParseOpt(ctx, req.typeArgs);
    if (req.master !== undefined) unsupported('ip link add ... master ... type vxlan');
    if (req.netns !== undefined) unsupported('ip link add ... netns ... type vxlan (its socket stays where it was made)');
    if (ctx.dry) return 0;
    return vxlanAdd(ctx, req, v);
  }
  if (req.type === 'macvlan') {
    const opts = macvlanParseOpt(req.typeArgs);
    if (req.master !== undefined) unsupported('ip link add ... master ... type macvlan');
    if (ctx.dry) return 0;
    return macvlanAdd(ctx, req, opts);
  }
  if (req.type === 'veth') {
    if (req.typeArgs.length > 0) {
      if (req.typeArgs[0] !== 'peer') {
        ctx.print(VETH_USAGE);
        return 1;
      }
      const pArgs = new Args(req.typeArgs.slice(1));
      peer = iplinkParse(ctx, pArgs, true);
      refuseAtCreation(peer);
      if (peer.type !== undefined) duparg('type', peer.type);
      if (peer.master !== undefined) unsupported('ip link add ... peer ... master');
    }
    // Created up, a veth's operstate settles when the link watcher next runs (up to a second later);
    // with its peer up too the creation fails first (ENOTCONN), which is modelled.
    if (req.up && !peer?.up) unsupported('ip link add ... up type veth');
  } else if (req.type === 'bridge') {
    bridgeOptions(req.typeArgs);
    if (req.mtu !== undefined || req.address !== undefined) unsupported('ip link add ... type bridge with mtu or address');

  } else if (req.typeArgs.length > 0) {
    return fail(1, `Garbage instead of arguments "${req.typeArgs[0] ?? ''} ...". Try "ip link help".\n`);
  }
  if (ctx.dry) return 0;
  if (req.type !== 'veth' && req.type !== 'bridge') return fail(2, 'Error: Unknown device type.\n');
  const w = ctx.world;
  const ns = targetNs(ctx, req);
  for (const n of [req.name, peer?.name]) {
    // IFLA_IFNAME's policy (IFNAMSIZ) is checked before anything is created.
    if (n !== undefined && n.length >= 16) return rtnlFail({ errno: 'EINVAL', extack: 'Attribute failed policy validation' });
  }
  const before = new Set(Object.values(ns.state.devices).map((d) => d.id));
  const created = () => Object.values(ns.state.devices).find((d) => !before.has(d.id));
  if (req.type === 'bridge') {
    must(br_newlink(w, ns, req.name ?? 'bridge%d'));
    const br = created();
    if (br) {
      // br_dev_newlink: a bridge whose options fail is unregistered again.
      const r = applyBridgeOptions(ns, br.ifindex, bridgeOptions(req.typeArgs));
      if (!r.ok) {
        rtnl_dellink(w, ns, br.ifindex);
        must(r);
      }
    }
    if (br && req.up) must(dev_change_flags(w, ns, br.ifindex, true));
    if (br && req.master !== undefined && req.master !== 0) must(do_set_master(w, ns, br.ifindex, req.master));
    return 0;
  }
  // veth_newlink: the peer goes to its own "netns", else where the command runs.
  const peerNs = peer?.netns === undefined ? ctx.ns : (ctx.netns(peer.netns) as Namespace);
  const opts: { mtu?: number; mac?: string; peerMac?: string; peerMtu?: number; peerUp?: boolean } = {};
  if (peer?.up) opts.peerUp = true;
  if (req.mtu !== undefined) opts.mtu = req.mtu;
  if (req.address) opts.mac = macToString(req.address.slice(0, 6));
  if (peer?.mtu !== undefined) opts.peerMtu = peer.mtu;
  if (peer?.address) opts.peerMac = macToString(peer.address.slice(0, 6));
  if ((req.address && req.address.length !== 6) || (peer?.address && peer.address.length !== 6)) return rtnlFail({ errno: 'EINVAL' });
  must(veth_newlink(w, ns, req.name ?? 'veth%d', peer?.name ?? 'veth%d', peerNs, opts));
  // The device is registered after its peer, so it has the larger world-wide id.
  const made = Object.values(ns.state.devices)
    .filter((d) => !before.has(d.id) && d.kind === 'veth' && d.peer !== undefined && w.device(d.peer)?.ns === peerNs)
    .sort((a, b) => b.id - a.id)[0];
  if (!made) return 0;
  // The device's RTM_NEWLINK names the peer's namespace. The peer's own went out when it was
  // registered, before the pair was joined, naming none: its namespace numbers the device's only
  // when something there first dumps the link (measured: `ip netns list-id` on each side).
  if (peerNs !== ns) peernet2idAlloc(w, ns, peerNs);
  // rtnl_configure_link brings the device up once the pair is joined.
  if (req.up) must(dev_change_flags(w, ns, made.ifindex, true));
  if (req.master !== undefined && req.master !== 0) must(do_set_master(w, ns, made.ifindex, req.master));
  return 0;
}

/**
 * macvlan_newlink, then rtnl_configure_link: a macvlan asked to be up that cannot open (its address in
 * use) is unregistered again, and the request fails.
 */
function macvlanAdd(ctx: IpCtx, req: LinkReq, opts: MacvlanLinkOptions): number {
  const w = ctx.world;
  const ns = targetNs(ctx, req);
  if (req.name !== undefined && req.name.length >= 16) return rtnlFail({ errno: 'EINVAL', extack: 'Attribute failed policy validation' });
  if (req.address && req.address.length !== 6) return rtnlFail({ errno: 'EINVAL' });
  const lowerDev = req.link === undefined ? undefined : ctx.ns.state.devices[req.link];
  const lower = lowerDev ? { ns: ctx.ns, dev: lowerDev } : undefined;
  const o: MacvlanLinkOptions = { ...opts, ...(req.mtu !== undefined ? { mtu: req.mtu } : {}), ...(req.address ? { mac: macToString(req.address) } : {}) };
  const before = new Set(Object.values(ns.state.devices).map((d) => d.id));
  must(macvlan_newlink(w, ns, req.name ?? 'macvlan%d', lower, o));
  const made = Object.values(ns.state.devices).find((d) => !before.has(d.id));
  if (!made) return 0;
  // The new device's RTM_NEWLINK names its lower device's namespace.
  const lowerNs = netdev_ops(made).iflink?.(w, made)?.ns;
  if (lowerNs && lowerNs !== ns) peernet2idAlloc(w, ns, lowerNs);
  if (req.up) {
    const r = dev_change_flags(w, ns, made.ifindex, true);
    if (!r.ok) {
      rtnl_dellink(w, ns, made.ifindex);
      return rtnlFail(r);
    }
  }
  return 0;
}

/** vxlan_newlink, then rtnl_configure_link (up). */
function vxlanAdd(ctx: IpCtx, req: LinkReq, v: VxlanRequest): number {
  const w = ctx.world;
  const ns = ctx.ns;
  if (req.name !== undefined && req.name.length >= 16) return rtnlFail({ errno: 'EINVAL', extack: 'Attribute failed policy validation' });
  if (req.address && req.address.length !== 6) return rtnlFail({ errno: 'EINVAL' });
  const before = new Set(Object.values(ns.state.devices).map((d) => d.id));
  must(vxlan_newlink(w, ns, req.name ?? 'vxlan%d', { ...v.cfg, link: v.link }, { ...(req.mtu !== undefined ? { mtu: req.mtu } : {}), ...(req.address ? { mac: macToString(req.address) } : {}) }));
  const made = Object.values(ns.state.devices).find((d) => !before.has(d.id));
  if (made && req.up) {
    const r = dev_change_flags(w, ns, made.ifindex, true);
    if (!r.ok) {
      rtnl_dellink(w, ns, made.ifindex);
      return rtnlFail(r);
    }
  }
  return 0;
}

/** `type bridge` options the simulator models, as bridge_parse_opt reads them (centiseconds; priority a number). */
interface BridgeOpts {
  forwardDelayCs?: number;
  helloTimeCs?: number;
  maxAgeCs?: number;
  ageingCs?: number;
  stpState?: number;
  priority?: number;
  vlanFiltering?: number;
}

/** bridge_parse_opt's keywords the simulator models, in its order (which decides what an abbreviation means). */
const BRIDGE_OPTS = ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'priority', 'vlan_filtering'] as const;

function bridgeOptions(args: readonly string[]): BridgeOpts {
  const o: BridgeOpts = {};
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i] as string;
    const key = BRIDGE_OPTS.find((x) => matches(k, x));
    if (key === undefined) unsupported(`ip link ... type bridge ${k}`);
    const v = args[i + 1];
    if (v === undefined) fail(255, 'Command line is not complete. Try option "help"\n');
    const n = getUnsigned(v as string);
    const max = key === 'priority' ? 0xffff : key === 'vlan_filtering' ? 0xff : 0xffffffff;
    if (n === undefined || n > max) invarg(`invalid ${key}`, v as string);
    if (key === 'forward_delay') o.forwardDelayCs = n;
    else if (key === 'hello_time') o.helloTimeCs = n;
    else if (key === 'max_age') o.maxAgeCs = n;
    else if (key === 'ageing_time') o.ageingCs = n;
    else if (key === 'priority') o.priority = n;
    // This kernel is built without VLAN filtering: IFLA_BR_VLAN_FILTERING is EOPNOTSUPP, 0 too (measured).
    else if (key === 'vlan_filtering') o.vlanFiltering = n;
    else {
      // br_stp_set_enabled starts the kernel's STP for any value but 0 (measured: stp_state 2 is taken
      // too): its BPDUs and port roles are not modelled.
      if (n !== 0) unsupported(`ip link ... type bridge stp_state ${n} (the spanning tree protocol)`);
      o.stpState = n;
    }
  }
  return o;
}

const CS = 10_000_000;

/**
 * br_changelink's order: forward_delay, hello_time, max_age, ageing_time, stp_state, priority,
 * vlan_filtering — each applied before the next is checked. stp_state 0 is what the bridge has already.
 */
function applyBridgeOptions(ns: Namespace, ifindex: number, o: BridgeOpts): Result {
  const w = ns.world;
  const br = ns.state.devices[ifindex];
  if (!br) return efail('ENODEV');
  const r = br_set_params(w, ns, br, {
    ...(o.forwardDelayCs !== undefined ? { forwardDelay: o.forwardDelayCs * CS } : {}),
    ...(o.helloTimeCs !== undefined ? { helloTime: o.helloTimeCs * CS } : {}),
    ...(o.maxAgeCs !== undefined ? { maxAge: o.maxAgeCs * CS } : {}),
  });
  if (!r.ok) return r;
  if (o.ageingCs !== undefined) {
    const a = br_set_ageing_time(w, ns, ifindex, o.ageingCs * CS);
    if (!a.ok) return a;
  }
  if (o.priority !== undefined) {
    const p = br_set_params(w, ns, br, { priority: o.priority });
    if (!p.ok) return p;
  }
  if (o.vlanFiltering !== undefined) return efail('EOPNOTSUPP');
  return r;
}

/** bridge_slave_parse_opt's keywords the simulator models, in its order (abbreviations match the first). */
const SLAVE_KEYWORDS = ['fdb_flush', 'state', 'priority', 'cost', 'hairpin', 'guard', 'root_block', 'fastleave', 'learning', 'flood', 'mcast_flood', 'bcast_flood', 'mcast_to_unicast', 'proxy_arp', 'proxy_arp_wifi', 'mcast_router', 'mcast_fast_leave', 'neigh_suppress', 'group_fwd_mask', 'vlan_tunnel', 'isolated', 'locked', 'backup_port', 'nobackup_port', 'help'] as const;
const SLAVE_FLAGS = ['hairpin', 'learning', 'flood', 'mcast_flood', 'bcast_flood', 'isolated'] as const;

export const BRIDGE_SLAVE_USAGE = `Usage: ... bridge_slave [ fdb_flush ]
			[ state STATE ]
			[ priority PRIO ]
			[ cost COST ]
			[ guard {on | off} ]
			[ hairpin {on | off} ]
			[ fastleave {on | off} ]
			[ root_block {on | off} ]
			[ learning {on | off} ]
			[ flood {on | off} ]
			[ proxy_arp {on | off} ]
			[ proxy_arp_wifi {on | off} ]
			[ mcast_router MULTICAST_ROUTER ]
			[ mcast_fast_leave {on | off} ]
			[ mcast_flood {on | off} ]
			[ bcast_flood {on | off} ]
			[ mcast_to_unicast {on | off} ]
			[ group_fwd_mask MASK ]
			[ neigh_suppress {on | off} ]
			[ vlan_tunnel {on | off} ]
			[ isolated {on | off} ]
			[ locked {on | off} ]
			[ backup_port DEVICE ] [ nobackup_port ]
`;

/** bridge_slave_parse_opt: the port flags and the state (get_u8: 0..255; the kernel refuses past 4). */
function bridgeSlaveOptions(ctx: IpCtx, args: readonly string[]): BrPortChange {
  const flags: Partial<BrPortFlags> = {};
  let state: number | undefined;
  let priority: number | undefined;
  let cost: number | undefined;
  let flush = false;
  for (let i = 0; i < args.length; i++) {
    const k = args[i] as string;
    const key = SLAVE_KEYWORDS.find((x) => matches(k, x));
    if (key === undefined) {
      ctx.print(`bridge_slave: unknown option "${k}"?\n`);
      ctx.print(BRIDGE_SLAVE_USAGE);
      fail(1, '');
    }
    if (key === 'fdb_flush') {
      flush = true;
      continue;
    }
    if (key === 'help' || !(key === 'state' || key === 'cost' || key === 'priority' || (SLAVE_FLAGS as readonly string[]).includes(key))) unsupported(`ip link set ... type bridge_slave ${key}`);
    const v = args[++i];
    if (v === undefined) fail(255, 'Command line is not complete. Try option "help"\n');
    if (key === 'state') {
      const n = getUnsigned(v as string);
      if (n === undefined || n > 255) invarg('state is invalid', v as string);
      state = n;
    } else if (key === 'priority' || key === 'cost') {
      const n = getUnsigned(v as string);
      if (n === undefined || n > (key === 'priority' ? 0xffff : 0xffffffff)) invarg(`${key} is invalid`, v as string);
      if (key === 'priority') priority = n;
      else cost = n;
    } else if (v === 'on' || v === 'off') flags[key as keyof BrPortFlags] = v === 'on';
    else fail(1, `Error: argument of "${key}" must be one of "off", "on", not "${v as string}"\n`);
  }
  return { flags, ...(cost !== undefined ? { cost } : {}), ...(priority !== undefined ? { priority } : {}), ...(state !== undefined ? { state } : {}), ...(flush ? { flush } : {}) };
}

/** `ip link set` (and change): do_setlink's order. */
function iplinkSet(ctx: IpCtx, args: Args): number {
  const req = iplinkParse(ctx, args, false);
  const brOpts = req.type === 'bridge' ? bridgeOptions(req.typeArgs) : undefined;
  const slaveOpts = req.type === 'bridge_slave' ? bridgeSlaveOptions(ctx, req.typeArgs) : undefined;
  if (req.type !== undefined && !brOpts && !slaveOpts) unsupported(`ip link set ... type ${req.type}`);
  if (ctx.dry) return 0;
  if (brOpts) {
    const dev = ctx.ns.state.devices[req.ifindex];
    if (dev?.kind !== BRIDGE_KIND) return fail(2, 'Error: Operation not supported.\n');
    must(applyBridgeOptions(ctx.ns, req.ifindex, brOpts));
  }
  if (slaveOpts) {
    // rtnl_newlink: IFLA_INFO_SLAVE_DATA goes to the master's slave_changelink, before do_setlink.
    const dev = ctx.ns.state.devices[req.ifindex] as DeviceState;
    must(dev.master === undefined ? efail('EOPNOTSUPP') : br_setport(ctx.world, ctx.ns, dev, slaveOpts));
  }
  const w = ctx.world;
  const start = ctx.ns;
  const id = (start.state.devices[req.ifindex] as { id: number }).id;
  let ns = start;
  const ifindex = (): number => findById(ns.state, id)?.ifindex ?? 0;
  if (req.netns !== undefined) {
    const to = ctx.netns(req.netns) as Namespace;
    const dev = ns.state.devices[req.ifindex];
    // The device it sits on (a veth's peer, a macvlan's lower device), whose namespace its messages name.
    const peer = dev === undefined ? undefined : netdev_ops(dev).iflink?.(w, dev);
    if (dev?.kind === VXLAN_KIND && to !== ns) unsupported('ip link set VXLAN netns ... (a vxlan device keeps its socket and routes in the namespace it was made in; moving one is not simulated)');
    // A new name given with the move is used if the old one is taken there (dev_change_net_namespace's pattern).
    const r = dev_change_net_namespace(w, ns, req.ifindex, to, req.name);
    if (!r.ok) rtnlFail(r);
    if (to !== ns) {
      // RTM_DELLINK in the old namespace names the new one (and the peer's); RTM_NEWLINK in the new one names the peer's.
      peernet2idAlloc(w, ns, to);
      if (peer && peer.ns !== ns) peernet2idAlloc(w, ns, peer.ns);
      if (peer && peer.ns !== to) peernet2idAlloc(w, to, peer.ns);
      ns = to;
    }
  }
  if (req.address) must(dev_set_mac_address(w, ns, ifindex(), macToString(req.address)));
  if (req.mtu !== undefined) must(dev_set_mtu(w, ns, ifindex(), req.mtu));
  if (req.name !== undefined) must(dev_change_name(w, ns, ifindex(), req.name));
  if (req.alias !== undefined) must(dev_set_alias(w, ns, ifindex(), req.alias));
  const flags = { up: req.up, promisc: req.promisc, allmulti: req.allmulti, multicast: req.multicast, arp: req.arp };
  if (Object.values(flags).some((v) => v !== undefined)) must(dev_change_link_flags(w, ns, ifindex(), flags));
  // The master's ifindex was resolved where the command runs; the kernel looks it up where the device now is.
  if (req.master !== undefined) must(do_set_master(w, ns, ifindex(), req.master));
  if (req.txqlen !== undefined) must(dev_change_tx_queue_len(w, ns, ifindex(), req.txqlen));
  return 0;
}

function iplinkDelete(ctx: IpCtx, args: Args): number {
  const req = iplinkParse(ctx, args, false);
  if (req.type !== undefined && req.type !== 'veth' && req.type !== 'bridge' && req.type !== 'macvlan' && req.type !== 'vxlan') unsupported(`ip link delete ... type ${req.type}`);
  if (ctx.dry) return 0;
  must(rtnl_dellink(ctx.world, ctx.ns, req.ifindex));
  return 0;
}

/** do_iplink. */
export function doIplink(ctx: IpCtx, args: Args): number {
  if (!args.more) return ipaddrList(ctx, args, 'link');
  const w = args.word;
  if (matches(w, 'add')) {
    args.shift();
    return iplinkAdd(ctx, args);
  }
  if (matches(w, 'set') || matches(w, 'change')) {
    args.shift();
    return iplinkSet(ctx, args);
  }
  if (matches(w, 'replace')) unsupported('ip link replace');
  if (matches(w, 'delete')) {
    args.shift();
    return iplinkDelete(ctx, args);
  }
  if (matches(w, 'show') || matches(w, 'lst') || matches(w, 'list')) {
    args.shift();
    return ipaddrList(ctx, args, 'link');
  }
  if (matches(w, 'xstats') || matches(w, 'afstats') || matches(w, 'property')) unsupported(`ip link ${w}`);
  if (matches(w, 'help')) return fail(255, LINK_USAGE);
  return fail(255, `Command "${w}" is unknown, try "ip link help".\n`);
}
