import {
  AWS_DEPLOY_ERROR_KINDS,
  type AwsDeployError,
  type AwsDeployErrorCode,
  isAwsDeployError,
} from '@pgha/aws-deploy';
import {
  isLocalClusterError,
  LOCAL_CLUSTER_ERROR_KINDS,
  type LocalClusterError,
  type LocalClusterErrorCode,
} from '@pgha/local-cluster';
import { isRehearsalError, type RehearsalError } from '@pgha/rehearsal';

const BRAND = Symbol.for('pgha.error');

/**
 * How the CLI treats an error: usage errors exit 2, external failures exit 1, an interrupted run 130,
 * internal ones show a stack.
 */
export type ErrorKind = 'usage' | 'external' | 'interrupted' | 'internal';

/** The local runtime's codes (`@pgha/local-cluster`) and the AWS target's (`@pgha/aws-deploy`). */
export type DeployErrorCode = LocalClusterErrorCode | AwsDeployErrorCode;

export interface DeployErrorOptions {
  readonly cause?: unknown;
  /** What the user can do about it; printed on its own line. */
  readonly hint?: string;
  /** What is left running or on disk because of the failure, said honestly. */
  readonly leftBehind?: readonly string[];
  /** The command that removes what is left behind. @default - `pnpm run status` shows it, `destroy` stops it */
  readonly cleanup?: string;
}

const KIND: Record<DeployErrorCode, ErrorKind> = {
  ...LOCAL_CLUSTER_ERROR_KINDS,
  ...AWS_DEPLOY_ERROR_KINDS,
};

export class DeployError extends Error {
  readonly code: DeployErrorCode;
  readonly hint: string | undefined;
  readonly leftBehind: readonly string[];
  readonly cleanup: string | undefined;

  constructor(code: DeployErrorCode, message: string, options: DeployErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeployError';
    this.code = code;
    this.hint = options.hint;
    this.leftBehind = options.leftBehind ?? [];
    this.cleanup = options.cleanup;
    Object.defineProperty(this, BRAND, { value: 'deploy', enumerable: false });
  }

  get kind(): ErrorKind {
    return KIND[this.code];
  }
}

/**
 * A DeployError, or a `LocalClusterError` of the local runtime, an `AwsDeployError` of the AWS target or a
 * `RehearsalError` of the rehearsal, which carry the same fields (code, hint, leftBehind, cleanup, kind) and
 * codes: the CLI reports and re-wraps them alike.
 */
export function isDeployError(
  value: unknown,
): value is DeployError | LocalClusterError | AwsDeployError | RehearsalError {
  return (
    isLocalClusterError(value) ||
    isAwsDeployError(value) ||
    isRehearsalError(value) ||
    (typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === 'deploy' &&
      (value as { name?: unknown }).name === 'DeployError')
  );
}

/** An error of any @pgha package (they share the brand): expected failures with a message fit for users. */
export function isPghaError(value: unknown): value is Error & { code: string } {
  return typeof value === 'object' && value !== null && Boolean((value as Record<symbol, unknown>)[BRAND]);
}
