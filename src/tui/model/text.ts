/**
 * Cell widths and fitting for the terminal: every pane row is cut and padded to an exact width here,
 * so a layout is the same at any size and nothing wraps. East Asian wide characters take two cells,
 * combining marks none; the glyphs the UI draws with (box drawing, ▶ ✗ ◀) take one.
 */

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe0f]/u;

export function charWidth(ch: string): number {
  if (ZERO.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Cells a string takes; control characters are not expected (the UI never draws them). */
export function width(s: string): number {
  let n = 0;
  // A plain ASCII string is the common case: its width is its length.
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  for (const ch of s) n += charWidth(ch);
  return n;
}

/** `s` cut to `w` cells, ending in '…' when something was cut. */
export function truncate(s: string, w: number): string {
  if (w <= 0) return '';
  if (width(s) <= w) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (n + cw > w - 1) break;
    out += ch;
    n += cw;
  }
  return `${out}…`;
}

/** `s` cut or padded with spaces to exactly `w` cells. */
export function fit(s: string, w: number): string {
  const t = truncate(s, w);
  return t + ' '.repeat(Math.max(0, w - width(t)));
}

/** `s` padded on the left to `w` cells (numbers in columns). */
export function padStart(s: string, w: number): string {
  const t = truncate(s, w);
  return ' '.repeat(Math.max(0, w - width(t))) + t;
}

/** Words of `text` wrapped to lines of at most `w` cells (a word longer than `w` is cut). */
export function wrap(text: string, w: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter((x) => x !== '')) {
      if (line === '') line = word;
      else if (width(line) + 1 + width(word) <= w) line += ` ${word}`;
      else {
        out.push(truncate(line, w));
        line = word;
      }
    }
    out.push(truncate(line, w));
  }
  return out;
}

/** Seconds with microseconds, as the timeline and header show virtual time. */
export function secs(ns: number): string {
  return (ns / 1e9).toFixed(6);
}

/** `ns/dev`, the way capture points name a device outside the script's namespace. */
export function where(ns: string, dev: string | undefined): string {
  return `${ns === '' ? '' : `${ns}/`}${dev ?? '-'}`;
}

/** A namespace's display name: the script's own has no name. */
export function nsLabel(ns: string): string {
  return ns === '' ? '(script ns)' : ns;
}
