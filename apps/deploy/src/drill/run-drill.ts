import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORTS, POSTGRES } from '@pgha/defaults';
import { type Emit, step } from '../events.js';
import { type DeployLocalOptions, deployLocal } from '../local/deploy.js';
import { destroyLocal } from '../local/destroy.js';
import { type RestTls, rest } from '../local/https.js';
import { etcdLayout, type Layout, layoutFor, patroniLayout } from '../local/layout.js';
import type { LocalManifest } from '../local/manifest.js';
import { type ProcessRecord, postmasterRecord, readRecord, sendSignal } from '../local/process.js';
import type { HaproxyCheckTiming } from '../local/render.js';
import { secretFile } from '../local/secrets.js';
import { componentStatus } from '../local/state.js';
import { addressPlan, DEFAULTS, type LocalOptions } from '../options.js';
import { childrenOf, waitDead } from './processes.js';
import { DRILL_PROFILES, type DrillProfileName } from './profiles.js';
import { type Member, PrimarySampler } from './sampler.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { DRILL_TABLE_SQL, type PgEndpoint, pgOnce, Writer } from './workload.js';

export interface DrillRequest {
  readonly scenario: ScenarioName;
  readonly profile: DrillProfileName;
  readonly synchronousMode: boolean;
  /** Patroni `failsafe_mode` during the drill. @default true (the deploy's default) */
  readonly failsafe?: boolean | undefined;
  /** First two octets of the throwaway cluster's loopback plan; never the developer's 127.0. */
  readonly addressBase: string;
  /** Where the throwaway state and node data go. @default - a new temp dir, removed at the end */
  readonly workDir?: string | undefined;
  /** Install missing or refused components the component policy's way when root. @default true */
  readonly install?: boolean | undefined;
  /** Drill a component set the policy refuses (to measure it), with a warning. @default false */
  readonly allowUnsafeComponents?: boolean | undefined;
  /** Bound on each wait (new leader, rejoin, writes resuming). @default - 4 x ttl + 60 s */
  readonly waitTimeoutMs?: number | undefined;
}

export interface DrillCheck {
  readonly id: string;
  readonly ok: boolean;
  /** A required check that fails makes the drill fail; the others are observations. */
  readonly required: boolean;
  readonly detail: string;
}

/** What one drill measured. Times are milliseconds relative to the fault (negative: before it). */
export interface DrillResult {
  readonly scenario: ScenarioName;
  readonly profile: DrillProfileName;
  readonly synchronousMode: boolean;
  readonly failsafe: boolean;
  readonly ok: boolean;
  readonly timing: {
    readonly ttl: number;
    readonly loopWait: number;
    readonly retryTimeout: number;
    readonly maximumLagOnFailover: number;
    readonly haproxy: HaproxyCheckTiming;
  };
  readonly oldPrimary: string;
  /** The primary at the end of the drill. */
  readonly newPrimary: string | undefined;
  readonly leaderChanged: boolean;
  /** First 100 ms sample in which only the new primary answered /primary. */
  readonly promotedAtMs: number | undefined;
  /** Longest time between two acknowledged writes, from the last one before the fault on. */
  readonly writeGapMs: number | undefined;
  readonly writeGap: { readonly fromMs: number; readonly toMs: number } | undefined;
  readonly rejoined: boolean | undefined;
  readonly rejoinedAtMs: number | undefined;
  readonly writes: {
    readonly attempted: number;
    readonly acknowledged: number;
    readonly lost: number;
    readonly lostIds: readonly number[];
    /** Rows in the table whose insert was never acknowledged (their outcome was in doubt). */
    readonly presentUnacknowledged: number;
    readonly inDoubt: number;
    readonly refused: number;
  };
  /** Rows per server and timeline, as the rows themselves say (inet_server_addr, WAL timeline). */
  readonly rowsByServer: readonly {
    readonly member: string;
    readonly timeline: number;
    readonly rows: number;
  }[];
  readonly primarySamples: number;
  /** 100 ms samples in which two or more members answered /primary. */
  readonly doublePrimarySamples: number;
  readonly firstDoublePrimary: { readonly atMs: number; readonly members: readonly string[] } | undefined;
  /** Writes sent straight to the old primary (bypassing the load balancer) that it acknowledged, by phase. */
  readonly oldPrimaryDirectWrites: {
    readonly attempted: number;
    readonly acknowledged: number;
    readonly acknowledgedAfterPromotion: number;
    readonly lastAcknowledgedAtMs: number | undefined;
  };
  /** What the writing client saw: errors in order (ms from the fault), repeated ones folded. */
  readonly clientErrors: readonly {
    readonly fromMs: number;
    readonly toMs: number;
    readonly count: number;
    readonly message: string;
  }[];
  readonly checks: readonly DrillCheck[];
  readonly notes: readonly string[];
  readonly durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** Writes straight to one node every 250 ms, bypassing the load balancer: does the old primary still take writes? */
class DirectProbe {
  readonly acks: number[] = [];
  attempted = 0;
  #stopping = false;
  #done: Promise<void> | undefined;
  constructor(private readonly target: PgEndpoint) {}
  start(): void {
    this.#done = (async () => {
      while (!this.#stopping) {
        this.attempted++;
        try {
          await pgOnce(this.target, 'insert into pgha_drill_direct (n) values ($1)', 1000, [this.attempted]);
          this.acks.push(Date.now());
        } catch {
          // refused, read-only, unreachable or stuck waiting for a synchronous standby
        }
        await sleep(250);
      }
    })();
  }
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#done;
  }
}

function foldErrors(
  errors: readonly { at: number; phase: string; message: string }[],
  t0: number,
): { fromMs: number; toMs: number; count: number; message: string }[] {
  const out: { fromMs: number; toMs: number; count: number; message: string }[] = [];
  for (const e of errors) {
    const message = `${e.phase}: ${e.message.split('\n')[0]}`;
    const last = out.at(-1);
    if (last && last.message === message) {
      last.toMs = e.at - t0;
      last.count++;
    } else out.push({ fromMs: e.at - t0, toMs: e.at - t0, count: 1, message });
  }
  return out;
}

/**
 * A throwaway cluster needs no clean shutdown: SIGKILL every process it started (by PID, from the records
 * and postmaster.pid files) at once, so no chain of promotions runs while it goes down.
 */
async function killEverything(layout: Layout, options: LocalOptions): Promise<void> {
  const records: ProcessRecord[] = [];
  for (const c of await componentStatus(layout, options)) if (c.running && c.record) records.push(c.record);
  for (const node of addressPlan(options).patroni) {
    const pm = await postmasterRecord(patroniLayout(layout, node.name).dataDir, node.name);
    if (pm) records.push(pm);
  }
  for (const r of records) sendSignal(r.pid, 'SIGKILL');
  await waitDead(records, 10_000);
}

interface ClusterMember {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly lag?: number | string;
  readonly timeline?: number;
}

const active = new Map<string, { layout: Layout; options: LocalOptions; ownWork: string | undefined }>();

/**
 * Stop and purge every throwaway cluster a drill in this process has deployed and not yet destroyed: for a CLI
 * interrupted by SIGINT/SIGTERM, so an aborted drill leaves nothing running on its addresses.
 */
export async function abortDrills(): Promise<string[]> {
  const dirs: string[] = [];
  for (const [key, { layout, options, ownWork }] of active) {
    await killEverything(layout, options).catch(() => {});
    // The drill's own deploy may still hold the cluster's lock: this process takes it from itself.
    await destroyLocal(layout, true, () => {}, { interruptingOwnDeploy: true }).catch(() => {});
    if (ownWork) await rm(ownWork, { recursive: true, force: true }).catch(() => {});
    active.delete(key);
    dirs.push(layout.stateDir);
  }
  return dirs;
}

/**
 * Deploy a throwaway cluster, run a write workload through the load balancer while injecting one fault,
 * measure, and destroy the cluster (purge) whatever happens.
 */
export async function runDrill(request: DrillRequest, emit: Emit): Promise<DrillResult> {
  const profile = DRILL_PROFILES[request.profile];
  const ownWork = request.workDir === undefined;
  const work = request.workDir ?? (await mkdtemp(join(tmpdir(), 'pgha-drill-')));
  await chmod(work, 0o755); // the services run as postgres when we are root
  const asRoot = process.getuid?.() === 0;
  const layout = layoutFor({
    cluster: 'drill',
    stateRoot: join(work, 'state'),
    nodesRoot: join(work, 'nodes'),
    asRoot,
  });
  const options: LocalOptions = {
    ...DEFAULTS,
    cluster: 'drill',
    profile: profile.deployProfile,
    synchronousMode: request.synchronousMode,
    addressBase: request.addressBase,
  };
  const deployRequest: DeployLocalOptions = {
    options,
    layout,
    install: request.install ?? true,
    allowUnsafeComponents: request.allowUnsafeComponents === true,
    phaseTimeoutMs: 120_000,
    haproxyHealthCheck: profile.haproxy,
  };
  // The inner deploys report only warnings; the drill reports its own steps.
  const quiet: Emit = (event) => {
    if (event.type === 'warning') emit(event);
  };
  active.set(layout.stateDir, { layout, options, ownWork: ownWork ? work : undefined });
  try {
    await step(
      emit,
      'drill-deploy',
      `deploy throwaway cluster on ${request.addressBase}.x.y (${profile.name}: ${profile.description}; ${request.synchronousMode ? 'sync' : 'async'})`,
      () => deployLocal(deployRequest, quiet),
    );
    return await drill(request, layout, { ...deployRequest, install: false }, quiet, emit);
  } finally {
    await step(emit, 'drill-destroy', 'destroy the throwaway cluster (SIGKILL, purge)', async () => {
      await killEverything(layout, options);
      return destroyLocal(layout, true, quiet);
    }).catch(() => {});
    active.delete(layout.stateDir);
    if (ownWork) await rm(work, { recursive: true, force: true }).catch(() => {});
  }
}

async function drill(
  request: DrillRequest,
  layout: Layout,
  redeploy: DeployLocalOptions,
  quiet: Emit,
  emit: Emit,
): Promise<DrillResult> {
  const started = Date.now();
  const scenario = SCENARIOS[request.scenario];
  const profile = DRILL_PROFILES[request.profile];
  const note = (message: string) => emit({ type: 'progress', step: 'drill', message });
  const notes: string[] = [];
  const observe = (message: string) => {
    notes.push(message);
    note(message);
  };

  const manifest = JSON.parse(await readFile(layout.manifestFile, 'utf8')) as LocalManifest;
  const ca = await readFile(manifest.patroni.ca, 'utf8');
  const tls: RestTls = { ca };
  const etcdTls: RestTls = {
    ca: await readFile(manifest.etcd.tls.ca, 'utf8'),
    cert: await readFile(manifest.etcd.tls.cert, 'utf8'),
    key: await readFile(manifest.etcd.tls.key, 'utf8'),
  };
  const password = (await readFile(manifest.postgres.passwordFile, 'utf8')).trim();
  const auth = `patroni:${(await readFile(secretFile(layout.secretsDir, 'restapi'), 'utf8')).trim()}`;
  const members: Member[] = manifest.patroni.members.map((m) => ({
    name: m.name,
    host: m.host,
    rest: m.rest,
  }));
  const hostOf = (name: string) => members.find((m) => m.name === name)?.host ?? name;
  const nameOf = (addr: string) => members.find((m) => m.host === addr)?.name ?? addr;
  const lb: PgEndpoint = {
    host: manifest.postgres.primary.host,
    port: manifest.postgres.primary.port,
    user: POSTGRES.superuser,
    password,
    database: POSTGRES.database,
    ca,
  };
  const direct = (name: string): PgEndpoint => ({ ...lb, host: hostOf(name), port: PORTS.postgres });

  const anyRest = async (path: string): Promise<string> => {
    let last = '';
    for (const m of members) {
      try {
        const r = await rest(`${m.rest}${path}`, tls, { timeoutMs: 2000 });
        if (r.status === 200) return r.body;
        last = `${m.rest}${path}: HTTP ${r.status}`;
      } catch (error) {
        last = `${m.rest}${path}: ${(error as Error).message}`;
      }
    }
    throw new Error(last);
  };
  const clusterView = async () =>
    (JSON.parse(await anyRest('/cluster')) as { members: ClusterMember[] }).members.map((m) => ({
      ...m,
      role: m.role === 'master' ? 'leader' : m.role,
    }));
  const config = JSON.parse(await anyRest('/config')) as Record<string, unknown>;
  const ttl = Number(config.ttl ?? 30);
  const loopWait = Number(config.loop_wait ?? 10);
  const retryTimeout = Number(config.retry_timeout ?? 10);
  const maximumLagOnFailover = Number(config.maximum_lag_on_failover ?? 1048576);
  const waitMs = request.waitTimeoutMs ?? 4 * ttl * 1000 + 60_000;

  const failsafe = request.failsafe ?? true;
  if (config.failsafe_mode !== failsafe) {
    const r = await rest(`${members[0]?.rest}/config`, tls, {
      method: 'PATCH',
      body: { failsafe_mode: failsafe },
      auth,
      timeoutMs: 5000,
    });
    if (r.status !== 200)
      throw new Error(`PATCH /config failsafe_mode=${failsafe}: HTTP ${r.status} ${r.body}`);
    await sleep((loopWait + 1) * 1000); // every member applies dynamic configuration on its next loop
    note(`failsafe_mode set to ${failsafe}`);
  }

  const ready = await until(
    async () => {
      await pgOnce(lb, DRILL_TABLE_SQL, 3000);
      await pgOnce(
        lb,
        'create table if not exists pgha_drill_direct (n bigint, at timestamptz default clock_timestamp())',
        3000,
      );
      return true;
    },
    60_000,
    500,
  );
  if (!ready) throw new Error(`cannot create the drill table through ${lb.host}:${lb.port}`);

  const sampler = new PrimarySampler(members, tls);
  const writer = new Writer(lb);
  sampler.start();
  writer.start();
  let probe: DirectProbe | undefined;
  let t0 = Date.now();
  let oldPrimary = '';
  let rejoinedAt: number | undefined;
  let restartError: string | undefined;
  const extraChecks: DrillCheck[] = [];
  let promotedAt: number | undefined;
  let resumedAt: number | undefined;
  let stoppedAt = Date.now();

  const restart = async (what: string) => {
    note(`restart ${what} the way deploy does (start only what is missing)`);
    try {
      await deployLocal(redeploy, quiet);
    } catch (error) {
      restartError = (error as Error).message.split('\n')[0];
      observe(`restart of ${what} failed: ${restartError}`);
    }
  };
  const waitNewLeader = async (): Promise<string | undefined> => {
    const leader = await until(() => {
      const c = sampler.current(t0);
      return c !== undefined && c !== oldPrimary ? c : undefined;
    }, waitMs);
    if (leader) {
      promotedAt = sampler.firstSoleAnswer(leader, t0)?.at;
      note(`new primary ${leader} after ${(((promotedAt ?? Date.now()) - t0) / 1000).toFixed(1)} s`);
    } else observe(`no other member became primary within ${waitMs / 1000} s`);
    return leader;
  };
  const waitRejoin = async (): Promise<void> => {
    rejoinedAt = await until(
      async () => {
        const leader = sampler.current(t0);
        if (leader === undefined || leader === oldPrimary) return undefined;
        const rows = await pgOnce<{ application_name: string }>(
          direct(leader),
          "select application_name from pg_stat_replication where state = 'streaming'",
          2000,
        );
        return rows.some((r) => r.application_name === oldPrimary) ? Date.now() : undefined;
      },
      waitMs,
      250,
    );
    if (rejoinedAt)
      note(
        `${oldPrimary} streams from the new primary ${((rejoinedAt - t0) / 1000).toFixed(1)} s after the fault`,
      );
    else observe(`${oldPrimary} did not rejoin as a streaming replica within ${waitMs / 1000} s`);
  };
  const writesAfter = (since: number) => writer.ackTimes().some((t) => t > since);

  try {
    const warm = await until(() => (writer.acked.size >= 50 ? sampler.current() : undefined), 60_000);
    if (!warm)
      throw new Error('the workload did not get going (no primary or no acknowledged writes in 60 s)');
    // In synchronous mode the leader names its sync standby on a later loop than the one in which the replicas
    // start streaming: until then commits are asynchronous and a switchover has no candidate.
    const steady = await until(
      async () => {
        const members = await clusterView();
        return !request.synchronousMode || members.some((m) => m.role === 'sync_standby')
          ? members
          : undefined;
      },
      (3 * loopWait + 30) * 1000,
      250,
    );
    if (!steady) throw new Error(`no sync standby in /cluster within ${3 * loopWait + 30} s of the deploy`);
    await sleep(1000);
    oldPrimary = sampler.current() ?? warm;
    const view = await clusterView();
    note(
      `primary ${oldPrimary}; ${view
        .filter((m) => m.name !== oldPrimary)
        .map((m) => `${m.name} ${m.role}`)
        .join(', ')}; ${writer.acked.size} writes acknowledged so far`,
    );
    const patroniPid = async (name: string) => {
      const r = await readRecord(patroniLayout(layout, name).recordFile);
      if (!r) throw new Error(`no process record for ${name}`);
      return r;
    };
    const postmasterOf = async (name: string) => {
      const r = await postmasterRecord(patroniLayout(layout, name).dataDir, name);
      if (!r) throw new Error(`no running postmaster for ${name}`);
      return r;
    };
    const crashHost = async () => {
      const p = await patroniPid(oldPrimary);
      const pm = await postmasterOf(oldPrimary);
      t0 = Date.now();
      sendSignal(p.pid, 'SIGKILL');
      sendSignal(pm.pid, 'SIGKILL');
      note(`SIGKILL ${oldPrimary}: Patroni PID ${p.pid}, postmaster PID ${pm.pid}`);
      await waitDead([p, pm], 10_000);
    };

    switch (request.scenario) {
      case 'switchover': {
        const candidate = request.synchronousMode
          ? view.find((m) => m.role === 'sync_standby')?.name
          : view.find((m) => m.name !== oldPrimary && m.role !== 'leader')?.name;
        if (!candidate) throw new Error(`no switchover candidate in /cluster: ${JSON.stringify(view)}`);
        t0 = Date.now();
        const r = await rest(`${members.find((m) => m.name === oldPrimary)?.rest}/switchover`, tls, {
          method: 'POST',
          body: { leader: oldPrimary, candidate },
          auth,
          timeoutMs: 60_000,
        });
        note(`POST /switchover ${oldPrimary} -> ${candidate}: HTTP ${r.status} ${r.body.trim()}`);
        if (r.status !== 200) observe(`switchover refused: HTTP ${r.status} ${r.body.trim()}`);
        await waitNewLeader();
        await waitRejoin();
        break;
      }
      case 'host-crash': {
        await crashHost();
        if (await waitNewLeader()) await sleep(1000);
        await restart(oldPrimary);
        await waitRejoin();
        break;
      }
      case 'lagging-replica': {
        const replicas = view.filter((m) => m.name !== oldPrimary);
        const lagger = (
          request.synchronousMode ? replicas.find((m) => m.role !== 'sync_standby') : replicas[0]
        )?.name;
        if (!lagger) throw new Error(`no replica to make lag in /cluster: ${JSON.stringify(view)}`);
        await pgOnce(direct(lagger), 'select pg_wal_replay_pause()', 5000);
        // Patroni 3.0.2 ranks replicas by max(received, replayed) WAL: a paused replay alone does not make a
        // replica lag in its eyes, so the WAL receiver is stopped too.
        const lpm = await postmasterOf(lagger);
        const receiver = (await childrenOf(lpm.pid)).find((c) => c.cmdline.includes('walreceiver'));
        if (receiver) sendSignal(receiver.pid, 'SIGSTOP');
        else observe(`${lagger}: no walreceiver process found to stop; only replay is paused`);
        const rows = Math.ceil((4 * maximumLagOnFailover) / 1000) + 1000;
        await pgOnce(
          lb,
          `create table pgha_drill_bulk as select g, repeat('x', 1000) as pad from generate_series(1, ${rows}) g`,
          120_000,
        );
        const lag = await until(
          async () => {
            const m = (await clusterView()).find((x) => x.name === lagger);
            const bytes = typeof m?.lag === 'number' ? m.lag : undefined;
            return bytes !== undefined && bytes > maximumLagOnFailover ? bytes : undefined;
          },
          (3 * loopWait + 10) * 1000,
          500,
        );
        observe(
          `${lagger}: replay paused${receiver ? ', WAL receiver stopped' : ''}; Patroni lag ${lag ?? 'not above the limit'} bytes (maximum_lag_on_failover ${maximumLagOnFailover})`,
        );
        await crashHost();
        const leader = await waitNewLeader();
        if (receiver) sendSignal(receiver.pid, 'SIGCONT');
        await pgOnce(direct(lagger), 'select pg_wal_replay_resume()', 5000).catch(() => {});
        extraChecks.push({
          id: 'lagging-replica-not-promoted',
          ok: leader !== undefined && leader !== lagger,
          required: true,
          detail: `${lagger} lagged; ${leader ?? 'nobody'} was promoted`,
        });
        if (leader) await sleep(1000);
        await restart(oldPrimary);
        await waitRejoin();
        break;
      }
      case 'postgres-crash': {
        const pm = await postmasterOf(oldPrimary);
        t0 = Date.now();
        sendSignal(pm.pid, 'SIGKILL');
        note(`SIGKILL ${oldPrimary} postmaster PID ${pm.pid}`);
        const back = await until(
          () => (writesAfter(t0 + 200) && sampler.current(t0) !== undefined ? true : undefined),
          waitMs,
        );
        if (!back) observe(`writes did not resume within ${waitMs / 1000} s`);
        const leader = sampler.current(t0);
        const again = await postmasterRecord(patroniLayout(layout, oldPrimary).dataDir, oldPrimary);
        observe(
          leader === oldPrimary
            ? `Patroni restarted PostgreSQL on ${oldPrimary} (new postmaster PID ${again?.pid ?? '?'}) and kept the leader key`
            : `failover to ${leader ?? 'nobody'}`,
        );
        if (leader !== undefined && leader !== oldPrimary) {
          promotedAt = sampler.firstSoleAnswer(leader, t0)?.at;
          await waitRejoin();
        }
        break;
      }
      case 'patroni-crash': {
        const p = await patroniPid(oldPrimary);
        probe = new DirectProbe(direct(oldPrimary));
        t0 = Date.now();
        sendSignal(p.pid, 'SIGKILL');
        probe.start();
        note(`SIGKILL ${oldPrimary} Patroni PID ${p.pid}; its PostgreSQL keeps running`);
        await waitNewLeader();
        await sleep(5000); // watch the orphan next to the new primary
        const orphan = await postmasterRecord(patroniLayout(layout, oldPrimary).dataDir, oldPrimary);
        if (orphan) {
          const readOnly = await pgOnce<{ r: boolean }>(
            direct(oldPrimary),
            'select pg_is_in_recovery() as r',
            2000,
          )
            .then((rows) => (rows[0]?.r ? 'in recovery' : 'still a read-write primary'))
            .catch((error: Error) => `not answering (${error.message})`);
          observe(
            `orphaned postmaster PID ${orphan.pid} of ${oldPrimary} still runs ${((Date.now() - t0) / 1000) | 0} s after the crash: ${readOnly}; stopping it (SIGINT) so its Patroni can start`,
          );
          sendSignal(orphan.pid, 'SIGINT');
          if (!(await waitDead([orphan], 30_000))) sendSignal(orphan.pid, 'SIGKILL');
          await waitDead([orphan], 10_000);
        } else observe(`the orphaned PostgreSQL of ${oldPrimary} was gone when the new primary was up`);
        await probe.stop();
        await restart(oldPrimary);
        await waitRejoin();
        break;
      }
      case 'freeze': {
        const p = await patroniPid(oldPrimary);
        const pm = await postmasterOf(oldPrimary);
        const pids = [p.pid, pm.pid, ...(await childrenOf(pm.pid)).map((c) => c.pid)];
        probe = new DirectProbe(direct(oldPrimary));
        t0 = Date.now();
        for (const pid of pids) sendSignal(pid, 'SIGSTOP');
        probe.start();
        note(`SIGSTOP ${oldPrimary}: Patroni, postmaster and ${pids.length - 2} PostgreSQL processes`);
        const leader = await waitNewLeader();
        await sleep(1000);
        for (const pid of pids) sendSignal(pid, 'SIGCONT');
        resumedAt = Date.now();
        note(
          `SIGCONT ${oldPrimary} ${((resumedAt - t0) / 1000).toFixed(1)} s after the freeze (ttl ${ttl} s)`,
        );
        if (!leader) await restart(oldPrimary);
        await waitRejoin();
        break;
      }
      case 'etcd-member':
      case 'etcd-quorum': {
        const status = await Promise.all(
          manifest.etcd.names.map(async (name, i) => {
            const r = await rest(`${manifest.etcd.endpoints[i]}/v3/maintenance/status`, etcdTls, {
              method: 'POST',
              body: {},
              timeoutMs: 3000,
            });
            const doc = JSON.parse(r.body) as { header?: { member_id?: string }; leader?: string };
            return { name, leader: doc.leader !== undefined && doc.leader === doc.header?.member_id };
          }),
        );
        const raftLeader = status.find((s) => s.leader)?.name ?? manifest.etcd.names[0] ?? 'etcd-1';
        const victims =
          request.scenario === 'etcd-member'
            ? [raftLeader]
            : [raftLeader, manifest.etcd.names.find((n) => n !== raftLeader) ?? 'etcd-2'];
        const records = [];
        for (const v of victims) {
          const r = await readRecord(etcdLayout(layout, v).recordFile);
          if (r) records.push(r);
        }
        t0 = Date.now();
        for (const r of records) sendSignal(r.pid, 'SIGKILL');
        note(`SIGKILL ${victims.join(' and ')} (raft leader ${raftLeader})`);
        const windowMs =
          request.scenario === 'etcd-member'
            ? Math.max(15_000, (ttl + loopWait + 5) * 1000)
            : (2 * ttl + 10) * 1000;
        await sleep(windowMs);
        const during = sampler.samples.filter((s) => s.at >= t0 && s.at <= t0 + windowMs);
        const noPrimary = during.filter((s) => s.primaries.length === 0);
        const firstNone = noPrimary.sort((a, b) => a.at - b.at)[0];
        const acksDuring = writer
          .ackTimes()
          .filter((t) => t >= t0 + windowMs / 2 && t <= t0 + windowMs).length;
        observe(
          `${victims.length} of ${manifest.etcd.names.length} etcd members down for ${windowMs / 1000} s (failsafe_mode ${failsafe}): ` +
            (firstNone
              ? `no member answered /primary in ${noPrimary.length} of ${during.length} samples, first at +${((firstNone.at - t0) / 1000).toFixed(1)} s`
              : `${oldPrimary} answered /primary in every sample`) +
            `; ${acksDuring} writes acknowledged in the second half of the window`,
        );
        await restart(victims.join(', '));
        await until(() => (writesAfter(Date.now() - 200) ? true : undefined), waitMs);
        const leader = sampler.current(t0);
        if (leader !== undefined && leader !== oldPrimary) {
          promotedAt = sampler.firstSoleAnswer(leader, t0)?.at;
          await waitRejoin();
        }
        break;
      }
    }
    // Let the workload run on the settled cluster for a moment, so "first write after" exists.
    await until(() => (writesAfter(Date.now() - 200) ? true : undefined), waitMs);
    await sleep(2000);
  } finally {
    stoppedAt = Date.now();
    await writer.stop();
    await probe?.stop();
    await sampler.stop();
  }

  // Read back every row through the load balancer.
  const rows = await until(
    () =>
      pgOnce<{ id: string; addr: string; tli: number }>(
        lb,
        'select id, host(addr) as addr, tli from pgha_drill',
        10_000,
      ),
    60_000,
    500,
  );
  if (!rows) throw new Error('could not read the drill table back through the load balancer within 60 s');
  const present = new Set(rows.map((r) => Number(r.id)));
  const lostIds = [...writer.acked.keys()].filter((id) => !present.has(id)).sort((a, b) => a - b);
  const presentUnacknowledged = [...present].filter((id) => !writer.acked.has(id)).length;
  const byServer = new Map<string, { member: string; timeline: number; rows: number }>();
  for (const r of rows) {
    const key = `${r.addr}/${r.tli}`;
    const entry = byServer.get(key) ?? { member: nameOf(r.addr), timeline: r.tli, rows: 0 };
    entry.rows++;
    byServer.set(key, entry);
  }

  // The write gap: the longest pause between acknowledgements from the last one before the fault on.
  const acks = writer.ackTimes();
  let from = acks.filter((t) => t <= t0).at(-1) ?? t0;
  let gap: { fromMs: number; toMs: number } | undefined;
  for (const t of acks) {
    if (t <= from) continue;
    if (!gap || t - from > gap.toMs - gap.fromMs) gap = { fromMs: from - t0, toMs: t - t0 };
    from = t;
  }

  // Writes that never came back show as a pause running to the end of the drill.
  const resumed = (acks.at(-1) ?? 0) > Math.max(t0, stoppedAt - 1500);
  if (!resumed)
    gap = { fromMs: (acks.filter((t) => t <= stoppedAt).at(-1) ?? t0) - t0, toMs: stoppedAt - t0 };
  const newPrimary = sampler.current(t0);
  const leaderChanged = sampler.samples.some((s) => s.at >= t0 && s.primaries.some((p) => p !== oldPrimary));
  const doubles = sampler.doublePrimaries();
  const firstDouble = doubles.sort((a, b) => a.at - b.at)[0];
  const promotion =
    promotedAt ??
    (newPrimary && newPrimary !== oldPrimary ? sampler.firstSoleAnswer(newPrimary, t0)?.at : undefined);
  const directAcks = probe?.acks ?? [];
  const afterPromotion = promotion === undefined ? [] : directAcks.filter((t) => t > promotion);

  const checks: DrillCheck[] = [
    {
      id: 'no-acknowledged-write-lost',
      ok: lostIds.length === 0,
      required: request.synchronousMode,
      detail: `${lostIds.length} of ${writer.acked.size} acknowledged writes missing${request.synchronousMode ? '' : ' (asynchronous replication: loss is possible)'}`,
    },
    {
      id: 'one-primary-at-a-time',
      ok: doubles.length === 0,
      required: true,
      detail:
        doubles.length === 0
          ? `never two members answering /primary in ${sampler.samples.length} samples`
          : `${doubles.length} samples with two primaries, first at ${((firstDouble?.at ?? t0) - t0) / 1000} s: ${firstDouble?.primaries.join(', ')}`,
    },
    {
      id: 'writes-resumed',
      ok: resumed,
      required: true,
      detail: resumed
        ? `writes acknowledged until the end (longest pause ended at +${((gap?.toMs ?? 0) / 1000).toFixed(1)} s)`
        : `no write acknowledged in the last ${((stoppedAt - (acks.at(-1) ?? t0)) / 1000).toFixed(1)} s of the drill`,
    },
    ...extraChecks,
  ];
  if (scenario.expectsRejoin && leaderChanged) {
    checks.push({
      id: 'old-primary-rejoined',
      ok: rejoinedAt !== undefined,
      required: true,
      detail: rejoinedAt
        ? `${oldPrimary} streaming from ${newPrimary} at +${((rejoinedAt - t0) / 1000).toFixed(1)} s`
        : `${oldPrimary} not streaming${restartError ? ` (restart failed: ${restartError})` : ''}`,
    });
  }
  if (scenario.expectsSameLeader) {
    checks.push({
      id: 'leader-unchanged',
      ok: !leaderChanged,
      required: true,
      detail: leaderChanged ? `leader moved to ${newPrimary}` : `${oldPrimary} stayed the primary`,
    });
  }
  if (request.scenario === 'freeze' && resumedAt !== undefined) {
    const afterResume = directAcks.filter((t) => t > (resumedAt as number));
    checks.push({
      id: 'no-writes-after-resume',
      ok: afterResume.length === 0,
      required: true,
      detail: `${afterResume.length} writes sent straight to ${oldPrimary} acknowledged after SIGCONT`,
    });
  }
  if (request.scenario === 'patroni-crash') {
    checks.push({
      id: 'orphan-refuses-writes',
      ok: afterPromotion.length === 0,
      required: false,
      detail: `${afterPromotion.length} writes sent straight to the orphaned PostgreSQL acknowledged after ${newPrimary ?? 'a replica'} was promoted (of ${probe?.attempted ?? 0} tried)`,
    });
  }

  return {
    scenario: request.scenario,
    profile: profile.name,
    synchronousMode: request.synchronousMode,
    failsafe,
    ok: checks.every((c) => c.ok || !c.required),
    timing: { ttl, loopWait, retryTimeout, maximumLagOnFailover, haproxy: profile.haproxy },
    oldPrimary,
    newPrimary,
    leaderChanged,
    promotedAtMs: promotion === undefined ? undefined : promotion - t0,
    writeGapMs: gap ? gap.toMs - gap.fromMs : undefined,
    writeGap: gap,
    rejoined: scenario.expectsRejoin && leaderChanged ? rejoinedAt !== undefined : undefined,
    rejoinedAtMs: rejoinedAt === undefined ? undefined : rejoinedAt - t0,
    writes: {
      attempted: writer.attempted,
      acknowledged: writer.acked.size,
      lost: lostIds.length,
      lostIds: lostIds.slice(0, 20),
      presentUnacknowledged,
      inDoubt: writer.inDoubt.size,
      refused: writer.refused.size,
    },
    rowsByServer: [...byServer.values()].sort(
      (a, b) => a.timeline - b.timeline || a.member.localeCompare(b.member),
    ),
    primarySamples: sampler.samples.length,
    doublePrimarySamples: doubles.length,
    firstDoublePrimary: firstDouble
      ? { atMs: firstDouble.at - t0, members: firstDouble.primaries }
      : undefined,
    oldPrimaryDirectWrites: {
      attempted: probe?.attempted ?? 0,
      acknowledged: directAcks.length,
      acknowledgedAfterPromotion: afterPromotion.length,
      lastAcknowledgedAtMs: directAcks.length > 0 ? (directAcks.at(-1) as number) - t0 : undefined,
    },
    clientErrors: foldErrors(writer.errors, t0),
    checks,
    notes,
    durationMs: Date.now() - started,
  };
}
