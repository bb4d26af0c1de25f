import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext, Verdict } from '../context.js';
import { messageOf, ProbeFailure } from '../net.js';
import { type PgClient, type PgConnectionSettings, type PgEndpoint, sqlState, withPg } from '../pg-probe.js';

function settings(ctx: RunContext): PgConnectionSettings {
  const pg = ctx.manifest.postgres;
  return {
    user: pg.user,
    database: pg.database,
    password: ctx.materials.password,
    passwordFile: pg.passwordFile,
    tls: ctx.materials.pgTls,
  };
}

function endpoint(ctx: RunContext, which: 'primary' | 'replicas'): PgEndpoint {
  const hp = ctx.manifest.postgres[which];
  const label = `${which === 'primary' ? 'primary' : 'replica'} port ${hp.host}:${hp.port}`;
  return { ...hp, label, field: `postgres.${which}` };
}

interface ServerInfo {
  inRecovery: boolean;
  /** The node behind the load balancer, as PostgreSQL sees its own address. */
  node: string;
  version: string;
}

async function serverInfo(c: PgClient): Promise<ServerInfo> {
  const r = await c.query<{ rec: boolean; addr: string | null; port: number | null; v: string }>(
    "SELECT pg_is_in_recovery() AS rec, host(inet_server_addr()) AS addr, inet_server_port() AS port, current_setting('server_version') AS v",
  );
  const row = r.rows[0];
  if (!row) throw new ProbeFailure('the server returned no row for pg_is_in_recovery()', 'protocol');
  return {
    inRecovery: row.rec,
    node: row.addr ? `${row.addr}:${row.port ?? '?'}` : 'a unix socket',
    version: row.v.split(' ')[0] ?? row.v,
  };
}

/** Scratch table names are unique per run, quoted, and always dropped again. */
function scratch(ctx: RunContext, suffix: string): string {
  return `"pgha_verify_${ctx.runId}_${suffix}"`;
}

function ddlProblem(e: unknown, ctx: RunContext, where: string): ProbeFailure {
  if (e instanceof ProbeFailure) return e;
  const state = sqlState(e);
  if (state === '42501') {
    return new ProbeFailure(
      `${where}: user "${ctx.manifest.postgres.user}" may not create a scratch table in ` +
        `"${ctx.manifest.postgres.database}" (${messageOf(e)}); grant CREATE on its schema or use a superuser`,
      'auth',
    );
  }
  return new ProbeFailure(`${where}: ${messageOf(e)}${state ? ` (SQLSTATE ${state})` : ''}`, 'other');
}

/** `pg.primary`: through the primary port, not in recovery and a write commits (then is dropped). */
export async function checkPgPrimary(ctx: RunContext, signal: AbortSignal): Promise<Verdict> {
  const ep = endpoint(ctx, 'primary');
  return withPg(ep, settings(ctx), signal, ctx.timeoutMs, async (c) => {
    const info = await serverInfo(c);
    if (info.inRecovery) {
      return {
        status: 'fail',
        detail:
          `${ep.label} reached ${info.node}, which is in recovery (a replica): the load balancer sends ` +
          'primary traffic to a replica; check its health check (Patroni GET /primary)',
      };
    }
    const table = scratch(ctx, 'p');
    const t0 = performance.now();
    try {
      await c.query('BEGIN');
      await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`INSERT INTO ${table} (id) VALUES (1)`);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw ddlProblem(e, ctx, `${ep.label} (${info.node})`);
    }
    const ms = performance.now() - t0;
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    return {
      status: 'pass',
      detail: `${info.node} is primary (PostgreSQL ${info.version}), a write committed in ${Math.round(ms)} ms`,
    };
  });
}

/** `pg.replica`: through the replica port, in recovery and a write is refused. */
export async function checkPgReplica(ctx: RunContext, signal: AbortSignal): Promise<Verdict> {
  const ep = endpoint(ctx, 'replicas');
  return withPg(ep, settings(ctx), signal, ctx.timeoutMs, async (c) => {
    const info = await serverInfo(c);
    if (!info.inRecovery) {
      return {
        status: 'fail',
        detail:
          `${ep.label} reached ${info.node}, which is NOT in recovery (a primary): the load balancer sends ` +
          'replica traffic to the primary; check its health check (Patroni GET /replica)',
      };
    }
    const table = scratch(ctx, 'refused');
    try {
      await c.query(`CREATE TABLE ${table} (id int)`);
    } catch (e) {
      const state = sqlState(e);
      if (state === '25006') {
        return { status: 'pass', detail: `${info.node} is a read-only replica: a write was refused (25006)` };
      }
      throw ddlProblem(e, ctx, `${ep.label} (${info.node})`);
    }
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    return {
      status: 'fail',
      detail: `${ep.label} (${info.node}) accepted a write although it is in recovery`,
    };
  });
}

/** `pg.replication`: a row written through the primary port is read through the replica port in time. */
export async function checkPgReplication(ctx: RunContext, signal: AbortSignal): Promise<Verdict> {
  const primary = endpoint(ctx, 'primary');
  const replica = endpoint(ctx, 'replicas');
  const s = settings(ctx);
  const table = scratch(ctx, 'r');
  const token = `${ctx.runId}-${Date.now()}`;
  const bound = ctx.replicationBoundMs;

  // The replica connection opens while the primary writes; it polls once the write has committed.
  let committed: (at: { t: number; node: string } | undefined) => void = () => {};
  const commit = new Promise<{ t: number; node: string } | undefined>((r) => {
    committed = r;
  });

  const reader = withPg(replica, s, signal, ctx.timeoutMs, async (c) => {
    const info = await serverInfo(c);
    const at = await commit;
    if (!at) return undefined;
    let lastError = '';
    while (!signal.aborted) {
      try {
        const r = await c.query(`SELECT token FROM ${table}`);
        if (r.rows.some((row) => row.token === token))
          return { ms: performance.now() - at.t, node: info.node, from: at.node };
      } catch (e) {
        // 42P01: the table itself has not been replayed yet.
        if (sqlState(e) !== '42P01') throw e;
        lastError = messageOf(e);
      }
      if (performance.now() - at.t > bound) {
        return { ms: Number.POSITIVE_INFINITY, node: info.node, from: at.node, lastError };
      }
      await sleep(10, undefined, { signal }).catch(() => {});
    }
    return { ms: Number.POSITIVE_INFINITY, node: info.node, from: at.node, lastError };
  });

  const writer = withPg(primary, s, signal, ctx.timeoutMs, async (c) => {
    let info: ServerInfo;
    try {
      info = await serverInfo(c);
      if (info.inRecovery) {
        throw new ProbeFailure(
          `${primary.label} reached ${info.node}, a replica; nothing to replicate from`,
          'other',
        );
      }
      await c.query(`CREATE TABLE ${table} (token text NOT NULL)`);
      await c.query(`INSERT INTO ${table} (token) VALUES ($1)`, [token]);
      committed({ t: performance.now(), node: info.node });
    } catch (e) {
      committed(undefined);
      throw ddlProblem(e, ctx, primary.label);
    }
    try {
      return await reader;
    } finally {
      // Clean up through the same connection, whatever the reader saw.
      await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    }
  });
  // A reader failure is reported through the writer (which awaits it); keep it from being unhandled.
  reader.catch(() => {});
  const seen = await writer;
  if (!seen) return { status: 'fail', detail: `the write through ${primary.label} did not commit` };
  if (!Number.isFinite(seen.ms)) {
    return {
      status: 'fail',
      detail:
        `a row written through ${primary.label} (${seen.from}) was not visible through ${replica.label} ` +
        `(${seen.node}) within ${bound} ms; is that replica streaming? (see patroni.replicas)`,
    };
  }
  return {
    status: 'pass',
    detail: `row written via ${seen.from} read via ${seen.node} after ${Math.round(seen.ms)} ms`,
  };
}
