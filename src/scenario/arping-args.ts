/**
 * iputils arping's command line (20221126), read as its main() reads it: GNU getopt over
 * "h?bfDUAqc:w:i:s:I:V" (options may follow the destination; `--` ends them), strtol_or_err for the
 * numbers. Reading stops where arping would stop: a usage error, a bad number or -V end the run
 * there and then, with arping's own words. Pure, so the scenario loader, kernel mode and the
 * simulated tool all read a line the same way.
 */

/** What getopt and the option switch leave for the rest of main(). */
export interface ArpingOptions {
  /** argv[0] as typed: getopt and error() name the program by it. */
  readonly prog: string;
  /** The destination word, not yet parsed (inet_aton, else getaddrinfo). */
  readonly target: string;
  /** -I; undefined (or empty) asks the routing table for the device. */
  readonly device: string | undefined;
  /** -s, not yet parsed: arping reads it after checking the device. */
  readonly source: string | undefined;
  /** -c: -1 without it (no limit). */
  readonly count: number;
  /** -w seconds: 0 without it (no deadline). */
  readonly timeout: number;
  /** -i seconds between probes; 0 disarms arping's interval timer. */
  readonly interval: number;
  readonly broadcastOnly: boolean;
  /** -D (which also sets quit_on_reply). */
  readonly dad: boolean;
  /** -U or -A. */
  readonly unsolicited: boolean;
  /** -A: ARP replies instead of requests. */
  readonly advert: boolean;
  readonly quiet: boolean;
  readonly quitOnReply: boolean;
}

/** The end of a run decided by the command line alone: what arping printed, and its status. */
export interface ArpingExit {
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
}

export type ArpingArgs = { readonly kind: 'run'; readonly opts: ArpingOptions } | ({ readonly kind: 'exit' } & ArpingExit);

const OPTSTRING = 'h?bfDUAqc:w:i:s:I:V';
const INT_MAX = 2147483647;

export const ARPING_USAGE = `
Usage:
  arping [options] <destination>

Options:
  -f            quit on first reply
  -q            be quiet
  -b            keep on broadcasting, do not unicast
  -D            duplicate address detection mode
  -U            unsolicited ARP mode, update your neighbours
  -A            ARP answer mode, update your neighbours
  -V            print version and exit
  -c <count>    how many packets to send
  -w <timeout>  how long to wait for a reply
  -i <interval> set interval between packets (default: 1 second)
  -I <device>   which ethernet device to use
  -s <source>   source ip address
  <destination> dns name or ip address

For more details see arping(8).
`;

/** `arping -V` as Debian builds it. */
const VERSION = 'arping from iputils 20221126\nlibcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n';

const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/** iputils' strtol_or_err: the whole word a base-10 long (strtol's leading space and sign allowed) within [min, max]. */
function strtolOrErr(prog: string, word: string, min: number, max: number): number | ArpingExit {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(word);
  if (!m) return { stdout: '', stderr: `${prog}: invalid argument: '${word}'\n`, exit: 1 };
  const n = BigInt(`${m[1]}${m[2]}`);
  if (n > LONG_MAX || n < LONG_MIN) return { stdout: '', stderr: `${prog}: invalid argument: '${word}': Numerical result out of range\n`, exit: 1 };
  if (n < BigInt(min) || n > BigInt(max)) {
    return { stdout: '', stderr: `${prog}: invalid argument: '${word}': out of range: ${min} <= value <= ${max}\n`, exit: 1 };
  }
  return Number(n);
}

/** Reads an arping argv (argv[0] is the program) as arping does, up to where it starts its work. */
export function arpingArgs(argv: readonly string[]): ArpingArgs {
  const prog = argv[0] ?? 'arping';
  const usage = (stderr = ''): ArpingArgs => ({ kind: 'exit', stdout: '', stderr: stderr + ARPING_USAGE, exit: 2 });
  const o = { device: undefined as string | undefined, source: undefined as string | undefined, count: -1, timeout: 0, interval: 1 };
  const f = { broadcastOnly: false, dad: false, unsolicited: false, advert: false, quiet: false, quitOnReply: false };
  const positional: string[] = [];
  let i = 1;
  while (i < argv.length) {
    const a = argv[i] as string;
    i++;
    if (a === '--') {
      positional.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j] as string;
      const at = OPTSTRING.indexOf(c);
      if (c === ':' || at < 0) return usage(`${prog}: invalid option -- '${c}'\n`);
      if (OPTSTRING[at + 1] !== ':') {
        switch (c) {
          case 'b':
            f.broadcastOnly = true;
            break;
          case 'f':
            f.quitOnReply = true;
            break;
          case 'D':
            f.dad = true;
            f.quitOnReply = true;
            break;
          case 'U':
            f.unsolicited = true;
            break;
          case 'A':
            f.advert = true;
            f.unsolicited = true;
            break;
          case 'q':
            f.quiet = true;
            break;
          case 'V':
            return { kind: 'exit', stdout: VERSION, stderr: '', exit: 0 };
          default:
            // -h and -?
            return usage();
        }
        continue;
      }
      let v = a.slice(j + 1);
      if (v === '') {
        if (i >= argv.length) return usage(`${prog}: option requires an argument -- '${c}'\n`);
        v = argv[i] as string;
        i++;
      }
      if (c === 'I') o.device = v;
      else if (c === 's') o.source = v;
      else {
        const n = strtolOrErr(prog, v, c === 'c' ? 1 : 0, INT_MAX);
        if (typeof n !== 'number') return { kind: 'exit', ...n };
        if (c === 'c') o.count = n;
        else if (c === 'w') o.timeout = n;
        else o.interval = n;
      }
      break;
    }
  }
  if (positional.length !== 1) return usage();
  return { kind: 'run', opts: { prog, target: positional[0] as string, ...o, ...f } };
}

/**
 * Why a line would never end, or undefined: arping stops after -c probes (one each -i seconds) or at
 * its -w deadline — nothing else ends it when nobody answers.
 */
export function arpingNeverEnds(argv: readonly string[]): string | undefined {
  const a = arpingArgs(argv);
  if (a.kind === 'exit' || a.opts.timeout > 0) return undefined;
  if (a.opts.count < 0) return `arping without -c or -w would never end: add '-c N'`;
  if (a.opts.interval === 0) return `arping -i 0 sends one probe and waits for ever: add '-w N'`;
  return undefined;
}

/** How long an arping line means to take, in seconds: its probes, or its deadline if that comes first. */
export function arpingSeconds(argv: readonly string[]): number {
  const a = arpingArgs(argv);
  if (a.kind === 'exit') return 0;
  const probes = a.opts.count > 0 && a.opts.interval > 0 ? a.opts.count * a.opts.interval : Infinity;
  const deadline = a.opts.timeout > 0 ? a.opts.timeout : Infinity;
  const t = Math.min(probes, deadline);
  return Number.isFinite(t) ? t : 0;
}
