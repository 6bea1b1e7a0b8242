/**
 * `ip monitor` (ip/ipmonitor.c) listens for netlink notifications until it is interrupted: a script
 * line that never ends, which a scenario cannot have. Only its usage text ends by itself.
 */
import { matches, type Args } from './args.js';
import type { IpCtx } from './context.js';
import { fail, invarg, unsupported } from './errors.js';

/** Usage text iproute2 6.1 prints for `ip monitor help` (recorded in kernel mode). */
const MONITOR_USAGE =
  'Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ]\n' +
  '                  [ dev DEVICE ]\n' +
  'OBJECTS :=  address | link | mroute | neigh | netconf |\n' +
  '            nexthop | nsid | prefix | route | rule | stats\n' +
  'FILE := file FILENAME\n';

/** The words do_ipmonitor takes as abbreviations, in its order (after "file", which takes a value). */
const ABBREVIABLE = ['label', 'link', 'address', 'route', 'mroute', 'prefix', 'neigh', 'netconf', 'rule', 'nsid', 'nexthop'];

/**
 * do_ipmonitor: its words are read first — "help" prints the usage, an unknown word is an error — and
 * then it would listen forever: refused.
 */
export function doIpmonitor(ctx: IpCtx, args: Args): number {
  for (; args.more; args.shift()) {
    const w = args.word;
    if (matches(w, 'file')) args.next();
    else if (ABBREVIABLE.some((k) => matches(w, k)) || w === 'stats' || w === 'all' || matches(w, 'all-nsid')) continue;
    else if (matches(w, 'help')) return fail(255, MONITOR_USAGE);
    else if (w === 'dev') {
      const v = args.next();
      if (!ctx.ifindex(v)) invarg('Device does not exist\n', v);
    } else return fail(255, `Argument "${w}" is unknown, try "ip monitor help".\n`);
  }
  return unsupported('ip monitor (it prints notifications until it is interrupted: the script would never end)');
}
