/**
 * The scenario picker: the bundled scenarios (or the files given) with title and description,
 * filtered by typing — every word typed must appear in the name, title or description.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../scenario/load.js';
import { ScenarioErrors } from '../../scenario/errors.js';

export interface PickerEntry {
  readonly file: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Why the file cannot be opened, when it cannot. */
  readonly error?: string;
}

export const BUNDLED_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../../../scenarios');

export function bundledFiles(dir = BUNDLED_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export function pickerEntries(files: readonly string[]): PickerEntry[] {
  return files.map((file) => {
    try {
      const s = loadScenario(file);
      return { file, name: s.name, title: s.title, description: (s.description ?? '').trim() };
    } catch (e) {
      if (!(e instanceof ScenarioErrors)) throw e;
      return { file, name: file.replace(/^.*\//, '').replace(/\.yaml$/, ''), title: '(cannot be loaded)', description: e.message, error: e.message };
    }
  });
}

export function filterEntries(entries: readonly PickerEntry[], query: string): PickerEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const hay = `${e.name} ${e.title} ${e.description}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
