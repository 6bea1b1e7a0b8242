import type { ScriptLine } from './script.js';

/** One background `tcpdump ... &` of a script: where it listens and the name its capture is reported under. */
export interface CaptureSpec {
  readonly point: string;
  readonly netns: string | undefined;
  readonly iface: string;
  readonly line: number;
}

/** What a scenario promises. Every key present is checked; an absent key is not. */
export interface Expectation {
  /** Capture text per capture point, in the script's order. */
  readonly captures?: ReadonlyMap<string, string>;
  /** Stdout then stderr of every foreground command, in script order. */
  readonly output?: string;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  /** When false (the default) IPv6 is off in every namespace and absent from every capture. */
  readonly ipv6: boolean;
  readonly script: readonly ScriptLine[];
  readonly captures: readonly CaptureSpec[];
  readonly expect: Expectation | undefined;
}
