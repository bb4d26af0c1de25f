import type { DrillContext } from './context.js';
import type { DrillObservations, Measurement } from './measure.js';
import type { DrillCheck } from './result.js';
import type { TargetCapability } from './target.js';

/** One fault: its metadata, its injection, and any checks of its own. One module per scenario. */
export interface Scenario<N extends string = string> {
  readonly name: N;
  /** One line: what is done to the cluster. */
  readonly fault: string;
  /** The old primary is expected to end up a streaming replica of the new one. */
  readonly expectsRejoin: boolean;
  /** The leader is expected to stay where it is. */
  readonly expectsSameLeader: boolean;
  /** What the target must offer; a target without it is refused before anything is deployed. */
  readonly requires?: readonly TargetCapability[];
  /**
   * Inject the fault under the running workload (calling {@link DrillContext.markFault} at the moment of
   * it) and wait until the cluster settled: new leader, rejoin, restarts, heals.
   */
  inject(ctx: DrillContext): Promise<void>;
  /** Checks of this scenario's own, from the observations and the common measurement. Pure. */
  verdict?(observations: DrillObservations, measured: Omit<Measurement, 'ok'>): readonly DrillCheck[];
}

/** Declare a scenario (keeps its name's literal type for the registry). */
export function defineScenario<const N extends string>(scenario: Scenario<N>): Scenario<N> {
  return scenario;
}
