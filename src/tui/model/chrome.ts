/** The header and footer lines of the run screen. */
import type { RunState, TuiModel } from './app-model.js';
import { FOOTER, FOOTER_NARROW } from './keys.js';
import { secs } from './text.js';
import { lineName } from './timeline.js';
import { changeLabel } from './whatif.js';

export function headerText(m: TuiModel, r: RunState): string {
  const view = m.view(r);
  const e = view.events[r.sel];
  const drops = view.events.reduce((n, x) => n + (x.kind === 'drop' ? 1 : 0), 0);
  const parts = [
    // The brand goes first when room runs short: the rest says where the selection is.
    m.state.columns >= 120 ? ` vethsim ▸ ${view.scenario.name}` : ` ${view.scenario.name}`,
    `t=${secs(e?.t ?? 0)}s`,
    `ev ${view.events.length === 0 ? 0 : r.sel + 1}/${view.events.length}`,
    e?.line !== undefined ? lineName(e.line) : '',
    r.changes.length > 0 ? `what-if: ${r.changes.map(changeLabel).join(', ')}${r.showDiff ? ' (diff)' : ''}` : '',
    r.filter !== '' ? `filter: ${r.filter}` : '',
    r.follow !== undefined ? `follow #${r.follow}` : '',
    `✗${drops} drops`,
    r.playing ? `▶ playing ${r.speed}/s` : '',
  ];
  return parts.filter((p) => p !== '').join('  ');
}

export function footerText(m: TuiModel, r: RunState): { text: string; prompt: boolean } {
  switch (r.mode) {
    case 'goto':
      return { text: `:${r.prompt}█   Enter go · Esc cancel · :42 event · :t 3.008 time · :l9 line`, prompt: true };
    case 'filter':
      return { text: `/${r.prompt}█   ns: dev: stage:arp* pkt: line: drop, free text · Enter keep · Esc clear`, prompt: true };
    case 'whatif':
      return { text: ' type to filter · ↑/↓ choose · ←/→ value · Enter re-run with it · Esc cancel', prompt: false };
    case 'help':
      return { text: ' ↑/↓ scroll · / search · Esc or ? close · Ctrl-C quit', prompt: false };
    case 'normal':
      return r.message !== undefined ? { text: ` ${r.message}`, prompt: true } : { text: ` ${m.state.columns >= 120 ? FOOTER : FOOTER_NARROW}`, prompt: false };
  }
}
