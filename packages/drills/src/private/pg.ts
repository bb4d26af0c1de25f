import { closeClient, pgClient } from '@pgha/clients';
import type pg from 'pg';
import type { PgEndpoint } from '../endpoint.js';

export type { PgEndpoint };

/** `application_name` of the drills' connections. */
export const APPLICATION_NAME = 'pgha-drill';

/** One statement on a fresh connection. */
export async function pgOnce<T extends pg.QueryResultRow>(
  target: PgEndpoint,
  sql: string,
  timeoutMs: number,
  values: unknown[] = [],
): Promise<T[]> {
  const client = pgClient(target, { connectTimeoutMs: timeoutMs, applicationName: APPLICATION_NAME });
  try {
    await client.connect();
    return (await client.query<T>(sql, values)).rows;
  } finally {
    void closeClient(client);
  }
}
