/**
 * The tree's layering, as the kernel's is: modules register with the layer below instead of importing
 * the layer above. No import circle anywhere in src/, and each folder imports only folders of a lower
 * rank — so devices/ and stack/ (the same rank) never import each other, and sim/ knows nothing above it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** A folder may import folders of a lower rank only. */
const RANK: Readonly<Record<string, number>> = {
  wire: 0,
  sim: 1,
  capture: 1,
  scenario: 1,
  core: 2,
  report: 2,
  devices: 3,
  stack: 3,
  init: 4,
  tools: 5,
  runner: 6,
  kernel: 6,
  record: 6,
  testing: 7,
  tui: 7,
  cli: 8,
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

/** Every relative import and re-export of every source file (type-only ones too), resolved to files. */
function importGraph(): Map<string, string[]> {
  const files = sources(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, false);
    const deps = info.importedFiles
      .map((i) => i.fileName)
      .filter((n) => n.startsWith('.'))
      .map((n) => resolve(dirname(f), n).replace(/\.js$/, ''))
      .map((base) => [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => known.has(c)) ?? `${base} (missing)`);
    graph.set(f, deps);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one file: the circles. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        c.push(relative(SRC, w));
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const folder = (f: string) => relative(SRC, f).split('/')[0] as string;

describe('layering of src/', () => {
  const graph = importGraph();

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('resolves every relative import to a file', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => d.endsWith('(missing)')).map((d) => `${relative(SRC, f)} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('imports only from lower layers (devices and stack never from each other)', () => {
    const wrong: string[] = [];
    for (const [f, deps] of graph) {
      const from = folder(f);
      expect(RANK[from], `src/${from} has no rank in this test's table`).toBeDefined();
      for (const d of deps) {
        const to = folder(d);
        if (to === from) continue;
        if (!((RANK[to] ?? Infinity) < (RANK[from] as number))) wrong.push(`${relative(SRC, f)} -> ${relative(SRC, d)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('names no device kind outside the drivers and the printers', () => {
    // The core and the stack ask a device's NetDeviceOps, never what kind it is.
    const offenders = sources(join(SRC, 'core'))
      .concat(sources(join(SRC, 'stack')))
      .filter((f) => /\.kind\s*[!=]==\s*'(veth|bridge|loopback|ovs-internal|macvlan)'/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
