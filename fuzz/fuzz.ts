/**
 * `npm run fuzz -- --runs N --seed S [--concurrency C] [--out DIR] [--no-ovs] [--no-bridges] [--no-macvlans] [--bridge-port-flags]`: random topologies in the simulator
 * and on the kernel (root), compared canonically; a mismatch is shrunk and written as a scenario file.
 */
import { parseArgs } from 'node:util';
import { KernelUnavailable } from '../src/kernel/run.js';
import { differential } from '../src/testing/differential.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '4' },
    out: { type: 'string', default: 'fuzz-failures' },
    'shrink-minutes': { type: 'string', default: '20' },
    'no-ovs': { type: 'boolean', default: false },
    'no-bridges': { type: 'boolean', default: false },
    'no-macvlans': { type: 'boolean', default: false },
    'bridge-port-flags': { type: 'boolean', default: false },
  },
});
const int = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} wants a whole number, not '${values[name]}'\n`);
    process.exit(2);
  }
  return n;
};
const runs = int('runs');
const seed = int('seed');
process.stdout.write(`fuzz: ${runs} random scenarios, seed ${seed}, simulator against the kernel\n`);
const started = Date.now();
try {
  const r = await differential({
    runs,
    seed,
    concurrency: int('concurrency'),
    outDir: values.out,
    shrinkBudgetMs: int('shrink-minutes') * 60_000,
    topology: { ovsBridges: !values['no-ovs'], linuxBridges: !values['no-bridges'], macvlans: !values['no-macvlans'], bridgePortFlags: values['bridge-port-flags'] },
    onProgress: (done, total, ok) => {
      if (!ok || done % 10 === 0 || done === total) process.stdout.write(`  ${done}/${total}${ok ? '' : ' MISMATCH'}\n`);
    },
  });
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (!r.failed) {
    process.stdout.write(`fuzz: all ${r.runs} agree with the kernel (${secs} s)\n`);
  } else {
    process.stdout.write(`${r.counterexample?.text ?? 'fuzz: failed'}\n(${secs} s)\n`);
    process.exitCode = 1;
  }
} catch (e) {
  if (e instanceof KernelUnavailable) {
    process.stderr.write(`fuzz: ${e.message}\n`);
    process.exit(77);
  }
  throw e;
}
