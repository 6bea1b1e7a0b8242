/**
 * What one run of a scenario produced — on the kernel or in the simulator, the same shape — and its
 * text form. A capture block holds the packet lines tcpdump printed; `output` is the stdout then stderr
 * of every foreground command, in script order.
 */
export type Mode = 'kernel' | 'sim';

export interface CaptureResult {
  readonly point: string;
  readonly text: string;
}

/**
 * Something about a run that is not part of what it printed, so never compared: a capture whose tcpdump
 * was killed mid-run (its text ends there: 'capture-died'), or one that ended by itself, e.g. when its
 * interface went away ('capture-ended', with tcpdump's own message).
 */
export interface RunWarning {
  readonly kind: 'capture-died' | 'capture-ended';
  readonly point: string;
  readonly message: string;
}

export interface Report {
  readonly scenario: string;
  readonly file: string;
  readonly mode: Mode;
  /** In the order their tcpdump lines appear in the script. */
  readonly captures: readonly CaptureResult[];
  readonly output: string;
  readonly warnings?: readonly RunWarning[];
}

/** A named block of text; canonical comparison works block by block. */
export interface Block {
  readonly key: string;
  readonly text: string;
}

export const OUTPUT_KEY = 'output';

export function reportBlocks(r: Pick<Report, 'captures' | 'output'>): Block[] {
  return [...r.captures.map((c) => ({ key: c.point, text: c.text })), { key: OUTPUT_KEY, text: r.output }];
}

function heading(key: string): string {
  return key === OUTPUT_KEY ? '== output ==' : `== capture ${key} ==`;
}

export function renderBlocks(blocks: readonly Block[]): string {
  return blocks.map((b) => `${heading(b.key)}\n${b.text}${b.text === '' || b.text.endsWith('\n') ? '' : '\n'}`).join('');
}

export function renderReport(r: Report): string {
  return renderBlocks(reportBlocks(r));
}

export function reportJson(r: Report): object {
  return {
    scenario: r.scenario,
    file: r.file,
    mode: r.mode,
    captures: Object.fromEntries(r.captures.map((c) => [c.point, c.text])),
    output: r.output,
    ...(r.warnings && r.warnings.length > 0 ? { warnings: r.warnings } : {}),
  };
}
