/**
 * A scenario's script, split into the logical lines a shell would run: '#' comments and blank lines
 * dropped, a trailing '\' joining the next line, a trailing '&' marking a background job.
 * Words come from shell-quote; '$VAR' stays literal, since a scenario has no environment of its own.
 */
import { parse as shellParse } from 'shell-quote';
import { ScenarioError } from './errors.js';

/** A shell operator such as '>', '|', '&&' or ';' — kept apart from words so nothing mistakes one for an argument. */
export interface ShellOp {
  readonly op: string;
}
export type ShellWord = string | ShellOp;

export interface ScriptLine {
  /** Line in the scenario file where this logical line starts. */
  readonly line: number;
  /** The command as written, continuations joined, without its comment and its trailing '&'. */
  readonly text: string;
  readonly words: readonly ShellWord[];
  readonly background: boolean;
}

export function isOp(w: ShellWord | undefined): w is ShellOp {
  return typeof w === 'object' && w !== null;
}

/**
 * Reads `text` as bash's quoting does: `visit` sees each character that is neither inside single quotes
 * nor escaped by a backslash, and whether it is inside double quotes; the first value it returns ends
 * the walk. Also says which quote, if any, is left open at the end.
 */
function walkQuoting<T>(text: string, visit: (i: number, c: string, inDouble: boolean) => T | undefined): { found?: T; open?: '"' | "'" } {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    const found = visit(i, c, quote === '"');
    if (found !== undefined) return { found };
    if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
  }
  return quote === undefined ? {} : { open: quote };
}

/**
 * Index where a shell comment starts ('#' at the start of a word, outside quotes), or -1.
 * Also reports an unterminated quote, which shell-quote would silently accept.
 */
function scanComment(text: string): { comment: number; unterminated?: string } {
  const r = walkQuoting(text, (i, c, inDouble) => (!inDouble && c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ' ')) ? i : undefined));
  if (r.found !== undefined) return { comment: r.found };
  return r.open === undefined ? { comment: -1 } : { comment: -1, unterminated: r.open };
}

/**
 * A '#' left in the text after scanComment is inside a word (`-#`, `a#b`): bash takes it literally,
 * shell-quote would start a comment there and cut the line. Escaped, it stays in its word.
 */
function escapeInWordHashes(text: string): string {
  let quote: '"' | "'" | undefined;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === undefined && c === '\\') {
      out += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') {
      out += '\\#';
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * The first expansion bash would make in `text` — `$NAME`, `${...}`, `$?`, `$(...)`, `$((...))` or a
 * backquoted command — outside single quotes, or undefined. Kernel mode's bash expands it; a scenario
 * has no variables or command output of its own, so the simulator refuses such a line.
 */
export function shellExpansion(text: string): string | undefined {
  return walkQuoting(text, (i, c) => {
    if (c === '`') return text.slice(i, text.indexOf('`', i + 1) + 1 || undefined);
    if (c === '$' && /[A-Za-z_{(?#@*!$0-9-]/.test(text[i + 1] ?? '')) return (/^\$(\{[^}]*\}?|\(\(?|[A-Za-z_][A-Za-z0-9_]*|.)/.exec(text.slice(i)) as RegExpExecArray)[0];
    return undefined;
  }).found;
}

export function toWords(text: string): ShellWord[] {
  // Keep $NAME literal: the scenario is the same text on the kernel and in the simulator.
  const entries = shellParse(escapeInWordHashes(text), (name) => `$${name}`);
  const words: ShellWord[] = [];
  for (const e of entries) {
    if (typeof e === 'string') words.push(e);
    else if ('comment' in e) words.push(`#${e.comment}`); // a '#' inside a word, which shell-quote mistakes for a comment
    else if (e.op === 'glob') words.push((e as { pattern: string }).pattern);
    else words.push({ op: e.op });
  }
  return words;
}

/**
 * Splits `script` (whose first line is file line `firstLine`) into logical lines.
 * Throws ScenarioError for text no shell would accept.
 */
export function splitScript(script: string, file: string, firstLine: number): ScriptLine[] {
  const physical = script.split('\n');
  const out: ScriptLine[] = [];
  let pending = '';
  let pendingLine = 0;
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] ?? '';
    const lineNo = firstLine + i;
    if (pending === '') pendingLine = lineNo;
    const trailing = /(\\+)$/.exec(raw);
    if (trailing && (trailing[1]?.length ?? 0) % 2 === 1) {
      pending += raw.slice(0, -1);
      continue;
    }
    const joined = pending + raw;
    pending = '';
    const { comment, unterminated } = scanComment(joined);
    if (unterminated) throw new ScenarioError(file, pendingLine, `unterminated ${unterminated} quote`);
    let text = (comment >= 0 ? joined.slice(0, comment) : joined).trim();
    if (text === '') continue;
    let words: ShellWord[];
    try {
      words = toWords(text);
    } catch (e) {
      // shell-quote refuses what bash refuses too, e.g. an unclosed '${': bash says "bad substitution".
      const why = e instanceof Error ? e.message.replace(/:\s*$/, '') : String(e);
      throw new ScenarioError(file, pendingLine, `${why.toLowerCase()} in '${text}'`);
    }
    let background = false;
    const last = words[words.length - 1];
    if (isOp(last) && last.op === '&') {
      background = true;
      words = words.slice(0, -1);
      text = text.replace(/&\s*$/, '').trimEnd();
    }
    if (words.length === 0) throw new ScenarioError(file, pendingLine, `syntax error near unexpected token '&'`);
    out.push({ line: pendingLine, text, words, background });
  }
  if (pending.trim() !== '') throw new ScenarioError(file, pendingLine, `the script ends inside a '\\' continuation`);
  return out;
}
