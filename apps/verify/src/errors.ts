import type { Problem } from '@pgha/userdata';

const BRAND = Symbol.for('pgha.error');

/**
 * Stable error codes of `@pgha/verify`.
 *
 * - `MANIFEST_NOT_FOUND`: no manifest at the given or default place.
 * - `MANIFEST_AMBIGUOUS`: several deployments and none chosen.
 * - `MANIFEST_INVALID`: the manifest is not JSON or a field is wrong (the message lists every field).
 * - `MATERIAL_UNREADABLE`: a file the manifest names (certificate, key, password file) cannot be read or parsed.
 * - `OPTION_INVALID`: an option given to {@link verifyCluster} is out of range.
 */
export type VerifyErrorCode =
  | 'MANIFEST_NOT_FOUND'
  | 'MANIFEST_AMBIGUOUS'
  | 'MANIFEST_INVALID'
  | 'MATERIAL_UNREADABLE'
  | 'OPTION_INVALID';

/** The one error class of `@pgha/verify`. Use {@link isVerifyError} rather than `instanceof`. */
export class VerifyError extends Error {
  readonly code: VerifyErrorCode;
  /**
   * For `MANIFEST_INVALID`: every bad field, in the one pgha problem shape `{path, value, message}` (the path
   * inside the manifest, the value found, what it must be). Empty otherwise.
   */
  readonly problems: readonly Problem[];
  /** Manifest fields at fault (`etcd.tls.cert`, ...), when known: the `path` of each of {@link problems}. */
  readonly fields: readonly string[];

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown; fields?: readonly string[]; problems?: readonly Problem[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifyError';
    this.code = code;
    this.problems = options?.problems ?? [];
    this.fields = options?.fields ?? this.problems.map((p) => p.path);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any `VerifyError`, also one thrown by another copy of this package. */
export function isVerifyError(e: unknown): e is VerifyError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true && 'code' in e;
}
