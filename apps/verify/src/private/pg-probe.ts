import { closeClient, pgClient, type Secret } from '@pgha/clients';
import type { HostPort, PostgresTlsMode } from '../manifest.js';
import { firstLine, type Phase, ProbeFailure, type TlsClient, toProbeFailure } from './probe-failure.js';

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

/** SQLSTATE of a PostgreSQL error, when the error came from the server. */
export function sqlState(e: unknown): string | undefined {
  const err = e as { code?: unknown; severity?: unknown };
  return typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && err.severity !== undefined
    ? err.code
    : undefined;
}

/** One connection shared by the checks of a run; queries run one after another on it. */
export interface PgSession {
  readonly endpoint: PgEndpoint;
  /**
   * Runs a statement; rejects with a {@link ProbeFailure} naming the endpoint, also when `signal` aborts
   * first (the statement is then left to {@link PgSession.close}).
   */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[],
    signal: AbortSignal,
  ): Promise<R[]>;
  /** Ends the connection: politely within `graceMs`, else by closing the socket. */
  close(graceMs: number): Promise<void>;
}

/**
 * Connects (TLS as the manifest says). Every failure becomes a {@link ProbeFailure} naming the endpoint;
 * an abort of `signal` while connecting ends the attempt at once.
 */
export async function openPg(
  ep: PgEndpoint,
  s: PgConnectionSettings,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<PgSession> {
  // @pgha/clients' client, TLS as the manifest says; no timeouts of its own: `signal` ends a stalled attempt.
  const client = pgClient(
    {
      host: ep.host,
      port: ep.port,
      user: s.user,
      database: s.database,
      password: () => s.password.reveal(),
      ca: s.tls.ca,
      sslMode: s.tls.mode,
    },
    { applicationName: 'pgha-verify' },
  );
  let phase: Phase = 'connect';
  let connected = false;
  let closed = false;
  const conn = client.connection;
  conn.stream.once('connect', () => {
    phase = 'tls';
  });
  conn.once('sslconnect', () => {
    phase = 'answer';
  });
  const destroy = () => {
    closed = true;
    conn.stream.destroy();
  };
  const onAbort = () => destroy();
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    connected = true;
    phase = 'answer';
  } catch (e) {
    destroy();
    throw describePgError(e, ep, s, { phase, connected, signal, timeoutMs });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  return {
    endpoint: ep,
    async query<R extends Record<string, unknown>>(sql: string, params: readonly unknown[], qs: AbortSignal) {
      if (qs.aborted || closed) {
        throw describePgError(qs.reason ?? new Error('connection closed'), ep, s, {
          phase: 'answer',
          connected,
          signal: qs,
          timeoutMs,
        });
      }
      let onQueryAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onQueryAbort = () => reject(qs.reason);
        qs.addEventListener('abort', onQueryAbort, { once: true });
      });
      aborted.catch(() => {});
      try {
        const r = await Promise.race([client.query<R>(sql, params as unknown[]), aborted]);
        return r.rows;
      } catch (e) {
        throw describePgError(e, ep, s, { phase: 'answer', connected, signal: qs, timeoutMs });
      } finally {
        if (onQueryAbort) qs.removeEventListener('abort', onQueryAbort);
      }
    },
    async close(graceMs: number) {
      if (closed) return;
      closed = true;
      await closeClient(client, graceMs);
    },
  };
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
      e,
    );
  }
  if (state === '28000') {
    return new ProbeFailure(
      `${t}: refused by pg_hba.conf (${msg}); allow this client (hostssl, 127.0.0.0/8)`,
      'auth',
      e,
    );
  }
  if (state === '3D000') {
    return new ProbeFailure(`${t}: ${msg}; check postgres.database`, 'auth', e);
  }
  if (state === '57P03' || state === '57P01' || state === '57P02') {
    return new ProbeFailure(
      `${t}: ${msg} (the node behind the load balancer is starting or stopping)`,
      'other',
      e,
    );
  }
  if (state) return new ProbeFailure(`${t}: ${msg} (SQLSTATE ${state})`, 'other', e);
  if (msg === 'The server does not support SSL connections') {
    return new ProbeFailure(
      `${t}: the server has TLS off; turn on ssl in PostgreSQL (verify always encrypts)`,
      'tls',
      e,
    );
  }
  if (!ctx.connected && /Connection terminated unexpectedly|Connection terminated/.test(msg)) {
    return new ProbeFailure(
      `${t}: accepted the connection and closed it before PostgreSQL answered; no healthy backend behind ` +
        `${ep.field} (check the load balancer's health checks and Patroni)`,
      'refused',
      e,
    );
  }
  if ((e as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') {
    return new ProbeFailure(
      `${t}: connection refused (nothing listens there; is the load balancer running? is ${ep.field} right?)`,
      'refused',
      e,
    );
  }
  return toProbeFailure(e, { target: t, phase: ctx.phase, tls: s.tls, timeoutMs: ctx.timeoutMs });
}

/** What a session found at the other end of a load balancer port. */
export interface ServerInfo {
  readonly inRecovery: boolean;
  /** The node behind the load balancer, as PostgreSQL sees its own address (`host:port`). */
  readonly node: string;
  readonly version: string;
}

export async function serverInfo(session: PgSession, signal: AbortSignal): Promise<ServerInfo> {
  const rows = await session.query<{ rec: boolean; addr: string | null; port: number | null; v: string }>(
    'SELECT pg_is_in_recovery() AS rec, host(inet_server_addr()) AS addr, inet_server_port() AS port, ' +
      "current_setting('server_version') AS v",
    [],
    signal,
  );
  const row = rows[0];
  if (!row) throw new ProbeFailure(`${session.endpoint.label}: no row for pg_is_in_recovery()`, 'protocol');
  return {
    inRecovery: row.rec,
    node: row.addr ? `${row.addr}:${row.port ?? '?'}` : 'a unix socket',
    version: row.v.split(' ')[0] ?? row.v,
  };
}
