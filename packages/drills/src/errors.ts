const BRAND = Symbol.for('pgha.drills.error');

/**
 * Stable error codes of `@pgha/drills`.
 *
 * - `OPTION_INVALID`: a drill request names an unknown scenario or profile, or a value out of range.
 * - `TARGET_UNSUPPORTED`: the scenario needs a capability the target lacks (link faults need `target.network`).
 * - `CLUSTER_NOT_READY`: the throwaway cluster never reached the state the drill starts from (no primary, no
 *   sync standby, the drill table cannot be created, the rows cannot be read back).
 * - `FAULT_FAILED`: the fault could not be injected (no switchover candidate, a process not found).
 * - `ABORTED`: the caller's `AbortSignal` fired; the throwaway cluster was destroyed.
 */
export type DrillErrorCode =
  | 'OPTION_INVALID'
  | 'TARGET_UNSUPPORTED'
  | 'CLUSTER_NOT_READY'
  | 'FAULT_FAILED'
  | 'ABORTED';

/** The one error class of `@pgha/drills`. Use {@link isDrillError} rather than `instanceof`. */
export class DrillError extends Error {
  readonly code: DrillErrorCode;
  /**
   * What the cluster looked like when the drill gave up (members' roles and states, etcd health, log tails),
   * one line each; empty when the error came before the cluster existed.
   */
  diagnostics: readonly string[];

  constructor(
    code: DrillErrorCode,
    message: string,
    options?: { cause?: unknown; diagnostics?: readonly string[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DrillError';
    this.code = code;
    this.diagnostics = options?.diagnostics ?? [];
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any `DrillError`, also one thrown by another copy of this package. */
export function isDrillError(e: unknown): e is DrillError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true && 'code' in e;
}
