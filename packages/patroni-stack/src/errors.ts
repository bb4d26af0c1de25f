import type { Problem } from '@pgha/aws-kit';

const BRAND = Symbol.for('pgha.error');

/** Stable error codes thrown by `@pgha/patroni-stack`. */
export type PatroniStackErrorCode = 'PATRONI_STACK_INVALID_PROPS';

/**
 * The one error class of `@pgha/patroni-stack`. Identify it with {@link isPatroniStackError}, not `instanceof`
 * (two installed copies of the package would make `instanceof` lie).
 */
export class PatroniStackError extends Error {
  /** Stable, machine-readable code. */
  readonly code: PatroniStackErrorCode;
  /** Every broken rule: the prop's path, the value given and the fix (the one pgha problem shape). */
  readonly problems: readonly Problem[];

  constructor(
    code: PatroniStackErrorCode,
    message: string,
    problems: readonly Problem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PatroniStackError';
    this.code = code;
    this.problems = problems;
    Object.defineProperty(this, BRAND, { value: 'patroni-stack', enumerable: false });
  }
}

/** True for any error thrown by `@pgha/patroni-stack`, whichever copy of the package threw it. */
export function isPatroniStackError(e: unknown): e is PatroniStackError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === 'patroni-stack';
}
