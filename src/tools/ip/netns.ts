/**
 * `ip netns` (ip/ipnetns.c): add, delete, list. `ip netns exec NS CMD` is unwrapped by the script
 * runner (CMD runs in NS); only its incomplete forms reach here.
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { fail, unsupported } from './errors.js';
import { peernet2id, peernet2idList, peernet2idSet } from './nsid.js';
import type { Namespace, World } from '../../sim/world.js';
import { cleanup_net } from '../../core/dev.js';

/** invalid_name: empty, longer than NAME_MAX, a '/', "." or "..". */
function invalidName(name: string): boolean {
  return name === '' || name.length > 255 || name.includes('/') || name === '.' || name === '..';
}

/**
 * netns_list: the names under /run/netns as readdir returns them — on this tmpfs the newest first —
 * each with the id this namespace has for it, if any.
 */
function netnsList(ctx: IpCtx): number {
  if (ctx.dry) return 0;
  const w = ctx.world;
  const named = namedNamespaces(w);
  const p = ctx.p;
  p.newJsonObj();
  for (const n of named) {
    p.openObject();
    p.str('name', n.name, n.name);
    const id = peernet2id(w, ctx.ns, n);
    if (id !== undefined) p.num('id', ` (id: ${id})`, id);
    p.fp('\n');
    p.closeObject();
  }
  p.deleteJsonObj();
  return 0;
}

function netnsAdd(ctx: IpCtx, args: Args): number {
  if (!args.more) return fail(1, 'No netns name specified\n');
  const name = args.word;
  if (ctx.dry) return 0;
  if (ctx.netns(name)) return fail(1, `Cannot create namespace file "/run/netns/${name}": File exists\n`);
  ctx.world.createNamespace(name, false);
  return 0;
}

/** The named namespaces in /run/netns's readdir order (on its tmpfs, the newest first). */
export function namedNamespaces(w: World): Namespace[] {
  return [...w.namespaces.values()].filter((n) => n.name !== '').reverse();
}

function netnsDelete(ctx: IpCtx, args: Args): number {
  if (ctx.opts.all) {
    // netns_foreach(on_netns_del): every name, whatever follows.
    if (!ctx.dry) for (const ns of namedNamespaces(ctx.world)) cleanup_net(ctx.world, ns);
    return 0;
  }
  if (!args.more) return fail(1, 'No netns name specified\n');
  const name = args.word;
  if (ctx.dry) return 0;
  const ns = ctx.netns(name);
  if (!ns) return fail(1, `Cannot remove namespace file "/run/netns/${name}": No such file or directory\n`);
  cleanup_net(ctx.world, ns);
  return 0;
}

/**
 * netns_identify: the name /run/netns has for the namespace the command runs in, or an empty line.
 * A PID names a process, and the simulator has none.
 */
function netnsIdentify(ctx: IpCtx, args: Args): number {
  if (args.count > 1) return fail(1, 'extra arguments specified\n');
  if (args.more) unsupported('ip netns identify PID (the simulator has no processes)');
  if (ctx.dry) return 0;
  ctx.print(`${ctx.ns.name}\n`);
  return 0;
}

/** netns_list_id (RTM_GETNSID dump): the ids this namespace gives others, with the name ip knows each by. */
function netnsListId(ctx: IpCtx, args: Args): number {
  let only: number | undefined;
  for (; args.more; args.shift()) {
    if (matches(args.word, 'target-nsid')) unsupported('ip netns list-id target-nsid (ids as another namespace sees them)');
    else if (matches(args.word, 'nsid')) {
      args.shift();
      only = netnsid(args.more ? args.word : '');
    } else return fail(255, `Usage:\tip netns list\n${NETNS_USAGE_TAIL}`);
  }
  if (ctx.dry) return 0;
  const p = ctx.p;
  p.newJsonObj();
  for (const [peer, id] of peernet2idList(ctx.world, ctx.ns)) {
    if (only !== undefined && id !== only) continue;
    p.openObject();
    p.num('nsid', `nsid ${id} `, id);
    if (peer.name !== '') p.str('name', `(iproute2 netns name: ${peer.name})`, peer.name);
    p.fp('\n');
    p.closeObject();
  }
  p.deleteJsonObj();
  return 0;
}

const NETNS_USAGE_TAIL = `\tip netns add NAME
\tip netns attach NAME PID
\tip netns set NAME NETNSID
\tip [-all] netns delete [NAME]
\tip netns identify [PID]
\tip netns pids NAME
\tip [-all] netns exec [NAME] cmd ...
\tip netns monitor
\tip netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]
NETNSID := auto | POSITIVE-INT
`;

/** get_integer as netns_set reads a NETNSID: a whole number that fits an int ("auto" is -1). */
function netnsid(v: string): number {
  if (v === 'auto') return -1;
  const n = /^[-+]?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) invalidNsid(v, 'Invalid "netnsid" value');
  if (n < 0) invalidNsid(v, '"netnsid" value should be >= 0');
  return n;
}

function invalidNsid(v: string, why: string): never {
  return fail(255, `Error: argument "${v}" is wrong: ${why}\n`) as never;
}

/** netns_set: the id this namespace gives NAME (RTM_NEWNSID). */
function netnsSet(ctx: IpCtx, args: Args): number {
  if (!args.more) return fail(1, 'No netns name specified\n');
  const name = args.word;
  args.shift();
  if (!args.more) return fail(1, 'No nsid specified\n');
  const id = netnsid(args.word);
  if (ctx.dry) return 0;
  const peer = ctx.netns(name);
  if (!peer) return fail(1, `Cannot open network namespace "${name}": No such file or directory\n`);
  const r = peernet2idSet(ctx.world, ctx.ns, peer, id);
  if (r === 'has-id') return fail(2, 'Error: Peer netns already has a nsid assigned.\n');
  if (r === 'id-used') return fail(2, 'Error: The specified nsid is already used.\n');
  return 0;
}

/** do_netns. */
export function doNetns(ctx: IpCtx, args: Args): number {
  if (!args.more) return netnsList(ctx);
  const rest = args.rest();
  if (rest.length > 1 && invalidName(rest[1] as string)) return fail(255, `Invalid netns name "${rest[1] as string}"\n`);
  const w = args.word;
  args.shift();
  if (matches(w, 'list') || matches(w, 'show') || matches(w, 'lst')) return netnsList(ctx);
  if (matches(w, 'list-id')) return netnsListId(ctx, args);
  if (matches(w, 'help')) unsupported('ip netns help (usage text)');
  if (matches(w, 'add')) return netnsAdd(ctx, args);
  if (matches(w, 'set')) return netnsSet(ctx, args);
  if (matches(w, 'delete')) return netnsDelete(ctx, args);
  if (matches(w, 'identify')) return netnsIdentify(ctx, args);
  if (matches(w, 'pids') || matches(w, 'monitor') || matches(w, 'attach')) unsupported(`ip netns ${w}`);
  if (matches(w, 'exec')) {
    // With -all, a command is run in every named namespace by the script runner.
    if (ctx.opts.all) return fail(1, 'No command specified\n');
    if (args.count < 1) return fail(1, 'No netns name specified\n');
    if (args.count < 2) return fail(1, 'No command specified\n');
    return unsupported('ip netns exec is run by the script runner');
  }
  return fail(255, `Command "${w}" is unknown, try "ip netns help".\n`);
}
