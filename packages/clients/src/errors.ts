/** Stable error codes of `@pgha/clients`. Match on `error.code`, never on the message. */
export type ClientErrorCode =
  /** The server answered with a status the call cannot use (the message names the URL and the status). */
  | 'HTTP_STATUS'
  /** The answer is not what the service sends (no JSON, a field missing). */
  | 'PROTOCOL'
  /** The connection stayed silent for the call's `timeoutMs` (the message names the URL and the time). */
  | 'TIMEOUT'
  /** The caller's `AbortSignal` aborted the call; `cause` is the signal's reason. */
  | 'ABORTED';

const BRAND = Symbol.for('pgha.error');

export interface ClientErrorOptions {
  /** The URL that was asked. */
  readonly url?: string;
  readonly cause?: unknown;
}

/** The one error class of `@pgha/clients`. Network and TLS errors are not wrapped: they reject as Node gives them. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  readonly url: string | undefined;

  constructor(code: ClientErrorCode, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.url = options.url;
    Object.defineProperty(this, BRAND, { value: 'clients', enumerable: false });
  }
}

/** True for a `ClientError`, also from another copy of this package (`instanceof` would say false there). */
export function isClientError(value: unknown): value is ClientError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === 'clients' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
