/**
 * tcpdump as a background capture (`tcpdump -nnt -i IF [filter] &`): what options the simulator
 * honours, the messages tcpdump prints when it cannot start, and the text of what it captured.
 */
import { tcpdumpArgs } from '../scenario/command.js';
import { compileFilter, type FrameFilter } from '../capture/filter.js';
import { prettyPrintPacket } from '../capture/tcpdump-print.js';
import { findByName, type CaptureTap, type Namespace, type World } from '../sim/world.js';

/** Flags that change nothing we print (-n: no name lookups here anyway, -l, -t required). */
const HONOURED = new Set(['n', 't', 'e', 'l', 'p']);
const LONG_OK = new Set(['--immediate-mode', '--no-promiscuous-mode']);

export interface CaptureSpecArgs {
  readonly iface: string;
  readonly linkHeader: boolean;
  readonly filter: FrameFilter;
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

export function tcpdumpCheck(args: readonly string[], background: boolean): string | undefined {
  if (!background) return `a foreground tcpdump is not simulated: end the line with '&' to capture to the end`;
  const t = tcpdumpArgs(args);
  if ('error' in t) return t.error;
  if (t.count !== undefined) return 'tcpdump -c is not simulated';
  const bad = [...t.flags].find((f) => !HONOURED.has(f));
  if (bad) return `tcpdump -${bad} is not simulated (supported: -n, -nn, -t, -e, -l, -i IF, -w FILE)`;
  const badValued = t.valued.find((v) => v !== 'i' && v !== 'w' && v !== '--interface');
  if (badValued && !badValued.startsWith('--')) return `tcpdump -${badValued} is not simulated (supported: -n, -nn, -t, -e, -l, -i IF, -w FILE)`;
  const badLong = t.options.find((o) => o.startsWith('--') && !LONG_OK.has(o) && !o.startsWith('--interface'));
  if (badLong) return `tcpdump ${badLong} is not simulated`;
  if (t.writeFile !== undefined) {
    const why = writeFileCheck(t.writeFile);
    if (why) return why;
  } else if (!t.flags.includes('t')) return 'tcpdump without -t prints wall-clock timestamps, which no two runs share: add -t';
  const f = compileFilter(t.filter);
  if ('error' in f) return `tcpdump filter: ${f.error}`;
  return undefined;
}

export function tcpdumpSpec(args: readonly string[]): CaptureSpecArgs {
  const t = tcpdumpArgs(args);
  if ('error' in t) throw new Error(`checked at load: ${t.error}`);
  const f = compileFilter(t.filter);
  if ('error' in f) throw new Error(`checked at load: ${f.error}`);
  return { iface: t.iface as string, linkHeader: t.flags.includes('e'), filter: f, ...(t.writeFile !== undefined ? { writeFile: t.writeFile } : {}) };
}

/** Starts listening, or says what tcpdump says when it cannot. */
export function startCapture(w: World, ns: Namespace, spec: CaptureSpecArgs): { tap: CaptureTap } | { error: string } {
  const dev = findByName(ns.state, spec.iface);
  if (!dev) return { error: `tcpdump: ${spec.iface}: No such device exists\n(No such device exists)\n` };
  if (!dev.up) return { error: `tcpdump: ${spec.iface}: That device is not up\n` };
  const tap: CaptureTap = { deviceId: dev.id, frames: [], gone: false };
  w.taps.push(tap);
  return { tap };
}

/** What tcpdump printed for a capture: one line per frame that passed the filter (none with -w). */
export function captureText(tap: CaptureTap, spec: CaptureSpecArgs): string {
  if (spec.writeFile !== undefined) return '';
  let text = '';
  for (const f of tap.frames) {
    if (!spec.filter(f.data)) continue;
    text += `${prettyPrintPacket(f.data, { linkHeader: spec.linkHeader })}\n`;
  }
  return text;
}
