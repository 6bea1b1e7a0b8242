/**
 * The strongest property: on random topologies the simulator agrees with the real kernel (canonical
 * comparison, as `vethsim conform`). Needs root and kernel mode's tools; skipped with the reason
 * otherwise. The budget: VETHSIM_DIFF_RUNS, else 200 in CI and 20 by hand (`npm run fuzz` runs more).
 * A mismatch is shrunk and written as fuzz-failures/fuzz-seedS.yaml, the kernel's run as its expect.
 */
import { describe, expect, it } from 'vitest';
import { differential } from '../../src/testing/differential.js';
import { kernelSkipReason } from '../helpers/kernel.js';

const skip = kernelSkipReason();
const runs = Number(process.env.VETHSIM_DIFF_RUNS ?? (process.env.CI ? 200 : 20));
const SEED = 20261128;

describe.skipIf(skip !== undefined)('the simulator against the kernel on random topologies', () => {
  it(
    `${runs} random scenarios agree (seed ${SEED})`,
    async () => {
      const r = await differential({ runs, seed: SEED, concurrency: 4, shrinkBudgetMs: 10 * 60_000 });
      expect(r.failed, r.counterexample?.text).toBe(false);
      expect(r.runs).toBe(runs);
    },
    // Kernel runs take seconds each (a few at once); shrinking a mismatch takes longer.
    runs * 10_000 + 15 * 60_000,
  );
});
