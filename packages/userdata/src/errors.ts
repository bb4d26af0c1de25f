const BRAND = Symbol.for('pgha.error');

/** Stable codes of {@link UserdataError}. */
export type UserdataErrorCode =
  /** The cluster description breaks one or more rules; `problems` lists every one. */
  | 'INVALID_CLUSTER'
  /** A renderer was asked for a member or node the cluster does not have. */
  | 'UNKNOWN_MEMBER'
  /** An argument of a renderer (paths, options) is missing or malformed; `problems` lists every one. */
  | 'INVALID_OPTIONS'
  /** A timing profile name or Patroni version that no profile exists for. */
  | 'INVALID_TIMING';

/** One broken rule: where, what was given, and how to fix it. */
export interface Problem {
  /** Field path inside the input, e.g. `etcd.members[1].host`. */
  readonly path: string;
  /** The value given (as received; never a secret: secrets are not part of the descriptions checked here). */
  readonly value: unknown;
  /** What is wrong and what is allowed or how to fix it. */
  readonly message: string;
}

export interface UserdataErrorOptions {
  readonly problems?: readonly Problem[];
  readonly cause?: unknown;
}

/** The one error class of `@pgha/userdata`. Use {@link isUserdataError} rather than `instanceof`. */
export class UserdataError extends Error {
  override readonly name = 'UserdataError';
  readonly code: UserdataErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: UserdataErrorCode, message: string, options: UserdataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
    Object.defineProperty(this, BRAND, { value: 'userdata', enumerable: false });
  }

  /** Build one error whose message lists every problem, one per line. */
  static fromProblems(code: UserdataErrorCode, what: string, problems: readonly Problem[]): UserdataError {
    const lines = problems.map((p) => `  - ${p.path}: ${p.message} (given: ${describe(p.value)})`);
    const n = problems.length;
    return new UserdataError(code, `${what}: ${n} problem${n === 1 ? '' : 's'}\n${lines.join('\n')}`, {
      problems,
    });
  }
}

/** True for a {@link UserdataError}, even one thrown by another installed copy of this package. */
export function isUserdataError(e: unknown): e is UserdataError {
  return (
    typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === 'userdata' && 'code' in e
  );
}

/** Short, single-line rendering of a value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
