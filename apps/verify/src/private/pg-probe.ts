import type { Socket } from 'node:net';
import pg from 'pg';
import type { HostPort, PostgresTlsMode } from '../manifest.js';
import { firstLine, type Phase, ProbeFailure, type TlsClient, toProbeFailure } from './net.js';
import type { Secret } from './secret.js';

export interface PgConnectionSettings {
  readonly user: string;
  readonly database: string;
  readonly password: Secret;
  readonly passwordFile: string;
  readonly tls: TlsClient & { readonly mode: PostgresTlsMode };
}

export interface PgEndpoint extends HostPort {
  /** e.g. `primary port 127.0.30.1:5432`: how messages name this endpoint. */
  readonly label: string;
  /** e.g. `postgres.primary`: the manifest field. */
  readonly field: string;
}

export type PgClient = Pick<pg.Client, 'query'>;

interface ClientInternals {
  connection?: { stream?: Socket; once(ev: string, fn: () => void): void };
}

/** SQLSTATE of a PostgreSQL error, when the error came from the server. */
export function sqlState(e: unknown): string | undefined {
  const err = e as { code?: unknown; severity?: unknown };
  return typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && err.severity !== undefined
    ? err.code
    : undefined;
}

/**
 * Connects (TLS as the manifest says), runs `fn`, and always closes. Every failure becomes a
 * {@link ProbeFailure} naming the endpoint; an abort of `signal` ends the connection at once.
 */
export async function withPg<T>(
  ep: PgEndpoint,
  s: PgConnectionSettings,
  signal: AbortSignal,
  timeoutMs: number,
  fn: (client: PgClient) => Promise<T>,
): Promise<T> {
  const ssl =
    s.tls.mode === 'require'
      ? { rejectUnauthorized: false }
      : s.tls.mode === 'verify-ca'
        ? { ca: s.tls.ca, rejectUnauthorized: true, checkServerIdentity: () => undefined }
        : { ca: s.tls.ca, rejectUnauthorized: true };
  const client = new pg.Client({
    host: ep.host,
    port: ep.port,
    user: s.user,
    database: s.database,
    password: s.password.reveal(),
    ssl,
    application_name: 'pgha-verify',
    // The defaults read PG* variables from the environment; settings here are explicit.
    keepAlive: false,
  });
  let phase: Phase = 'connect';
  let connected = false;
  const conn = (client as unknown as ClientInternals).connection;
  conn?.stream?.once('connect', () => {
    phase = 'tls';
  });
  conn?.once('sslconnect', () => {
    phase = 'answer';
  });
  // Errors after a failure are reported through the promise; keep the client from throwing them.
  client.on('error', () => {});
  const onAbort = () => {
    conn?.stream?.destroy();
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    connected = true;
    phase = 'answer';
    return await fn(client);
  } catch (e) {
    throw describePgError(e, ep, s, { phase, connected, signal, timeoutMs });
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (connected && !signal.aborted) {
      await client.end().catch(() => {});
    } else {
      conn?.stream?.destroy();
    }
  }
}

function describePgError(
  e: unknown,
  ep: PgEndpoint,
  s: PgConnectionSettings,
  ctx: { phase: Phase; connected: boolean; signal: AbortSignal; timeoutMs: number },
): ProbeFailure {
  if (e instanceof ProbeFailure) return e;
  const t = ep.label;
  const state = sqlState(e);
  const msg = firstLine((e as Error)?.message ?? String(e));
  if (ctx.signal.aborted) {
    return toProbeFailure(ctx.signal.reason, {
      target: t,
      phase: ctx.phase,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
  }
  if (state === '28P01') {
    return new ProbeFailure(
      `${t}: password authentication failed for user "${s.user}"; check that postgres.passwordFile ` +
        `(${s.passwordFile}) holds that user's current password`,
      'auth',
    );
  }
  if (state === '28000') {
    return new ProbeFailure(
      `${t}: refused by pg_hba.conf (${msg}); allow this client (hostssl, 127.0.0.0/8)`,
      'auth',
    );
  }
  if (state === '3D000') {
    return new ProbeFailure(`${t}: ${msg}; check postgres.database`, 'auth');
  }
  if (state === '57P03' || state === '57P01' || state === '57P02') {
    return new ProbeFailure(
      `${t}: ${msg} (the node behind the load balancer is starting or stopping)`,
      'other',
    );
  }
  if (state) return new ProbeFailure(`${t}: ${msg} (SQLSTATE ${state})`, 'other');
  if (msg === 'The server does not support SSL connections') {
    return new ProbeFailure(
      `${t}: the server has TLS off; turn on ssl in PostgreSQL (verify always encrypts)`,
      'tls',
    );
  }
  if (!ctx.connected && /Connection terminated unexpectedly|Connection terminated/.test(msg)) {
    return new ProbeFailure(
      `${t}: accepted the connection and closed it before PostgreSQL answered; no healthy backend behind ` +
        `${ep.field} (check the load balancer's health checks and Patroni)`,
      'refused',
    );
  }
  if ((e as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') {
    return new ProbeFailure(
      `${t}: connection refused (nothing listens there; is the load balancer running? is ${ep.field} right?)`,
      'refused',
    );
  }
  return toProbeFailure(e, { target: t, phase: ctx.phase, tls: s.tls, timeoutMs: ctx.timeoutMs });
}
