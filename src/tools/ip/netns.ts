/**
 * `ip netns` (ip/ipnetns.c): add, delete, list. `ip netns exec NS CMD` is unwrapped by the script
 * runner (CMD runs in NS); only its incomplete forms reach here.
 */
import { Args, matches } from './args.js';
import type { IpCtx } from './context.js';
import { fail, unsupported } from './errors.js';
import { peernet2id } from './nsid.js';
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
  const named = [...w.namespaces.values()].filter((n) => n.name !== '').reverse();
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

function netnsDelete(ctx: IpCtx, args: Args): number {
  if (!args.more) return fail(1, 'No netns name specified\n');
  const name = args.word;
  if (ctx.dry) return 0;
  const ns = ctx.netns(name);
  if (!ns) return fail(1, `Cannot remove namespace file "/run/netns/${name}": No such file or directory\n`);
  cleanup_net(ctx.world, ns);
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
  if (matches(w, 'list-id')) unsupported('ip netns list-id');
  if (matches(w, 'help')) unsupported('ip netns help (usage text)');
  if (matches(w, 'add')) return netnsAdd(ctx, args);
  if (matches(w, 'set')) unsupported('ip netns set');
  if (matches(w, 'delete')) return netnsDelete(ctx, args);
  if (matches(w, 'identify') || matches(w, 'pids') || matches(w, 'monitor') || matches(w, 'attach')) unsupported(`ip netns ${w}`);
  if (matches(w, 'exec')) {
    if (args.count < 1) return fail(1, 'No netns name specified\n');
    if (args.count < 2) return fail(1, 'No command specified\n');
    return unsupported('ip netns exec is run by the script runner');
  }
  return fail(255, `Command "${w}" is unknown, try "ip netns help".\n`);
}
