import pg from 'pg';
import type { PgEndpoint } from '../endpoint.js';

export type { PgEndpoint };

/**
 * A client for one endpoint, TLS verified against the cluster CA; not connected yet. Errors after connect
 * (the server went away) surface on the next query, not as an unhandled 'error' event.
 */
export function pgClient(target: PgEndpoint, connectTimeoutMs: number, queryTimeoutMs: number): pg.Client {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: { ca: target.ca, rejectUnauthorized: true },
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
    application_name: 'pgha-drill',
  });
  client.on('error', () => {});
  return client;
}

/**
 * Close a client without ever waiting on the network: `end()` sends Terminate and waits for the server to close
 * the socket, which over a cut or lossy link may never happen (a FIN lost on a lossy link left one in FIN-WAIT-2
 * and kept the drill's process alive after its results). After `graceMs` the socket is destroyed.
 */
export function closeClient(client: pg.Client, graceMs = 1000): Promise<void> {
  const timer = setTimeout(() => client.connection.stream.destroy(), graceMs);
  timer.unref();
  return client
    .end()
    .catch(() => {})
    .finally(() => clearTimeout(timer));
}

/** One statement on a fresh connection. */
export async function pgOnce<T extends pg.QueryResultRow>(
  target: PgEndpoint,
  sql: string,
  timeoutMs: number,
  values: unknown[] = [],
): Promise<T[]> {
  const client = pgClient(target, timeoutMs, timeoutMs);
  try {
    await client.connect();
    return (await client.query<T>(sql, values)).rows;
  } finally {
    void closeClient(client);
  }
}
