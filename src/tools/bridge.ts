/**
 * iproute2's `bridge` command: `bridge [-d] [-j [-p]] fdb show|add|append|replace|del`, `bridge link
 * [show] [dev DEV]`, `bridge link set`, `bridge vlan show`. Formats and orders as the kernel dumps
 * them (read off kernel-mode runs): device by device in ifindex order — a port's master entries
 * (newest first, as fdb_list holds them, then its own address, permanent), then the device's own
 * multicast list ("self permanent").
 */
import { BRIDGE_KIND, BR_STATES, bridgePorts, br_local_entry_since, br_fdb_add, br_fdb_delete, br_fdb_has_expired, br_fdb_is_port_address, br_port_info, br_setport, fdbOf, type BrPortChange, type BrPortFlags, type FdbAdd, type FdbEntry } from '../devices/bridge.js';
import { fail, strerror, type Result } from '../core/errno.js';
import type { DeviceState } from '../sim/state.js';
import { findByName, type Namespace, type World } from '../sim/world.js';
import { devicesInOrder, peerInfo, printLinkFlags, printNameAndLink } from './ip/link-format.js';
import { Printer } from './ip/print.js';
import { matches } from '../scenario/command.js';
import { NotSimulated, out, type Tool, type ToolOutput } from './tool.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import { vxlan_fdb_add, vxlan_fdb_delete, vxlan_fdb_entries, vxlanOf } from '../devices/vxlan.js';
import { getAddr1, getUnsigned, ipString } from './ip/parse.js';

/** The global options the simulator models (bridge.c's main loop). */
interface BrOptions {
  readonly details: boolean;
  /** -stats: an fdb entry's NDA_CACHEINFO, "used U/C" (seconds since it last sent a frame on, since it changed). */
  readonly stats: boolean;
  readonly json: boolean;
  readonly pretty: boolean;
}

/** The multicast addresses a device listens to (its mc list), newest first as the kernel keeps them. */
function mcList(dev: DeviceState): string[] {
  if (dev.kind === 'loopback') return [];
  const list = ['33:33:00:00:00:01'];
  if (dev.kind === 'bridge' && dev.up) list.push('01:00:5e:00:00:6a', '33:33:00:00:00:6a');
  if (dev.up) list.push('01:00:5e:00:00:01');
  return list;
}

/** Collects what a command prints, text or JSON, through iproute2's two-way printer. */
function printer(o: BrOptions): { p: Printer; text: () => string } {
  let text = '';
  const p = new Printer({ json: o.json, pretty: o.pretty, color: false, oneline: false }, (s) => {
    text += s;
  });
  return { p, text: () => text };
}

/** fdb_to_nud, as state_n2a names it: local "permanent", static "static", else nothing. */
function stateName(e: FdbEntry): string {
  return e.local ? 'permanent' : e.static ? 'static' : '';
}

/** print_fdb: "MAC [dev DEV] [used U/C] [self] [master BR] STATE". */
function printFdb(p: Printer, mac: string, dev: DeviceState | undefined, self: boolean, master: string | undefined, state: string, ci?: { used: number; updated: number }, remote?: { readonly dst: string; readonly port?: number; readonly vni?: number; readonly via?: string }): void {
  p.openObject();
  p.str('mac', `${mac} `, mac, 'mac');
  if (dev) {
    p.fp('dev ');
    p.str('ifname', `${dev.name} `, dev.name, 'ifname');
  }
  if (remote) {
    p.fp('dst ');
    p.str('dst', `${remote.dst} `, remote.dst);
    if (remote.port !== undefined) p.num('port', `port ${remote.port} `, remote.port);
    if (remote.vni !== undefined) p.num('vni', `vni ${remote.vni} `, remote.vni);
    if (remote.via !== undefined) p.str('viaIf', `via ${remote.via} `, remote.via);
  }
  if (ci) {
    p.num('used', `used ${ci.used}/`, ci.used);
    p.num('updated', `${ci.updated} `, ci.updated);
  }
  p.openArray('flags');
  if (self) p.str(null, 'self ', 'self');
  p.closeArray();
  if (master !== undefined) p.str('master', `master ${master} `, master);
  p.str('state', `${state}\n`, state);
  p.closeObject();
}

function fdbShow(w: World, ns: Namespace, args: readonly string[], o: BrOptions): ToolOutput {
  let br: DeviceState | undefined;
  let only: DeviceState | undefined;
  // `dynamic`: no permanent entry — neither the ports' own addresses nor the devices' ("self") lists.
  let dynamic = false;
  // fdb_show: words compared exactly, the names looked up after the loop (the bridge first); other words are ignored.
  let brName: string | undefined;
  let devName: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const k = args[i] as string;
    if (k === 'dynamic') dynamic = true;
    else if (k === 'br' || k === 'dev' || k === 'brport') {
      const v = args[++i];
      if (v === undefined) return out('', `Command line is not complete. Try option "help"\n`, 255);
      if (k === 'br') brName = v;
      else devName = v;
    }
  }
  if (brName !== undefined) {
    br = findByName(ns.state, brName);
    if (!br) return out('', `Cannot find bridge device "${brName}"\n`, 255);
  }
  if (devName !== undefined) {
    only = findByName(ns.state, devName);
    if (!only) return out('', `Cannot find device "${devName}"\n`, 255);
  }
  const { p, text } = printer(o);
  // jiffies_to_clock_t of the ages, then divided by USER_HZ: whole seconds.
  const age = (t: number): number => Math.floor((w.loop.now - t) / NS_PER_SEC);
  const ci = (used: number, updated: number) => (o.stats ? { used: age(used), updated: age(updated) } : undefined);
  p.newJsonObj();
  for (const dev of devicesInOrder(ns)) {
    if (only && dev.id !== only.id) continue;
    const master = dev.master === undefined ? undefined : w.device(dev.master);
    const inBr = br === undefined || dev.id === br.id || dev.master === br.id;
    if (!inBr) continue;
    const shown = only ? undefined : dev;
    if (master && master.ns === ns) {
      const bridge = master.dev;
      // fdb_list is newest first; the port's own local entry came with the port, before any other on it.
      const entries = [...fdbOf(w, bridge.id)].reverse();
      for (const [mac, e] of entries) {
        if (e.port !== dev.id || br_fdb_has_expired(w, bridge, e)) continue;
        if (dynamic && e.local) continue;
        printFdb(p, mac, shown, false, bridge.name, stateName(e), ci(e.used ?? e.updated, e.updated));
      }
      const since = br_local_entry_since(w, dev);
      if (!dynamic) printFdb(p, dev.mac, shown, false, bridge.name, 'permanent', ci(since, since));
    }
    const vx = vxlanOf(w, dev.id);
    if (vx) {
      // vxlan_fdb_dump, its own instead of the device's address lists: one line per remote, the port and
      // VNI only where they are not the device's own, `via` where the remote names a device.
      for (const f of vxlan_fdb_entries(w, vx)) {
        if (dynamic && f.state === 'permanent') continue;
        for (const r of f.remotes) {
          const via = r.ifindex ? ns.state.devices[r.ifindex]?.name : undefined;
          const remote = { dst: ipString(r.ip), ...(r.port !== vx.cfg.dstPort ? { port: r.port } : {}), ...(r.vni !== vx.cfg.vni ? { vni: r.vni } : {}), ...(via !== undefined ? { via } : {}) };
          printFdb(p, f.mac, shown, true, undefined, f.state === 'reachable' ? '' : f.state, ci(f.used, f.updated), remote);
        }
      }
      continue;
    }
    if (dynamic || dev.kind === 'loopback' || dev.kind === 'ovs-internal') continue;
    for (const mac of mcList(dev)) printFdb(p, mac, shown, true, undefined, 'permanent');
    // br_fdb_dump for the bridge itself: its entries of no port, after its own list — the local entry
    // of its address, unless that address is a port's (which it takes from its lowest port).
    if (dev.kind === BRIDGE_KIND && (dev.macSetByUser || !dev.carrierComputed) && dev.mac !== '00:00:00:00:00:00' && !bridgePorts(ns, dev.id).macs.has(dev.mac)) {
      const since = br_local_entry_since(w, dev);
      printFdb(p, dev.mac, shown, false, dev.name, 'permanent', ci(since, since));
    }
  }
  p.deleteJsonObj();
  return out(text());
}

/** IFLA_PROTINFO's flags `bridge -d link show` prints, in print_protinfo's order (those not modelled at their defaults). */
function protinfoFlags(f: Readonly<BrPortFlags>): [string, boolean | number][] {
  return [
    ['hairpin', f.hairpin],
    ['guard', false],
    ['root_block', false],
    ['fastleave', false],
    ['learning', f.learning],
    ['flood', f.flood],
    ['mcast_flood', f.mcast_flood],
    ['bcast_flood', f.bcast_flood],
    ['mcast_router', 1],
    ['mcast_to_unicast', false],
    ['neigh_suppress', false],
    ['vlan_tunnel', false],
    ['isolated', f.isolated],
    ['locked', false],
  ];
}

function linkShow(w: World, ns: Namespace, args: readonly string[], o: BrOptions): ToolOutput {
  let only: DeviceState | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== 'dev') continue;
    const v = args[++i];
    if (v === undefined) return out('', 'Command line is not complete. Try option "help"\n', 255);
    only = findByName(ns.state, v);
    if (!only) return out('', `Cannot find device "${v}"\n`, 255);
  }
  const { p, text } = printer(o);
  p.newJsonObj();
  for (const dev of devicesInOrder(ns)) {
    if (dev.master === undefined || (only && only.id !== dev.id)) continue;
    const master = w.device(dev.master);
    const info = br_port_info(w, dev);
    if (!master || !info) continue;
    p.openObject();
    p.num('ifindex', `${dev.ifindex}: `, dev.ifindex);
    // The PF_BRIDGE dump has IFLA_LINK but no IFLA_LINK_NETNSID: a peer elsewhere is "link": "if4" in JSON too.
    const peer = peerInfo(w, ns, dev);
    const mDown = printNameAndLink(p, (s) => `${s}: `, dev, peer && peer.netnsid !== undefined ? { ...peer, netnsid: undefined } : peer);
    printLinkFlags(p, dev, mDown);
    p.num('mtu', `mtu ${dev.mtu} `, dev.mtu);
    p.str('master', `master ${master.dev.name} `, master.dev.name);
    const state = BR_STATES[info.state] ?? 'disabled';
    p.str('state', `state ${state} `, state);
    p.num('priority', `priority ${info.priority} `, info.priority);
    p.num('cost', `cost ${info.cost} `, info.cost);
    if (o.details) {
      if (!p.json) p.fp('\n    ');
      for (const [k, v] of protinfoFlags(info.flags)) {
        if (typeof v === 'number') p.num(k, `${k} ${v} `, v);
        else p.bool(k, `${k} ${v ? 'on' : 'off'} `, v);
      }
    }
    p.fp('\n');
    p.closeObject();
  }
  p.deleteJsonObj();
  return out(text());
}

const LINK_SET_USAGE = `Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]
                               [ guard {on | off} ]
                               [ hairpin {on | off} ]
                               [ fastleave {on | off} ]
                               [ root_block {on | off} ]
                               [ learning {on | off} ]
                               [ learning_sync {on | off} ]
                               [ flood {on | off} ]
                               [ mcast_router MULTICAST_ROUTER ]
                               [ mcast_flood {on | off} ]
                               [ bcast_flood {on | off} ]
                               [ mcast_to_unicast {on | off} ]
                               [ neigh_suppress {on | off} ]
                               [ vlan_tunnel {on | off} ]
                               [ isolated {on | off} ]
                               [ locked {on | off} ]
                               [ hwmode {vepa | veb} ]
                               [ backup_port DEVICE ] [ nobackup_port ]
                               [ self ] [ master ]
       bridge link show [dev DEV]
`;

/** brlink_modify's on/off keywords the simulator models (exact words), and those it does not. */
const LINK_SET_FLAGS: readonly (keyof BrPortFlags)[] = ['hairpin', 'learning', 'flood', 'mcast_flood', 'bcast_flood', 'isolated'];
const LINK_SET_UNMODELLED = ['guard', 'fastleave', 'root_block', 'learning_sync', 'mcast_router', 'mcast_to_unicast', 'neigh_suppress', 'vlan_tunnel', 'locked', 'hwmode', 'backup_port', 'nobackup_port', 'self'];

type LinkSet = { readonly dev: string; readonly change: BrPortChange } | { readonly fail: ToolOutput };

/** atoi: leading blanks, a sign, digits up to the first other character; 0 without any. */
function atoi(v: string): number {
  const m = /^\s*([+-]?\d+)/.exec(v);
  return m ? Number.parseInt(m[1] as string, 10) : 0;
}

/** parse_stp_state's names, compared exactly. */
function stpState(v: string): number | undefined {
  const i = (BR_STATES as readonly string[]).indexOf(v);
  return i < 0 ? undefined : i;
}

/**
 * brlink_modify (`bridge link set`): words compared exactly, a keyword's missing value is "not
 * complete", a bad on/off is parse_on_off's error (-EINVAL, status 234), anything else the usage. The
 * state is a decimal number kept in a signed byte (a negative one is not sent) or a state's name.
 */
function linkSetParse(args: readonly string[]): LinkSet {
  let dev: string | undefined;
  let state: number | undefined;
  let cost: number | undefined;
  let priority: number | undefined;
  const flags: Partial<BrPortFlags> = {};
  for (let i = 0; i < args.length; i++) {
    const k = args[i] as string;
    if (k === 'master') continue;
    const known = k === 'dev' || k === 'state' || k === 'cost' || k === 'priority' || (LINK_SET_FLAGS as readonly string[]).includes(k);
    if (!known) return { fail: out('', LINK_SET_USAGE, 255) };
    const v = args[++i];
    if (v === undefined) return { fail: out('', 'Command line is not complete. Try option "help"\n', 255) };
    if (k === 'dev') dev = v;
    // cost is a __u32 sent when above 0 (a negative one wraps), priority a __s16 sent when not negative.
    else if (k === 'cost') cost = atoi(v) >>> 0 || undefined;
    else if (k === 'priority') {
      const n = (atoi(v) << 16) >> 16;
      priority = n >= 0 ? n : undefined;
    } else if (k === 'state') {
      const m = /^[+-]?\d+$/.exec(v) ? Number.parseInt(v, 10) : undefined;
      const n = m === undefined ? stpState(v) : ((m % 256) + 256) % 256;
      if (n === undefined) return { fail: out('', 'Error: invalid STP port state\n', 255) };
      state = n >= 128 ? undefined : n;
    } else if (v === 'on' || v === 'off') flags[k as keyof BrPortFlags] = v === 'on';
    else return { fail: out('', `Error: argument of "${k}" must be one of "off", "on", not "${v}"\n`, 234) };
  }
  if (dev === undefined) return { fail: out('', 'Device is a required argument.\n', 255) };
  return { dev, change: { flags, ...(cost !== undefined ? { cost } : {}), ...(priority !== undefined ? { priority } : {}), ...(state !== undefined ? { state } : {}) } };
}

function rtnl(r: Result): ToolOutput {
  if (r.ok) return out('');
  // rtnl_talk: the kernel's extended ack when it gave one, else strerror.
  return out('', r.extack ? `Error: ${r.extack}${r.extack.endsWith('.') ? '' : '.'}\n` : `RTNETLINK answers: ${strerror(r.errno)}\n`, 255);
}

function linkSet(w: World, ns: Namespace, args: readonly string[]): ToolOutput {
  const p = linkSetParse(args);
  if ('fail' in p) return p.fail;
  const dev = findByName(ns.state, p.dev);
  if (!dev) return out('', `Cannot find bridge device "${p.dev}"\n`, 255);
  // rtnl_bridge_setlink: only a bridge port has a master to take IFLA_PROTINFO.
  if (dev.master === undefined) return rtnl(fail('EOPNOTSUPP'));
  return rtnl(br_setport(w, ns, dev, p.change));
}

interface FdbReq {
  readonly mac: string;
  readonly dev: string;
  readonly state: FdbAdd['state'];
  /** NTF_MASTER; without it (or with `self`) the request goes to the device itself (NTF_SELF, iproute2's default). */
  readonly master: boolean;
  /** NDA_DST, NDA_PORT, NDA_VNI, NDA_IFINDEX (by name): a vxlan device's remote. */
  readonly dst?: number;
  readonly port?: number;
  readonly vni?: number;
  readonly via?: string;
}

type FdbModify = FdbReq | { readonly fail: ToolOutput } | { readonly unsupported: string };

/** fdb_modify's keywords the simulator does not model (nexthops, VLANs, the device's own address lists, flags). */
const FDB_UNMODELLED_EXACT = ['nhid', 'src_vni'];
const FDB_UNMODELLED_ABBREV = ['router', 'vlan', 'use', 'extern_learn', 'sticky'];

/**
 * fdb_modify: `dev` and the address, `master` / `self`, a vxlan remote (`dst`, `port`, `vni`, `via`),
 * and the state — NUD_NOARP to start with, `local` / `permanent` adding NUD_PERMANENT, `static` /
 * `temp` NUD_REACHABLE, `dynamic` NUD_REACHABLE without NUD_NOARP; with neither PERMANENT nor
 * REACHABLE, PERMANENT. The address is read as sscanf "%hhx:" six times.
 */
function fdbModifyParse(args: readonly string[]): FdbModify {
  let dev: string | undefined;
  let addr: string | undefined;
  let master = false;
  let self = false;
  let noarp = true;
  let permanent = false;
  let reachable = false;
  let dst: number | undefined;
  let port: number | undefined;
  let vni: number | undefined;
  let via: string | undefined;
  const incomplete = { fail: out('', 'Command line is not complete. Try option "help"\n', 255) };
  for (let i = 0; i < args.length; i++) {
    let k = args[i] as string;
    if (k === 'dev' || k === 'dst' || k === 'port' || k === 'vni' || k === 'via') {
      const v = args[++i];
      if (v === undefined) return incomplete;
      if (k === 'dev') dev = v;
      else if (k === 'dst') {
        const a = getAddr1(v, 'unspec');
        if (!a || a.bytelen !== 4) return { fail: out('', `Error: any valid address is expected rather than "${v}".\n`, 1) };
        dst = a.addr;
      } else if (k === 'port') {
        const n = getUnsigned(v);
        if (n === undefined || n > 0xffff) return { fail: out('', `Error: argument "${v}" is wrong: invalid port\n\n`, 255) };
        port = n;
      } else if (k === 'vni') {
        const n = getUnsigned(v);
        if (n === undefined || n >= 1 << 24) return { fail: out('', `Error: argument "${v}" is wrong: invalid VNI\n\n`, 255) };
        vni = n;
      } else via = v;
    } else if (FDB_UNMODELLED_EXACT.includes(k)) return { unsupported: `'bridge fdb ... ${k}' is not simulated` };
    else if (k === 'self') self = true;
    else if (matches(k, 'master')) master = true;
    else if (FDB_UNMODELLED_ABBREV.slice(0, 1).some((x) => matches(k, x))) return { unsupported: `'bridge fdb ... ${k}' is not simulated` };
    else if (matches(k, 'local') || matches(k, 'permanent')) permanent = true;
    else if (matches(k, 'temp') || matches(k, 'static')) reachable = true;
    else if (matches(k, 'dynamic')) {
      reachable = true;
      noarp = false;
    } else if (FDB_UNMODELLED_ABBREV.some((x) => matches(k, x))) return { unsupported: `'bridge fdb ... ${k}' is not simulated` };
    else {
      if (k === 'to') {
        const v = args[++i];
        if (v === undefined) return incomplete;
        k = v;
      }
      if (matches(k, 'help')) return { unsupported: "'bridge fdb help' is not simulated" };
      if (addr !== undefined) return { fail: out('', `Error: either "to" is duplicate, or "${k}" is a garbage.\n`, 255) };
      addr = k;
    }
  }
  if (dev === undefined || addr === undefined) return { fail: out('', 'Device and address are required arguments.\n', 255) };
  if (master && self) return { unsupported: "'bridge fdb ... master self' (both at once) is not simulated" };
  if (!permanent && !reachable) permanent = true;
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})/i.exec(addr);
  if (!m) return { fail: out('', `Invalid mac address ${addr}\n`, 255) };
  const mac = m.slice(1, 7).map((b) => b.toLowerCase().padStart(2, '0')).join(':');
  return { mac, dev, state: permanent ? 'permanent' : noarp ? 'static' : 'dynamic', master, ...(dst !== undefined ? { dst } : {}), ...(port !== undefined ? { port } : {}), ...(vni !== undefined ? { vni } : {}), ...(via !== undefined ? { via } : {}) };
}

type FdbCmd = 'add' | 'append' | 'replace' | 'del';

function fdbModify(w: World, ns: Namespace, cmd: FdbCmd, args: readonly string[]): ToolOutput {
  const p = fdbModifyParse(args);
  if ('unsupported' in p) return out('', `${p.unsupported}\n`, 255);
  if ('fail' in p) return p.fail;
  const dev = findByName(ns.state, p.dev);
  if (!dev) return out('', `Cannot find device "${p.dev}"\n`, 255);
  let via: number | undefined;
  if (p.via !== undefined) {
    via = findByName(ns.state, p.via)?.ifindex;
    if (via === undefined) return out('', `Cannot find device "${p.via}"\n`, 1);
  }
  const remote = p.dst !== undefined || p.port !== undefined || p.vni !== undefined || via !== undefined;
  if (!p.master) {
    // NTF_SELF: the device's own ndo_fdb_add — a vxlan's table; for others their address lists, not modelled.
    const vx = vxlanOf(w, dev.id);
    if (!vx) throw new NotSimulated(`bridge fdb ${cmd} without master on ${dev.name} (self: the device's own address list) is not simulated`);
    const r = { mac: p.mac, ip: p.dst ?? 0, ...(p.port !== undefined ? { port: p.port } : {}), ...(p.vni !== undefined ? { vni: p.vni } : {}), ...(via !== undefined ? { via } : {}) };
    if (cmd === 'del') return rtnl(vxlan_fdb_delete(w, vx, r));
    // vxlan_fdb_parse: an entry must name its remote (NDA_DST), even as 0.0.0.0.
    if (p.dst === undefined) return rtnl(fail('EINVAL'));
    return rtnl(vxlan_fdb_add(w, vx, cmd, { ...r, state: p.state === 'dynamic' ? 'reachable' : p.state }));
  }
  // rtnl_fdb_add / rtnl_fdb_del: NTF_MASTER goes to the bridge of a port; anything else is EOPNOTSUPP.
  if (dev.master === undefined) return rtnl(fail('EOPNOTSUPP'));
  if (remote) throw new NotSimulated(`bridge fdb ${cmd} ... master with dst, port, vni or via (a remote for a bridge's entry) is not simulated`);
  const bridge = w.device(dev.master)?.dev;
  // The ports' own addresses' local entries are not held as entries: add finds one there (EEXIST), the rest would change it.
  if (bridge && br_fdb_is_port_address(w, ns, bridge, p.mac)) {
    if (cmd === 'add') return rtnl(fail('EEXIST'));
    throw new NotSimulated(`bridge fdb ${cmd} of ${p.mac}, the local entry of a port's (or the bridge's) own address, is not simulated`);
  }
  if (cmd === 'del') return rtnl(br_fdb_delete(w, ns, dev, p.mac));
  return rtnl(br_fdb_add(w, ns, dev, p.mac, { state: p.state, excl: cmd === 'add' }));
}

type Parsed =
  | { readonly object: 'fdb'; readonly cmd: 'show' | FdbCmd; readonly args: readonly string[]; readonly o: BrOptions }
  | { readonly object: 'link'; readonly set: boolean; readonly args: readonly string[]; readonly o: BrOptions }
  | { readonly object: 'vlan'; readonly args: readonly string[]; readonly o: BrOptions }
  | { readonly unsupported: string };

/** bridge.c's options: -details, -json, -pretty (matches(), so abbreviated); the others are not modelled. */
function parseOptions(argv: readonly string[]): { o: BrOptions; rest: readonly string[] } | { unsupported: string } {
  let details = false;
  let stats = false;
  let json = false;
  let pretty = false;
  let i = 1;
  for (; i < argv.length; i++) {
    let opt = argv[i] as string;
    if (opt === '--') {
      i++;
      break;
    }
    if (!opt.startsWith('-')) break;
    if (opt.startsWith('--')) opt = opt.slice(1);
    const m = (k: string): boolean => matches(opt, k);
    // Tested in bridge.c's order: "-s" is -stats, "-c" -color, "-j" -json.
    if (m('-help') || m('-Version')) return { unsupported: `'bridge ${opt}' is not simulated` };
    if (m('-stats') || m('-statistics')) stats = true;
    else if (m('-details')) details = true;
    else if (m('-oneline') || m('-timestamp') || m('-family') || opt === '-4' || opt === '-6' || m('-netns') || m('-color') || m('-compressvlans') || m('-force')) return { unsupported: `'bridge ${opt}' is not simulated` };
    else if (m('-json')) json = true;
    else if (m('-pretty')) pretty = true;
    else return { unsupported: `'bridge ${opt}' is not simulated` };
  }
  return { o: { details, stats, json, pretty }, rest: argv.slice(i) };
}

function parse(argv: readonly string[]): Parsed {
  const po = parseOptions(argv);
  if ('unsupported' in po) return po;
  const { o } = po;
  const [obj, cmd, ...rest] = po.rest;
  const object = matches(obj, 'fdb') ? 'fdb' : matches(obj, 'link') ? 'link' : matches(obj, 'vlan') ? 'vlan' : undefined;
  if (!object) return { unsupported: `'bridge ${obj ?? ''}' is not simulated (supported: fdb show|add|append|replace|del, link show, link set, vlan show)` };
  const show = cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list') || matches(cmd, 'lst');
  if (object === 'fdb') {
    if (show) {
      for (const k of rest) if (k === 'vlan' || k === 'state' || matches(k, 'help')) return { unsupported: `'bridge fdb show ${k}' is not simulated` };
      return { object, cmd: 'show', args: rest, o };
    }
    // do_fdb's order: add, append, replace, delete.
    const c: FdbCmd | undefined = matches(cmd, 'add') ? 'add' : matches(cmd, 'append') ? 'append' : matches(cmd, 'replace') ? 'replace' : matches(cmd, 'delete') ? 'del' : undefined;
    if (!c) return { unsupported: `'bridge fdb ${cmd}' is not simulated (only show, add, append, replace, del)` };
    const p = fdbModifyParse(rest);
    if ('unsupported' in p) return p;
    return { object, cmd: c, args: rest, o };
  }
  if (o.stats) return { unsupported: `'bridge -s ${object}' is not simulated (only fdb show)` };
  if (object === 'link') {
    if (cmd !== undefined && (matches(cmd, 'set') || matches(cmd, 'change'))) {
      for (let i = 0; i < rest.length; i++) {
        const k = rest[i] as string;
        if (LINK_SET_UNMODELLED.includes(k)) return { unsupported: `'bridge link set ... ${k}' is not simulated (only state, cost, priority, hairpin, learning, flood, mcast_flood, bcast_flood, isolated)` };
        if (k !== 'master') i++;
      }
      return { object, set: true, args: rest, o };
    }
    if (!show) return { unsupported: `'bridge link ${cmd}' is not simulated (only show, and set)` };
    return { object, set: false, args: rest, o };
  }
  if (!show) return { unsupported: `'bridge vlan ${cmd}' is not simulated (only show)` };
  if (rest.length > 0) return { unsupported: `'bridge vlan show' arguments are not simulated` };
  return { object, args: rest, o };
}

export const bridge: Tool = {
  check(argv) {
    const p = parse(argv);
    return 'unsupported' in p ? p.unsupported : undefined;
  },
  run(ctx, argv) {
    const p = parse(argv);
    if ('unsupported' in p) return out('', `${p.unsupported}\n`, 255);
    if (p.object === 'fdb') return p.cmd === 'show' ? fdbShow(ctx.world, ctx.ns, p.args, p.o) : fdbModify(ctx.world, ctx.ns, p.cmd, p.args);
    if (p.object === 'link') return p.set ? linkSet(ctx.world, ctx.ns, p.args) : linkShow(ctx.world, ctx.ns, p.args, p.o);
    // Without vlan_filtering no port has a VLAN list: only the header is printed (JSON: an empty array).
    if (!p.o.json) return out('port              vlan-id  \n');
    const { p: pr, text } = printer(p.o);
    pr.newJsonObj();
    pr.deleteJsonObj();
    return out(text());
  },
};
