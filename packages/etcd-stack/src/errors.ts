import type { Problem } from '@pgha/aws-kit';

const BRAND = Symbol.for('pgha.error');

/** Stable error codes thrown by `@pgha/etcd-stack`. */
export type EtcdStackErrorCode = 'ETCD_STACK_INVALID_PROPS';

/**
 * The one error class of `@pgha/etcd-stack`. Identify it with {@link isEtcdStackError}, not `instanceof`
 * (two installed copies of the package would make `instanceof` lie).
 */
export class EtcdStackError extends Error {
  /** Stable, machine-readable code. */
  readonly code: EtcdStackErrorCode;
  /** Every broken rule: the prop's path, the value given and the fix (the one pgha problem shape). */
  readonly problems: readonly Problem[];

  constructor(
    code: EtcdStackErrorCode,
    message: string,
    problems: readonly Problem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'EtcdStackError';
    this.code = code;
    this.problems = problems;
    Object.defineProperty(this, BRAND, { value: 'etcd-stack', enumerable: false });
  }
}

/** True for any error thrown by `@pgha/etcd-stack`, whichever copy of the package threw it. */
export function isEtcdStackError(e: unknown): e is EtcdStackError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === 'etcd-stack';
}
