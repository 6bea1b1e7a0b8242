/**
 * How a kernel run can fail, apart from the scenario's own commands (whose failures are part of the
 * output). In a module of their own so that whoever tells these apart (the CLI, a library user) need
 * not load kernel mode itself.
 */

/** Kernel mode cannot run here; `missing` says why, one sentence each. */
export class KernelUnavailable extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`kernel mode cannot run here:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    this.name = 'KernelUnavailable';
  }
}

/** The kernel run itself broke (not the scenario's commands, whose failures are part of the output). */
export class KernelRunFailed extends Error {
  override name = 'KernelRunFailed';
}

/** The run outlived its whole-run limit (--timeout) and was torn down. */
export class KernelRunTimedOut extends KernelRunFailed {
  override name = 'KernelRunTimedOut';
}

/** The run was cancelled through its signal (Ctrl-C) and torn down. */
export class KernelRunInterrupted extends KernelRunFailed {
  override name = 'KernelRunInterrupted';
}
