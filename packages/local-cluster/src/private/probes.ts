import { readFile } from 'node:fs/promises';
import { closeClient, type PgTarget, pgClient } from '@pgha/clients';
import type pg from 'pg';

// The etcd and Patroni REST probes, the Patroni member type and the PostgreSQL target are @pgha/clients' (shared
// with verify and the drills); re-exported so deploy's modules keep importing them from here.
export {
  etcdHealthy,
  etcdIsLeader,
  etcdVersion,
  type PatroniMember,
  type PgTarget,
  patroniCluster,
  patroniTimings,
  patroniVersions,
} from '@pgha/clients';

export interface TlsFiles {
  readonly ca: string;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

interface LoadedTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

export async function loadTls(files: TlsFiles): Promise<LoadedTls> {
  const [ca, cert, key] = await Promise.all([
    readFile(files.ca, 'utf8'),
    files.cert ? readFile(files.cert, 'utf8') : undefined,
    files.key ? readFile(files.key, 'utf8') : undefined,
  ]);
  return { ca, ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

/** Run one query on a fresh connection (TLS verified against our CA) and close it. */
export async function pgQuery<T extends pg.QueryResultRow>(
  target: PgTarget,
  sql: string,
  timeoutMs: number,
): Promise<T[]> {
  const client = pgClient(target, { connectTimeoutMs: timeoutMs, applicationName: 'pgha-deploy' });
  try {
    await client.connect();
    const result = await client.query<T>(sql);
    return result.rows;
  } finally {
    await closeClient(client);
  }
}

export async function inRecovery(target: PgTarget, timeoutMs: number): Promise<boolean> {
  const rows = await pgQuery<{ r: boolean }>(target, 'select pg_is_in_recovery() as r', timeoutMs);
  return rows[0]?.r === true;
}

/** application_name of every walsender that is streaming (Patroni sets it to the member name). */
export async function streamingReplicas(target: PgTarget, timeoutMs: number): Promise<string[]> {
  const rows = await pgQuery<{ application_name: string }>(
    target,
    "select application_name from pg_stat_replication where state = 'streaming'",
    timeoutMs,
  );
  return rows.map((r) => r.application_name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll until `probe` returns a value that is not undefined, or the time is up. Throws the last reason given
 * (probe errors are kept, not thrown early) so the caller can say what it was waiting for.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: {
    readonly timeoutMs: number;
    readonly intervalMs?: number;
    /** Called between attempts; throw from it to abort the wait (a process died). */
    readonly guard?: () => Promise<void>;
  },
): Promise<{ value: T } | { value?: undefined; lastError: string }> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'not ready';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return { value };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) return { lastError };
    await options.guard?.();
    await sleep(options.intervalMs ?? 200);
  }
}
