/**
 * What a script line is, read the way the shell and iproute2 read it: which namespace it runs in,
 * which program, and for the commands the runners treat specially (tcpdump, ping, `ip netns add`,
 * ovs-*) the facts they need. Both kernel mode and the simulator classify lines through here.
 */
import { isOp, type ShellWord } from './script.js';

/** iproute2's `matches()`: a word selects a keyword when it is a non-empty prefix of it. */
export function matches(word: string | undefined, keyword: string): boolean {
  return word !== undefined && word.length > 0 && keyword.startsWith(word);
}

/** `ip` global options that take a value (ip.c). `-r` alone is -resolve, so -rcvbuf needs "-rc". */
function ipOptionTakesValue(option: string): boolean {
  const o = option.replace(/^--/, '-');
  return ['-netns', '-batch', '-loops', '-family'].some((k) => matches(o, k)) || (o.length >= 3 && matches(o, '-rcvbuf'));
}

/** Index of the object word in an `ip` argv (after global options), or -1. */
function ipObjectIndex(argv: readonly ShellWord[]): number {
  let i = 1;
  for (let w = argv[i]; typeof w === 'string' && w.startsWith('-') && w !== '-'; w = argv[i]) {
    i += ipOptionTakesValue(w) ? 2 : 1;
  }
  return i < argv.length ? i : -1;
}

/** `ip ... netns SUB ARG` — SUB resolved against the keyword it abbreviates. */
function ipNetnsCommand(argv: readonly ShellWord[]): { sub: string; args: readonly ShellWord[] } | undefined {
  if (argv[0] !== 'ip') return undefined;
  const obj = ipObjectIndex(argv);
  const word = argv[obj];
  // `ip n` is neigh and `ip ne` too: netns needs at least "net" (ip.c's command table order).
  if (obj < 0 || typeof word !== 'string' || word.length < 3 || !matches(word, 'netns')) return undefined;
  const sub = argv[obj + 1];
  if (typeof sub !== 'string') return { sub: 'list', args: [] };
  // do_netns checks these in this order; the first keyword the word abbreviates wins.
  const order = ['list', 'show', 'lst', 'list-id', 'help', 'add', 'set', 'delete', 'identify', 'pids', 'exec', 'monitor', 'attach'];
  const hit = order.find((k) => matches(sub, k));
  return { sub: hit ?? sub, args: argv.slice(obj + 2) };
}

export interface Invocation {
  /** Namespace named by `ip netns exec NS`, or undefined for the script's own namespace. */
  readonly netns: string | undefined;
  /** `ip -all netns exec CMD`: CMD runs in every named namespace in turn. */
  readonly allNetns?: boolean;
  /** The command run in it. */
  readonly argv: readonly ShellWord[];
  /** Entered by `nsenter --net=PATH` (the file it opens) rather than by `ip netns exec`. */
  readonly nsenter?: string;
}

/** Does an `ip` argv carry the -all global option (ip.c: "-a" and longer abbreviations)? */
function ipAll(argv: readonly ShellWord[]): boolean {
  const obj = ipObjectIndex(argv);
  return argv.slice(1, obj < 0 ? argv.length : obj).some((w) => typeof w === 'string' && w.length >= 2 && matches(w.replace(/^--/, '-'), '-all'));
}

/** Peels `ip netns exec NS` prefixes off a line. */
export function invocation(words: readonly ShellWord[]): Invocation {
  let netns: string | undefined;
  let nsenter: string | undefined;
  let argv = words;
  for (;;) {
    const entered = nsenterNet(argv);
    if (entered) {
      netns = entered.netns;
      nsenter = entered.path;
      argv = entered.argv;
      continue;
    }
    const cmd = ipNetnsCommand(argv);
    if (cmd?.sub === 'exec' && ipAll(argv)) {
      // The command runs in each named namespace, whichever one the line started in.
      return cmd.args.length > 0 ? { netns: undefined, allNetns: true, argv: cmd.args } : { netns, argv };
    }
    if (!cmd || cmd.sub !== 'exec' || typeof cmd.args[0] !== 'string' || cmd.args.length < 2) break;
    netns = cmd.args[0];
    nsenter = undefined;
    argv = cmd.args.slice(1);
  }
  return nsenter === undefined ? { netns, argv } : { netns, nsenter, argv };
}

/**
 * `nsenter --net=/run/netns/NAME CMD` (also -nPATH, /var/run/netns/NAME, a `--` before CMD): the same as
 * `ip netns exec NAME CMD` for what a network namespace holds. nsenter's other uses (a pid, other
 * namespace types, no command) are left to the command's own check.
 */
function nsenterNet(argv: readonly ShellWord[]): { netns: string; path: string; argv: readonly ShellWord[] } | undefined {
  if (typeof argv[0] !== 'string' || argv[0].replace(/^.*\//, '') !== 'nsenter') return undefined;
  const opt = argv[1];
  const path = typeof opt === 'string' ? (/^(?:--net=|-n)(\/.+)$/.exec(opt)?.[1] ?? undefined) : undefined;
  const name = path === undefined ? undefined : /^(?:\/var)?\/run\/netns\/([^/]+)$/.exec(path)?.[1];
  if (path === undefined || name === undefined) return undefined;
  const rest = argv.slice(argv[2] === '--' ? 3 : 2);
  return rest.length > 0 && typeof rest[0] === 'string' ? { netns: name, path, argv: rest } : undefined;
}

/** The namespace an `ip netns add NAME` line creates, if it is one. */
export function netnsAdded(words: readonly ShellWord[]): string | undefined {
  const cmd = ipNetnsCommand(words);
  const name = cmd?.args[0];
  return cmd?.sub === 'add' && typeof name === 'string' && cmd.args.length === 1 ? name : undefined;
}

/** True when the line is a plain command: no pipes, redirections or command lists. */
export function isSimple(words: readonly ShellWord[]): boolean {
  return !words.some(isOp);
}

export function programOf(inv: Invocation): string | undefined {
  const p = inv.argv[0];
  return typeof p === 'string' ? p.replace(/^.*\//, '') : undefined;
}

/** tcpdump's short options that take a value (tcpdump.c's SHORTOPTS, the letters followed by ':'). */
const TCPDUMP_SHORT_WITH_VALUE = new Set('BcCDEFGiMmrsTVwWyZzjQ'.split(''));
/** tcpdump 4.99's long options: the short letter each stands for (or the long name), and whether it takes a value. */
const TCPDUMP_LONG: ReadonlyMap<string, { readonly short: string; readonly value: boolean }> = new Map([
  ['--buffer-size', { short: 'B', value: true }],
  ['--list-interfaces', { short: 'D', value: false }],
  ['--help', { short: 'h', value: false }],
  ['--interface', { short: 'i', value: true }],
  ['--monitor-mode', { short: 'I', value: false }],
  ['--time-stamp-type', { short: 'j', value: true }],
  ['--list-time-stamp-types', { short: 'J', value: false }],
  ['--micro', { short: '--micro', value: false }],
  ['--nano', { short: '--nano', value: false }],
  ['--time-stamp-precision', { short: '--time-stamp-precision', value: true }],
  ['--dont-verify-checksums', { short: 'K', value: false }],
  ['--list-data-link-types', { short: 'L', value: false }],
  ['--no-optimize', { short: 'O', value: false }],
  ['--no-promiscuous-mode', { short: 'p', value: false }],
  ['--direction', { short: 'Q', value: true }],
  ['--snapshot-length', { short: 's', value: true }],
  ['--absolute-tcp-sequence-numbers', { short: 'S', value: false }],
  ['--packet-buffered', { short: 'U', value: false }],
  ['--linktype', { short: 'y', value: true }],
  ['--immediate-mode', { short: '--immediate-mode', value: false }],
  ['--debug-filter-parser', { short: 'Y', value: false }],
  ['--relinquish-privileges', { short: 'Z', value: true }],
  ['--count', { short: '--count', value: false }],
  ['--fp-type', { short: '--fp-type', value: false }],
  ['--number', { short: '#', value: false }],
  ['--print', { short: '--print', value: false }],
  ['--version', { short: '--version', value: false }],
]);

export interface TcpdumpArgs {
  readonly iface: string | undefined;
  /** -c N as tcpdump reads it (atoi); tcpdump itself refuses one that is not positive. */
  readonly count: number | undefined;
  /** Options as written (everything that is not the filter expression). */
  readonly options: readonly string[];
  /** The filter expression's words, possibly empty. */
  readonly filter: readonly string[];
  /** Short flags given, e.g. "n", "t", "e" — so a printer can honour -e, -t, -nn. */
  readonly flags: string;
  /** The value of each option that takes one, by short letter (long-only options by their long name); the last given wins. */
  readonly values: Readonly<Record<string, string>>;
  /** Long options without a short letter, as given (e.g. --immediate-mode). */
  readonly longFlags: readonly string[];
}

/** C's atoi: leading blanks, a sign, the digits there are; 0 when there are none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/**
 * Splits a tcpdump argv (after the program name) into options and filter, as GNU getopt_long
 * does: options may come after filter words too (it permutes), "--" ends them.
 */
export function tcpdumpArgs(args: readonly string[]): TcpdumpArgs | { error: string } {
  let flags = '';
  const options: string[] = [];
  const filter: string[] = [];
  const values: Record<string, string> = {};
  const longFlags: string[] = [];
  let i = 0;
  while (i < args.length) {
    const a = args[i] as string;
    i++;
    if (a === '--') {
      options.push(a);
      filter.push(...args.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.split(/=(.*)/s, 2) as [string, string | undefined];
      // getopt_long accepts any unambiguous prefix of a long option.
      const hits = [...TCPDUMP_LONG.keys()].filter((k) => k.startsWith(name));
      const full = TCPDUMP_LONG.has(name) ? name : hits.length === 1 ? hits[0] : undefined;
      if (full === undefined) return { error: hits.length > 1 ? `tcpdump: option '${name}' is ambiguous` : `tcpdump: unrecognized option '${name}'` };
      const o = TCPDUMP_LONG.get(full) as { short: string; value: boolean };
      options.push(a);
      let v = inline;
      if (o.value && v === undefined) {
        v = args[i];
        if (v === undefined) return { error: `tcpdump: option '${full}' requires an argument` };
        options.push(v);
        i++;
      }
      if (!o.value && inline !== undefined) return { error: `tcpdump: option '${full}' doesn't allow an argument` };
      if (o.short.length === 1) {
        if (o.value) values[o.short] = v as string;
        else flags += o.short;
      } else if (o.value) values[o.short] = v as string;
      else longFlags.push(o.short);
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      filter.push(a);
      continue;
    }
    options.push(a);
    for (let j = 1; j < a.length; j++) {
      const f = a[j] as string;
      if (TCPDUMP_SHORT_WITH_VALUE.has(f)) {
        let v = a.slice(j + 1);
        if (v === '') {
          const next = args[i];
          if (next === undefined) return { error: `tcpdump: option requires an argument -- '${f}'` };
          v = next;
          options.push(v);
          i++;
        }
        values[f] = v;
        break;
      }
      flags += f;
    }
  }
  const c = values.c;
  return { iface: values.i, count: c === undefined ? undefined : atoi(c), options, filter, flags, values, longFlags };
}

/**
 * The filter a capture really runs with when a scenario has IPv6 off: kernel mode adds "not ip6"
 * (the kernel's own IPv6 traffic is not part of the scenario), and the simulator compiles the same
 * words, so that a filter libpcap would then refuse is refused on both sides.
 */
export function ipv4OnlyFilter(filter: readonly string[]): string[] {
  return filter.length > 0 ? ['(', ...filter, ')', 'and', 'not', 'ip6'] : ['not', 'ip6'];
}

/** The name a background capture is reported under: IF, or NS/IF inside `ip netns exec NS`. */
export function capturePoint(netns: string | undefined, iface: string): string {
  return netns === undefined ? iface : `${netns}/${iface}`;
}

/** Does a ping argv bound its own run time with -c or -w? (getopt-style, bundled flags allowed.) */
export function pingIsBounded(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') break;
    if (/^-[^-]/.test(a)) {
      // Options with a value end the bundle: "-c2", "-Ic" would make 'c' the -I value.
      for (let j = 1; j < a.length; j++) {
        const f = a[j] as string;
        if (f === 'c' || f === 'w') return true;
        if ('IiWsMtlpQSFTmNVeL'.includes(f) && f !== 'L') break;
      }
    }
  }
  return false;
}

/** The operators of a shell list: `a; b`, `a && b`, `a || b` (equal precedence, left to right). */
export type ListOp = ';' | '&&' | '||';

/** What a command's redirections throw away: `> /dev/null`, and with `2>&1` or `&> /dev/null` its errors too. */
export type Discard = 'none' | 'stdout' | 'both';

export interface ListCommand {
  /** The operator before this command; undefined for the first. */
  readonly op: ListOp | undefined;
  readonly words: readonly ShellWord[];
  readonly discard: Discard;
}

const LIST_OPS: ReadonlySet<string> = new Set([';', '&&', '||']);

/**
 * A line as the shell's list of commands, each with the redirections to /dev/null that a script uses to
 * keep a command quiet peeled off (`cmd > /dev/null`, `cmd >/dev/null 2>&1`, `cmd &> /dev/null`). Any
 * other operator stays in its command's words, for the command's own check (echo's `> /proc/sys/...`).
 */
export function commandList(words: readonly ShellWord[]): ListCommand[] {
  const out: ListCommand[] = [];
  let op: ListOp | undefined;
  let cur: ShellWord[] = [];
  const end = () => {
    out.push({ op, ...peelDevNull(cur) });
    cur = [];
  };
  for (const w of words) {
    if (isOp(w) && LIST_OPS.has(w.op)) {
      end();
      op = w.op as ListOp;
    } else cur.push(w);
  }
  // A trailing ';' ends the last command; it does not start an empty one.
  if (cur.length > 0 || op === undefined || op !== ';') end();
  return out;
}

function peelDevNull(words: readonly ShellWord[]): { words: readonly ShellWord[]; discard: Discard } {
  const n = words.length;
  const opAt = (i: number, op: string) => isOp(words[i]) && (words[i] as { op: string }).op === op;
  if (n >= 5 && opAt(n - 5, '>') && words[n - 4] === '/dev/null' && words[n - 3] === '2' && opAt(n - 2, '>&') && words[n - 1] === '1') return { words: words.slice(0, n - 5), discard: 'both' };
  if (n >= 2 && opAt(n - 2, '&>') && words[n - 1] === '/dev/null') return { words: words.slice(0, n - 2), discard: 'both' };
  if (n >= 2 && opAt(n - 2, '>') && words[n - 1] === '/dev/null') return { words: words.slice(0, n - 2), discard: 'stdout' };
  return { words, discard: 'none' };
}
