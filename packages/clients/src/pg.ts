import pg from 'pg';

/** A PostgreSQL endpoint and a login, TLS verified against `ca` (verify-full: the certificate must name `host`). */
export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The password, or a function that gives it (keeps it out of logs and JSON of the target). */
  readonly password: string | (() => string);
  readonly database: string;
  /** The cluster CA (PEM). */
  readonly ca: string;
}

export interface PgClientOptions {
  /** How long connecting (TCP, TLS, authentication) may take. */
  readonly connectTimeoutMs: number;
  /** How long each query may take. @default connectTimeoutMs */
  readonly queryTimeoutMs?: number;
  /** `application_name` the server shows in `pg_stat_activity` (e.g. `pgha-deploy`, `pgha-drill`). */
  readonly applicationName: string;
}

/**
 * A client for one endpoint, TLS verified against the cluster CA; not connected yet. Errors after connect (the
 * server went away) surface on the next query, not as an unhandled 'error' event.
 */
export function pgClient(target: PgTarget, options: PgClientOptions): pg.Client {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: { ca: target.ca, rejectUnauthorized: true },
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs ?? options.connectTimeoutMs,
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
