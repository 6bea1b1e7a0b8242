/**
 * tcpdump as a background capture (`tcpdump -nnt -i IF [filter] &`): which options the simulator
 * honours, the messages tcpdump prints when it cannot start, and the text of what it captured.
 * A capture with -c N ends by itself after N packets, as the real one exits; its report is the
 * N packets (the "N packets captured" summary goes to stderr, which a background capture's
 * report does not hold, in kernel mode too).
 */
import { ipv4OnlyFilter, tcpdumpArgs, type TcpdumpArgs } from '../scenario/command.js';
import { compileFilter, EVERY_FRAME, type CaptureDirection, type FrameFilter } from '../capture/filter.js';
import { printPacketAt, printPacketInto, type TcpdumpPrintOptions } from '../capture/tcpdump-print.js';
import { AsciiSink } from '../capture/ascii-sink.js';
import { CaptureTap, findByName, type Namespace, type TappedFrame, type World } from '../sim/world.js';

/**
 * The short flags honoured, each with why it is safe. Others are refused: they change what tcpdump
 * prints in ways not modelled (-A, -S, -u, ...), write or read files (-w, -r), or pick devices.
 */
const HONOURED: Readonly<Record<string, string>> = {
  n: 'no name lookups (required: the resolver is not simulated)',
  t: 'no timestamps (required: wall-clock time differs every run)',
  e: 'the link-level header',
  v: 'verbose decoding (-v, -vv, -vvv)',
  q: 'quick output',
  x: 'hex dump (-xx with the link header)',
  X: 'hex and ASCII dump (-XX with the link header)',
  l: 'line-buffered output',
  p: 'no promiscuous mode (a veth hands every frame to its taps either way)',
  '#': 'packet numbers',
};
const LONG_OK = new Set(['--immediate-mode']);
/** The value options honoured: -i, -c, -s (0 or a snapshot no packet reaches), -Q, -w. */
const VALUES_OK = new Set(['i', 'c', 's', 'Q', 'w']);
/** tcpdump's MAXIMUM_SNAPLEN, what -s 0 means. */
const MAXIMUM_SNAPLEN = 262144;

export interface CaptureSpecArgs {
  readonly iface: string;
  readonly print: TcpdumpPrintOptions;
  /** What libpcap's filter passes; undefined when the capture cannot start (see `startError`). */
  readonly filter: FrameFilter | undefined;
  /** -c: the capture ends after this many packets. */
  readonly count: number | undefined;
  /** -Q: which direction's packets are kept. */
  readonly direction: 'in' | 'out' | 'inout';
  /** -#: each packet's number before its text. */
  readonly numbered: boolean;
  /** tcpdump refused to start once the device was open (a bad count, snapshot or filter): its message. */
  readonly startError: string | undefined;
  /** -w FILE: the packets go to FILE (in the run's own directory) and tcpdump prints none. */
  readonly writeFile?: string;
}

/**
 * Where `-w FILE` may write: into the run's own working directory (a file name) or /tmp. Kernel mode
 * runs each scenario in a private, throw-away directory with /tmp a fresh tmpfs and every other file
 * system read-only, so these are the only files a capture can write there; the simulator keeps the
 * frames (and `vethsim run --pcap DIR` writes them out).
 */
function writeFileCheck(file: string): string | undefined {
  if (file === '-') return 'tcpdump -w - (the pcap on standard output) is not simulated';
  const name = file.startsWith('/tmp/') ? file.slice('/tmp/'.length) : file;
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    return `tcpdump -w ${file}: a capture writes only into the run's own directory: give a file name, or /tmp/NAME`;
  }
  return undefined;
}

function count(flags: string, f: string): number {
  return [...flags].filter((x) => x === f).length;
}

/** What tcpdump says and exits 1 with before it captures anything, given arguments it parsed. */
function startErrorOf(t: TcpdumpArgs, filterWords: readonly string[]): string | { filter: FrameFilter } | { refuse: string } {
  const c = t.values.c;
  if (c !== undefined && (t.count as number) <= 0) return `tcpdump: invalid packet count ${c}\n`;
  const q = t.values.Q;
  if (q !== undefined && !['in', 'out', 'inout'].includes(q.toLowerCase())) return `tcpdump: unknown capture direction \`${q}'\n`;
  const s = t.values.s;
  if (s !== undefined) {
    const n = strtol(s);
    if (n === undefined || n < 0 || n > MAXIMUM_SNAPLEN) return `tcpdump: invalid snaplen ${s} (must be >= 0 and <= ${MAXIMUM_SNAPLEN})\n`;
    if (n !== 0 && n < MAXIMUM_SNAPLEN) return { refuse: `tcpdump -s ${s} (packets cut short) is not simulated: -s 0 captures whole packets` };
  }
  const f = compileFilter(filterWords);
  if (f.ok) return { filter: f.filter };
  if (f.kind === 'unsupported') return { refuse: `tcpdump filter: ${f.reason}` };
  return `tcpdump: ${f.message}\n`;
}

/** strtol(s, &end, 0) that must read the whole string. */
function strtol(s: string): number | undefined {
  const m = /^[ \t]*([+-]?)(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2] as string;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.startsWith('0') ? parseInt(body, 8) : Number(body);
  return m[1] === '-' ? -v : v;
}

export function tcpdumpCheck(args: readonly string[], background: boolean): string | undefined {
  if (!background) return `a foreground tcpdump is not simulated: end the line with '&' to capture to the end`;
  const t = tcpdumpArgs(args);
  if ('error' in t) return t.error;
  const bad = [...t.flags].find((f) => HONOURED[f] === undefined);
  if (bad) return `tcpdump -${bad} is not simulated (supported: ${Object.keys(HONOURED).map((f) => `-${f}`).join(', ')}, -i IF, -c N, -s 0, -Q in|out|inout)`;
  const badValue = Object.keys(t.values).find((k) => !VALUES_OK.has(k));
  if (badValue) return `tcpdump ${badValue.length === 1 ? `-${badValue}` : badValue} is not simulated`;
  const badLong = t.longFlags.find((o) => !LONG_OK.has(o));
  if (badLong) return `tcpdump ${badLong} is not simulated`;
  if (t.iface === undefined) return "tcpdump without -i picks a device by itself, which is not simulated: give -i IF";
  if (t.iface === 'any') {
    // The cooked header (DLT_LINUX_SLL2) replaces Ethernet's: what reads or writes link bytes is not built.
    if (count(t.flags, 'x') > 0 || count(t.flags, 'X') > 0) return 'tcpdump -i any with -x/-X (a hex dump of the cooked header) is not simulated';
    if (t.values.w !== undefined) return 'tcpdump -i any -w (a pcap of Linux cooked frames) is not simulated';
    const linkWord = t.filter.find((w) => ['ether', 'vlan', 'broadcast', 'multicast'].includes(w.toLowerCase()));
    if (linkWord) return `tcpdump -i any with the filter word '${linkWord}' (Ethernet addresses, which a cooked capture does not carry) is not simulated`;
  }
  const w = t.values.w;
  if (w !== undefined) {
    // A capture to a file prints nothing: neither names nor timestamps matter then.
    const why = writeFileCheck(w);
    if (why) return why;
  } else {
    if (count(t.flags, 'n') === 0) return 'tcpdump without -n looks up names for addresses (DNS, /etc/hosts), which is not simulated: add -n';
    if (count(t.flags, 't') === 0) return 'tcpdump without -t prints wall-clock timestamps, which no two runs share: add -t';
  }
  if (count(t.flags, 't') > 1) return `tcpdump -${'t'.repeat(count(t.flags, 't'))} prints timestamps, which no two runs share: use a single -t`;
  if (count(t.flags, 'x') > 0 && count(t.flags, 'X') > 0) return 'tcpdump with both -x and -X is not simulated: give one';
  const e = startErrorOf(t, ipv4OnlyFilter(t.filter));
  if (typeof e === 'object' && 'refuse' in e) return e.refuse;
  return undefined;
}

export function tcpdumpSpec(args: readonly string[]): CaptureSpecArgs {
  const t = tcpdumpArgs(args);
  if ('error' in t) throw new Error(`checked at load: ${t.error}`);
  const e = startErrorOf(t, ipv4OnlyFilter(t.filter));
  if (typeof e === 'object' && 'refuse' in e) throw new Error(`checked at load: ${e.refuse}`);
  const x = count(t.flags, 'x');
  const X = count(t.flags, 'X');
  const hex = X > 0 ? { ascii: true, withLinkHeader: X > 1 } : x > 0 ? { ascii: false, withLinkHeader: x > 1 } : undefined;
  const print: TcpdumpPrintOptions = {
    linkHeader: t.flags.includes('e'),
    verbose: count(t.flags, 'v'),
    quiet: t.flags.includes('q'),
    ...(hex ? { hex } : {}),
  };
  return {
    iface: t.iface as string,
    print,
    filter: typeof e === 'string' ? undefined : e.filter,
    count: t.count,
    direction: (t.values.Q?.toLowerCase() ?? 'inout') as CaptureSpecArgs['direction'],
    numbered: t.flags.includes('#'),
    startError: typeof e === 'string' ? e : undefined,
    ...(t.values.w !== undefined ? { writeFile: t.values.w } : {}),
  };
}

/** Starts listening, or says what tcpdump says when it cannot: the device first, then its own arguments. */
export function startCapture(w: World, ns: Namespace, spec: CaptureSpecArgs): { tap: CaptureTap } | { error: string } {
  if (spec.iface === 'any') {
    if (spec.startError !== undefined) return { error: spec.startError };
    // Every device of the namespace, those that come later too: a packet socket bound to no device.
    const tap = new CaptureTap(-1, [], ns);
    w.taps.push(tap);
    return { tap };
  }
  const dev = findByName(ns.state, spec.iface);
  if (!dev) return { error: `tcpdump: ${spec.iface}: No such device exists\n(No such device exists)\n` };
  if (!dev.up) return { error: `tcpdump: ${spec.iface}: That device is not up\n` };
  if (spec.startError !== undefined) return { error: spec.startError };
  const tap = new CaptureTap(dev.id);
  w.taps.push(tap);
  return { tap };
}

/** Whether tcpdump keeps a frame it saw: of the direction asked for, passing the filter (-c aside). */
function keeps(spec: CaptureSpecArgs, filter: FrameFilter, data: Uint8Array, dir: 'in' | 'out'): boolean {
  return (spec.direction === 'inout' || dir === spec.direction) && filter(data, dir as CaptureDirection);
}

/** The frames tcpdump kept: of the direction asked for, passing the filter, the first -c N of them. */
export function capturedFrames(tap: CaptureTap, spec: CaptureSpecArgs): readonly TappedFrame[] {
  const filter = spec.filter;
  if (!filter) return [];
  const kept = tap.frames.filter((f) => keeps(spec, filter, f.data, f.dir));
  return spec.count === undefined ? kept : kept.slice(0, spec.count);
}

/** What tcpdump printed for a capture: each kept frame's text, one or more lines each. */
export function captureText(tap: CaptureTap, spec: CaptureSpecArgs): string {
  // -w writes the packets to its file and prints none of them.
  if (spec.writeFile !== undefined) return '';
  const filter = spec.filter;
  if (!filter) return '';
  // A frame prints about 80 bytes (an echo line is 70-80); room for them all up front, so the buffer
  // rarely grows (pages never written are never touched).
  const sink = new AsciiSink(Math.min(Math.min(tap.length, spec.count ?? Infinity) * 80, 1 << 29));
  let kept = 0;
  const everyFrame = filter === EVERY_FRAME && spec.direction === 'inout';
  tap.forEachFrame((buf, off, len, dir, i) => {
    if (spec.count !== undefined && kept === spec.count) return false;
    const via = tap.viaAt(i);
    if (everyFrame && via === undefined && !spec.numbered) {
      // The common case, read in place: no view of the frame is made.
      kept++;
      printPacketAt(sink, buf, off, len, spec.print);
      sink.byte(10);
      return;
    }
    const data = buf.subarray(off, off + len);
    if (!keeps(spec, filter, data, dir)) return;
    kept++;
    if (spec.numbered) sink.text(`${String(kept).padStart(5)}  `);
    if (via === undefined) printPacketInto(sink, data, spec.print);
    else {
      // sll2_if_print: the device's name in five columns, the packet type in three.
      sink.text(`${via.name.padEnd(5)} ${via.pktType.padEnd(3)} `);
      printPacketInto(sink, data, { ...spec.print, cooked: { ifindex: via.ifindex } });
    }
    sink.byte(10);
  });
  return sink.finish();
}
