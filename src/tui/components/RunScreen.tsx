/* @jsxRuntime automatic @jsxImportSource react */
/** A scenario open: header, the panes as the layout places them (or help / the what-if menu over them), footer. */
import { memo, type ReactElement } from 'react';
import { Box } from 'ink';
import type { RunState, TuiModel } from '../model/app-model.js';
import { footerText, headerText } from '../model/chrome.js';
import { PANE_SHORT, PANES, PANE_TITLE, type PaneId, type Rect } from '../model/layout.js';
import { CapturesPane } from './CapturesPane.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { ScriptPane } from './ScriptPane.js';
import { StatePane } from './StatePane.js';
import { TimelinePane } from './TimelinePane.js';
import { TopologyPane } from './TopologyPane.js';
import { WhatIfMenu } from './WhatIfMenu.js';
import { WhyPane } from './WhyPane.js';

const NO_INSERTS: ReadonlySet<number> = new Set();

/** The title of a pane: its number and name, or in the narrow layout the strip of the panes beside the timeline. */
function titleOf(pane: PaneId, strip: boolean): string {
  const n = PANES.indexOf(pane) + 1;
  if (!strip) return `${n} ${PANE_TITLE[pane]}`;
  return PANES.slice(1)
    .map((p, i) => (p === pane ? `[${i + 2} ${PANE_SHORT[p]}]` : `${i + 2} ${PANE_SHORT[p]}`))
    .join('│');
}

export const RunScreen = memo(function RunScreen({ model, r }: { model: TuiModel; r: RunState }) {
  const { columns, rows } = model.state;
  const view = model.view(r);
  const w = model.whatIf(r);
  const wide = model.wide();
  const strip = !wide && !r.zoom;
  const bodyH = rows - 2;
  const inserted = w ? new Set(w.view.lines.filter((l) => !Number.isInteger(l.line)).map((l) => l.line)) : NO_INSERTS;

  const paneOf = (pane: PaneId, rect: Rect): ReactElement => {
    const focused = r.focus === pane;
    const scroll = r.scroll[pane] ?? 0;
    const common = { width: rect.w, height: rect.h, focused, scroll, title: titleOf(pane, strip && pane !== 'timeline') };
    switch (pane) {
      case 'timeline': {
        const items = model.timeline(r);
        const nav = model.navigable(r);
        const at = nav.indexOf(r.sel);
        const info = `${r.filter !== '' || r.follow !== undefined ? 'filtered' : 'all'} ${at + 1}/${nav.length}`;
        return <TimelinePane key={pane} view={view} base={r.session.base} items={items} sel={r.sel} top={r.timelineTop} width={rect.w} height={rect.h} focused={focused} info={info} />;
      }
      case 'why':
        return <WhyPane key={pane} view={view} sel={r.sel} suggestion={model.suggestion(r)} {...common} />;
      case 'state':
        return <StatePane key={pane} view={view} sel={r.sel} ns={model.stateNs(r)} pinned={r.stateNs !== undefined} {...common} />;
      case 'topology':
        return <TopologyPane key={pane} view={view} sel={r.sel} {...common} />;
      case 'captures':
        return <CapturesPane key={pane} view={view} sel={r.sel} diff={r.showDiff ? w?.diff : undefined} {...common} />;
      case 'script':
        return <ScriptPane key={pane} view={view} sel={r.sel} inserted={inserted} {...common} />;
    }
  };

  let body: ReactElement;
  if (r.mode === 'help') {
    body = <HelpOverlay entries={model.helpRows(r)} query={r.help.query} searching={r.help.searching} scroll={r.help.scroll} width={columns} height={bodyH} />;
  } else {
    const cols = model.layout();
    body = (
      <Box flexDirection="row" height={bodyH}>
        {cols.map((col, ci) => {
          const menuHere = r.mode === 'whatif' && r.menu && (ci === cols.length - 1 || cols.length === 1);
          const colW = col[0]?.rect.w ?? columns;
          return (
            <Box key={ci} flexDirection="column" width={colW}>
              {menuHere && r.menu ? (
                <WhatIfMenu knobs={model.menuKnobs(r.menu)} cursor={r.menu.cursor} value={r.menu.value} query={r.menu.query} before={r.menu.before} applied={r.changes} width={colW} height={bodyH} />
              ) : (
                col.map((p) => paneOf(p.pane, p.rect))
              )}
            </Box>
          );
        })}
      </Box>
    );
  }
  const foot = footerText(model, r);
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header text={headerText(model, r)} width={columns} />
      {body}
      <Footer text={foot.text} width={columns} prompt={foot.prompt} />
    </Box>
  );
});
