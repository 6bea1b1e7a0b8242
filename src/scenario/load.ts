/**
 * Scenario files, format v1: YAML with name, title, description, ipv6, script and expect.
 * Loading checks everything a runner would otherwise trip over later, and reports each problem as
 * `file:line: message` — a half-understood scenario never reaches a runner.
 */
import { readFileSync, statSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, Scalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { ScenarioError, ScenarioErrors } from './errors.js';
import { capturePoint, commandList, invocation, isSimple, pingIsBounded, programOf, tcpdumpArgs } from './command.js';
import { shellExpansion, splitScript, type ScriptLine } from './script.js';
import { arpingNeverEnds } from './arping-args.js';
import type { CaptureSpec, Expectation, Scenario } from './scenario.js';

const TOP_KEYS = ['name', 'title', 'description', 'ipv6', 'script', 'expect'] as const;
const EXPECT_KEYS = ['captures', 'output'] as const;
export const NAME_PATTERN = /^[a-z0-9-]+$/;

class Collector {
  readonly errors: ScenarioError[] = [];
  constructor(
    readonly file: string,
    readonly lines: LineCounter,
  ) {}
  lineOf(node: Node | Pair | null | undefined): number | undefined {
    const n = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node | null) : undefined;
    const start = n?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }
  add(at: number | undefined, message: string): void {
    this.errors.push(new ScenarioError(this.file, at, message));
  }
}

function stringValue(c: Collector, pair: Pair, key: string): string | undefined {
  const v = pair.value;
  if (isScalar(v) && typeof v.value === 'string') return v.value;
  c.add(c.lineOf(v as Node) ?? c.lineOf(pair), `'${key}' must be a string`);
  return undefined;
}

/** File line of a block scalar's first content line; for other styles, the value's own line. */
function firstContentLine(c: Collector, node: Scalar): number {
  const line = c.lineOf(node) ?? 1;
  return node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED ? line + 1 : line;
}

function checkLine(c: Collector, l: ScriptLine, captures: CaptureSpec[]): void {
  const expansion = shellExpansion(l.text);
  if (expansion !== undefined) {
    c.add(l.line, `shell expansion '${expansion}' is not simulated: bash would expand it, and a scenario has no variables or command output of its own — write the value`);
    return;
  }
  const inv = invocation(l.words);
  const program = programOf(inv);
  const args = inv.argv.slice(1).filter((w): w is string => typeof w === 'string');
  if (l.background) {
    if (program !== 'tcpdump' || !isSimple(inv.argv)) {
      c.add(l.line, `only a capture ('tcpdump ... &') can run in the background`);
      return;
    }
  }
  if (program === 'tcpdump' && isSimple(inv.argv)) {
    const t = tcpdumpArgs(args);
    if ('error' in t) return c.add(l.line, t.error);
    if (!l.background) {
      if (t.count === undefined) c.add(l.line, `a foreground tcpdump would never end: give it -c N, or end the line with '&' to capture to the end`);
      return;
    }
    if (t.iface === undefined) return c.add(l.line, `a capture needs '-i IF': the capture point is named after it`);
    const point = capturePoint(inv.netns, t.iface);
    const twin = captures.find((x) => x.point === point);
    if (twin) return c.add(l.line, `capture point '${point}' is already captured at line ${twin.line}`);
    captures.push({ point, netns: inv.netns, iface: t.iface, line: l.line });
    return;
  }
  // Each command of a list (`a && b`) on its own.
  for (const cmd of commandList(l.words)) {
    const each = invocation(cmd.words);
    const prog = programOf(each);
    const words = each.argv.filter((w): w is string => typeof w === 'string');
    if (prog === 'ping' && !pingIsBounded(words.slice(1))) c.add(l.line, `ping without -c or -w would never end: add '-c N'`);
    const endless = prog === 'arping' ? arpingNeverEnds(words) : undefined;
    if (endless) c.add(l.line, endless);
  }
}

function loadExpect(c: Collector, pair: Pair, captures: readonly CaptureSpec[]): Expectation | undefined {
  const node = pair.value;
  if (!isMap(node)) {
    c.add(c.lineOf(pair), `'expect' must be a mapping with 'captures' and/or 'output'`);
    return undefined;
  }
  let captureTexts: Map<string, string> | undefined;
  let output: string | undefined;
  for (const p of (node as YAMLMap).items) {
    const key = isScalar(p.key) ? String(p.key.value) : '';
    if (key === 'output') output = stringValue(c, p, 'expect.output');
    else if (key === 'captures') {
      captureTexts = new Map();
      if (!isMap(p.value)) {
        c.add(c.lineOf(p), `'expect.captures' must map capture points (IF or NS/IF) to their text`);
        continue;
      }
      for (const cp of (p.value as YAMLMap).items) {
        const point = isScalar(cp.key) ? String(cp.key.value) : '';
        if (!captures.some((x) => x.point === point)) {
          c.add(c.lineOf(cp), `expect.captures has '${point}', but no 'tcpdump -i ... &' in the script captures it`);
          continue;
        }
        const text = stringValue(c, cp, `expect.captures.${point}`);
        if (text !== undefined) captureTexts.set(point, text);
      }
      for (const x of captures) {
        if (!(p.value as YAMLMap).has(x.point)) c.add(c.lineOf(p), `expect.captures has no block for '${x.point}' (captured at line ${x.line})`);
      }
    } else c.add(c.lineOf(p), `unknown key 'expect.${key}' (expected one of: ${EXPECT_KEYS.join(', ')})`);
  }
  return { ...(captureTexts ? { captures: captureTexts } : {}), ...(output !== undefined ? { output } : {}) };
}

/** Parses scenario text; `file` is only used in messages. Throws ScenarioErrors listing every problem. */
export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const c = new Collector(file, lines);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) c.add(lines.linePos(e.pos[0]).line, e.message.split('\n')[0] ?? 'YAML error');
    throw new ScenarioErrors(c.errors);
  }
  const root = doc.contents;
  if (!isMap(root)) {
    c.add(c.lineOf(root as Node) ?? 1, `a scenario is a YAML mapping with at least 'name', 'title' and 'script'`);
    throw new ScenarioErrors(c.errors);
  }
  const fields = new Map<string, Pair>();
  for (const p of (root as YAMLMap).items) {
    const key = isScalar(p.key) ? String(p.key.value) : '';
    if (!(TOP_KEYS as readonly string[]).includes(key)) c.add(c.lineOf(p), `unknown key '${key}' (expected one of: ${TOP_KEYS.join(', ')})`);
    else fields.set(key, p);
  }

  const get = (key: string): string | undefined => {
    const p = fields.get(key);
    return p ? stringValue(c, p, key) : undefined;
  };
  const name = get('name');
  if (!fields.has('name')) c.add(1, `missing 'name'`);
  else if (name !== undefined && !NAME_PATTERN.test(name)) c.add(c.lineOf(fields.get('name')), `bad name '${name}': use lower-case letters, digits and '-'`);
  const title = get('title');
  if (!fields.has('title')) c.add(1, `missing 'title'`);
  const description = get('description');

  let ipv6 = false;
  const ipv6Pair = fields.get('ipv6');
  if (ipv6Pair) {
    const v = ipv6Pair.value;
    if (isScalar(v) && typeof v.value === 'boolean') ipv6 = v.value;
    else c.add(c.lineOf(ipv6Pair), `'ipv6' must be true or false`);
  }

  let script: ScriptLine[] = [];
  const captures: CaptureSpec[] = [];
  const scriptPair = fields.get('script');
  if (!scriptPair) c.add(1, `missing 'script': the shell lines the scenario runs`);
  else {
    const node = scriptPair.value;
    const body = stringValue(c, scriptPair, 'script');
    if (body !== undefined && isScalar(node)) {
      try {
        script = splitScript(body, file, firstContentLine(c, node));
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        c.errors.push(e);
      }
      if (script.length === 0 && c.errors.length === 0) c.add(c.lineOf(scriptPair), `'script' has no commands`);
      for (const l of script) checkLine(c, l, captures);
    }
  }

  const expectPair = fields.get('expect');
  const expect = expectPair ? loadExpect(c, expectPair, captures) : undefined;
  if (c.errors.length > 0) throw new ScenarioErrors(c.errors);
  return { file, name: name as string, title: title as string, description, ipv6, script, captures, expect };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Index of the first byte of `line` that no UTF-8 reading accepts, or undefined if only its end is cut short. */
function firstBadByte(line: Uint8Array): number | undefined {
  const rejects = (n: number) => {
    try {
      // Streaming: a sequence cut short at the end of the prefix is not yet an error.
      new TextDecoder('utf-8', { fatal: true }).decode(line.subarray(0, n), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  if (!rejects(line.length)) return undefined;
  // A prefix that is rejected stays rejected as it grows: the shortest one ends at the bad byte.
  let lo = 1;
  let hi = line.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rejects(mid)) hi = mid;
    else lo = mid + 1;
  }
  // The byte that made it fail may only end a sequence begun before it: then the sequence is the culprit.
  const before = line.subarray(0, lo - 1);
  try {
    STRICT_UTF8.decode(before);
    return lo - 1;
  } catch {
    return truncatedAt(before);
  }
}

/** Where a line's last multi-byte sequence, cut short by the end of the line, starts. */
function truncatedAt(line: Uint8Array): number {
  let i = line.length - 1;
  while (i > 0 && ((line[i] as number) & 0xc0) === 0x80) i--;
  return i;
}

/**
 * The file's text, refusing bytes that are not UTF-8: a lenient decoder would turn them into U+FFFD
 * inside a device or namespace name, and the simulator and the kernel would then run different names.
 */
function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    const errors: ScenarioError[] = [];
    let start = 0;
    for (let line = 1; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const text = bytes.subarray(start, end);
      try {
        STRICT_UTF8.decode(text);
      } catch {
        const at = firstBadByte(text) ?? truncatedAt(text);
        const hex = (text[at] ?? 0).toString(16).padStart(2, '0');
        errors.push(new ScenarioError(file, line, `byte 0x${hex} at column ${at + 1} is not UTF-8: scenario files are UTF-8 text`));
      }
      start = end + 1;
    }
    throw new ScenarioErrors(errors);
  }
}

/**
 * Reads and parses a scenario file. Throws ScenarioErrors listing every problem as `file:line: message`
 * (a file that cannot be read, bytes that are not UTF-8, bad YAML, a missing key, a line that cannot run).
 */
export function loadScenario(file: string): Scenario {
  let bytes: Buffer;
  const refuse = (why: string) => new ScenarioErrors([new ScenarioError(file, undefined, why)]);
  try {
    // Only a file or a pipe ends: a directory cannot be read, and a device such as /dev/zero never ends.
    const st = statSync(file);
    if (st.isDirectory()) throw refuse('is a directory, not a scenario file');
    if (!st.isFile() && !st.isFIFO()) throw refuse('is not a regular file');
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof ScenarioErrors) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'no such file (a part of the path is not a directory)' : `cannot read: ${code ?? String(e)}`);
  }
  return parseScenario(decodeUtf8(bytes, file), file);
}
