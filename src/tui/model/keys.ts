/**
 * The key map. Input arrives as ink reports it — a string and flags — and a burst of keys typed fast
 * arrives as one string ("nnn"), so printable input is taken one character at a time. What a key does
 * depends on the mode: in a prompt or a menu, letters are text (typing `q` in a filter never quits).
 */

/** The flags of a key press, as ink's useInput reports them. */
export interface KeyFlags {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
  readonly shift?: boolean;
  readonly tab?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly meta?: boolean;
}

export type Key =
  | { readonly kind: 'char'; readonly ch: string }
  | { readonly kind: 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'enter' | 'escape' | 'tab' | 'backtab' | 'backspace' | 'interrupt' };

/** One press (or one burst) as the keys it stands for. */
export function decodeKeys(input: string, k: KeyFlags): Key[] {
  if (k.ctrl && input === 'c') return [{ kind: 'interrupt' }];
  if (input === '\x03') return [{ kind: 'interrupt' }];
  if (k.upArrow) return [{ kind: 'up' }];
  if (k.downArrow) return [{ kind: 'down' }];
  if (k.leftArrow) return [{ kind: 'left' }];
  if (k.rightArrow) return [{ kind: 'right' }];
  if (k.pageUp) return [{ kind: 'pageUp' }];
  if (k.pageDown) return [{ kind: 'pageDown' }];
  if (k.home) return [{ kind: 'home' }];
  if (k.end) return [{ kind: 'end' }];
  if (k.return) return [{ kind: 'enter' }];
  if (k.tab) return [{ kind: k.shift ? 'backtab' : 'tab' }];
  // ink sets `meta` with Escape, and reports Backspace as `delete` on most terminals.
  if (k.escape) return [{ kind: 'escape' }];
  if (k.backspace || k.delete) return [{ kind: 'backspace' }];
  if (k.ctrl || k.meta) return [];
  const out: Key[] = [];
  for (const ch of input) {
    // Ctrl-C typed right after another key arrives in the same burst ("n\x03").
    if (ch === '\x03') out.push({ kind: 'interrupt' });
    else if (ch === '\r' || ch === '\n') out.push({ kind: 'enter' });
    else if (ch === '\t') out.push({ kind: 'tab' });
    else if (ch === '\x7f' || ch === '\b') out.push({ kind: 'backspace' });
    else if (ch >= ' ') out.push({ kind: 'char', ch });
  }
  return out;
}

/** The full list, as `?` shows it: [keys, what they do]. */
export const HELP: readonly (readonly [string, string])[] = [
  ['n → l', 'next event'],
  ['p ← h', 'previous event'],
  ['] [', 'next / previous drop'],
  ['} {', 'next / previous script line'],
  ['g G  Home End', 'first / last event'],
  ['↓ ↑  j k', 'next / previous event (timeline), or scroll the focused pane'],
  ['PgDn PgUp', 'a page down / up'],
  [':', 'go to: :42 (event), :t 3.008 (time in s), :l9 (script line)'],
  ['f F', 'follow the selected packet and its clones (n/p stay on it) / stop'],
  ['/', 'filter the timeline: ns:NAME dev:NAME stage:arp* pkt:N line:N drop, free text; Esc clears'],
  ['Tab S-Tab 1–6', 'focus a pane: 1 timeline 2 why 3 state 4 topology 5 captures 6 script'],
  ['z', 'zoom the focused pane (again: back)'],
  ['s S', 'state pane: next namespace / back to the selected event\'s'],
  ['w', 'what-if: change a decision sysctl or a link, re-run from the start'],
  ['d', 'show / hide the what-if\'s diff (timeline and captures)'],
  ['u', 'undo the last what-if'],
  ['e', 'export the captures up to the selected event as pcap files'],
  ['space + -', 'play / pause, faster / slower'],
  ['o', 'open another scenario (the picker)'],
  ['?', 'this help (↑/↓ scroll, / search, Esc or ? closes)'],
  ['q  Ctrl-C', 'quit'],
];

export const FOOTER = 'n/p step  ]/[ drop  }/{ line  : goto  f follow  / filter  Tab pane  w what-if  d diff  u undo  e pcap  ? help  q quit';

/** The keys that matter most, for 80 columns; `?` lists the rest. */
export const FOOTER_NARROW = 'n/p step  ]/[ drop  f follow  / filter  Tab pane  w what-if  ? help  q quit';
