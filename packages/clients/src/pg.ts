import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';

/**
 * How the server's certificate is checked, as libpq's `sslmode` names it: `verify-full` (signed by `ca` and naming
 * the host), `verify-ca` (signed by `ca`, any name: a load balancer address missing from the certificates), `require`
 * (encrypted, not checked). A connection is always encrypted.
 */
export type PgSslMode = 'verify-full' | 'verify-ca' | 'require';

/** A PostgreSQL endpoint and a login, TLS verified against `ca` (by default the certificate must name `host`). */
export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The password, or a function that gives it (keeps it out of logs and JSON of the target). */
  readonly password: string | (() => string);
  readonly database: string;
  /** The cluster CA (PEM); unused with `sslMode: 'require'`. */
  readonly ca: string;
  /** @default 'verify-full' */
  readonly sslMode?: PgSslMode | undefined;
}

export interface PgClientOptions {
  /**
   * How long connecting (TCP, TLS, authentication) may take.
   * @default - no limit of its own: the caller ends a stalled attempt (e.g. on its AbortSignal, by destroying
   * `client.connection.stream`)
   */
  readonly connectTimeoutMs?: number | undefined;
  /** How long each query may take. @default connectTimeoutMs (no limit without it) */
  readonly queryTimeoutMs?: number;
  /** `application_name` the server shows in `pg_stat_activity` (e.g. `pgha-deploy`, `pgha-drill`). */
  readonly applicationName: string;
}

function ssl(target: PgTarget): ConnectionOptions {
  switch (target.sslMode ?? 'verify-full') {
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { ca: target.ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ca: target.ca, rejectUnauthorized: true };
  }
}

/**
 * A client for one endpoint, TLS checked as `target.sslMode` says (verified against the cluster CA by default); not
 * connected yet. Errors after connect (the
 * server went away) surface on the next query, not as an unhandled 'error' event.
 */
export function pgClient(target: PgTarget, options: PgClientOptions): pg.Client {
  const queryTimeoutMs = options.queryTimeoutMs ?? options.connectTimeoutMs;
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: ssl(target),
    ...(options.connectTimeoutMs === undefined ? {} : { connectionTimeoutMillis: options.connectTimeoutMs }),
    ...(queryTimeoutMs === undefined ? {} : { query_timeout: queryTimeoutMs }),
    application_name: options.applicationName,
  });
  client.on('error', () => {});
  return client;
}

/**
 * Close a client without ever waiting on the network: `end()` sends Terminate and waits for the server to close
 * the socket, which over a cut or lossy link may never happen (a FIN lost on a lossy link left one in FIN-WAIT-2
 * and kept a drill's process alive after its results). After `graceMs` the socket is destroyed. Never rejects.
 */
export function closeClient(client: pg.Client, graceMs = 1000): Promise<void> {
  const timer = setTimeout(() => client.connection.stream.destroy(), graceMs);
  timer.unref();
  return client
    .end()
    .catch(() => {})
    .finally(() => clearTimeout(timer));
}
