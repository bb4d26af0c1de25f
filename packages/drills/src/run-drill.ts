import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { RestTls } from '@pgha/clients';
import { step } from '@pgha/clients';
import { isVerifyError, type Manifest, readManifest } from '@pgha/verify';
import { anyRest, DrillContext, type PatroniTiming } from './context.js';
import { diagnose } from './diagnose.js';
import { DIRECT_TABLE_SQL } from './direct-probe.js';
import type { PgEndpoint } from './endpoint.js';
import { DrillError, isDrillError } from './errors.js';
import type { DrillEventListener } from './events.js';
import { type DrillObservations, measure, type StoredRow } from './measure.js';
import { pgOnce } from './private/pg.js';
import { checkAborted, sleep, until } from './private/wait.js';
import { DRILL_PROFILES, type DrillProfileName, isDrillProfileName } from './profiles.js';
import { isScenarioName, type ScenarioName, scenarioNamed } from './registry.js';
import type { DrillResult } from './result.js';
import { type Member, PrimarySampler } from './sampler.js';
import type { Scenario } from './scenario.js';
import { type DeployedDrillCluster, type DrillTarget, hasProcessFaults } from './target.js';
import { parseTimelineHistory, type TimelineHistory } from './timeline.js';
import { DRILL_TABLE_SQL, Workload } from './workload.js';

export interface DrillRequest {
  readonly scenario: ScenarioName;
  readonly profile: DrillProfileName;
  readonly synchronousMode: boolean;
  /** Patroni `failsafe_mode` during the drill. @default false (the deploy's default, and Patroni's) */
  readonly failsafe?: boolean | undefined;
  /** Writing clients, each on its own connection through the load balancer. @default 4 */
  readonly clients?: number | undefined;
  /** Bound on each wait (new leader, rejoin, writes resuming). @default - 4 x ttl + 60 s */
  readonly waitTimeoutMs?: number | undefined;
}

export interface RunDrillOptions {
  /** Progress: steps and notes. @default - none */
  readonly onEvent?: DrillEventListener | undefined;
  /** Ends the drill at its next wait (ABORTED); the throwaway cluster is destroyed all the same. */
  readonly signal?: AbortSignal | undefined;
}

export const DEFAULT_CLIENTS = 4;
export const MAX_CLIENTS = 64;

/** Refuse a request the engine cannot run, before anything is deployed. */
export function validateDrillRequest(request: DrillRequest, target: DrillTarget): void {
  if (!isScenarioName(request.scenario)) {
    throw new DrillError('OPTION_INVALID', `scenario ${JSON.stringify(request.scenario)} is not a drill`);
  }
  if (!isDrillProfileName(request.profile)) {
    throw new DrillError(
      'OPTION_INVALID',
      `profile ${JSON.stringify(request.profile)} is not a drill profile`,
    );
  }
  const clients = request.clients ?? DEFAULT_CLIENTS;
  if (!Number.isInteger(clients) || clients < 1 || clients > MAX_CLIENTS) {
    throw new DrillError(
      'OPTION_INVALID',
      `clients ${JSON.stringify(request.clients)} is not valid: give a whole number from 1 to ${MAX_CLIENTS}`,
    );
  }
  assertTargetCan(scenarioNamed(request.scenario), target);
}

/** Refuse (TARGET_UNSUPPORTED) a scenario whose required capabilities the target lacks. */
export function assertTargetCan(scenario: Pick<Scenario, 'name' | 'requires'>, target: DrillTarget): void {
  for (const need of scenario.requires ?? []) {
    if (need === 'processes' && !hasProcessFaults(target)) {
      throw new DrillError(
        'TARGET_UNSUPPORTED',
        `scenario ${scenario.name} signals a node's processes, and the target (${target.description}) cannot: it has no processes capability (target.processes, signal, waitExited); run it on a target that has them (the local target's)`,
      );
    }
    if (need === 'network' && target.network === undefined) {
      throw new DrillError(
        'TARGET_UNSUPPORTED',
        `scenario ${scenario.name} cuts or degrades links, and the target (${target.description}) cannot: it has no network capability (target.network); run it on a network-aware target (the local target with network "netns")`,
      );
    }
    if (need === 'instances' && target.terminateInstance === undefined) {
      throw new DrillError(
        'TARGET_UNSUPPORTED',
        `scenario ${scenario.name} terminates an instance, and the target (${target.description}) cannot: it has no instances (target.terminateInstance); run it on a target that has them (the AWS rehearsal's)`,
      );
    }
  }
}

/**
 * Deploy a throwaway cluster on the target, run a write workload through its load balancer while injecting
 * one fault, measure, and destroy the cluster whatever happens. Never prints, never exits: progress goes to
 * `onEvent`, the figures come back as a {@link DrillResult}, failures as a {@link DrillError} (or the
 * target's own error).
 */
export async function runDrill(
  request: DrillRequest,
  target: DrillTarget,
  options: RunDrillOptions = {},
): Promise<DrillResult> {
  validateDrillRequest(request, target);
  const emit = options.onEvent ?? (() => {});
  const profile = DRILL_PROFILES[request.profile];
  checkAborted(options.signal);
  const seen: Seen = {};
  try {
    const deployed = await step(
      emit,
      'drill-deploy',
      `deploy throwaway cluster ${target.description} (${profile.name}: ${profile.description}; ${request.synchronousMode ? 'sync' : 'async'})`,
      () => target.deploy({ profile, synchronousMode: request.synchronousMode }, options.signal),
    );
    return await drill(request, target, deployed, emit, options.signal, seen);
  } catch (error) {
    // The cluster did not do what the drill waited for: say what it looked like, before it is destroyed.
    if (
      isDrillError(error) &&
      (error.code === 'CLUSTER_NOT_READY' || error.code === 'FAULT_FAILED') &&
      seen.ctx !== undefined &&
      error.diagnostics.length === 0
    ) {
      error.diagnostics = await diagnose(seen.ctx).catch(() => []);
    }
    throw error;
  } finally {
    await step(emit, 'drill-destroy', 'destroy the throwaway cluster (SIGKILL, purge)', () =>
      target.destroy(),
    ).catch(() => {});
  }
}

async function loadManifest(file: string): Promise<Manifest> {
  try {
    return await readManifest(file);
  } catch (error) {
    if (isVerifyError(error)) {
      throw new DrillError('CLUSTER_NOT_READY', `the drill cluster's manifest: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The IP a member's PostgreSQL reports (inet_server_addr) for a host name in the manifest. An IP is itself
 * (no lookup: nothing asks a resolver about the local targets' addresses); a name is resolved with the system
 * resolver of the namespace the drill runs in (the AWS rehearsal's VPC resolver). Unresolvable: the name.
 */
async function addressOf(host: string): Promise<string> {
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return host.replace(/^\[|\]$/g, '');
  return lookup(host, { family: 4 }).then(
    (r) => r.address,
    () => host,
  );
}

function membersOf(manifest: Manifest): Promise<Member[]> {
  const members = manifest.patroni.members;
  if (!members || members.length === 0) {
    throw new DrillError(
      'CLUSTER_NOT_READY',
      "the drill cluster's manifest has no patroni.members: the drills name members and reach their PostgreSQL directly; deploy with a target that writes them",
    );
  }
  return Promise.all(
    members.map(async (m) => {
      const host = m.host ?? new URL(m.rest).hostname;
      return { name: m.name, host, rest: m.rest, address: await addressOf(host) };
    }),
  );
}

/** What the drill had built when it failed, for the diagnosis. */
interface Seen {
  ctx?: DrillContext;
}

async function drill(
  request: DrillRequest,
  target: DrillTarget,
  deployed: DeployedDrillCluster,
  emit: DrillEventListener,
  signal: AbortSignal | undefined,
  seen: Seen,
): Promise<DrillResult> {
  const started = Date.now();
  const scenario = scenarioNamed(request.scenario);
  const note = (message: string) => emit({ type: 'progress', step: 'drill', message });

  const manifest = await loadManifest(deployed.manifestFile);
  const caFile = manifest.patroni.ca ?? manifest.etcd.tls.ca;
  const restTls: RestTls = { ca: await readFile(caFile, 'utf8') };
  const etcdTls: RestTls = {
    ca: await readFile(manifest.etcd.tls.ca, 'utf8'),
    cert: await readFile(manifest.etcd.tls.cert, 'utf8'),
    key: await readFile(manifest.etcd.tls.key, 'utf8'),
  };
  const password = (await readFile(manifest.postgres.passwordFile, 'utf8')).split('\n')[0]?.trim() ?? '';
  const members = await membersOf(manifest);
  const loadBalancer: PgEndpoint = {
    host: manifest.postgres.primary.host,
    port: manifest.postgres.primary.port,
    user: manifest.postgres.user,
    password: () => password,
    database: manifest.postgres.database,
    ca: await readFile(manifest.postgres.sslRootCert ?? manifest.etcd.tls.ca, 'utf8'),
  };
  const sampler = new PrimarySampler(members, restTls);
  const workload = new Workload(loadBalancer, request.clients ?? DEFAULT_CLIENTS);
  const failsafe = request.failsafe ?? false;
  const config = JSON.parse(await anyRest(members, restTls, '/config')) as Record<string, unknown>;
  const timing: PatroniTiming = {
    ttl: Number(config.ttl ?? 30),
    loopWait: Number(config.loop_wait ?? 10),
    retryTimeout: Number(config.retry_timeout ?? 10),
    maximumLagOnFailover: Number(config.maximum_lag_on_failover ?? 1048576),
  };
  const ctx = new DrillContext({
    target,
    manifest,
    members,
    restTls,
    etcdTls,
    loadBalancer,
    timing,
    synchronousMode: request.synchronousMode,
    failsafe,
    waitMs: request.waitTimeoutMs ?? 4 * timing.ttl * 1000 + 60_000,
    sampler,
    workload,
    restAuth: await target.restApiCredentials(),
    onEvent: emit,
    signal,
  });
  seen.ctx = ctx;

  if (config.failsafe_mode !== failsafe) {
    const first = members[0]?.name ?? '';
    const r = await ctx.rest(first, '/config', {
      method: 'PATCH',
      body: { failsafe_mode: failsafe },
      timeoutMs: 5000,
    });
    if (r.status !== 200) {
      throw new DrillError(
        'CLUSTER_NOT_READY',
        `PATCH /config failsafe_mode=${failsafe}: HTTP ${r.status} ${r.body}`,
      );
    }
    await sleep((timing.loopWait + 1) * 1000, signal); // every member applies dynamic configuration on its next loop
    note(`failsafe_mode set to ${failsafe}`);
  }

  const ready = await until(
    async () => {
      for (const sql of [...DRILL_TABLE_SQL, DIRECT_TABLE_SQL]) await pgOnce(loadBalancer, sql, 3000);
      return true;
    },
    60_000,
    500,
    signal,
  );
  if (!ready) {
    throw new DrillError(
      'CLUSTER_NOT_READY',
      `cannot create the drill table through ${loadBalancer.host}:${loadBalancer.port}`,
    );
  }

  sampler.start();
  workload.start();
  let stoppedAt = Date.now();
  try {
    const warm = await ctx.until(() => (workload.ackedCount >= 50 ? sampler.current() : undefined), 60_000);
    if (!warm) {
      throw new DrillError(
        'CLUSTER_NOT_READY',
        'the workload did not get going (no primary or no acknowledged writes in 60 s)',
      );
    }
    // In synchronous mode the leader names its sync standby on a later loop than the one in which the replicas
    // start streaming: until then commits are asynchronous and a switchover has no candidate.
    const steadyMs = (3 * timing.loopWait + 30) * 1000;
    const steady = await ctx.until(
      async () => {
        const view = await ctx.clusterView();
        return !request.synchronousMode || view.some((m) => m.role === 'sync_standby') ? view : undefined;
      },
      steadyMs,
      250,
    );
    if (!steady) {
      throw new DrillError(
        'CLUSTER_NOT_READY',
        `no sync standby in /cluster within ${steadyMs / 1000} s of the deploy`,
      );
    }
    await ctx.sleep(1000);
    ctx.oldPrimary = sampler.current() ?? warm;
    ctx.view = await ctx.clusterView();
    note(
      `primary ${ctx.oldPrimary}; ${ctx.view
        .filter((m) => m.name !== ctx.oldPrimary)
        .map((m) => `${m.name} ${m.role}`)
        .join(
          ', ',
        )}; ${workload.ackedCount} writes acknowledged so far by ${workload.writers.length} clients`,
    );
    ctx.t0 = Date.now();
    await scenario.inject(ctx);
    // Let the workload run on the settled cluster for a moment, so "first write after" exists.
    await ctx.until(() => (ctx.writesAfter(Date.now() - 200) ? true : undefined), ctx.waitMs);
    await ctx.sleep(2000);
  } finally {
    stoppedAt = Date.now();
    await workload.stop();
    await ctx.probe?.stop();
    await sampler.stop();
  }

  // Read back every row, and the final primary's timeline history, through the load balancer.
  const rows = await until(
    () =>
      pgOnce<{ id: string; addr: string; tli: number; lsn: string }>(
        loadBalancer,
        'select id, host(addr) as addr, tli, lsn::text as lsn from pgha_drill',
        10_000,
      ),
    60_000,
    500,
    signal,
  );
  if (!rows) {
    throw new DrillError(
      'CLUSTER_NOT_READY',
      'could not read the drill table back through the load balancer within 60 s',
    );
  }
  const history = await readHistory(loadBalancer, signal);
  if (!history) ctx.observe('could not read the final primary timeline history through the load balancer');
  const stored: StoredRow[] = rows.map((r) => ({
    id: Number(r.id),
    server: r.addr,
    timeline: r.tli,
    lsn: r.lsn,
  }));
  const observations: DrillObservations = {
    synchronousMode: request.synchronousMode,
    expectsRejoin: scenario.expectsRejoin,
    expectsSameLeader: scenario.expectsSameLeader,
    t0: ctx.t0,
    stoppedAt,
    oldPrimary: ctx.oldPrimary,
    members,
    samples: sampler.samples,
    promotedAt: ctx.promotedAt,
    rejoinedAt: ctx.rejoinedAt,
    healedAt: ctx.healedAt,
    restartError: ctx.restartError,
    workload: workload.log(),
    rows: stored,
    history,
    direct: ctx.probe ? { attempted: ctx.probe.attempted, acks: ctx.probe.acks } : undefined,
    checks: ctx.checks,
  };
  const measured = measure(observations, scenario.verdict?.bind(scenario));
  return {
    scenario: scenario.name,
    profile: request.profile,
    synchronousMode: request.synchronousMode,
    failsafe,
    clients: workload.writers.length,
    ...measured,
    timing: {
      ...timing,
      haproxy: deployed.loadBalancerCheck,
    },
    oldPrimary: ctx.oldPrimary,
    notes: ctx.notes,
    durationMs: Date.now() - started,
  };
}

const HISTORY_SQL = `with t as (select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int as tli)
select tli, case when tli > 1
  then pg_read_file('pg_wal/' || lpad(upper(to_hex(tli)), 8, '0') || '.history') else '' end as history
from t`;

async function readHistory(
  loadBalancer: PgEndpoint,
  signal: AbortSignal | undefined,
): Promise<TimelineHistory | undefined> {
  return until(
    async () => {
      const row = (await pgOnce<{ tli: number; history: string }>(loadBalancer, HISTORY_SQL, 10_000))[0];
      return row ? parseTimelineHistory(row.tli, row.history) : undefined;
    },
    30_000,
    500,
    signal,
  );
}

/** Whether an error is the drill's ABORTED (the caller's signal fired). */
export function isDrillAborted(error: unknown): boolean {
  return isDrillError(error) && error.code === 'ABORTED';
}
