/**
 * Differential testing: a random topology runs in the simulator and on the real kernel (kernel mode,
 * private namespaces) and the two reports are compared canonically, as `vethsim conform` does. fast-check
 * generates the topologies and shrinks a mismatch; the minimal one is written as a scenario file whose
 * expect block is the kernel's run, ready to move under scenarios/ as a regression.
 *
 * Kernel runs are slow (seconds, mostly waiting) and independent, so the generated cases are run on the
 * kernel ahead of the property, several at a time; the property then finds them cached. Only the
 * candidates tried while shrinking run one by one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { compareBlocks, renderVerdict, type Verdict } from '../report/compare.js';
import { reportBlocks, type Report } from '../report/report.js';
import { withExpectation } from '../record/write-expect.js';
import { runKernel } from '../kernel/run.js';
import { runSim } from '../runner/simulate.js';
import { topologyArb, type TopologyOptions } from './arbitraries.js';
import { addrOf, hostIfaces, type Topology } from './model.js';
import { topologyScenario, topologyYaml } from './to-scenario.js';

export interface DifferentialOptions {
  readonly runs: number;
  readonly seed: number;
  /** Kernel runs at once while pre-running the generated cases. */
  readonly concurrency?: number;
  /** Where the minimal counterexample is written. */
  readonly outDir?: string;
  /** Time allowed for shrinking; past it the smallest mismatch so far is kept. */
  readonly shrinkBudgetMs?: number;
  readonly topology?: TopologyOptions;
  readonly onProgress?: (done: number, total: number, agreed: boolean) => void;
}

export interface Comparison {
  readonly yaml: string;
  readonly kernel: Report;
  readonly sim: Report | undefined;
  /** The simulator's error, when it refused or broke on the scenario. */
  readonly simError: string | undefined;
  readonly verdict: Verdict | undefined;
  readonly ok: boolean;
}

export interface DifferentialResult {
  readonly runs: number;
  readonly failed: boolean;
  /** The minimal mismatch: its comparison and the file it was written to. */
  readonly counterexample?: { readonly comparison: Comparison; readonly file: string; readonly shrinks: number; readonly text: string };
}

const META = { name: 'fuzz-case', title: 'a generated topology on which the simulator and the kernel differed' };

function scenarioOf(t: Topology) {
  return topologyScenario(t, META, 'fuzz-case.yaml');
}

export function simReport(t: Topology): { report?: Report; error?: string } {
  try {
    return { report: runSim(scenarioOf(t)).report };
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

export async function kernelReport(t: Topology): Promise<Report> {
  return runKernel(scenarioOf(t), { timeoutMs: 120_000 });
}

export function compareRuns(yaml: string, kernel: Report, sim: { report?: Report; error?: string }): Comparison {
  if (!sim.report) return { yaml, kernel, sim: undefined, simError: sim.error, verdict: undefined, ok: false };
  const verdict = compareBlocks(reportBlocks(kernel), reportBlocks(sim.report));
  return { yaml, kernel, sim: sim.report, simError: undefined, verdict, ok: verdict.ok };
}

export function describeComparison(c: Comparison): string {
  if (c.simError !== undefined) return `the simulator failed: ${c.simError}\n`;
  return c.verdict ? renderVerdict(c.verdict, { expected: 'kernel', actual: 'simulator' }) : '';
}

/**
 * Behind an OVS bridge, at most one host answers any ARP request: its legs lead to distinct namespaces
 * that own no address in common. When two answer (an address owned twice, or one namespace reached
 * through two legs, which answers on both), the first reply wins, and which is first follows the
 * order ovs-vswitchd floods and polls its ports in — hash order of its own memory, not of the script
 * (the fuzzer met it twice with seed 20261128). The Linux bridge's order is modelled (newest port first).
 */
export function ovsAnswersOnce(t: Topology): boolean {
  const owned = new Map<string, Set<string>>();
  for (const i of hostIfaces(t)) {
    const set = owned.get(i.ns) ?? new Set<string>();
    for (const a of i.addrs) set.add(addrOf(a));
    owned.set(i.ns, set);
  }
  return t.segments.every((s) => {
    if (s.kind !== 'ovs') return true;
    const nss = s.legs.map((l) => l.host.ns);
    if (new Set(nss).size < nss.length) return false;
    const seen = new Set<string>();
    for (const ns of nss) {
      for (const a of owned.get(ns) ?? []) {
        if (seen.has(a)) return false;
        seen.add(a);
      }
    }
    return true;
  });
}

/**
 * On a macvlan segment, at most one stack answers any ARP request. The far end's broadcast reaches
 * the parent's own stack and every macvlan; a bridge-mode macvlan's reaches the far end and the other
 * bridge-mode macvlans. Each of those sets is in namespaces of its own (the arbitrary makes them so)
 * that own no address in common. When two answer, the first reply wins — and the port floods its
 * macvlans in the order of its hash of their MACs (random on the kernel), after the parent's own stack
 * by only the broadcast work's delay.
 */
export function macvlanAnswersOnce(t: Topology): boolean {
  const owned = new Map<string, Set<string>>();
  for (const i of hostIfaces(t)) {
    const set = owned.get(i.ns) ?? new Set<string>();
    for (const a of i.addrs) set.add(addrOf(a));
    owned.set(i.ns, set);
  }
  const apart = (nss: readonly string[]) => {
    if (new Set(nss).size < nss.length) return false;
    const seen = new Set<string>();
    for (const ns of nss) {
      for (const a of owned.get(ns) ?? []) {
        if (seen.has(a)) return false;
        seen.add(a);
      }
    }
    return true;
  };
  return t.segments.every((s) => {
    if (s.kind !== 'macvlan') return true;
    if (!apart([s.parent.ns, ...s.legs.map((l) => l.host.ns)])) return false;
    if ([s.parent, ...s.legs.map((l) => l.host)].some((i) => i.ns === s.far.ns)) return false;
    const bridged = s.legs.filter((l) => l.mode === 'bridge').map((l) => l.host.ns);
    return bridged.every((ns) => apart([s.far.ns, ...bridged.filter((n) => n !== ns)]));
  });
}

async function pool<T>(items: readonly T[], n: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const x = items[next++] as T;
      await work(x);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
}

export async function differential(o: DifferentialOptions): Promise<DifferentialResult> {
  // Cases whose outcome is a race on the real machine are not drawn (see TopologyOptions, ovsAnswersOnce, macvlanAnswersOnce).
  const arb = topologyArb({ ovsRootAddresses: false, policy: true, proxyArp: true, addrDels: true, ...o.topology }).filter((t) => ovsAnswersOnce(t) && macvlanAnswersOnce(t));
  const params = { seed: o.seed, numRuns: o.runs };
  const kernelCache = new Map<string, Promise<Report>>();
  const kernelOf = (t: Topology, yaml: string) => {
    let p = kernelCache.get(yaml);
    if (!p) kernelCache.set(yaml, (p = kernelReport(t)));
    return p;
  };
  const compare = async (t: Topology) => {
    const yaml = topologyYaml(t, META);
    return compareRuns(yaml, await kernelOf(t, yaml), simReport(t));
  };

  // The cases fc.check will draw for this seed, in its order (fc.sample draws differently).
  const cases: Topology[] = [];
  await fc.check(
    fc.asyncProperty(arb, async (t) => {
      cases.push(t);
      return true;
    }),
    params,
  );
  // Kernel runs are independent and mostly waiting: several at once.
  const ok: boolean[] = [];
  const found: Comparison[] = [];
  let done = 0;
  await pool(
    cases.map((t, i) => ({ t, i })),
    o.concurrency ?? 4,
    async ({ t, i }) => {
      const c = await compare(t).catch(() => undefined);
      ok[i] = c?.ok ?? false;
      if (c && !c.ok) found[i] = c;
      o.onProgress?.(++done, cases.length, ok[i] as boolean);
    },
  );
  const first = ok.findIndex((x) => !x);
  if (first < 0) return { runs: cases.length, failed: false };
  const outDir = o.outDir ?? 'fuzz-failures';
  mkdirSync(outDir, { recursive: true });
  // Every mismatch as found, before shrinking: the first is shrunk below, the others are kept as they are.
  found.forEach((c, i) => writeFileSync(join(outDir, `fuzz-seed${o.seed}-run${i + 1}.yaml`), withExpectation(c.yaml, c.kernel)));

  // Replay the first mismatch (its run index is its path) and let fast-check shrink it.
  let shrinkStart: number | undefined;
  let last: Comparison | undefined;
  let shrinks = -1;
  const property = fc.asyncProperty(arb, async (t) => {
    if (shrinkStart !== undefined && Date.now() - shrinkStart > (o.shrinkBudgetMs ?? 20 * 60_000)) return true;
    const c = await compare(t);
    if (!c.ok) {
      shrinkStart ??= Date.now();
      last = c;
      shrinks++;
    }
    return c.ok;
  });
  const details = await fc.check(property, { ...params, path: String(first) });
  if (!last) throw new Error(`seed ${o.seed}: run ${first} broke rather than differed: ${String(details.errorInstance)}`);
  const minimal = last as Comparison;
  const file = join(outDir, `fuzz-seed${o.seed}.yaml`);
  const text = [
    `seed ${o.seed}: the simulator and the kernel differ on run ${first + 1} of ${cases.length} (${ok.filter((x) => !x).length} differ in all; the first shrunk ${shrinks} times)`,
    describeComparison(minimal),
    `The minimal scenario, with the kernel's run as its expect block: ${file} (every mismatch as found: ${join(outDir, `fuzz-seed${o.seed}-runN.yaml`)})`,
  ].join('\n');
  writeFileSync(file, withExpectation(minimal.yaml, minimal.kernel));
  return { runs: cases.length, failed: true, counterexample: { comparison: minimal, file, shrinks, text } };
}
