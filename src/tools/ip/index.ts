/**
 * `ip` from iproute2 6.1, on the simulated namespaces: link, address, route, rule, neigh and netns, with
 * iproute2's abbreviations, its messages and its exit statuses. ip.c's main reads the global options,
 * then the object word picks the first object it abbreviates in ip.c's table order ("ip n" is neigh,
 * "ip r" route, "ip ru" rule).
 */
import type { Tool, ToolContext, ToolOutput } from '../tool.js';
import { NotSimulated, out } from '../tool.js';
import { Args, matches } from './args.js';
import { IpCtx, type IpOptions } from './context.js';
import { fail, invarg, IpExit, Unsupported, unsupported } from './errors.js';
import { IP_USAGE } from './usage.js';
import type { Family } from './parse.js';
import { doIpaddr } from './addr.js';
import { doIplink } from './link.js';
import { doIproute } from './route.js';
import { doIprule } from './rule.js';
import { doIpneigh } from './neigh.js';
import { doNetns } from './netns.js';
import { doIpmonitor } from './monitor.js';

const VERSION = 'ip utility, iproute2-6.1.0, libbpf 1.1.2\n';

/** An object's command: the exit status (errors are thrown as IpExit). */
type Handler = (ctx: IpCtx, args: Args) => number;

/** ip.c's object table, in its order; undefined: an object the simulator does not model. */
const OBJECTS: ReadonlyArray<readonly [string, Handler | undefined]> = [
  ['address', doIpaddr],
  ['addrlabel', undefined],
  ['maddress', undefined],
  ['route', doIproute],
  ['rule', doIprule],
  ['neighbor', doIpneigh],
  ['neighbour', doIpneigh],
  ['ntable', undefined],
  ['ntbl', undefined],
  ['link', doIplink],
  ['l2tp', undefined],
  ['fou', undefined],
  ['ila', undefined],
  ['macsec', undefined],
  ['tunnel', undefined],
  ['tunl', undefined],
  ['tuntap', undefined],
  ['tap', undefined],
  ['token', undefined],
  ['tcpmetrics', undefined],
  ['tcp_metrics', undefined],
  ['monitor', doIpmonitor],
  ['xfrm', undefined],
  ['mroute', undefined],
  ['mrule', undefined],
  ['netns', doNetns],
  ['netconf', undefined],
  ['vrf', undefined],
  ['sr', undefined],
  ['nexthop', undefined],
  ['mptcp', undefined],
  ['ioam', undefined],
  ['help', () => usage()],
  ['stats', undefined],
];

interface Globals {
  readonly opts: IpOptions;
  readonly netns: string | undefined;
  /** The object word and what follows it. */
  readonly rest: readonly string[];
  readonly version: boolean;
}

/** ip.c's option loop: each word is matched in this order, so "-b" is -batch and "-br" -brief. */
function parseGlobals(argv: readonly string[]): Globals {
  let family: Family = 'unspec';
  let oneline = false;
  let details = false;
  let brief = false;
  let json = false;
  let pretty = false;
  let stats = 0;
  let color = false;
  let human = false;
  let iec = false;
  let all = false;
  let netns: string | undefined;
  let i = 1;
  const opts = (): IpOptions => ({ family, oneline, details, brief, json, pretty, stats, color, human, iec, all });
  for (; i < argv.length; i++) {
    let opt = argv[i] as string;
    if (opt === '--') {
      i++;
      break;
    }
    if (!opt.startsWith('-')) break;
    if (opt[1] === '-') opt = opt.slice(1);
    const m = (k: string) => matches(opt, k);
    const value = (): string => {
      i++;
      if (i >= argv.length) usage();
      return argv[i] as string;
    };
    if (m('-loops')) unsupported('ip -loops');
    else if (m('-family')) {
      const v = value();
      if (v === 'help') usage();
      const f = readFamily(v);
      if (f === undefined) invarg('invalid protocol family', v);
      family = f;
    } else if (opt === '-4') family = 'inet';
    else if (opt === '-6') family = 'inet6';
    else if (opt === '-0') family = 'link';
    else if (opt === '-M') family = 'mpls';
    else if (opt === '-B') family = 'bridge';
    else if (m('-human') || m('-human-readable')) human = true;
    else if (m('-iec')) iec = true;
    else if (m('-stats') || m('-statistics')) stats++;
    else if (m('-details')) details = true;
    else if (m('-resolve')) unsupported(`ip ${opt}`);
    else if (m('-oneline')) oneline = true;
    else if (m('-timestamp') || m('-tshort')) unsupported(`ip ${opt}`);
    else if (m('-Version')) return { opts: opts(), netns, rest: [], version: true };
    else if (m('-force') || m('-batch')) unsupported(`ip ${opt}`);
    else if (m('-brief')) brief = true;
    else if (m('-json')) json = true;
    else if (m('-pretty')) pretty = true;
    else if (m('-rcvbuf')) unsupported(`ip ${opt}`);
    else if (matchesColor(opt) !== undefined) color = matchesColor(opt) === 'always';
    else if (m('-help')) usage();
    else if (m('-netns')) {
      // ip.c hands the missing name to netns_switch as a null pointer.
      i++;
      netns = i < argv.length ? (argv[i] as string) : '(null)';
    } else if (m('-Numeric') || opt === '-echo') unsupported(`ip ${opt}`);
    else if (m('-all')) all = true;
    else fail(255, `Option "${opt}" is unknown, try "ip -help".\n`);
  }
  return { opts: opts(), netns, rest: argv.slice(i), version: false };
}

/** read_family. */
function readFamily(name: string): Family | undefined {
  return (['inet', 'inet6', 'link', 'mpls', 'bridge'] as const).find((f) => f === name);
}

/**
 * matches_color: -color, -color=always|auto|never (and their abbreviations down to "-c"). auto colours
 * only a terminal, which a scenario's output never is.
 */
function matchesColor(opt: string): 'always' | 'auto' | 'never' | undefined {
  const eq = opt.indexOf('=');
  const word = eq < 0 ? opt : opt.slice(0, eq);
  if (!matches(word, '-color')) return undefined;
  const v = eq < 0 ? '' : opt.slice(eq + 1);
  if (v === '' || v === 'always') return 'always';
  if (v === 'auto' || v === 'never') return v;
  return undefined;
}

/** ip.c's usage(): to stderr, status 255. */
function usage(): never {
  return fail(255, IP_USAGE);
}

function objectHandler(word: string): Handler {
  for (const [name, handler] of OBJECTS) {
    if (!matches(word, name)) continue;
    if (!handler) return unsupported(`ip ${name}`);
    return handler;
  }
  return fail(1, `Object "${word}" is unknown, try "ip help".\n`);
}

function dispatch(ctx: IpCtx, g: Globals): number {
  // main: without an object, usage(); do_help too.
  if (g.rest.length === 0) return usage();
  const handler = objectHandler(g.rest[0] as string);
  return handler(ctx, new Args(g.rest.slice(1)));
}

function check(argv: readonly string[]): string | undefined {
  try {
    const g = parseGlobals(argv);
    // -n without a name fails before the object is looked at.
    if (g.version || g.netns === '(null)') return undefined;
    dispatch(IpCtx.dry(g.opts), g);
    return undefined;
  } catch (e) {
    if (e instanceof Unsupported) return `${e.message} is not simulated`;
    if (e instanceof IpExit) return undefined;
    throw e;
  }
}

function run(tc: ToolContext, argv: readonly string[]): ToolOutput {
  let ctx: IpCtx | undefined;
  try {
    const g = parseGlobals(argv);
    if (g.version) return out(VERSION);
    let ns = tc.ns;
    if (g.netns !== undefined) {
      const target = g.netns === '' ? undefined : tc.world.namespaces.get(g.netns);
      if (!target) return out('', `Cannot open network namespace "${g.netns}": No such file or directory\n`, 255);
      ns = target;
    }
    ctx = IpCtx.live(tc.world, ns, g.opts);
    const r = dispatch(ctx, g);
    return out(ctx.stdout, ctx.stderr, r);
  } catch (e) {
    if (e instanceof IpExit) return out(ctx?.stdout ?? '', (ctx?.stderr ?? '') + e.text, e.code);
    // Found only once the world is there to look at (counters of a bridge, -d of an OVS device): the run stops, naming the line.
    if (e instanceof Unsupported) throw new NotSimulated(`${e.message} is not simulated`);
    throw e;
  }
}


export const ip: Tool = { check, run };
