import { AWS_DEPLOY_ERROR_KINDS, type AwsDeployErrorCode, isAwsDeployError } from '@pgha/aws-deploy';
import {
  isLocalClusterError,
  LOCAL_CLUSTER_ERROR_KINDS,
  type LocalClusterErrorCode,
} from '@pgha/local-cluster';
import type { Problem } from '@pgha/userdata';

const BRAND = Symbol.for('pgha.error');

/**
 * How grave a {@link RehearsalError} is: `usage`, the request must change (the config, the work dir, root, a
 * missing tool); `external`, something outside failed (the emulator, Terraform, a container, verify);
 * `interrupted`, the caller's signal fired.
 */
export type RehearsalErrorKind = 'usage' | 'external' | 'interrupted';

/**
 * Stable error codes of `@pgha/rehearsal`: the codes of `@pgha/local-cluster` and `@pgha/aws-deploy`, whose
 * errors a rehearsal re-wraps keeping their code (with what it leaves behind). Its own:
 *
 * - `USAGE`: booting needs root; `--drill`-like requests on a rehearsal in the wrong stage.
 * - `CONFIG_INVALID`: a config the rehearsal cannot stand in for (a VPC CIDR smaller than /24).
 * - `STATE_CONFLICT`: the work dir holds another rehearsal, or something that is not one; a namespace is taken.
 * - `STATE_DAMAGED`: the rehearsal's record is not one.
 * - `BINARY_MISSING`: moto_server, the provider mirror, or a tool booting needs is not there.
 * - `PROCESS_DIED`, `START_TIMEOUT`, `STOP_FAILED`: the emulator, a service or a container exited, did not
 *   come up in time, or would not stop.
 * - `INTERRUPTED`: the caller's `AbortSignal` fired; `leftBehind` says what is left.
 */
export type RehearsalErrorCode = LocalClusterErrorCode | AwsDeployErrorCode;

/** The kind of every code (see {@link RehearsalErrorKind}). */
export const REHEARSAL_ERROR_KINDS: Readonly<Record<RehearsalErrorCode, RehearsalErrorKind>> = {
  ...LOCAL_CLUSTER_ERROR_KINDS,
  ...AWS_DEPLOY_ERROR_KINDS,
};

/**
 * Which check refused, where one code has several: for a caller that words its own hint (a CLI naming its
 * commands and flags).
 *
 * - `needs-root`: booting the instances needs root.
 * - `work-dir-taken`: the work dir holds a rehearsal already (running, or left behind).
 * - `work-dir-foreign`: the work dir holds files and no rehearsal.
 * - `not-a-rehearsal`: the work dir to destroy holds no rehearsal.
 */
export type RehearsalErrorReason = 'needs-root' | 'work-dir-taken' | 'work-dir-foreign' | 'not-a-rehearsal';

export interface RehearsalErrorOptions {
  readonly cause?: unknown;
  /** What the user can do about it. */
  readonly hint?: string | undefined;
  /** What is left running or on disk because of the failure, said honestly. */
  readonly leftBehind?: readonly string[];
  /** The command that removes what is left behind (the caller's `cleanup` option). @default - none named */
  readonly cleanup?: string | undefined;
  /** The input problems, for `CONFIG_INVALID`. @default [] */
  readonly problems?: readonly Problem[];
  /** Which check refused. @default - none: the code says it */
  readonly reason?: RehearsalErrorReason;
}

/** The one error class of `@pgha/rehearsal`. Use {@link isRehearsalError} rather than `instanceof`. */
export class RehearsalError extends Error {
  readonly code: RehearsalErrorCode;
  readonly hint: string | undefined;
  readonly leftBehind: readonly string[];
  readonly cleanup: string | undefined;
  readonly problems: readonly Problem[];
  readonly reason: RehearsalErrorReason | undefined;

  constructor(code: RehearsalErrorCode, message: string, options: RehearsalErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RehearsalError';
    this.code = code;
    this.hint = options.hint;
    this.leftBehind = options.leftBehind ?? [];
    this.cleanup = options.cleanup;
    this.problems = options.problems ?? [];
    this.reason = options.reason;
    Object.defineProperty(this, BRAND, { value: 'rehearsal', enumerable: false });
  }

  get kind(): RehearsalErrorKind {
    return REHEARSAL_ERROR_KINDS[this.code];
  }
}

/** True for any `RehearsalError`, also one thrown by another installed copy of this package. */
export function isRehearsalError(value: unknown): value is RehearsalError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'rehearsal' &&
    (value as { name?: unknown }).name === 'RehearsalError'
  );
}

/** An error of the rehearsal or of the libraries it runs, which carry a code, a hint and what is left behind. */
export function isCodedError(value: unknown): value is {
  readonly code: RehearsalErrorCode;
  readonly hint: string | undefined;
  readonly message: string;
} {
  return isRehearsalError(value) || isAwsDeployError(value) || isLocalClusterError(value);
}
