const BRAND = Symbol.for('pgha.error');

/**
 * How the CLI treats an error: usage errors exit 2, external failures exit 1, an interrupted run 130,
 * internal ones show a stack.
 */
export type ErrorKind = 'usage' | 'external' | 'interrupted' | 'internal';

export type DeployErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'STATE_CONFLICT'
  | 'STATE_UNREACHABLE'
  | 'STATE_DAMAGED'
  | 'STATE_LOCKED'
  | 'NODES_OWNED'
  | 'BINARY_MISSING'
  | 'COMPONENT_UNSAFE'
  | 'PORT_IN_USE'
  | 'PROCESS_DIED'
  | 'START_TIMEOUT'
  | 'STOP_FAILED'
  | 'NOT_DEPLOYED'
  | 'TERRAFORM_FAILED'
  | 'CREDENTIALS_MISSING'
  | 'INTERRUPTED';

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
  USAGE: 'usage',
  CONFIG_INVALID: 'usage',
  STATE_CONFLICT: 'usage',
  STATE_UNREACHABLE: 'usage',
  STATE_DAMAGED: 'usage',
  STATE_LOCKED: 'usage',
  NODES_OWNED: 'usage',
  BINARY_MISSING: 'usage',
  COMPONENT_UNSAFE: 'usage',
  PORT_IN_USE: 'usage',
  NOT_DEPLOYED: 'usage',
  CREDENTIALS_MISSING: 'usage',
  PROCESS_DIED: 'external',
  START_TIMEOUT: 'external',
  STOP_FAILED: 'external',
  TERRAFORM_FAILED: 'external',
  INTERRUPTED: 'interrupted',
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

export function isDeployError(value: unknown): value is DeployError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'deploy' &&
    (value as { name?: unknown }).name === 'DeployError'
  );
}

/** An error of any @pgha package (they share the brand): expected failures with a message fit for users. */
export function isPghaError(value: unknown): value is Error & { code: string } {
  return typeof value === 'object' && value !== null && Boolean((value as Record<symbol, unknown>)[BRAND]);
}
