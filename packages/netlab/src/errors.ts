/** Stable error codes of `@pgha/netlab`. Match on `error.code`, never on the message. */
export type NetlabErrorCode =
  /** The network spec or the arguments of a call broke one or more rules; see `error.issues`. */
  | 'INVALID_SPEC'
  /** A host name that the network does not have. */
  | 'UNKNOWN_HOST'
  /** Namespaces can only be made, entered and changed by root (CAP_NET_ADMIN and CAP_SYS_ADMIN). */
  | 'NOT_ROOT'
  /** A system tool (ip, nft, nsenter, tc) is missing. */
  | 'TOOL_MISSING'
  /** A system tool ran and failed; the message carries its stderr. */
  | 'COMMAND_FAILED'
  /** This kernel lacks a feature the call needs (for example the netem qdisc for delay). */
  | 'UNSUPPORTED'
  /** Teardown would remove a namespace processes still run in; stop them first. */
  | 'BUSY'
  /** The record file of a network is missing or is not one. */
  | 'RECORD_INVALID';

/** One broken rule: where (`path`, e.g. `hosts[1].address`), the value given and the fix. */
export interface NetlabIssue {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

const BRAND = Symbol.for('pgha.error');

export interface NetlabErrorOptions {
  readonly cause?: unknown;
  readonly issues?: readonly NetlabIssue[];
}

/** The one error class of `@pgha/netlab`. Messages name the item, the value given and the fix. */
export class NetlabError extends Error {
  override readonly name = 'NetlabError';
  readonly code: NetlabErrorCode;
  /** For `INVALID_SPEC`: every broken rule (empty otherwise). */
  readonly issues: readonly NetlabIssue[];

  constructor(code: NetlabErrorCode, message: string, options: NetlabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    Object.defineProperty(this, BRAND, { value: 'netlab', enumerable: false });
  }

  /** The `INVALID_SPEC` error that lists every issue, one per line. */
  static fromIssues(what: string, issues: readonly NetlabIssue[]): NetlabError {
    const lines = issues.map((i) => `  - ${i.path}: ${JSON.stringify(i.value)}: ${i.message}`);
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    return new NetlabError('INVALID_SPEC', `invalid ${what} (${count}):\n${lines.join('\n')}`, { issues });
  }
}

/** True for a `NetlabError`, also from another copy of this package (`instanceof` would say false there). */
export function isNetlabError(value: unknown): value is NetlabError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'netlab' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
