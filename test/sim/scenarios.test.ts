/**
 * Every bundled scenario, run in the simulator, agrees canonically with what the kernel printed for it
 * (its recorded expect block) — except the few listed in KNOWN_GAPS, each with the reason; those are
 * expected to fail, so one that starts passing is noticed and taken off the list.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';
import { checkExpectation, renderVerdict } from '../../src/report/compare.js';
import { KNOWN_GAPS } from './known-gaps.js';

const DIR = join(import.meta.dirname, '../../scenarios');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('the simulator agrees with the kernel on every bundled scenario', () => {
  for (const f of files) {
    const name = f.replace(/\.yaml$/, '');
    const gap = KNOWN_GAPS[name];
    const check = () => {
      const s = loadScenario(join(DIR, f));
      const v = checkExpectation(s.expect ?? {}, runSim(s).report);
      expect(v.ok, renderVerdict(v, { expected: 'kernel (expect)', actual: 'simulator' })).toBe(true);
    };
    if (gap) it.fails(`${name} — known gap: ${gap}`, check);
    else it(name, check);
  }
});
