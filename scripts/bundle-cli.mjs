/**
 * The `vethsim` command as one bundle (dist/bin/): part of `npm run build`, after tsc has type-checked
 * and compiled src/ into dist/ for the library. Why a bundle for the CLI: on Node 20, loading a module
 * costs about half a millisecond whatever its size, and `vethsim run` needs about a hundred of ours
 * and seventy of yaml's; in one file (with the commands that load lazily in chunks of their own), the
 * start takes about half the CPU time. The library stays tsc's module-per-file output.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// The packages `vethsim run` loads at every start, bundled. Any other (the terminal UI's ink and
// React, fast-check) is loaded from node_modules by the chunk that needs it, as the library does.
const BUNDLED = new Set(['yaml', 'immer', 'shell-quote', 'diff']);

// The terminal UI stays out of the bundle: `vethsim tui` loads it from tsc's modules (dist/tui, which
// is ../tui from dist/bin as from src/cli), where what it finds beside itself (the bundled scenarios
// three folders up) is where it expects, and where ink and React load after it has set NODE_ENV.
const UNBUNDLED = /^\.\.\/tui\//;

const OUT = 'dist/bin';
rmSync(OUT, { recursive: true, force: true });
await build({
  // The kernel-mode driver runs in a process of its own (inside the namespaces): an entry of its own,
  // beside the chunk of src/kernel/run.ts that spawns it as ./inside.js.
  entryPoints: { vethsim: 'src/cli/bin.ts', inside: 'src/kernel/inside.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Stack traces need only the mappings; the sources are in the library's maps (tsc inlines them).
  sourcesContent: false,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
  // yaml and shell-quote are CommonJS: their require() of node's modules needs a real require.
  banner: { js: "import { createRequire as __vethsimRequire } from 'node:module'; const require = __vethsimRequire(import.meta.url);" },
  plugins: [
    {
      name: 'bundle-only-the-startup-path',
      setup(b) {
        b.onResolve({ filter: UNBUNDLED }, (args) => (args.importer.endsWith('/src/cli/main.ts') ? { path: args.path, external: true } : undefined));
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : (args.path.split('/')[0] ?? '');
          return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
        });
      },
    },
  ],
});
