/** Stable error codes of `@pgha/pki`. Match on `error.code`, never on the message. */
export type PkiErrorCode =
  /** The bundle spec or the options of a call broke one or more rules; see `error.problems`. */
  | 'INVALID_SPEC'
  /** A private key file is readable or writable by group or others. */
  | 'KEY_FILE_PERMISSIONS'
  /** A private key could not be read or parsed. */
  | 'KEY_UNREADABLE'
  /** A certificate could not be read or parsed. */
  | 'CERT_UNREADABLE'
  /** A private key does not belong to the certificate next to it. */
  | 'KEY_CERT_MISMATCH'
  /** The bundle directory has a CA certificate but no CA key (or cannot be used for this cluster). */
  | 'CA_UNUSABLE'
  /** `readBundle`: the directory holds no bundle, or a file the bundle lists is missing. */
  | 'BUNDLE_INCOMPLETE'
  /** The bundle directory belongs to another cluster. */
  | 'CLUSTER_MISMATCH'
  /** A file system operation failed (see `cause`). */
  | 'IO_ERROR';

/** Codes of the single problems listed in an `INVALID_SPEC` error. */
export type PkiProblemCode =
  | 'INVALID_NAME'
  | 'DUPLICATE_NAME'
  | 'INVALID_DNS_NAME'
  | 'INVALID_IP_ADDRESS'
  | 'INVALID_VALIDITY'
  | 'INVALID_KEY_SIZE'
  | 'INVALID_KEY_ALGORITHM'
  | 'INVALID_VALUE';

/**
 * One broken rule, in the shape every pgha package reports (`@pgha/userdata`'s and `@pgha/aws-kit`'s `Problem`):
 * where (`path`, e.g. `etcdMembers[1].ipAddresses[0]`), the value given, and the message with the fix.
 */
export interface Problem {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** A {@link Problem} with the stable code of the rule it broke. */
export interface PkiProblem extends Problem {
  readonly code: PkiProblemCode;
}

/** @deprecated Use {@link PkiProblemCode}. */
export type PkiIssueCode = PkiProblemCode;

/** @deprecated Use {@link PkiProblem}: the same object. */
export type PkiIssue = PkiProblem;

const BRAND = Symbol.for('pgha.error');

export interface PkiErrorOptions {
  readonly cause?: unknown;
  /** The file or item the error is about. */
  readonly item?: string;
  readonly problems?: readonly PkiProblem[];
  /** @deprecated Use `problems`. */
  readonly issues?: readonly PkiProblem[];
}

/**
 * The one error class of `@pgha/pki`. Messages name the item, the value given and the fix; they never
 * contain private key material.
 */
export class PkiError extends Error {
  override readonly name = 'PkiError';
  readonly code: PkiErrorCode;
  /** The file or item the error is about, when there is one. */
  readonly item: string | undefined;
  /** For `INVALID_SPEC`: every broken rule (empty otherwise). */
  readonly problems: readonly PkiProblem[];

  constructor(code: PkiErrorCode, message: string, options: PkiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.item = options.item;
    this.problems = options.problems ?? options.issues ?? [];
    Object.defineProperty(this, BRAND, { value: 'pki', enumerable: false });
  }

  /** @deprecated Use {@link PkiError.problems}: the same list. */
  get issues(): readonly PkiProblem[] {
    return this.problems;
  }

  /** Builds the `INVALID_SPEC` error that lists every problem, one per line. */
  static fromProblems(what: string, problems: readonly PkiProblem[]): PkiError {
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return new PkiError('INVALID_SPEC', `Invalid ${what} (${count}):\n${lines.join('\n')}`, { problems });
  }

  /** @deprecated Use {@link PkiError.fromProblems}. */
  static fromIssues(what: string, issues: readonly PkiProblem[]): PkiError {
    return PkiError.fromProblems(what, issues);
  }
}

/**
 * True for a `PkiError`, also when it comes from another copy of this package (pnpm can install two; `instanceof`
 * would say false there).
 */
export function isPkiError(value: unknown): value is PkiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'pki' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
