import { readFile } from 'node:fs/promises';
import { rest } from '@pgha/clients';
import pg from 'pg';

// Patroni's /cluster and its member type are @pgha/clients' (one type for deploy, verify and the drills).
export { type PatroniMember, patroniCluster } from '@pgha/clients';

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

/** etcd's /health on one client URL, over TLS with a client certificate. */
export async function etcdHealthy(endpoint: string, tls: LoadedTls, timeoutMs: number): Promise<boolean> {
  const { status, body } = await rest(`${endpoint}/health`, tls, { timeoutMs });
  return status === 200 && (JSON.parse(body) as { health?: string }).health === 'true';
}

/** Whether this etcd member is the raft leader now (its maintenance status, over TLS with a client certificate). */
export async function etcdIsLeader(endpoint: string, tls: LoadedTls, timeoutMs: number): Promise<boolean> {
  const { status, body } = await rest(`${endpoint}/v3/maintenance/status`, tls, {
    method: 'POST',
    body: {},
    timeoutMs,
  });
  if (status !== 200) return false;
  const doc = JSON.parse(body) as { header?: { member_id?: string }; leader?: string };
  return doc.leader !== undefined && doc.leader === doc.header?.member_id;
}

/** The etcd server version a member runs (`/version` on its client URL). */
export async function etcdVersion(endpoint: string, tls: LoadedTls, timeoutMs: number): Promise<string> {
  const { status, body } = await rest(`${endpoint}/version`, tls, { timeoutMs });
  if (status !== 200) throw new Error(`${endpoint}/version answered HTTP ${status}`);
  const version = (JSON.parse(body) as { etcdserver?: unknown }).etcdserver;
  if (typeof version !== 'string') throw new Error(`${endpoint}/version named no etcdserver version`);
  return version;
}

/** What a Patroni node runs: its Patroni version and PostgreSQL's (`/patroni`; `server_version` 150020 is 15.20). */
export async function patroniVersions(
  restUrl: string,
  tls: LoadedTls,
  timeoutMs: number,
): Promise<{ readonly patroni: string | undefined; readonly postgres: string | undefined }> {
  const { status, body } = await rest(`${restUrl}/patroni`, tls, { timeoutMs });
  // 503 is a replica or a node without a running PostgreSQL: the body still describes it.
  if (status !== 200 && status !== 503) throw new Error(`${restUrl}/patroni answered HTTP ${status}`);
  const doc = JSON.parse(body) as { patroni?: { version?: unknown }; server_version?: unknown };
  const pv = doc.patroni?.version;
  const sv = doc.server_version;
  return {
    patroni: typeof pv === 'string' ? pv : undefined,
    postgres: typeof sv === 'number' && sv > 0 ? `${Math.floor(sv / 10000)}.${sv % 10000}` : undefined,
  };
}

/** The effective leader-election timings: Patroni's dynamic configuration (`/config`), as the cluster uses them. */
export async function patroniTimings(
  restUrl: string,
  tls: LoadedTls,
  timeoutMs: number,
): Promise<{ readonly ttl: number; readonly loopWait: number; readonly retryTimeout: number }> {
  const { status, body } = await rest(`${restUrl}/config`, tls, { timeoutMs });
  if (status !== 200) throw new Error(`${restUrl}/config answered HTTP ${status}`);
  const doc = JSON.parse(body) as { ttl?: unknown; loop_wait?: unknown; retry_timeout?: unknown };
  const num = (v: unknown, name: string) => {
    if (typeof v !== 'number') throw new Error(`${restUrl}/config has no ${name}`);
    return v;
  };
  return {
    ttl: num(doc.ttl, 'ttl'),
    loopWait: num(doc.loop_wait, 'loop_wait'),
    retryTimeout: num(doc.retry_timeout, 'retry_timeout'),
  };
}

export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly ca: string;
}

/**
 * A client for one endpoint, TLS verified against our CA; not connected yet. Errors after connect (the server
 * went away) surface on the next query, not as an unhandled 'error' event.
 */
export function pgClient(
  target: PgTarget,
  timeoutMs: number,
  queryTimeoutMs = timeoutMs,
  name = 'pgha-deploy',
): pg.Client {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: { ca: target.ca, rejectUnauthorized: true },
    connectionTimeoutMillis: timeoutMs,
    query_timeout: queryTimeoutMs,
    application_name: name,
  });
  client.on('error', () => {});
  return client;
}

/** Run one query on a fresh connection (TLS verified against our CA) and close it. */
export async function pgQuery<T extends pg.QueryResultRow>(
  target: PgTarget,
  sql: string,
  timeoutMs: number,
): Promise<T[]> {
  const client = pgClient(target, timeoutMs);
  try {
    await client.connect();
    const result = await client.query<T>(sql);
    return result.rows;
  } finally {
    await client.end().catch(() => {});
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
