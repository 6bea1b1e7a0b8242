/**
 * How a simulator run can fail once its scenario has loaded. In a module of their own so that whoever
 * tells these apart (the CLI, a library user) need not load the simulator to do it.
 */

export class SimulationError extends Error {
  override name = 'SimulationError';
}

/** The storm guard stopped the run: frames kept going round without the network going quiet. */
export class StormGuardStop extends SimulationError {
  override name = 'StormGuardStop';
}
