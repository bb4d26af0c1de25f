import type { Problem } from '@pgha/userdata';

const BRAND = Symbol.for('pgha.error');

/**
 * How grave a {@link LocalClusterError} is: `usage`, the request must change (an option, the state dir, a
 * missing component); `external`, something outside failed (a process died, a start timed out); `interrupted`,
 * the caller's signal fired.
 */
export type LocalClusterErrorKind = 'usage' | 'external' | 'interrupted';

/**
 * Stable error codes of `@pgha/local-cluster`.
 *
 * - `USAGE`: a request that cannot be served as given (a cluster name that is no name, netns mode without root).
 * - `CONFIG_INVALID`: options that break a rule; `problems` lists each `{path, value, message}`.
 * - `STATE_CONFLICT`: the state dir holds the cluster with other options, or something else is in the way.
 * - `STATE_UNREACHABLE`: the service user cannot reach the node data (a checkout under /root).
 * - `STATE_DAMAGED`: a state or run record file that does not parse.
 * - `STATE_LOCKED`: a deploy or destroy of the same cluster runs now.
 * - `NODES_OWNED`: the nodes dir belongs to another state dir (or to none).
 * - `BINARY_MISSING`: etcd, Patroni, PostgreSQL or HAProxy (or the service user) is not installed.
 * - `COMPONENT_UNSAFE`: the installed set is one the component policy refuses.
 * - `PORT_IN_USE`: an address and port of the plan is taken by another process.
 * - `PROCESS_DIED`, `START_TIMEOUT`, `STOP_FAILED`: a service exited, did not become ready in time, or
 *   would not stop.
 * - `NOT_DEPLOYED`: status or destroy of a cluster this state dir does not hold.
 * - `INTERRUPTED`: the caller's `AbortSignal` fired; `leftBehind` says what runs.
 */
export type LocalClusterErrorCode =
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
  | 'INTERRUPTED';

/** The kind of every code (see {@link LocalClusterErrorKind}). */
export const LOCAL_CLUSTER_ERROR_KINDS: Readonly<Record<LocalClusterErrorCode, LocalClusterErrorKind>> = {
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
  PROCESS_DIED: 'external',
  START_TIMEOUT: 'external',
  STOP_FAILED: 'external',
  INTERRUPTED: 'interrupted',
};

export interface LocalClusterErrorOptions {
  readonly cause?: unknown;
  /** What the user can do about it. */
  readonly hint?: string | undefined;
  /** What is left running or on disk because of the failure, said honestly. */
  readonly leftBehind?: readonly string[];
  /** The command that removes what is left behind. @default - status shows it, destroy stops it */
  readonly cleanup?: string;
  /** The input problems, for `CONFIG_INVALID`. @default [] */
  readonly problems?: readonly Problem[];
}

/** The one error class of `@pgha/local-cluster`. Use {@link isLocalClusterError} rather than `instanceof`. */
export class LocalClusterError extends Error {
  readonly code: LocalClusterErrorCode;
  readonly hint: string | undefined;
  readonly leftBehind: readonly string[];
  readonly cleanup: string | undefined;
  readonly problems: readonly Problem[];

  constructor(code: LocalClusterErrorCode, message: string, options: LocalClusterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LocalClusterError';
    this.code = code;
    this.hint = options.hint;
    this.leftBehind = options.leftBehind ?? [];
    this.cleanup = options.cleanup;
    this.problems = options.problems ?? [];
    Object.defineProperty(this, BRAND, { value: 'local-cluster', enumerable: false });
  }

  get kind(): LocalClusterErrorKind {
    return LOCAL_CLUSTER_ERROR_KINDS[this.code];
  }
}

/** True for any `LocalClusterError`, also one thrown by another installed copy of this package. */
export function isLocalClusterError(value: unknown): value is LocalClusterError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'local-cluster' &&
    (value as { name?: unknown }).name === 'LocalClusterError'
  );
}
