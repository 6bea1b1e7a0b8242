/**
 * Sharing ink's per-frame text caches between frames (src/tui/ink-output-cache.ts) must draw the very
 * same frames, escape sequences included, as ink does on its own: stepping, panes, what-if and its diff.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { drive, driveSized, openModel, TAB, type Driven } from './helpers.js';
import { shareInkOutputCaches, type SharedCaches } from '../../src/tui/ink-output-cache.js';

let ui: Driven | undefined;
let sharing: SharedCaches | undefined;
afterEach(() => {
  ui?.unmount();
  sharing?.restore();
  sharing = undefined;
});

const KEYS = ['n', 'n', ']', '3', 'n', '4', 'p', '5', 'G', '[', TAB, '6', 'g', ']', 'w', '\r', 'd', 'n', 'u', '2'];

async function frames(open: (m: ReturnType<typeof openModel>) => Promise<Driven>, columns: number, rows: number): Promise<string[]> {
  ui = await open(openModel(undefined, columns, rows));
  const seen = [ui.raw()];
  for (const k of KEYS) {
    await ui.press(k);
    seen.push(ui.raw());
  }
  ui.unmount();
  ui = undefined;
  return seen;
}

describe('ink with its caches shared between frames', () => {
  for (const [columns, rows, open] of [
    [80, 24, drive],
    [160, 48, driveSized],
  ] as const) {
    it(`draws the same frames as ink alone at ${columns}x${rows}`, async () => {
      const alone = await frames(open, columns, rows);
      sharing = await shareInkOutputCaches();
      expect(sharing).toBeDefined();
      const shared = await frames(open, columns, rows);
      // Every frame went through the shared caches: the patch reached the Output ink itself uses.
      expect(sharing?.frames).toBeGreaterThanOrEqual(shared.length);
      expect(shared).toHaveLength(alone.length);
      for (let i = 0; i < alone.length; i++) expect(shared[i], `frame ${i} (after ${KEYS[i - 1] ?? 'opening'})`).toBe(alone[i]);
      // A frame differs from its predecessor somewhere, or the keys drove nothing and the test proves nothing.
      expect(new Set(shared).size).toBeGreaterThan(KEYS.length / 2);
    }, 60_000);
  }
});
