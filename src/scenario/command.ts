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
  /** The command run in it. */
  readonly argv: readonly ShellWord[];
}

/** Peels `ip netns exec NS` prefixes off a line. */
export function invocation(words: readonly ShellWord[]): Invocation {
  let netns: string | undefined;
  let argv = words;
  for (;;) {
    const cmd = ipNetnsCommand(argv);
    if (!cmd || cmd.sub !== 'exec' || typeof cmd.args[0] !== 'string' || cmd.args.length < 2) break;
    netns = cmd.args[0];
    argv = cmd.args.slice(1);
  }
  return { netns, argv };
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

/** tcpdump's short options that take a value (tcpdump.c's option string). */
const TCPDUMP_SHORT_WITH_VALUE = new Set('BcCDEFGiMmrsTVwWyZzjQ'.split(''));
const TCPDUMP_LONG_WITH_VALUE = new Set([
  '--interface', '--count', '--snapshot-length', '--time-stamp-type', '--time-stamp-precision', '--buffer-size',
  '--direction', '--relinquish-privileges', '--linktype', '--print-sampling', '--count-only', '--fp-type',
  '--micro', '--nano', '--version', '--list-time-stamp-types', '--list-interfaces',
]);

export interface TcpdumpArgs {
  readonly iface: string | undefined;
  readonly count: number | undefined;
  /** Options as written (everything before the filter expression). */
  readonly options: readonly string[];
  /** The filter expression's words, possibly empty. */
  readonly filter: readonly string[];
  /** Short flags given, e.g. "n", "t", "e" — so a printer can honour -e, -t, -nn. */
  readonly flags: string;
  /** Options given with a value, as written ('i', 'w', 's', '--interface', ...). */
  readonly valued: readonly string[];
  /** -w FILE: packets go to FILE as pcap, and nothing is printed. */
  readonly writeFile: string | undefined;
}

/** Splits a tcpdump argv (after the program name) into options and filter, as getopt would. */
export function tcpdumpArgs(args: readonly string[]): TcpdumpArgs | { error: string } {
  let iface: string | undefined;
  let count: number | undefined;
  let flags = '';
  let writeFile: string | undefined;
  const valued: string[] = [];
  const options: string[] = [];
  let i = 0;
  const value = (name: string, v: string | undefined): string | { error: string } =>
    v === undefined ? { error: `tcpdump: option requires an argument -- '${name}'` } : v;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--') {
      options.push(a);
      i++;
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.split('=', 2) as [string, string | undefined];
      options.push(a);
      i++;
      let v: string | undefined = inline;
      if (inline === undefined && TCPDUMP_LONG_WITH_VALUE.has(name) && !['--micro', '--nano', '--version', '--list-time-stamp-types', '--list-interfaces', '--count-only'].includes(name)) {
        v = args[i];
        if (v !== undefined) options.push(v);
        i++;
        const got = value(name, v);
        if (typeof got !== 'string') return got;
      }
      if (v !== undefined) valued.push(name);
      if (name === '--interface' && v !== undefined) iface = v;
      continue;
    }
    if (!a.startsWith('-') || a === '-') break;
    options.push(a);
    i++;
    for (let j = 1; j < a.length; j++) {
      const f = a[j] as string;
      if (TCPDUMP_SHORT_WITH_VALUE.has(f)) {
        let v = a.slice(j + 1);
        if (v === '') {
          v = args[i] as string;
          if (v === undefined) return { error: `tcpdump: option requires an argument -- '${f}'` };
          options.push(v);
          i++;
        }
        valued.push(f);
        if (f === 'i') iface = v;
        if (f === 'w') writeFile = v;
        if (f === 'c') {
          if (!/^\d+$/.test(v) || Number(v) <= 0) return { error: `tcpdump: invalid packet count ${v}` };
          count = Number(v);
        }
        break;
      }
      flags += f;
    }
  }
  return { iface, count, options, filter: args.slice(i), flags, valued, writeFile };
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
