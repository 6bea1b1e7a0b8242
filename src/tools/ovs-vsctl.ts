/**
 * ovs-vsctl (Open vSwitch 3.1) for the commands scenarios use: add-br, del-br, add-port (with column
 * settings), del-port, list-br, list-ports, br-exists, show, and on the Port table's VLAN columns
 * (tag, trunks, vlan_mode) set, get and clear, list-ifaces, iface-to-br, port-to-br, the Bridge table's
 * fail_mode (set, get, clear); with --may-exist / --if-exists, several commands joined
 * by `--` in one transaction (all or nothing), and the `set bridge X datapath_type=...` kernel mode
 * adds. Messages are ovs-vsctl's, as a private ovs-vswitchd (log directory /run/vethsim-ovs/log)
 * gives them.
 */
import type { Draft } from 'immer';
import type { DeviceState } from '../sim/state.js';
import { findByName, type Namespace, type World } from '../sim/world.js';
import { allocOfport, dpPortAdd, normalizeMacAgingTime, OVS_INTERNAL_KIND, ovsDb, type FailMode, type OvsBridge, type OvsDb, type OvsPort } from '../devices/ovs.js';
import { register_netdevice, rtnl_dellink } from '../core/dev.js';
import { NS_PER_SEC } from '../sim/event-loop.js';
import { defaultFlow, OFPP_LOCAL } from '../devices/ovs-flows.js';
import { formatVlanColumn, parseVlanColumn, PORT_COLUMNS, vlanColumnOf, withVlanColumn, type PortColumns, type VlanColumn } from './ovs-port-columns.js';
import { out, type Tool } from './tool.js';

interface Command {
  readonly opts: readonly string[];
  readonly name: string;
  readonly args: readonly string[];
}

const MANY = Number.POSITIVE_INFINITY;
const ARITY: Readonly<Record<string, [number, number]>> = {
  'add-br': [1, 1],
  'del-br': [1, 1],
  'add-port': [2, MANY],
  'del-port': [1, 2],
  'list-br': [0, 0],
  'list-ports': [1, 1],
  'br-exists': [1, 1],
  'list-ifaces': [1, 1],
  'iface-to-br': [1, 1],
  'port-to-br': [1, 1],
  show: [0, 0],
  set: [3, MANY],
  get: [3, MANY],
  clear: [3, MANY],
};
const GLOBAL_OPTS = new Set(['--no-wait']);
const CMD_OPTS = new Set(['--may-exist', '--if-exists']);
const LOG_DIR = '/run/vethsim-ovs/log';

/** Why a command's arguments are beyond the simulator, if they are. */
function unsimulated(name: string, args: readonly string[]): string | undefined {
  const table = args[0]?.toLowerCase();
  if (table === 'bridge') {
    const cols = args.slice(2);
    if (name === 'set' && cols.every((a) => /^(datapath_type=(netdev|system)|fail_mode=(secure|standalone)|other[-_]config:mac-aging-time=\d{1,6})$/.test(a))) return undefined;
    if (name !== 'set' && cols.every((a) => a === 'fail_mode')) return undefined;
    return `only 'set bridge BR datapath_type=netdev|system fail_mode=secure|standalone other-config:mac-aging-time=N' and 'get|clear bridge BR fail_mode' are simulated on the Bridge table (no other other-config key)`;
  }
  if (table === 'interface') {
    const cols = args.slice(2);
    if (name === 'set' && cols.every((a) => (/^ofport_request=\d+$/.test(a) && Number(a.slice(15)) >= 1 && Number(a.slice(15)) < 0xff00) || a === 'type=internal')) return undefined;
    if (name === 'get' && cols.every((a) => a === 'ofport' || a === 'ofport_request')) return undefined;
    return `only 'set interface IFACE ofport_request=N|type=internal' and 'get interface IFACE ofport|ofport_request' are simulated on the Interface table (type=patch is not)`;
  }
  if ((name === 'set' || name === 'get' || name === 'clear') && table !== 'port') return `'ovs-vsctl ${name}' is simulated on the Port, Bridge and Interface tables only`;
  const columnArgs = name === 'add-port' ? args.slice(2) : name === 'set' || name === 'get' || name === 'clear' ? args.slice(2) : [];
  for (const a of columnArgs) {
    const eq = a.indexOf('=');
    const column = eq < 0 ? a : a.slice(0, eq);
    // A name that is no Port column at all is refused by ovs-vsctl itself (see run).
    if (!isVlanColumn(column) && PORT_COLUMNS.some((c) => c.startsWith(column))) return `Port column ${column} is not simulated (only tag, trunks, vlan_mode)`;
    if (name === 'get' || name === 'clear') {
      if (eq >= 0) return `'ovs-vsctl ${name} port' with a key or value is not simulated`;
      continue;
    }
    if (eq < 0 || !isVlanColumn(column)) continue;
    const v = a.slice(eq + 1);
    if (column === 'tag' && (/\d-\d/.test(v) || /\d[\s,]+-?\d/.test(v))) return 'a tag with more than one value is not simulated';
    if (column === 'vlan_mode' && (v === 'dot1q-tunnel' || /[[\]]/.test(v))) return `vlan_mode=${v} is not simulated`;
  }
  return undefined;
}

function isVlanColumn(c: string): c is VlanColumn {
  return c === 'tag' || c === 'trunks' || c === 'vlan_mode';
}

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
    if (args.length < arity[0] || args.length > arity[1]) {
      const range = arity[0] === arity[1] ? `${arity[0]}` : arity[1] === MANY ? `at least ${arity[0]}` : `${arity[0]} to ${arity[1]}`;
      return `'${name}' command requires ${range} arguments`;
    }
    const why = unsimulated(name, args);
    if (why) return why;
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
  return register_netdevice(w, ns, OVS_INTERNAL_KIND, name, w.rng.mac(), { promisc: true, carrier: true }).id;
}

function deleteDevice(w: World, id: number): void {
  const d = w.device(id);
  if (d) rtnl_dellink(w, d.ns, d.dev.ifindex);
}

/** A Port row as the transaction sees it: its name and VLAN columns. */
interface PortRow extends PortColumns {
  readonly name: string;
  /** Its Interface's ofport_request column. */
  readonly ofportRequest?: number;
  /** Its Interface's type is internal. */
  readonly internal?: boolean;
}

/** A Bridge row as the transaction sees it: its own port (named after it) and the others. */
interface BridgeRow {
  local: PortRow;
  ports: PortRow[];
  /** The fail_mode column: empty means standalone. */
  failMode: FailMode | undefined;
  /** other_config:mac-aging-time as written, in seconds. */
  macAgingTime?: number;
}

const NO_VLAN: PortColumns = { tag: undefined, trunks: [], vlanMode: undefined };

function rowOf(p: OvsPort): PortRow {
  return { name: p.name, tag: p.tag, trunks: p.trunks, vlanMode: p.vlanMode, ofportRequest: p.ofportRequest, internal: p.internal };
}

function sameColumns(a: PortColumns, b: PortColumns): boolean {
  return a.tag === b.tag && a.vlanMode === b.vlanMode && a.trunks.join() === b.trunks.join();
}

/** Open_vSwitch's one row has a random UUID, which `show` prints first; one per database. */
const rootUuids = new WeakMap<OvsDb, string>();

function rootUuid(w: World): string {
  let u = rootUuids.get(ovsDb(w));
  if (u === undefined) {
    const hex = (n: number) => Array.from({ length: n }, () => w.rng.below(16).toString(16)).join('');
    u = `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[w.rng.below(4)]}${hex(3)}-${hex(12)}`;
    rootUuids.set(ovsDb(w), u);
  }
  return u;
}

/**
 * `ovs-vsctl show`: the database as a tree. A Port shows its tag and trunks when set (not its
 * vlan_mode), then its Interface: `type: internal` for the bridge's own, the error for one the switch
 * could not open. ovsdb orders rows by UUID, so the real order of bridges and ports is random; here
 * it is the bridge's own port, then the others as they were added.
 */
function show(w: World): string {
  let s = `${rootUuid(w)}\n`;
  for (const b of ovsDb(w).bridges) {
    s += `    Bridge ${b.name}\n${b.failMode ? `        fail_mode: ${b.failMode}\n` : ''}        datapath_type: netdev\n`;
    for (const p of [b.local, ...b.ports]) {
      s += `        Port ${p.name}\n`;
      if (p.tag !== undefined) s += `            tag: ${p.tag}\n`;
      if (p.trunks.length > 0) s += `            trunks: [${p.trunks.join(', ')}]\n`;
      s += `            Interface ${p.name}\n`;
      if (p.ofport === OFPP_LOCAL || p.internal) s += '                type: internal\n';
      else if (p.device === undefined) s += `                error: "could not open network device ${p.name} (No such device)"\n`;
    }
  }
  return s;
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
    const db = ovsDb(w);
    const fail = (msg: string) => out('', `ovs-vsctl: ${msg}\n`, 1);
    // A transaction: check every command against the database as the earlier ones leave it.
    const rows = new Map<string, BridgeRow>(db.bridges.map((b) => [b.name, { local: rowOf(b.local), ports: b.ports.map(rowOf), failMode: b.failMode, macAgingTime: b.macAgingTime === undefined ? undefined : b.macAgingTime / NS_PER_SEC }]));
    const bridgeOfPort = (p: string) => [...rows].find(([, r]) => r.ports.some((x) => x.name === p))?.[0];
    /** The Port table holds the bridges' own ports too. */
    const findPort = (p: string): { row: PortRow; put: (r: PortRow) => void } | undefined => {
      for (const r of rows.values()) {
        if (r.local.name === p) return { row: r.local, put: (n) => (r.local = n) };
        const i = r.ports.findIndex((x) => x.name === p);
        if (i >= 0) return { row: r.ports[i] as PortRow, put: (n) => (r.ports[i] = n) };
      }
      return undefined;
    };
    /** `COLUMN=VALUE` arguments applied to a row, or ovs-vsctl's complaint. */
    const applySettings = (row: PortRow, settings: readonly string[]): PortRow | string => {
      let r = row;
      for (const a of settings) {
        const eq = a.indexOf('=');
        const column = eq < 0 ? a : a.slice(0, eq);
        if (!isVlanColumn(column)) return `Port does not contain a column whose name matches "${column}"`;
        if (eq < 0 || eq === a.length - 1) return `${a}: argument does not end in "=" followed by a value.`;
        const v = parseVlanColumn(column, a.slice(eq + 1));
        if (typeof v === 'string') return v;
        r = { ...r, ...withVlanColumn(column, v) };
      }
      return r;
    };
    let stdout = '';
    for (const c of cmds) {
      const may = c.opts.includes('--may-exist');
      const ifx = c.opts.includes('--if-exists');
      const [a, b] = c.args as [string, string | undefined];
      switch (c.name) {
        case 'add-br':
          if (rows.has(a)) {
            if (may) break;
            return fail(`cannot create a bridge named ${a} because a bridge named ${a} already exists`);
          }
          rows.set(a, { local: { name: a, ...NO_VLAN }, ports: [], failMode: undefined });
          break;
        case 'del-br':
          if (!rows.has(a)) {
            if (ifx) break;
            return fail(`no bridge named ${a}`);
          }
          rows.delete(a);
          break;
        case 'add-port': {
          const port = b as string;
          if (!rows.has(a)) return fail(`no bridge named ${a}`);
          const on = bridgeOfPort(port);
          if (on !== undefined) {
            if (may && on === a) break;
            return fail(`cannot create a port named ${port} because a port named ${port} already exists on bridge ${on}`);
          }
          const row = applySettings({ name: port, ...NO_VLAN }, c.args.slice(2));
          if (typeof row === 'string') return fail(row);
          rows.get(a)?.ports.push(row);
          break;
        }
        case 'del-port': {
          const port = b ?? a;
          const on = bridgeOfPort(port);
          if (on === undefined || (b !== undefined && on !== a)) {
            if (b !== undefined && !rows.has(a)) return fail(`no bridge named ${a}`);
            if (ifx) break;
            return fail(`no port named ${port}`);
          }
          const r = rows.get(on) as BridgeRow;
          r.ports = r.ports.filter((p) => p.name !== port);
          break;
        }
        case 'list-br':
          stdout += [...rows.keys()].sort().map((n) => `${n}\n`).join('');
          break;
        case 'list-ports':
          if (!rows.has(a)) return fail(`no bridge named ${a}`);
          stdout += (rows.get(a)?.ports ?? []).map((p) => p.name).sort().map((n) => `${n}\n`).join('');
          break;
        case 'list-ifaces':
          if (!rows.has(a)) return fail(`no bridge named ${a}`);
          stdout += (rows.get(a)?.ports ?? []).map((p) => p.name).sort().map((n) => `${n}\n`).join('');
          break;
        case 'iface-to-br':
        case 'port-to-br': {
          // Each port has the one interface of its name; a bridge's own port belongs to the bridge.
          const on = rows.has(a) ? a : bridgeOfPort(a);
          if (on === undefined) return fail(`no ${c.name === 'port-to-br' ? 'port' : 'interface'} named ${a}`);
          stdout += `${on}\n`;
          break;
        }
        case 'br-exists':
          if (!rows.has(a)) return out(stdout, '', 2);
          break;
        case 'show':
          // What is committed so far: a show inside a transaction that changes things is not modelled.
          stdout += show(w);
          break;
        case 'set':
        case 'get':
        case 'clear': {
          const record = b as string;
          if (a.toLowerCase() === 'bridge') {
            const br = rows.get(record);
            if (!br) return fail(`no row "${record}" in table Bridge`);
            if (c.name === 'get') stdout += `${br.failMode ?? '[]'}\n`;
            else if (c.name === 'clear') br.failMode = undefined;
            for (const col of c.name === 'set' ? c.args.slice(2) : []) {
              if (col.startsWith('fail_mode=')) br.failMode = col.slice(10) as FailMode;
              else if (/^other[-_]config:mac-aging-time=/.test(col)) br.macAgingTime = Number(col.slice(col.indexOf('=') + 1));
            }
            break;
          }
          if (a.toLowerCase() === 'interface') {
            // Each port has the one interface of its name.
            const found = findPort(record);
            if (!found) return fail(`no row "${record}" in table Interface`);
            if (c.name === 'get') {
              const committed = db.bridges.flatMap((x) => [x.local, ...x.ports]).find((p) => p.name === record);
              for (const col of c.args.slice(2)) {
                const v = col === 'ofport' ? committed?.ofport : found.row.ofportRequest;
                stdout += `${v ?? '[]'}\n`;
              }
            } else
              for (const col of c.args.slice(2)) {
                if (col === 'type=internal') {
                  // A type change re-creates the interface: only a port this transaction adds is simulated.
                  if (db.bridges.some((x) => x.ports.some((p) => p.name === record))) return out(stdout, `ovs-vsctl: changing the type of an existing interface is not simulated\n`, 1);
                  found.put({ ...found.row, internal: true });
                } else found.put({ ...found.row, ofportRequest: Number(col.slice(15)) });
              }
            break;
          }
          const found = findPort(record);
          if (!found) return fail(`no row "${record}" in table Port`);
          const columns = c.args.slice(2);
          const unknown = c.name === 'set' ? undefined : columns.find((col) => !isVlanColumn(col));
          if (unknown !== undefined) return fail(`Port does not contain a column whose name matches "${unknown}"`);
          if (c.name === 'get') {
            for (const col of columns as VlanColumn[]) stdout += `${formatVlanColumn(col, vlanColumnOf(found.row, col))}\n`;
          } else if (c.name === 'clear') {
            let r = found.row;
            for (const col of columns as VlanColumn[]) r = { ...r, ...withVlanColumn(col, undefined) };
            found.put(r);
          } else {
            const r = applySettings(found.row, c.args.slice(2));
            if (typeof r === 'string') return fail(r);
            found.put(r);
          }
          break;
        }
      }
    }
    return out(stdout, commit(w, host, rows), 0);
  },
};

/** Makes the datapath agree with the database; returns what ovs-vsctl reports about ports it could not set up. */
function commit(w: World, host: Namespace, rows: ReadonlyMap<string, BridgeRow>): string {
  const db = ovsDb(w);
  let stderr = '';
  db.version++;
  // A port whose VLAN changes, or that goes, takes what was learned on it along (bundle_flush_macs).
  const flushMacs = (b: OvsBridge, p: OvsPort) => {
    for (const [k, e] of b.ml) if (e.port === p.device) b.ml.delete(k);
  };
  const reconfigure = (b: OvsBridge, p: OvsPort, row: PortRow): OvsPort => {
    // A new ofport_request moves the interface to that number, if it is free.
    const moved = row.ofportRequest !== p.ofportRequest && p.device !== undefined && row.ofportRequest !== undefined && !b.ports.some((x) => x.ofport === row.ofportRequest);
    const q = moved ? { ...p, ofport: row.ofportRequest, ofportRequest: row.ofportRequest } : { ...p, ofportRequest: row.ofportRequest };
    if (sameColumns(q, row)) return q;
    flushMacs(b, q);
    return { ...q, tag: row.tag, trunks: row.trunks, vlanMode: row.vlanMode };
  };
  for (const old of [...db.bridges]) {
    const wanted = rows.get(old.name);
    for (const p of [...old.ports]) {
      const row = wanted?.ports.find((r) => r.name === p.name);
      const i = old.ports.indexOf(p);
      if (row) {
        old.ports[i] = reconfigure(old, p, row);
        continue;
      }
      old.ports.splice(i, 1);
      flushMacs(old, p);
      if (p.device !== undefined) db.dpPorts.delete(p.device);
      if (p.internal && p.device !== undefined) deleteDevice(w, p.device);
      else {
        const d = p.device === undefined ? undefined : w.device(p.device);
        if (d) setPromisc(d.ns, d.dev.ifindex, false);
      }
    }
    if (wanted) {
      old.local = reconfigure(old, old.local, wanted.local);
      // connmgr_set_fail_mode: without a controller, a change of mode flushes every flow; standalone puts NORMAL back.
      if ((wanted.failMode ?? 'standalone') !== (old.failMode ?? 'standalone')) old.flows = wanted.failMode === 'secure' ? [] : [defaultFlow(w.loop.now)];
      old.failMode = wanted.failMode;
      // mac-aging-time=0 means the default (bridge_configure_mac_table).
      old.macAgingTime = wanted.macAgingTime ? normalizeMacAgingTime(wanted.macAgingTime) * NS_PER_SEC : undefined;
    }
    else {
      db.bridges.splice(db.bridges.indexOf(old), 1);
      db.dpPorts.delete(old.internal);
      deleteDevice(w, old.internal);
    }
  }
  if (db.bridges.length === 0 && db.datapathDevice !== undefined && rows.size === 0) {
    db.dpPorts.delete(db.datapathDevice);
    deleteDevice(w, db.datapathDevice);
    db.datapathDevice = undefined;
  }
  for (const [bname, row] of rows) {
    let br = db.bridges.find((x) => x.name === bname);
    if (!br) {
      if (db.datapathDevice === undefined) {
        db.datapathDevice = createInternal(w, host, 'ovs-netdev');
        dpPortAdd(db, db.datapathDevice, true);
      }
      const internal = createInternal(w, host, bname);
      dpPortAdd(db, internal);
      const local: OvsPort = { ...row.local, device: internal, ofport: OFPP_LOCAL };
      // A secure bridge starts with no flow at all: nothing is forwarded until flows are added.
      const nb: OvsBridge = { name: bname, internal, local, ports: [], flows: row.failMode === 'secure' ? [] : [defaultFlow(w.loop.now)], ml: new Map(), failMode: row.failMode };
      if (row.macAgingTime) nb.macAgingTime = normalizeMacAgingTime(row.macAgingTime) * NS_PER_SEC;
      db.bridges.push(nb);
      br = nb;
    }
    for (const p of row.ports) {
      if (br.ports.some((x) => x.name === p.name)) continue;
      if (p.internal) {
        const id = createInternal(w, host, p.name);
        br.ports.push({ ...p, device: id, ofport: p.ofportRequest ?? allocOfport(br) });
        dpPortAdd(db, id);
        continue;
      }
      const dev = findByName(host.state, p.name);
      if (!dev) {
        // The port is in the database, but the switch cannot open it.
        br.ports.push({ ...p, device: undefined, ofport: undefined });
        stderr += `ovs-vsctl: Error detected while setting up '${p.name}': could not open network device ${p.name} (No such device).  See ovs-vswitchd log for details.\novs-vsctl: The default log directory is "${LOG_DIR}".\n`;
        continue;
      }
      const requested = p.ofportRequest !== undefined && !br.ports.some((x) => x.ofport === p.ofportRequest) ? p.ofportRequest : undefined;
      br.ports.push({ ...p, device: dev.id, ofport: requested ?? allocOfport(br) });
      dpPortAdd(db, dev.id);
      setPromisc(host, dev.ifindex, true);
    }
  }
  return stderr;
}
