/**
 * iproute2's `bridge` command: `bridge fdb show [br BR] [dev DEV]`, `bridge link [show] [dev DEV]`,
 * `bridge vlan show`. Formats and orders as the kernel dumps them (read off kernel-mode runs):
 * device by device in ifindex order — a port's master entries (learned, then its own address,
 * permanent), then the device's own multicast list ("self permanent").
 */
import { BR_AGEING_TIME, br_set_hairpin, fdbOf } from '../devices/bridge.js';
import { fail, strerror } from '../core/errno.js';
import type { DeviceState } from '../sim/state.js';
import { findByName, type Namespace, type World } from '../sim/world.js';
import { devicesInOrder, linkFlags, peerInfo } from './ip/link-format.js';
import { matches } from '../scenario/command.js';
import { out, type Tool, type ToolOutput } from './tool.js';

/** The multicast addresses a device listens to (its mc list), newest first as the kernel keeps them. */
function mcList(dev: DeviceState): string[] {
  if (dev.kind === 'loopback') return [];
  const list = ['33:33:00:00:00:01'];
  if (dev.kind === 'bridge' && dev.up) list.push('01:00:5e:00:00:6a', '33:33:00:00:00:6a');
  if (dev.up) list.push('01:00:5e:00:00:01');
  return list;
}

function fdbShow(w: World, ns: Namespace, args: readonly string[]): ToolOutput {
  let br: DeviceState | undefined;
  let only: DeviceState | undefined;
  // `dynamic`: learned entries only — no permanent ones, and not the devices' own ("self") lists.
  let dynamic = false;
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i] as string;
    if (k === 'dynamic') {
      dynamic = true;
      i--;
      continue;
    }
    const v = args[i + 1];
    if (v === undefined) return out('', `Command line is not complete. Try option "help"\n`, 255);
    const d = findByName(ns.state, v);
    if (!d) return out('', `Cannot find ${matches(k, 'brport') || matches(k, 'dev') ? 'device' : 'bridge device'} "${v}"\n`, 1);
    if (k === 'br') br = d;
    else if (k === 'dev' || k === 'brport') only = d;
    else return out('', `bridge: fdb show: unknown argument '${k}'\n`, 255);
  }
  let text = '';
  const now = w.loop.now;
  for (const dev of devicesInOrder(ns)) {
    if (only && dev.id !== only.id) continue;
    const master = dev.master === undefined ? undefined : w.device(dev.master);
    const inBr = br === undefined || dev.id === br.id || dev.master === br.id;
    if (!inBr) continue;
    const showDev = only ? '' : `dev ${dev.name} `;
    if (master && master.ns === ns) {
      for (const [mac, e] of fdbOf(w, master.dev.id)) {
        if (e.port !== dev.id || now - e.updated > (master.dev.bridgeAgeing ?? BR_AGEING_TIME)) continue;
        text += `${mac} ${showDev}master ${master.dev.name} \n`;
      }
      if (!dynamic) text += `${dev.mac} ${showDev}master ${master.dev.name} permanent\n`;
    }
    if (dynamic || dev.kind === 'loopback' || dev.kind === 'ovs-internal') continue;
    for (const mac of mcList(dev)) text += `${mac} ${showDev}self permanent\n`;
  }
  return out(text);
}

function linkShow(w: World, ns: Namespace, args: readonly string[]): ToolOutput {
  let only: DeviceState | undefined;
  if (args[0] === 'dev') {
    only = findByName(ns.state, args[1] ?? '');
    if (!only) return out('', `Cannot find device "${args[1] ?? ''}"\n`, 1);
  }
  let text = '';
  for (const dev of devicesInOrder(ns)) {
    if (dev.master === undefined || (only && only.id !== dev.id)) continue;
    const master = w.device(dev.master);
    if (!master) continue;
    const p = peerInfo(w, ns, dev);
    const forwarding = dev.up && dev.carrier && master.dev.up;
    text += `${dev.ifindex}: ${p ? `${dev.name}@${p.label}` : dev.name}: ${linkFlags(dev, p?.mDown ?? false)} mtu ${dev.mtu} master ${master.dev.name} state ${forwarding ? 'forwarding' : 'disabled'} priority 32 cost 2 \n`;
  }
  return out(text);
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

/** brlink_modify's keywords (exact words): those taking a value, then the flags; only dev and hairpin are modelled. */
const LINK_SET_VALUED = ['cost', 'priority', 'state', 'guard', 'fastleave', 'root_block', 'learning', 'learning_sync', 'flood', 'mcast_router', 'mcast_flood', 'bcast_flood', 'mcast_to_unicast', 'neigh_suppress', 'vlan_tunnel', 'isolated', 'locked', 'hwmode', 'backup_port'];
const LINK_SET_FLAGS = ['nobackup_port', 'self', 'master'];

type LinkSet = { readonly dev: string | undefined; readonly hairpin: boolean | undefined } | { readonly fail: ToolOutput };

/**
 * brlink_modify (`bridge link set`): words compared exactly, a keyword's missing value is "not
 * complete", a bad on/off is parse_on_off's error (-EINVAL, status 234), anything else the usage.
 */
function linkSetParse(args: readonly string[]): LinkSet {
  let dev: string | undefined;
  let hairpin: boolean | undefined;
  for (let i = 0; i < args.length; i++) {
    const k = args[i] as string;
    if (k !== 'dev' && k !== 'hairpin') return { fail: out('', LINK_SET_USAGE, 255) };
    const v = args[++i];
    if (v === undefined) return { fail: out('', 'Command line is not complete. Try option "help"\n', 255) };
    if (k === 'dev') dev = v;
    else if (v === 'on' || v === 'off') hairpin = v === 'on';
    else return { fail: out('', `Error: argument of "hairpin" must be one of "off", "on", not "${v}"\n`, 234) };
  }
  if (dev === undefined) return { fail: out('', 'Device is a required argument.\n', 255) };
  return { dev, hairpin };
}

function linkSet(w: World, ns: Namespace, args: readonly string[]): ToolOutput {
  const p = linkSetParse(args);
  if ('fail' in p) return p.fail;
  const dev = findByName(ns.state, p.dev as string);
  if (!dev) return out('', `Cannot find bridge device "${p.dev as string}"\n`, 255);
  if (p.hairpin === undefined) return out('');
  // rtnl_bridge_setlink: only a bridge port has a master to take IFLA_PROTINFO.
  const r = dev.master === undefined ? fail('EOPNOTSUPP') : br_set_hairpin(w, ns, dev, p.hairpin);
  return r.ok ? out('') : out('', `RTNETLINK answers: ${strerror(r.errno)}\n`, 255);
}

type Parsed = { readonly object: 'fdb' | 'link' | 'vlan'; readonly args: readonly string[]; readonly set?: true } | { readonly unsupported: string };

function parse(argv: readonly string[]): Parsed {
  const [obj, cmd, ...rest] = argv.slice(1);
  const object = matches(obj, 'fdb') ? 'fdb' : matches(obj, 'link') ? 'link' : matches(obj, 'vlan') ? 'vlan' : undefined;
  if (!object) return { unsupported: `'bridge ${obj ?? ''}' is not simulated (supported: fdb show, link show, link set, vlan show)` };
  if (object === 'link' && cmd !== undefined && (matches(cmd, 'set') || matches(cmd, 'change'))) {
    for (let i = 0; i < rest.length; i++) {
      const k = rest[i] as string;
      if (LINK_SET_FLAGS.includes(k)) return { unsupported: `'bridge link set ... ${k}' is not simulated (only hairpin)` };
      if (LINK_SET_VALUED.includes(k)) return { unsupported: `'bridge link set ... ${k}' is not simulated (only hairpin)` };
      if (k === 'dev' || k === 'hairpin') i++;
    }
    return { object, args: rest, set: true };
  }
  if (cmd !== undefined && !(matches(cmd, 'show') || matches(cmd, 'list'))) return { unsupported: `'bridge ${object} ${cmd}' is not simulated (only show, and link set)` };
  if (object === 'vlan' && rest.length > 0) return { unsupported: `'bridge vlan show' arguments are not simulated` };
  return { object, args: rest };
}

export const bridge: Tool = {
  check(argv) {
    const p = parse(argv);
    return 'unsupported' in p ? p.unsupported : undefined;
  },
  run(ctx, argv) {
    const p = parse(argv);
    if ('unsupported' in p) return out('', `${p.unsupported}\n`, 255);
    if (p.object === 'fdb') return fdbShow(ctx.world, ctx.ns, p.args);
    if (p.object === 'link') return p.set ? linkSet(ctx.world, ctx.ns, p.args) : linkShow(ctx.world, ctx.ns, p.args);
    // Without vlan_filtering no port has a VLAN list: only the header is printed.
    return out('port              vlan-id  \n');
  },
};
