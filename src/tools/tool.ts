/**
 * The userspace commands a script runs in the simulator (ip, ping, sysctl, ...). Each is checked before
 * the script starts — an unsupported command or option is an error naming the line, so a world is never
 * half-applied — and then run against the namespace the line runs in, printing what the real tool prints.
 */
import type { Namespace, World } from '../sim/world.js';

export interface ToolContext {
  readonly world: World;
  /** The namespace the command runs in (the script's own, or the one `ip netns exec NS` names). */
  readonly ns: Namespace;
}

export interface ToolOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
}

/** A command that takes virtual time (ping, sleep): it calls `done` from an event when it ends. */
export interface AsyncRun {
  readonly async: (done: (o: ToolOutput) => void) => void;
}

export interface Tool {
  /**
   * Undefined when the simulator can run this argv (argv[0] is the program); otherwise why not. Usage
   * errors the real tool reports itself are not refused here: the run prints them as the tool does.
   */
  check(argv: readonly string[]): string | undefined;
  run(ctx: ToolContext, argv: readonly string[]): ToolOutput | AsyncRun;
}

export function out(stdout: string, stderr = '', exit = 0): ToolOutput {
  return { stdout, stderr, exit };
}

/**
 * Thrown by run() when what the command would print depends on something the simulator does not
 * model, which only the run can tell (a counter it does not keep, say): the runner stops with the
 * file and line, as check() would have.
 */
export class NotSimulated extends Error {
  override name = 'NotSimulated';
}
