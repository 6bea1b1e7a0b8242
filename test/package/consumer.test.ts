/**
 * The package as someone installs it: `npm pack` (which builds, through `prepare`), the tarball
 * installed into a project of its own outside the repository, then used from there — the library from
 * plain Node ESM, `vethsim/testing` with fast-check, both type-checked by tsc with node16 resolution,
 * and the `vethsim` binary. Nothing of the repository's is on that project's path: no tsx, no src/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/kernel.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const version = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

let work: string;
let project: string;
let packed: { filename: string; files: { path: string }[] };

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program to its end without blocking: npm pack (a whole build) and npm install take minutes
 * on a busy machine, and a worker that blocks that long cannot answer vitest's runner.
 */
function run(file: string, args: readonly string[], cwd: string, input = ''): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 400_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

async function succeeds(file: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await run(file, args, cwd);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const node = (args: readonly string[]) => run(process.execPath, args, project);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vethsim-consumer-'));
  // --json: the build's own output goes to stderr, the pack's record to stdout.
  const out = await succeeds(NPM, ['pack', '--json', '--pack-destination', work], ROOT);
  packed = (JSON.parse(out) as (typeof packed)[])[0] as typeof packed;
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
  // The same versions the repository installed, so npm's cache (filled by `npm ci`) has them all.
  const deps = [join(work, packed.filename), `typescript@${version('typescript')}`, `@types/node@${version('@types/node')}`, `fast-check@${version('fast-check')}`];
  await succeeds(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...deps], project);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the published package', () => {
  it('ships compiled code, types, README, LICENSE and the bundled scenarios — no sources, tests, fixtures, fuzz output or research', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/vethsim.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/bin/vethsim.js', 'dist/bin/inside.js', 'dist/kernel/inside.js', 'scenarios/veth-same-ns-default.yaml']) {
      expect(files).toContain(f);
    }
    const stray = files.filter((f) => !['package.json', 'README.md', 'LICENSE', 'bin/vethsim.js'].includes(f) && !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(f) && !/^scenarios\/[a-z0-9-]+\.yaml$/.test(f));
    expect(stray).toEqual([]);
    // The installed copy has none of the development tools: what runs, runs without a TypeScript loader.
    expect(existsSync(join(project, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/vethsim/src'))).toBe(false);
  });

  it("runs the article's first scenario through the API from plain Node ESM", async () => {
    writeFileSync(
      join(project, 'article.mjs'),
      `import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadScenario, parseScenario, runSim, validateScenario, checkExpectation, journeys, ScenarioErrors } from 'vethsim';

const file = fileURLToPath(import.meta.resolve('vethsim/package.json').replace(/package\\.json$/, 'scenarios/veth-same-ns-default.yaml'));
const s = loadScenario(file);
const run = runSim(s, { seed: 1, explain: true });
const arp = 'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\\n';
const unreachable = 'IP 10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.3 unreachable, length 92\\n';
assert.deepEqual(run.report.captures, [
  { point: 'veth0', text: arp.repeat(3) },
  { point: 'veth1', text: arp.repeat(3) },
  { point: 'lo', text: unreachable.repeat(2) },
]);
assert.equal(checkExpectation(s.expect, run.report).ok, true);
const drops = run.world.trace.drops.map((e) => e.drop);
assert.ok(drops.includes('NEIGH_FAILED'), drops.join(' '));
assert.ok(journeys(run.world.trace.events).length > 0);
assert.throws(() => parseScenario('name: x\\n', 'inline.yaml'), (e) => e instanceof ScenarioErrors && e.message === "inline.yaml:1: missing 'title'\\ninline.yaml:1: missing 'script': the shell lines the scenario runs");
const iptables = parseScenario('name: x\\ntitle: x\\nscript: |\\n  iptables -L\\n', 'inline.yaml');
for (const f of [() => validateScenario(iptables), () => runSim(iptables)]) {
  assert.throws(f, (e) => e instanceof ScenarioErrors && e.errors[0].file === 'inline.yaml' && e.errors[0].line === 4 && /'iptables' is not simulated/.test(e.errors[0].detail));
}
process.stdout.write('article ok\\n');
`,
    );
    const r = await node(['article.mjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('article ok\n');
    expect(r.status).toBe(0);
  });

  it('runs a fast-check property over vethsim/testing: the simulator agrees with the oracle', async () => {
    writeFileSync(
      join(project, 'property.mjs'),
      `import fc from 'fast-check';
import { topologyArb, runTopology, predictPings, topologyYaml } from 'vethsim/testing';

let pings = 0;
fc.assert(
  fc.property(topologyArb({ ovsBridges: false, maxPings: 2 }), (t) => {
    const { pings: ran } = runTopology(t);
    return predictPings(t).every((p, i) => {
      if (p === 'unknown') return true;
      pings++;
      return (ran[i].exit === 0) === (p === 'reply');
    });
  }),
  { numRuns: 15, seed: 42 },
);
fc.assert(fc.property(topologyArb(), (t) => topologyYaml(t, { name: 'generated' }).startsWith('name: generated')), { numRuns: 5, seed: 42 });
process.stdout.write(\`property ok (\${pings} pings decided)\\n\`);
`,
    );
    const r = await node(['property.mjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^property ok \(\d+ pings decided\)\n$/);
    expect(r.status).toBe(0);
  });

  it("type-checks a TypeScript file using both exports, and the README's examples (tsc, moduleResolution node16)", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    // Each example a module of its own (an import makes it one).
    examples.forEach((text, i) => writeFileSync(join(project, `readme-${i + 1}.ts`), text));
    writeFileSync(
      join(project, 'tsconfig.json'),
      `${JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, include: ['check.ts', 'readme-*.ts'] }, null, 2)}\n`,
    );
    writeFileSync(
      join(project, 'check.ts'),
      `import fc from 'fast-check';
import { loadScenario, runSim, checkExpectation, ScenarioErrors, type DropReason, type Report, type SimRun, type TraceEvent, type Verdict } from 'vethsim';
import { topologyArb, runTopology, type TopologyOptions } from 'vethsim/testing';

const s = loadScenario('scenarios/veth-same-ns-default.yaml');
const run: SimRun = runSim(s, { seed: 7, explain: true, history: false });
const report: Report = run.report;
const drops: readonly TraceEvent[] = run.world.trace.drops;
const reason: DropReason | undefined = drops[0]?.drop;
const verdict: Verdict | undefined = s.expect ? checkExpectation(s.expect, report) : undefined;
const points: string[] = report.captures.map((c) => c.point);
const options: TopologyOptions = { ovsBridges: false };
fc.assert(fc.property(topologyArb(options), (t) => runTopology(t).run.world.loop.busy === false));
try {
  loadScenario('missing.yaml');
} catch (e) {
  if (e instanceof ScenarioErrors) for (const x of e.errors) console.log(x.file, x.line ?? 0, x.detail);
}
// @ts-expect-error: a seed is a number
runSim(s, { seed: 'one' });
// @ts-expect-error: not a drop reason
const wrong: DropReason = 'NO_SUCH_REASON';
console.log(reason, verdict?.ok, points, wrong);
`,
    );
    const r = await node([join(project, 'node_modules/typescript/bin/tsc'), '-p', '.']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs the installed vethsim binary', async () => {
    const bin = join(project, 'node_modules/.bin/vethsim');
    const scenario = join(project, 'node_modules/vethsim/scenarios/veth-same-ns-default.yaml');
    const ran = await run(bin, ['run', '--explain', scenario], project);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toContain('== capture veth0 ==\nARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\n');
    expect(ran.stdout).toMatch(/^== explain ==$/m);
    expect(ran.stdout).toMatch(/DROP NEIGH_FAILED: /);
    expect(ran.status).toBe(0);
    const v = await run(bin, ['--version'], project);
    expect(v.stdout).toBe(`vethsim ${own.version}\n`);
    const check = await run(bin, ['check', scenario], project);
    expect(check.stdout).toContain('simulator vs expect: match');
    expect(check.status).toBe(0);
    // The terminal UI is not in the bundle: the binary finds it among the compiled modules (without a
    // terminal it says so, after loading it).
    const tui = await run(bin, ['tui', scenario], project);
    expect(tui.stderr).toMatch(/^vethsim tui: needs a terminal/);
    expect(tui.status).toBe(2);
  });
});
