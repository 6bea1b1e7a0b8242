/**
 * ovs-vsctl (Open vSwitch 3.1) for the commands scenarios use: add-br, del-br, add-port, del-port,
 * list-br, list-ports, br-exists, with --may-exist / --if-exists, several commands joined by `--` in
 * one transaction (all or nothing), and the `set bridge X datapath_type=...` kernel mode adds.
 * Messages are ovs-vsctl's, as a private ovs-vswitchd (log directory /run/vethsim-ovs/log) gives them.
 */
import type { Draft } from 'immer';
import type { DeviceState } from '../sim/state.js';
import { findByName, type Namespace, type World } from '../sim/world.js';
import { rtnl_dellink } from '../stack/netlink.js';
import { allocOfport, type OvsBridge } from '../devices/ovs.js';
import { defaultFlow } from '../devices/ovs-flows.js';
import { out, type Tool } from './tool.js';

interface Command {
  readonly opts: readonly string[];
  readonly name: string;
  readonly args: readonly string[];
}

const ARITY: Readonly<Record<string, [number, number]>> = {
  'add-br': [1, 1],
  'del-br': [1, 1],
  'add-port': [2, 2],
  'del-port': [1, 2],
  'list-br': [0, 0],
  'list-ports': [1, 1],
  'br-exists': [1, 1],
  set: [3, 3],
};
const GLOBAL_OPTS = new Set(['--no-wait']);
const CMD_OPTS = new Set(['--may-exist', '--if-exists']);
const LOG_DIR = '/run/vethsim-ovs/log';

function split(argv: readonly string[]): Command[] | { error: string } {
  const words = argv.slice(1).filter((a) => !GLOBAL_OPTS.has(a));
  const cmds: Command[] = [];
  let cur: string[] = [];
  const flush = (): string | undefined => {
    const opts = cur.filter((a) => a.startsWith('--'));
    const rest = cur.filter((a) => !a.startsWith('--'));
    cur = [];
    if (rest.length === 0) return opts.length ? `missing command name` : undefined;
    const bad = opts.find((o) => !CMD_OPTS.has(o));
    if (bad) return `ovs-vsctl option ${bad} is not simulated`;
    const [name, ...args] = rest as [string, ...string[]];
    const arity = ARITY[name];
    if (!arity) return `'ovs-vsctl ${name}' is not simulated (supported: ${Object.keys(ARITY).join(', ')})`;
    if (args.length < arity[0] || args.length > arity[1]) return `'${name}' command requires ${arity[0] === arity[1] ? `${arity[0]}` : `${arity[0]} to ${arity[1]}`} arguments`;
    if (name === 'set' && (args[0] !== 'bridge' || !/^datapath_type=(netdev|system)$/.test(args[2] as string))) return `only 'set bridge BR datapath_type=...' is simulated`;
    cmds.push({ opts, name, args });
    return undefined;
  };
  for (const w of words) {
    if (w === '--') {
      const e = flush();
      if (e) return { error: e };
    } else cur.push(w);
  }
  const e = flush();
  if (e) return { error: e };
  return cmds;
}

function setPromisc(ns: Namespace, ifindex: number, on: boolean): void {
  ns.update((d) => {
    const dev = d.devices[ifindex] as Draft<DeviceState> | undefined;
    if (dev) dev.promisc = on;
  });
}

function createInternal(w: World, ns: Namespace, name: string): number {
  let id = 0;
  ns.update((d) => {
    id = w.newDevice(d, 'ovs-internal', name, w.rng.mac(), { promisc: true, carrier: true }).id;
  });
  w.deviceHome.set(id, ns);
  return id;
}

function deleteDevice(w: World, id: number): void {
  const d = w.device(id);
  if (d) rtnl_dellink(w, d.ns, d.dev.ifindex);
}

export const ovsVsctl: Tool = {
  check(argv) {
    const c = split(argv);
    return 'error' in c ? c.error : undefined;
  },
  run(ctx, argv) {
    const w = ctx.world;
    // ovs-vswitchd runs in the script's own namespace: its ports are that namespace's devices.
    const host = w.namespaces.get('') as Namespace;
    const cmds = split(argv);
    if ('error' in cmds) return out('', `ovs-vsctl: ${cmds.error}\n`, 1);
    const db = w.ovs;
    // A transaction: check every command against the database as the earlier ones leave it.
    const portNames = db.portNames;
    const names = new Map<string, string[]>(db.bridges.map((b) => [b.name, b.ports.map((p) => portNames.get(p) ?? '')]));
    let stdout = '';
    for (const c of cmds) {
      const may = c.opts.includes('--may-exist');
      const ifx = c.opts.includes('--if-exists');
      const [a, b] = c.args as [string, string | undefined];
      const bridgeOfPort = (p: string) => [...names].find(([, ps]) => ps.includes(p))?.[0];
      switch (c.name) {
        case 'add-br':
          if (names.has(a)) {
            if (may) break;
            return out('', `ovs-vsctl: cannot create a bridge named ${a} because a bridge named ${a} already exists\n`, 1);
          }
          names.set(a, []);
          break;
        case 'del-br':
          if (!names.has(a)) {
            if (ifx) break;
            return out('', `ovs-vsctl: no bridge named ${a}\n`, 1);
          }
          names.delete(a);
          break;
        case 'add-port': {
          const port = b as string;
          if (!names.has(a)) return out('', `ovs-vsctl: no bridge named ${a}\n`, 1);
          const on = bridgeOfPort(port);
          if (on !== undefined) {
            if (may && on === a) break;
            return out('', `ovs-vsctl: cannot create a port named ${port} because a port named ${port} already exists on bridge ${on}\n`, 1);
          }
          names.get(a)?.push(port);
          break;
        }
        case 'del-port': {
          const port = b ?? a;
          const on = bridgeOfPort(port);
          if (on === undefined || (b !== undefined && on !== a)) {
            if (b !== undefined && !names.has(a)) return out('', `ovs-vsctl: no bridge named ${a}\n`, 1);
            if (ifx) break;
            return out('', `ovs-vsctl: no port named ${port}\n`, 1);
          }
          names.set(on, (names.get(on) ?? []).filter((p) => p !== port));
          break;
        }
        case 'list-br':
          stdout += [...names.keys()].sort().map((n) => `${n}\n`).join('');
          break;
        case 'list-ports':
          if (!names.has(a)) return out('', `ovs-vsctl: no bridge named ${a}\n`, 1);
          stdout += [...(names.get(a) ?? [])].sort().map((n) => `${n}\n`).join('');
          break;
        case 'br-exists':
          if (!names.has(a)) return out(stdout, '', 2);
          break;
        case 'set':
          if (!names.has(b as string)) return out('', `ovs-vsctl: no row "${b}" in table Bridge\n`, 1);
          break;
      }
    }
    // Commit: make the datapath agree with the database.
    let stderr = '';
    db.version++;
    for (const old of [...db.bridges]) {
      const wanted = names.get(old.name);
      const keep = new Set(wanted ?? []);
      for (const p of [...old.ports]) {
        if (keep.has(portNames.get(p) ?? '')) continue;
        old.ports.splice(old.ports.indexOf(p), 1);
        old.ofports.delete(p);
        portNames.delete(p);
        const d = w.device(p);
        if (d) setPromisc(d.ns, d.dev.ifindex, false);
      }
      if (!wanted) {
        db.bridges.splice(db.bridges.indexOf(old), 1);
        deleteDevice(w, old.internal);
      }
    }
    if (db.bridges.length === 0 && db.datapathDevice !== undefined && [...names.keys()].length === 0) {
      deleteDevice(w, db.datapathDevice);
      db.datapathDevice = undefined;
    }
    for (const [bname, ports] of names) {
      let br = db.bridges.find((x) => x.name === bname);
      if (!br) {
        if (db.datapathDevice === undefined) db.datapathDevice = createInternal(w, host, 'ovs-netdev');
        const nb: OvsBridge = { name: bname, internal: createInternal(w, host, bname), ports: [], ofports: new Map(), flows: [defaultFlow(w.loop.now)] };
        db.bridges.push(nb);
        br = nb;
      }
      for (const pname of ports) {
        if (br.ports.some((p) => portNames.get(p) === pname)) continue;
        const dev = findByName(host.state, pname);
        if (!dev) {
          // The port is in the database, but the switch cannot open it.
          const ghost = -(portNames.size + 1) * 1000 - db.bridges.length;
          br.ports.push(ghost);
          portNames.set(ghost, pname);
          stderr += `ovs-vsctl: Error detected while setting up '${pname}': could not open network device ${pname} (No such device).  See ovs-vswitchd log for details.\novs-vsctl: The default log directory is "${LOG_DIR}".\n`;
          continue;
        }
        br.ofports.set(dev.id, allocOfport(br));
        br.ports.push(dev.id);
        portNames.set(dev.id, pname);
        setPromisc(host, dev.ifindex, true);
      }
    }
    return out(stdout, stderr, 0);
  },
};
