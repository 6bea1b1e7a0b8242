/**
 * Errors in what a person wrote: a scenario file, a script line, a command's arguments.
 * Each names the file and line so an editor can jump there; none carries a stack trace to the user.
 */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
    this.name = 'ScenarioError';
  }
}

/** Several problems found in one pass: loading reports them all rather than the first. */
export class ScenarioErrors extends Error {
  constructor(readonly errors: readonly ScenarioError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ScenarioErrors';
  }
}
