/**
 * `npm run bench` — how fast the simulator is, measured here, never asserted in tests.
 * Prints a table; `npm run bench -- --json` prints one JSON object instead.
 *
 * frame_hops_per_sec           echo request/reply traffic through a veth pair between two namespaces, captures off
 * frame_hops_per_sec_captured  the same with tcpdump on both ends (frames kept, and printed at the end)
 * namespaces_per_sec           namespaces made in a chain, each with a configured veth end (moved in, addressed, up)
 * bytes_per_idle_namespace     heap per idle namespace of 10,000 joined in pairs, each with one veth end, an address
 *                              and the end up (history off), gc before and after, in a child started with
 *                              --expose-gc; bytes_per_idle_namespace_history the same with history on (every
 *                              state kept); bytes_per_idle_namespace_chain per namespace of the chain above (two
 *                              ends and two addresses each, as this figure was measured until 2026-12-03)
 * setup_us_per_namespace_N     the same set-up typed as script lines (ip netns add, ip link add ... netns, ip addr,
 *                              ip link set up) for N = 1,000 and 10,000: per namespace, flat in N
 * chain_1000_*                 1,000 namespaces in a chain, each pinging its neighbour once, end to end
 * article_scenarios_per_sec    the article's fixed veth scenario, whole (parse, run, report)
 * article_vs_kernel_speedup    one kernel-mode run of it over one simulator run (null without root)
 * kernel_*                     the real kernel in the same run (root; private namespaces, torn down:
 *                              bench/kernel-figures.ts): veth hops/s under `ping -f` between two namespaces,
 *                              with tcpdump on both ends, and namespaces set up per second through ip -batch;
 *                              hops_vs_kernel, hops_captured_vs_kernel, namespaces_vs_kernel are the
 *                              simulator's figures over them. Without root: kernel_skipped says why;
 *                              `--kernel` makes that an error (exit 77), `--no-kernel` skips them
 * bridge_N, ovs_N              N namespaces on one Linux bridge / one OVS bridge, each pinging its neighbour
 *                              once (N = 10, 100, 1000): the whole scenario run, each in its own process
 *                              so that peak_rss_bytes (its VmHWM) is that case's alone
 * cli_startup_ms_*             wall time of `node -e 0` (node), `vethsim --help` (help) and `vethsim run` on the
 *                              article's first scenario (run), each the median of CLI_ROUNDS interleaved runs;
 *                              cli_startup_ratio_* is help and run over node in the same run (goal: run under 3)
 *                              — of the built command (`npm run build` after changing src/); `npm run bench --
 *                              --startup` measures only these
 * tui_open_ms                  `vethsim tui` on a scenario of about 10,000 events (tui_open_events): from the
 *                              scenario text to the first 160x48 frame drawn (goal: under 1 s)
 * --scale                      instead of the above: the chain at N = 10, 100, 1,000, 10,000 namespaces pinged end
 *                              to end (chain_N_per_hop_us, _setup_s, _peak_rss_bytes; chain_ping_time_exponent the
 *                              fitted exponent of ping time over hops, 1 when the cost per hop is flat) and a
 *                              bridge of 4,096 ports (bridge_4096), each in its own process
 * tui_step_ms                  one `n` in the UI and the 160x48 frame it draws (goal: under 16 ms, 60 Hz), and
 *                              tui_step_cpu_ms the CPU time of it; all in a process of their own, so React and
 *                              ink never load beside the rest, with ink's text caches shared between frames as
 *                              `vethsim tui` has them (src/tui/ink-output-cache.ts)
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { kernelUnavailable, measureKernel } from './kernel-figures.js';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../src/scenario/load.js';
import { dirname, join } from 'node:path';
import type { Namespace, World } from '../src/sim/world.js';
import type { CaptureTap } from '../src/sim/capture-store.js';
import { createWorld } from '../src/init/index.js';
import { dev_change_flags, dev_change_net_namespace } from '../src/core/dev.js';
import { alloc_skb } from '../src/core/skbuff.js';
import { inet_rtm_newaddr } from '../src/stack/devinet.js';
import { veth_newlink } from '../src/devices/veth.js';
import { findByName } from '../src/sim/world.js';
import { ip_route_output_cached } from '../src/stack/route.js';
import { allocDatagram, ip_output, nextIpId } from '../src/stack/ipv4-output.js';
import { emitIcmpEchoAt, ICMP_ECHO_REQUEST, ICMP_HEADER_LEN } from '../src/wire/icmp.js';
import { captureText, startCapture, tcpdumpSpec } from '../src/tools/tcpdump.js';
import { ping } from '../src/tools/ping.js';
import { loadScenario } from '../src/scenario/load.js';
import { runSim } from '../src/runner/simulate.js';
import { kernelAvailability, runKernel } from '../src/kernel/run.js';

/** The repository: bench/ beside src/ — found upward, as the bench runs compiled from .bench/bench/ too. */
const ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
const ARTICLE = join(ROOT, 'scenarios/veth-same-ns-fixed.yaml');
const ARTICLE_FIRST = join(ROOT, 'scenarios/veth-same-ns-default.yaml');
const BIN = join(ROOT, 'bin/vethsim.js');
const CLI_ROUNDS = 11;

function ip(a: string): number {
  return a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
}

/** The link between ns[i-1] and ns[i] of a chain: a /30 each, made in ns[i-1], one end moved to ns[i]. */
function link(w: World, left: Namespace, right: Namespace, i: number): void {
  const a = `r${i}`;
  const b = `l${i}`;
  veth_newlink(w, left, a, b);
  dev_change_net_namespace(w, left, (findByName(left.state, b) as { ifindex: number }).ifindex, right);
  const li = (findByName(left.state, a) as { ifindex: number }).ifindex;
  const ri = (findByName(right.state, b) as { ifindex: number }).ifindex;
  inet_rtm_newaddr(left, li, { local: linkNet(i) + 1, prefixlen: 30, broadcast: 'auto' });
  inet_rtm_newaddr(right, ri, { local: linkNet(i) + 2, prefixlen: 30, broadcast: 'auto' });
  dev_change_flags(w, left, li, true);
  dev_change_flags(w, right, ri, true);
}

function linkNet(i: number): number {
  return ip('10.0.0.0') + i * 4;
}

function chainWorld(n: number, history = false): { w: World; chain: Namespace[] } {
  const w = createWorld({ seed: 1, detailedTrace: false });
  w.keepHistory = history;
  const chain = [w.createNamespace('', true)];
  for (let i = 1; i <= n; i++) {
    const ns = w.createNamespace(`ns${i}`, true);
    link(w, chain[i - 1] as Namespace, ns, i);
    chain.push(ns);
  }
  return { w, chain };
}

function pairWorld(): { w: World; a: Namespace; b: Namespace } {
  const w = createWorld({ seed: 1, detailedTrace: false });
  w.keepHistory = false;
  const host = w.createNamespace('', true);
  const a = w.createNamespace('a', true);
  const b = w.createNamespace('b', true);
  veth_newlink(w, a, 'veth0', 'veth1');
  dev_change_net_namespace(w, a, (findByName(a.state, 'veth1') as { ifindex: number }).ifindex, b);
  inet_rtm_newaddr(a, (findByName(a.state, 'veth0') as { ifindex: number }).ifindex, { local: ip('10.1.1.2'), prefixlen: 24, broadcast: 'auto' });
  inet_rtm_newaddr(b, (findByName(b.state, 'veth1') as { ifindex: number }).ifindex, { local: ip('10.1.1.3'), prefixlen: 24, broadcast: 'auto' });
  dev_change_flags(w, a, (findByName(a.state, 'veth0') as { ifindex: number }).ifindex, true);
  dev_change_flags(w, b, (findByName(b.state, 'veth1') as { ifindex: number }).ifindex, true);
  void host;
  return { w, a, b };
}

type BothEnds = { tap: CaptureTap; spec: ReturnType<typeof tcpdumpSpec> }[];

/** `tcpdump -nnt` on both ends of the pair. */
function captureBothEnds(w: World, a: Namespace, b: Namespace): BothEnds {
  const caps: BothEnds = [];
  for (const [ns, dev] of [[a, 'veth0'], [b, 'veth1']] as const) {
    const spec = tcpdumpSpec(['-nnt', '-i', dev]);
    const s = startCapture(w, ns, spec);
    if ('tap' in s) caps.push({ tap: s.tap, spec });
  }
  return caps;
}

const ECHO_PAYLOAD = new Uint8Array(56);

/** 2,000 echo requests from a to 10.1.1.3, run until the replies are in; returns the last sequence number. */
function echoBatch(w: World, a: Namespace, seq: number): number {
  const dst = ip('10.1.1.3');
  for (let i = 0; i < 2000; i++) {
    const route = ip_route_output_cached(a, { daddr: dst, saddr: 0, oif: 0 });
    if (!route.ok) throw new Error('no route');
    seq = (seq + 1) & 0xffff;
    const d = allocDatagram({ src: route.saddr, dst, protocol: 1, ttl: 64, ident: nextIpId(a), dontFragment: true }, ICMP_HEADER_LEN + ECHO_PAYLOAD.length);
    emitIcmpEchoAt(d, 20, ICMP_ECHO_REQUEST, 0x1234, seq, ECHO_PAYLOAD);
    ip_output(w, alloc_skb(w, a, route.dev, d, true), route);
  }
  while (w.loop.busy && w.loop.step());
  return seq;
}

/**
 * Echo requests from a to b (each answered: two hops a round trip), in batches, for about `seconds`:
 * hops per second of wall time, and per second of this process's CPU time (steadier on a shared machine).
 */
function frameHopRates(captured: boolean, seconds: number): { perSec: number; perCpuS: number } {
  const cpu = process.cpuUsage();
  const { w, a, b } = pairWorld();
  const caps = captured ? captureBothEnds(w, a, b) : [];
  const start = process.hrtime.bigint();
  let elapsed = 0;
  let seq = 0;
  while (elapsed < seconds) {
    seq = echoBatch(w, a, seq);
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  for (const c of caps) captureText(c.tap, c.spec);
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { perSec: w.frameHops / elapsed, perCpuS: w.frameHops / ((used.user + used.system) / 1e6) };
}

function namespacesPerSec(n: number): number {
  const t = process.hrtime.bigint();
  chainWorld(n);
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

/**
 * n namespaces joined in pairs by a veth pair: each holds one end, addressed and up — an idle
 * namespace as the issue counts it ("each with a veth end and an address").
 */
function pairsWorld(n: number, history = false): { w: World; namespaces: Namespace[] } {
  const w = createWorld({ seed: 1, detailedTrace: false });
  w.keepHistory = history;
  w.createNamespace('', true);
  const namespaces: Namespace[] = [];
  for (let i = 1; 2 * i <= n; i++) {
    const left = w.createNamespace(`a${i}`, true);
    const right = w.createNamespace(`b${i}`, true);
    link(w, left, right, i);
    namespaces.push(left, right);
  }
  return { w, namespaces };
}

/** What an idle namespace holds: one veth end (pairs) or two (chain: an end to each neighbour). */
type IdleTopology = 'pairs' | 'chain';

/**
 * Heap bytes per namespace of n idle namespaces (pairs or a chain), gc before and after; in a process
 * started with --expose-gc. The world is held until the second reading.
 */
function idleBytesCase(n: number, history: boolean, topology: IdleTopology): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    // Run by hand (`npm run bench -- --case idle-bytes[-chain|-history]:N`): again, in a child that has gc.
    process.stdout.write(`${JSON.stringify({ bytes_per_idle_namespace: idleBytesInChild(n, history, topology) })}\n`);
    return;
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const world = topology === 'chain' ? chainWorld(n, history) : pairsWorld(n, history);
  const made = 'chain' in world ? world.chain.length - 1 : world.namespaces.length;
  // Idle: what set-up left scheduled (linkwatch's carrier events) has run, as any run lets it.
  while (world.w.loop.pending > 0 && world.w.loop.step());
  gc();
  const after = process.memoryUsage().heapUsed;
  process.stdout.write(`${JSON.stringify({ bytes_per_idle_namespace: Math.round((after - before) / made), namespaces: made })}\n`);
}

/** One figure from `--case CASE` run in a child process: the value of `key` in its JSON line. */
function figureInChild(kase: string, key: string): number {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', kase], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${kase} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>)[key] as number;
}

function idleBytesInChild(n: number, history: boolean, topology: IdleTopology): number {
  const kase = `idle-bytes${topology === 'chain' ? '-chain' : ''}${history ? '-history' : ''}:${n}`;
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), '--case', kase], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${kase} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { bytes_per_idle_namespace: number }).bytes_per_idle_namespace;
}

/** A chain of n namespaces after the script's own; each pings its left neighbour once. */
function chain(n: number): { wall: number; rss: number; hops: number } {
  let rss = process.memoryUsage().rss;
  const t = process.hrtime.bigint();
  const { w, chain: nss } = chainWorld(n);
  let ok = 0;
  for (let i = 1; i <= n; i++) {
    const target = linkNet(i) + 1;
    const r = ping.run({ world: w, ns: nss[i] as Namespace }, ['ping', '-c', '1', `${target >>> 24}.${(target >>> 16) & 255}.${(target >>> 8) & 255}.${target & 255}`]);
    if ('async' in r) {
      let done = false;
      r.async((o) => {
        done = true;
        if (o.exit === 0) ok++;
      });
      while (!done && w.loop.step());
    }
    if (i % 100 === 0) rss = Math.max(rss, process.memoryUsage().rss);
  }
  while (w.loop.busy && w.loop.step());
  rss = Math.max(rss, process.memoryUsage().rss);
  if (ok !== n) throw new Error(`only ${ok} of ${n} pings succeeded`);
  return { wall: Number(process.hrtime.bigint() - t) / 1e9, rss, hops: w.frameHops };
}

/**
 * The chain at one size, in a process of its own: set-up and pings timed apart, the pings' cost per hop,
 * and the process's peak RSS. A ping end to end is not possible past 255 routers (TTL), so each
 * namespace pings its neighbour, as chain() does.
 */
function chainCase(n: number): void {
  const t0 = process.hrtime.bigint();
  const { w, chain: nss } = chainWorld(n);
  const t1 = process.hrtime.bigint();
  let ok = 0;
  for (let i = 1; i <= n; i++) {
    const target = linkNet(i) + 1;
    const r = ping.run({ world: w, ns: nss[i] as Namespace }, ['ping', '-c', '1', `${target >>> 24}.${(target >>> 16) & 255}.${(target >>> 8) & 255}.${target & 255}`]);
    if ('async' in r) {
      let done = false;
      r.async((o) => {
        done = true;
        if (o.exit === 0) ok++;
      });
      while (!done && w.loop.step());
    }
  }
  while (w.loop.busy && w.loop.step());
  const t2 = process.hrtime.bigint();
  if (ok !== n) throw new Error(`chain_${n}: only ${ok} of ${n} pings succeeded`);
  const pingS = Number(t2 - t1) / 1e9;
  process.stdout.write(`${JSON.stringify({ setup_s: Number((Number(t1 - t0) / 1e9).toFixed(3)), ping_s: Number(pingS.toFixed(3)), frame_hops: w.frameHops, per_hop_us: Number(((pingS * 1e6) / w.frameHops).toFixed(3)), peak_rss_bytes: peakRssBytes() })}\n`);
}

interface ChainFigures {
  readonly setup_s: number;
  readonly ping_s: number;
  readonly frame_hops: number;
  readonly per_hop_us: number;
  readonly peak_rss_bytes: number;
}

/** Least-squares slope of log(y) over log(x): 1 is linear, a flat cost per unit. */
function fittedExponent(points: readonly (readonly [number, number])[]): number {
  const xs = points.map(([x]) => Math.log(x));
  const ys = points.map(([, y]) => Math.log(y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return num / den;
}

function articlePerSec(seconds: number): { perSec: number; oneRunS: number } {
  const s = loadScenario(ARTICLE);
  let runs = 0;
  const t = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    runSim(s);
    runs++;
    elapsed = Number(process.hrtime.bigint() - t) / 1e9;
  }
  return { perSec: runs / elapsed, oneRunS: elapsed / runs };
}

/** The script of N namespaces around one switch; each pings the next one once. */
export function starScript(kind: 'bridge' | 'ovs', n: number): string {
  const lines = kind === 'bridge' ? ['ip link add br0 type bridge', 'ip link set br0 up'] : ['ovs-vsctl add-br br0'];
  const addr = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.1`;
  for (let i = 0; i < n; i++) {
    lines.push(`ip netns add n${i}`, `ip link add p${i} type veth peer name v${i}`, `ip link set v${i} netns n${i}`);
    lines.push(kind === 'bridge' ? `ip link set p${i} master br0` : `ovs-vsctl add-port br0 p${i}`, `ip link set p${i} up`);
    lines.push(`ip netns exec n${i} ip addr add ${addr(i)}/8 dev v${i}`, `ip netns exec n${i} ip link set v${i} up`);
  }
  for (let i = 0; i < n; i++) lines.push(`ip netns exec n${i} ping -c 1 ${addr((i + 1) % n)}`);
  return `name: ${kind}-${n}\ntitle: ${n} namespaces on one ${kind}\nscript: |\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/**
 * Set-up through the scripts' own commands: n namespaces in a chain (each holds two veth ends, so no
 * namespace grows with n), addressed and up — microseconds per namespace, which must stay flat in n.
 */
function setupPerNamespaceUs(n: number): number {
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) lines.push(`ip netns add n${i}`);
  for (let i = 1; i < n; i++) {
    lines.push(`ip -n n${i} link add a${i} type veth peer name b${i} netns n${i + 1}`, `ip -n n${i} addr add 10.${i >> 8}.${i & 255}.1/31 dev a${i}`, `ip -n n${i} link set a${i} up`, `ip -n n${i + 1} link set b${i} up`);
  }
  const s = parseScenario(`name: setup\ntitle: setup\nscript: |\n${lines.map((l) => `  ${l}\n`).join('')}`, 'setup.yaml');
  const t = process.hrtime.bigint();
  runSim(s);
  return Number(process.hrtime.bigint() - t) / 1e3 / n;
}

/** One switch case, in this process: prints {wall_s, frame_hops_per_sec, peak_rss_bytes}. */
function switchCase(kind: 'bridge' | 'ovs', n: number): void {
  const s = parseScenario(starScript(kind, n), `${kind}-${n}.yaml`);
  const t = process.hrtime.bigint();
  const run = runSim(s);
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const ok = (run.report.output.match(/ 1 received/g) ?? []).length;
  if (ok !== n) throw new Error(`${kind}_${n}: only ${ok} of ${n} pings were answered`);
  const rss = peakRssBytes();
  process.stdout.write(`${JSON.stringify({ wall_s: Number(wall.toFixed(3)), frame_hops_per_sec: Math.round(run.world.frameHops / wall), frame_hops: run.world.frameHops, peak_rss_bytes: rss })}\n`);
}

/**
 * This process's own peak RSS (VmHWM): `process.resourceUsage().maxRSS` carries the parent's across
 * exec on Linux (a child of a 544 MB bench reported 504 MB against its own 41 MB).
 */
function peakRssBytes(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

function switchCaseInChild(kind: 'bridge' | 'ovs', n: number): object {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', `${kind}:${n}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${kind}_${n} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as object;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Wall time of one process to its end, ms; one that fails is an error, not a fast start. */
function wallMs(args: readonly string[], expect: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: ROOT });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 || !r.stdout.includes(expect)) throw new Error(`node ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return ms;
}

/**
 * How long `vethsim` takes to start, against a bare node start measured in the same rounds (so a
 * busy machine slows both): the three interleaved, the median of each.
 */
function cliStartup(): { node: number; help: number; run: number } {
  const node: number[] = [];
  const help: number[] = [];
  const run: number[] = [];
  for (let i = 0; i < CLI_ROUNDS; i++) {
    node.push(wallMs(['-e', '0'], ''));
    help.push(wallMs([BIN, '--help'], 'usage: vethsim'));
    run.push(wallMs([BIN, 'run', ARTICLE_FIRST], '== capture veth0 =='));
  }
  return { node: median(node), help: median(help), run: median(run) };
}

function recordStartup(result: Record<string, number | null | string>): void {
  const c = cliStartup();
  result.cli_startup_ms_node = Math.round(c.node);
  result.cli_startup_ms_help = Math.round(c.help);
  result.cli_startup_ms_run = Math.round(c.run);
  result.cli_startup_ratio_help = Number((c.help / c.node).toFixed(2));
  result.cli_startup_ratio_run = Number((c.run / c.node).toFixed(2));
}

/** The terminal UI's figures, in a child: React must see NODE_ENV=production before it loads, as in `vethsim tui`. */
async function tuiCase(): Promise<void> {
  process.env.NODE_ENV = 'production';
  const { shareInkOutputCaches } = await import('../src/tui/ink-output-cache.js');
  await shareInkOutputCaches();
  const { tuiCase: measure } = await import('./tui-case.js');
  process.stdout.write(`${JSON.stringify(measure())}\n`);
}

interface TuiFigures {
  readonly tui_open_ms: number;
  readonly tui_open_events: number;
  readonly tui_step_ms: number;
  readonly tui_step_cpu_ms: number;
}

function tuiCaseInChild(): TuiFigures {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', 'tui'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tui failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TuiFigures;
}

/**
 * Printing alone, for a profiler: a captured ping flood of `batches` × 2,000 echoes (4 frames each),
 * then its two captures' text made five times; lines per second of each.
 */
function printCase(batches: number): void {
  const { w, a, b } = pairWorld();
  const caps = captureBothEnds(w, a, b);
  let seq = 0;
  for (let k = 0; k < batches; k++) seq = echoBatch(w, a, seq);
  const lines = caps.reduce((n, c) => n + c.tap.length, 0);
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    let len = 0;
    for (const c of caps) len += captureText(c.tap, c.spec).length;
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    process.stdout.write(`${JSON.stringify({ lines, ms: Math.round(ms), lines_per_sec: Math.round(lines / (ms / 1000)), text_bytes: len })}\n`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, kernel: { type: 'boolean', default: false }, 'no-kernel': { type: 'boolean', default: false }, startup: { type: 'boolean', default: false }, scale: { type: 'boolean', default: false }, case: { type: 'string' } } });
  if (values.case === 'tui') return tuiCase();
  if (values.case?.startsWith('print')) return printCase(Number(values.case.split(':')[1] ?? 250));
  // One figure alone, for a profiler (`node --cpu-prof`): hops or hops-captured, for :SECONDS (3).
  const hops = /^(hops|hops-captured)(?::(\d+))?$/.exec(values.case ?? '');
  if (hops) {
    const name = hops[1] as string;
    const r = frameHopRates(name === 'hops-captured', Number(hops[2] ?? 3));
    process.stdout.write(`${JSON.stringify({ [name]: Math.round(r.perSec), per_cpu_s: Math.round(r.perCpuS) })}\n`);
    return;
  }
  if (values.case?.startsWith('chain:')) return chainCase(Number(values.case.slice('chain:'.length)));
  // The set-up figures alone, for interleaved comparisons and a profiler.
  if (values.case?.startsWith('idle-bytes')) return idleBytesCase(Number(values.case.split(':')[1]), values.case.includes('-history'), values.case.includes('-chain') ? 'chain' : 'pairs');
  if (values.case?.startsWith('namespaces:')) {
    process.stdout.write(`${JSON.stringify({ namespaces_per_sec: Math.round(namespacesPerSec(Number(values.case.split(':')[1]))) })}\n`);
    return;
  }
  if (values.case?.startsWith('setup:')) {
    process.stdout.write(`${JSON.stringify({ setup_us_per_namespace: Math.round(setupPerNamespaceUs(Number(values.case.split(':')[1]))) })}\n`);
    return;
  }
  if (values.case) {
    const [kind, n] = values.case.split(':') as ['bridge' | 'ovs', string];
    return switchCase(kind, Number(n));
  }
  // Each metric is reported on stderr as it is measured: a long run shows where it is.
  const result = new Proxy({} as Record<string, number | null | string>, {
    set(target, key, value) {
      target[key as string] = value;
      process.stderr.write(`  ${String(key)}: ${value}\n`);
      return true;
    },
  });
  if (values.startup) {
    recordStartup(result);
    return print(result, {}, values.json);
  }
  if (values.scale) return scale(result, values.json);
  // The chain first: its peak RSS should not include what the other measurements leave on the heap.
  const c = chain(1000);
  result.chain_1000_wall_s = Number(c.wall.toFixed(3));
  result.chain_1000_peak_rss_bytes = c.rss;
  // Each in a process of its own: a captured flood leaves a gigabyte of garbage whose collection would
  // otherwise be billed to the figure after it.
  result.frame_hops_per_sec = figureInChild('hops:2', 'hops');
  result.frame_hops_per_sec_captured = figureInChild('hops-captured:2', 'hops-captured');
  result.namespaces_per_sec = figureInChild('namespaces:10000', 'namespaces_per_sec');
  result.bytes_per_idle_namespace = idleBytesInChild(10_000, false, 'pairs');
  result.bytes_per_idle_namespace_history = idleBytesInChild(10_000, true, 'pairs');
  result.bytes_per_idle_namespace_chain = idleBytesInChild(10_000, false, 'chain');
  result.setup_us_per_namespace_1k = Math.round(setupPerNamespaceUs(1_000));
  result.setup_us_per_namespace_10k = Math.round(setupPerNamespaceUs(10_000));
  const art = articlePerSec(2);
  result.article_scenarios_per_sec = Math.round(art.perSec);
  result.article_vs_kernel_speedup = null;
  recordStartup(result);
  const switches: Record<string, object> = {};
  for (const kind of ['bridge', 'ovs'] as const) for (const n of [10, 100, 1000]) switches[`${kind}_${n}`] = switchCaseInChild(kind, n);
  const tui = tuiCaseInChild();
  result.tui_open_ms = tui.tui_open_ms;
  result.tui_open_events = tui.tui_open_events;
  result.tui_step_ms = tui.tui_step_ms;
  result.tui_step_cpu_ms = tui.tui_step_cpu_ms;
  const s = loadScenario(ARTICLE);
  const missing = values['no-kernel'] ? '--no-kernel' : (kernelUnavailable() ?? (kernelAvailability(s).length > 0 ? kernelAvailability(s).join('; ') : undefined));
  if (missing === undefined) {
    const t = process.hrtime.bigint();
    await runKernel(s);
    const kernelS = Number(process.hrtime.bigint() - t) / 1e9;
    result.article_kernel_run_s = Number(kernelS.toFixed(3));
    result.article_vs_kernel_speedup = Math.round(kernelS / art.oneRunS);
    const k = measureKernel();
    result.kernel_hops_per_sec = k.kernel_hops_per_sec;
    result.kernel_hops_per_sec_captured = k.kernel_hops_per_sec_captured;
    result.kernel_namespaces_per_sec = k.kernel_namespaces_per_sec;
    result.hops_vs_kernel = Number(((result.frame_hops_per_sec as number) / k.kernel_hops_per_sec).toFixed(2));
    result.hops_captured_vs_kernel = Number(((result.frame_hops_per_sec_captured as number) / k.kernel_hops_per_sec_captured).toFixed(2));
    result.namespaces_vs_kernel = Number(((result.namespaces_per_sec as number) / k.kernel_namespaces_per_sec).toFixed(2));
  } else if (values.kernel) {
    process.stderr.write(`bench --kernel: the kernel cannot be measured here: ${missing}\n`);
    process.exitCode = 77;
    return;
  } else result.kernel_skipped = missing;
  print(result, switches, values.json);
}

/**
 * `--scale`: the chain at 10, 100, 1,000 and 10,000 namespaces (each in its own process) with the cost
 * per hop and its fitted exponent, and a Linux bridge with 4,096 ports (each port's ARP request floods
 * to every other: 4096² hops), with wall time and peak RSS.
 */
function scale(result: Record<string, number | null | string>, json: boolean): void {
  const points: [number, number][] = [];
  const cases: Record<string, object> = {};
  for (const n of [10, 100, 1000, 10_000]) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', `chain:${n}`], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`chain_${n} failed: ${r.stderr}`);
    const c = JSON.parse(r.stdout.trim().split('\n').pop() as string) as ChainFigures;
    result[`chain_${n}_per_hop_us`] = c.per_hop_us;
    result[`chain_${n}_setup_s`] = c.setup_s;
    result[`chain_${n}_peak_rss_bytes`] = c.peak_rss_bytes;
    points.push([c.frame_hops, c.ping_s]);
  }
  result.chain_ping_time_exponent = Number(fittedExponent(points).toFixed(3));
  cases.bridge_4096 = switchCaseInChild('bridge', 4096);
  print(result, cases, json);
}

function print(result: Record<string, number | null | string>, switches: Record<string, object>, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, ...switches })}\n`);
    return;
  }
  const w = Math.max(...Object.keys(result).map((k) => k.length));
  process.stdout.write(`${'metric'.padEnd(w)}  value\n`);
  for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(w)}  ${v === null ? 'null (kernel mode unavailable)' : v.toLocaleString('en-US')}\n`);
  if (Object.keys(switches).length === 0) return;
  process.stdout.write(`\n${'case'.padEnd(12)}  ${'wall_s'.padStart(8)}  ${'frame_hops/s'.padStart(13)}  ${'peak_rss_MB'.padStart(11)}\n`);
  for (const [k, v] of Object.entries(switches) as [string, { wall_s: number; frame_hops_per_sec: number; peak_rss_bytes: number }][]) {
    process.stdout.write(`${k.padEnd(12)}  ${v.wall_s.toFixed(3).padStart(8)}  ${v.frame_hops_per_sec.toLocaleString('en-US').padStart(13)}  ${(v.peak_rss_bytes / 2 ** 20).toFixed(0).padStart(11)}\n`);
  }
}

await main();
