/** A line of a pane, before it is fitted to the pane's width: text, plus how it stands out. */
export interface Row {
  readonly text: string;
  /** A section heading. */
  readonly head?: boolean;
  /** Less important: dimmed where colour is on. */
  readonly dim?: boolean;
  /** What the selected event changed: new, changed, or gone (shown struck out, with '-'). */
  readonly mark?: 'new' | 'changed' | 'gone';
  /** The selected thing (inverse, and a ▶ in the text itself). */
  readonly selected?: boolean;
  /** A drop or an error. */
  readonly bad?: boolean;
  /** Good news: a delivery, an added line in a diff. */
  readonly good?: boolean;
}

export function head(text: string): Row {
  return { text, head: true };
}

export function plain(text: string): Row {
  return { text };
}
