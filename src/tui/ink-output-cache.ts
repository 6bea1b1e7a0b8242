/**
 * ink 6 rebuilds every frame from nothing: each line of text on the screen is tokenized into styled
 * characters and measured again, although from one frame to the next almost every line is the same
 * (a step moves the selection and redraws two or three panes). Its Output keeps caches for that, but
 * makes new ones for every frame. Sharing one set between frames makes a step cost what changed.
 * Measured (bench tui_step_cpu_ms, 160x48, 10,000 events): see the closing note of the TUI issue.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

interface OutputCaches {
  widths: Map<string, number>;
  blockWidths: Map<string, number>;
  styledChars: Map<string, unknown>;
}
interface OutputLike {
  caches: OutputCaches;
  get(): { output: string; height: number };
}

/** Beyond this many distinct strings the caches start over: a long session must not grow without bound. */
const LIMIT = 20_000;

export interface SharedCaches {
  /** Frames drawn with the shared caches so far. */
  readonly frames: number;
  /** Back to ink's own behaviour: new caches for every frame. */
  restore(): void;
}

/** Shares the caches from now on, or gives undefined where this ink has no such Output. */
export async function shareInkOutputCaches(): Promise<SharedCaches | undefined> {
  let mod: { default: { prototype: OutputLike } };
  try {
    // ink exports only its entry point; Output sits beside it in the same build folder.
    const entry = pathToFileURL(createRequire(import.meta.url).resolve('ink'));
    mod = (await import(new URL('./output.js', entry).href)) as typeof mod;
  } catch {
    return undefined;
  }
  const proto = mod.default.prototype;
  const original = proto.get;
  if (typeof original !== 'function' || (original as { shared?: boolean }).shared) return undefined;
  let shared: OutputCaches | undefined;
  let frames = 0;
  const get = function (this: OutputLike) {
    frames++;
    if (!shared || !(this.caches.styledChars instanceof Map)) shared = this.caches;
    if (shared.styledChars.size + shared.widths.size > LIMIT) {
      shared.widths.clear();
      shared.blockWidths.clear();
      shared.styledChars.clear();
    }
    this.caches = shared;
    return original.call(this);
  };
  (get as { shared?: boolean }).shared = true;
  proto.get = get;
  return {
    get frames() {
      return frames;
    },
    restore() {
      proto.get = original;
    },
  };
}
