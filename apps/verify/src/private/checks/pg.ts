import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext, Verdict } from '../context.js';
import { sqlState } from '../pg-probe.js';
import { messageOf, ProbeFailure } from '../probe-failure.js';

/** Scratch table names are unique per run (hex id), and the table is dropped at the end of the run. */
export function scratchTable(runId: string, suffix: string): string {
  return `pgha_verify_${runId}_${suffix}`;
}

function ddlProblem(e: unknown, ctx: RunContext, where: string): ProbeFailure {
  if (e instanceof ProbeFailure && sqlState(e.cause) === undefined) return e;
  const cause = e instanceof ProbeFailure ? e.cause : e;
  const state = sqlState(cause);
  if (state === '42501') {
    return new ProbeFailure(
      `${where}: user "${ctx.manifest.postgres.user}" may not create a scratch table in ` +
        `"${ctx.manifest.postgres.database}" (${messageOf(cause)}); grant CREATE on its schema or use a superuser`,
      'auth',
    );
  }
  return e instanceof ProbeFailure ? e : new ProbeFailure(`${where}: ${messageOf(e)}`, 'other');
}

/** `pg.primary`: through the primary port, not in recovery and a write commits (the table is dropped later). */
export async function checkPgPrimary(ctx: RunContext, signal: AbortSignal): Promise<Verdict> {
  const { session, info } = await ctx.pg('primary');
  if (info.inRecovery) {
    return {
      status: 'fail',
      detail:
        `${session.endpoint.label} reached ${info.node}, which is in recovery (a replica): the load balancer ` +
        'sends primary traffic to a replica; check its health check (Patroni GET /primary)',
    };
  }
  const w = await ctx.primaryWrite(signal);
  return {
    status: 'pass',
    detail: `${info.node} is primary (PostgreSQL ${info.version}), a write committed in ${Math.round(w.ms)} ms`,
  };
}

/** `pg.replica`: through the replica port, in recovery and a write is refused. */
export async function checkPgReplica(ctx: RunContext, signal: AbortSignal): Promise<Verdict> {
  const { session, info } = await ctx.pg('replicas');
  const where = `${session.endpoint.label} (${info.node})`;
  if (!info.inRecovery) {
    return {
      status: 'fail',
      detail:
        `${session.endpoint.label} reached ${info.node}, which is NOT in recovery (a primary): the load ` +
        'balancer sends replica traffic to the primary; check its health check (Patroni GET /replica)',
    };
  }
  const table = scratchTable(ctx.runId, 'refused');
  try {
    await session.query(`CREATE TABLE ${table} (id int)`, [], signal);
  } catch (e) {
    if (sqlState((e as Error).cause) === '25006') {
      return { status: 'pass', detail: `${info.node} is a read-only replica: a write was refused (25006)` };
    }
    throw ddlProblem(e, ctx, where);
  }
  await session.query(`DROP TABLE IF EXISTS ${table}`, [], signal).catch(() => {});
  return { status: 'fail', detail: `${where} accepted a write although it is in recovery` };
}

/** `pg.replication`: the row written through the primary port is read through the replica port in time. */
export async function checkPgReplication(ctx: RunContext, signal: AbortSignal): Promise<Verdict> {
  const bound = ctx.replicationBoundMs;
  const [reader, write] = await Promise.all([ctx.pg('replicas'), ctx.primaryWrite(signal)]);
  const { session, info } = reader;
  let lastError = '';
  while (!signal.aborted) {
    try {
      const rows = await session.query<{ token: string }>(`SELECT token FROM ${write.table}`, [], signal);
      if (rows.some((r: { token: string }) => r.token === write.token)) {
        const ms = performance.now() - write.committedAt;
        return {
          status: 'pass',
          detail: `row written via ${write.node} read via ${info.node} after ${Math.round(ms)} ms`,
        };
      }
    } catch (e) {
      // 42P01: the table itself has not been replayed there yet.
      if (signal.aborted) break;
      if (sqlState((e as Error).cause) !== '42P01') throw e;
      lastError = messageOf((e as Error).cause);
    }
    if (performance.now() - write.committedAt > bound) break;
    await sleep(10, undefined, { signal }).catch(() => {});
  }
  const waited = Math.round(performance.now() - write.committedAt);
  return {
    status: 'fail',
    detail:
      `a row written via ${write.node} was not visible through ${session.endpoint.label} (${info.node}) ` +
      `after ${waited} ms${lastError ? ` (${lastError})` : ''}; is that replica streaming? (see patroni.replicas)`,
  };
}
