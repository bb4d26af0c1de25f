import { setMaxListeners } from 'node:events';
import { isClientError, type RestPhase, type RestTls } from '@pgha/clients';

// Verify's words for what went wrong on the network. The requests themselves are @pgha/clients' (`rest`,
// `pgClient`); this module turns their failures into one line for the report, naming the manifest field to check.

/** PEM material for a TLS client, with the manifest fields it came from (for messages). */
export interface TlsClient extends RestTls {
  readonly caField: string;
  readonly caPath: string;
  readonly certField?: string;
  readonly certPath?: string;
}

/** How far a connection got before it failed (@pgha/clients' `RestPhase`); lets a message say where to look. */
export type Phase = RestPhase;

/** A network failure already turned into one line of text (no stack; names the target). */
export class ProbeFailure extends Error {
  /** The message without its leading `target: `, for grouping equal failures of several targets. */
  readonly reason: string;

  constructor(
    message: string,
    readonly kind: 'timeout' | 'refused' | 'tls' | 'auth' | 'protocol' | 'other',
    cause?: unknown,
    target?: string,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ProbeFailure';
    this.reason =
      target !== undefined && message.startsWith(`${target}: `) ? message.slice(target.length + 2) : message;
  }
}

/** Aborts when `ms` have passed or `parent` aborts; `reason` tells which. */
export function deadline(ms: number, parent?: AbortSignal): AbortSignal {
  const own = AbortSignal.timeout(ms);
  const signal = parent ? AbortSignal.any([own, parent]) : own;
  // Every request of a run listens on the run's signal: more than Node's default of 10 is expected.
  setMaxListeners(200, signal);
  return signal;
}

const SERVER_NOT_TRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

const CLIENT_REJECTED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

/**
 * Turns any error from a socket, TLS or HTTP layer into one line that names the target, what went wrong
 * and what to check. Never includes secrets (none are in the inputs).
 */
export function toProbeFailure(
  e: unknown,
  ctx: {
    readonly target: string;
    readonly phase: Phase;
    readonly tls?: TlsClient | undefined;
    readonly timeoutMs: number;
    readonly signal?: AbortSignal;
  },
): ProbeFailure {
  if (e instanceof ProbeFailure) return e;
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const code = err?.code ?? '';
  const t = ctx.target;
  const mk = (reason: string, kind: ProbeFailure['kind']) => new ProbeFailure(`${t}: ${reason}`, kind, e, t);
  // @pgha/clients' rest: TIMEOUT when the connection stayed silent, ABORTED (the signal's reason as cause).
  const aborted = isClientError(e) && e.code === 'ABORTED';
  const abortReason = aborted ? (e.cause as { name?: unknown } | undefined) : undefined;
  if (
    err?.name === 'TimeoutError' ||
    (isClientError(e) && e.code === 'TIMEOUT') ||
    abortReason?.name === 'TimeoutError' ||
    (ctx.signal?.aborted && ctx.signal.reason?.name === 'TimeoutError')
  ) {
    const where =
      ctx.phase === 'connect'
        ? 'TCP connect did not complete'
        : ctx.phase === 'tls'
          ? 'TCP connected but the TLS handshake did not finish'
          : 'connected but no answer came';
    return mk(
      `no answer within ${ctx.timeoutMs} ms (${where}; is the process stopped or overloaded?)`,
      'timeout',
    );
  }
  if (err?.name === 'AbortError' || aborted || ctx.signal?.aborted) {
    return mk(`cancelled`, 'other');
  }
  if (code === 'ECONNREFUSED') {
    return mk(`connection refused (nothing listens there; is the process running?)`, 'refused');
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    // A process being killed resets connections its dying listener still accepted; so can a TLS peer that
    // drops a client certificate without an alert.
    const tlsHint =
      ctx.phase === 'tls'
        ? ' during the TLS handshake (is it stopping? or does it refuse the client certificate?)'
        : '';
    return mk(`connection reset by the server${tlsHint}`, 'other');
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return mk(`cannot reach the host (${code}); check the address in the manifest`, 'refused');
  }
  const tls = ctx.tls;
  if (SERVER_NOT_TRUSTED.has(code)) {
    const ca = tls ? `${tls.caField} (${tls.caPath})` : 'the configured CA';
    return mk(`server certificate is not signed by ${ca} (${code}); is that the cluster's CA?`, 'tls');
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return mk(`the server's certificate has expired; renew the node certificates`, 'tls');
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return mk(`the server's certificate is not yet valid; check the clocks`, 'tls');
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return mk(
      `the server's certificate does not name this address (${err.reason ?? err.message}); ` +
        'add it to the certificate SANs',
      'tls',
    );
  }
  if (CLIENT_REJECTED.has(code)) {
    const cert = tls?.certField ? `${tls.certField} (${tls.certPath})` : 'the client certificate';
    return mk(
      `the server rejected ${cert} (${code.replace(/^ERR_SSL_/, '').toLowerCase()}); ` +
        'is it signed by the cluster CA and valid?',
      'tls',
    );
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL')) {
    return mk(`TLS failed: ${code} (${firstLine(err.message)})`, 'tls');
  }
  return mk(`${code ? `${code} ` : ''}${firstLine(err?.message ?? String(e))}`, 'other');
}

export function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** The message of any error as one line, without stack. */
export function messageOf(e: unknown): string {
  return firstLine(e instanceof Error ? e.message : String(e));
}
