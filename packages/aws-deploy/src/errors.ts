import type { Problem } from '@pgha/userdata';

const BRAND = Symbol.for('pgha.error');

/**
 * How grave an {@link AwsDeployError} is: `usage`, the request must change (the config, the state dir, a
 * missing tool or credentials); `external`, something outside failed (Terraform, AWS); `interrupted`, the
 * caller stopped the work.
 */
export type AwsDeployErrorKind = 'usage' | 'external' | 'interrupted';

/**
 * Stable error codes of `@pgha/aws-deploy`.
 *
 * - `CONFIG_INVALID`: an AWS config that breaks a rule (`problems` lists each `{path, value, message}`), or a
 *   VPC whose network cannot boot the cluster.
 * - `STATE_CONFLICT`: the state dir holds something else (a local deployment of the same name, a secret
 *   version store pgha did not write).
 * - `BINARY_MISSING`: Terraform, or the offline provider mirror, is not there.
 * - `CREDENTIALS_MISSING`: no source of AWS credentials, or AWS refused them.
 * - `TERRAFORM_FAILED`: Terraform exited non-zero, or printed something that does not describe a pgha stack.
 */
export type AwsDeployErrorCode =
  | 'CONFIG_INVALID'
  | 'STATE_CONFLICT'
  | 'BINARY_MISSING'
  | 'CREDENTIALS_MISSING'
  | 'TERRAFORM_FAILED';

/** The kind of every code (see {@link AwsDeployErrorKind}). */
export const AWS_DEPLOY_ERROR_KINDS: Readonly<Record<AwsDeployErrorCode, AwsDeployErrorKind>> = {
  CONFIG_INVALID: 'usage',
  STATE_CONFLICT: 'usage',
  BINARY_MISSING: 'usage',
  CREDENTIALS_MISSING: 'usage',
  TERRAFORM_FAILED: 'external',
};

/**
 * Which check refused, where one code has several: for a caller that words its own hint (a CLI naming its
 * commands and flags).
 *
 * - `no-credentials`: the preflight found no source of AWS credentials.
 * - `no-provider-mirror`: an offline plan found no hashicorp/aws provider in the mirror.
 * - `apply-failed`: `terraform apply` failed; what it created is in the Terraform state.
 * - `state-of-other-target`: the state dir holds a local deployment of the cluster's name.
 */
export type AwsDeployErrorReason =
  | 'no-credentials'
  | 'no-provider-mirror'
  | 'apply-failed'
  | 'state-of-other-target';

export interface AwsDeployErrorOptions {
  readonly cause?: unknown;
  /** What the user can do about it. */
  readonly hint?: string | undefined;
  /** What is left in AWS or on disk because of the failure, said honestly. */
  readonly leftBehind?: readonly string[];
  /** The command that removes what is left behind. @default - none named */
  readonly cleanup?: string;
  /** The input problems, for `CONFIG_INVALID`. @default [] */
  readonly problems?: readonly Problem[];
  /** Which check refused. @default - none: the code says it */
  readonly reason?: AwsDeployErrorReason;
}

/** The one error class of `@pgha/aws-deploy`. Use {@link isAwsDeployError} rather than `instanceof`. */
export class AwsDeployError extends Error {
  readonly code: AwsDeployErrorCode;
  readonly hint: string | undefined;
  readonly leftBehind: readonly string[];
  readonly cleanup: string | undefined;
  readonly problems: readonly Problem[];
  readonly reason: AwsDeployErrorReason | undefined;

  constructor(code: AwsDeployErrorCode, message: string, options: AwsDeployErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AwsDeployError';
    this.code = code;
    this.hint = options.hint;
    this.leftBehind = options.leftBehind ?? [];
    this.cleanup = options.cleanup;
    this.problems = options.problems ?? [];
    this.reason = options.reason;
    Object.defineProperty(this, BRAND, { value: 'aws-deploy', enumerable: false });
  }

  get kind(): AwsDeployErrorKind {
    return AWS_DEPLOY_ERROR_KINDS[this.code];
  }
}

/** True for any `AwsDeployError`, also one thrown by another installed copy of this package. */
export function isAwsDeployError(value: unknown): value is AwsDeployError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'aws-deploy' &&
    (value as { name?: unknown }).name === 'AwsDeployError'
  );
}
