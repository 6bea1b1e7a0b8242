/**
 * Walking an argv the way iproute2's parsers do: a cursor over the words, NEXT_ARG for a keyword's
 * value, and matches() for abbreviations.
 */
import { incompleteCommand } from './errors.js';

/** iproute2's matches(): one rule for every reader of a line (an empty word matches nothing). */
export { matches } from '../../scenario/command.js';

export class Args {
  private i = 0;

  constructor(private readonly words: readonly string[]) {}

  /** Words left, the current one included (argc). */
  get count(): number {
    return this.words.length - this.i;
  }

  get more(): boolean {
    return this.i < this.words.length;
  }

  /** The current word (*argv). */
  get word(): string {
    return this.words[this.i] ?? '';
  }

  /** argc--, argv++ */
  shift(): void {
    this.i++;
  }

  /** NEXT_ARG(): move to the keyword's value; none left is "Command line is not complete". */
  next(): string {
    this.i++;
    if (this.i >= this.words.length) incompleteCommand();
    return this.word;
  }

  rest(): readonly string[] {
    return this.words.slice(this.i);
  }
}
