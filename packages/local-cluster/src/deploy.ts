import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rest, step } from '@pgha/clients';
import { PORTS, POSTGRES } from '@pgha/defaults';
import { patroniEnvironment } from '@pgha/userdata';
import { isLocalClusterError, LocalClusterError } from './errors.js';
import type { LocalClusterEventListener } from './events.js';
import { hintNamesOf } from './hint-names.js';
import {
  componentLayout,
  etcdLayout,
  haproxyLayout,
  kindOf,
  type Layout,
  operationHint,
  patroniLayout,
} from './layout.js';
import { acquireLock } from './lock.js';
import { buildManifest, type ConnectionInfo, connectionInfo, writeManifest } from './manifest.js';
import { adminNamespace, ensureClusterNetwork, mayReach } from './netns.js';
import { type AddressPlan, addressPlan, type LocalOptions } from './options.js';
import { checkOwnership, newDeploymentId, type Ownership, writeMark } from './ownership.js';
import { type Binaries, findBinaries, type InstallOptions } from './preflight.js';
import { distroUnitOf, stopAndDisable, systemdRunning } from './private/distro-services.js';
import { canBind, findListener } from './private/ports.js';
import {
  etcdHealthy,
  inRecovery,
  loadTls,
  type PgTarget,
  patroniCluster,
  streamingReplicas,
  waitFor,
} from './private/probes.js';
import { type ServiceUser, serviceUser } from './private/service-user.js';
import {
  cwdOf,
  isAlive,
  type ProcessRecord,
  type StartOptions,
  startService,
  stopAll,
  writeRecord,
} from './process.js';
import {
  type HaproxyCheckTiming,
  haproxySettleMs,
  LOCAL_HEALTH_CHECK,
  type NodeFiles,
  renderNodeFiles,
} from './render.js';
import { ensureSecrets, type Secrets, secretFile } from './secrets.js';
import {
  assertSameOptions,
  type ClusterState,
  componentStatus,
  readClusterState,
  writeClusterState,
} from './state.js';
import { type RunningVersion, runningVersions } from './status.js';
import { ensurePki } from './tls.js';

const LB_PRIMARY = PORTS.loadBalancerPrimary;
const LB_REPLICAS = PORTS.loadBalancerReplicas;

export interface DeployLocalOptions extends InstallOptions {
  readonly options: LocalOptions;
  /**
   * Whether this process runs as root: the services then run as `postgres` and missing components may be
   * installed. Pass the `asRoot` the layout was made with. @default - whether this process's uid is 0
   */
  readonly asRoot?: boolean | undefined;
  readonly layout: Layout;
  /** Install missing or refused components the component policy's way when root (default true). */
  readonly install?: boolean;
  /** Run a component set the policy refuses (a Patroni without patroni/patroni#2689), with a warning. */
  readonly allowUnsafeComponents?: boolean;
  /** How long to wait for each phase (etcd quorum, Patroni leader and replicas, load balancer). */
  readonly phaseTimeoutMs?: number;
  /**
   * HAProxy health-check timing (the drills' `guide` profile models a slow load balancer with it).
   * @default LOCAL_HEALTH_CHECK
   */
  readonly haproxyHealthCheck?: HaproxyCheckTiming | undefined;
  /**
   * Ends the deploy at its next step or probe (Ctrl-C): INTERRUPTED, saying what is left running.
   * @default - runs to the end
   */
  readonly signal?: AbortSignal | undefined;
}

export interface DeployLocalResult {
  /** Components started by this run (empty when the cluster was already healthy). */
  readonly started: readonly string[];
  /** Files whose content changed this run. */
  readonly changedFiles: readonly string[];
  readonly connection: ConnectionInfo;
  readonly manifestFile: string;
  readonly binaries: Binaries;
}

/**
 * Bring the local cluster up, or finish bringing it up: start only what is not running, keep all data.
 * On failure the error says what is left running so that nothing is left behind unreported.
 *
 * Refused (exit 2) before anything is touched: a state dir that holds the cluster with other options or
 * damaged files, a nodes dir that belongs to another deployment (or to none: data left without its state),
 * and a deploy or destroy of the same cluster that runs now.
 */
export async function deployLocal(
  request: DeployLocalOptions,
  emit: LocalClusterEventListener,
): Promise<DeployLocalResult> {
  const { options, layout } = request;
  const admit = async () => {
    const existing = await readClusterState(layout);
    if (existing) {
      assertSameOptions(existing, options, layout);
      // A run record that is not one: whether its process runs is unknown, and a second one would start.
      const damaged = (await componentStatus(layout, options)).find((c) => c.damaged)?.damaged;
      if (damaged) throw damaged;
    }
    return { existing, ownership: await checkOwnership(layout, existing, 'deploy') };
  };
  await admit(); // before the lock, which is a file in the state dir: a refused deploy writes nothing
  const lock = await acquireLock(layout, 'deploy');
  try {
    // Again under the lock: a deploy that held it may have written the state meanwhile.
    return await deployAdmitted(request, emit, await admit());
  } catch (error) {
    if (isLocalClusterError(error) && error.code === 'INTERRUPTED' && error.leftBehind.length === 0) {
      const left = await runningNames(layout, options);
      throw new LocalClusterError(error.code, error.message, {
        hint: error.hint,
        cause: error,
        leftBehind: left,
      });
    }
    throw error;
  } finally {
    await lock.release();
  }
}

async function deployAdmitted(
  request: DeployLocalOptions,
  emit: LocalClusterEventListener,
  { existing, ownership }: { existing: ClusterState | undefined; ownership: Ownership },
): Promise<DeployLocalResult> {
  const { options, layout } = request;
  const phaseTimeoutMs = request.phaseTimeoutMs ?? 90_000;
  const plan = addressPlan(options);
  if (!(await mayReach(options.cluster, plan))) {
    // The probes below would go out of this machine's default route (netns.ts, mayReach).
    throw new LocalClusterError(
      'USAGE',
      `deployLocal: cluster "${options.cluster}" has network "netns": its nodes are reached from its admin host only`,
      { hint: `call deployLocal inside the network namespace ${adminNamespace(options.cluster)}` },
    );
  }
  const asRoot = request.asRoot ?? process.getuid?.() === 0;
  /** Throws INTERRUPTED once the signal fired; called between steps and probes. */
  const checkInterrupted = () => {
    if (!request.signal?.aborted) return;
    throw new LocalClusterError('INTERRUPTED', `deploy interrupted (${String(request.signal.reason)})`, {
      hint: `what runs is kept: ${operationHint(layout, 'status')} shows it, ${operationHint(layout, 'deploy')} finishes the deploy, ${operationHint(layout, 'destroy')} stops it`,
    });
  };

  const { binaries, user } = await step(
    emit,
    'preflight',
    'preflight: binaries, service user, addresses',
    async () => {
      const binaries = await findBinaries(
        {
          postgresVersion: options.postgresVersion,
          install: request.install ?? true,
          asRoot,
          allowUnsafe: request.allowUnsafeComponents === true,
          env: request.env,
          installer: request.installer,
          hintNames: layout.hintNames,
        },
        emit,
      );
      const user = await serviceUser(asRoot);
      await assertReachable(layout, user);
      return { binaries, user };
    },
    ({ binaries: b, user }) =>
      `etcd ${b.versions.etcd}, Patroni ${b.versions.patroni}, PostgreSQL ${b.versions.postgres}, HAProxy ${b.versions.haproxy}; services run as ${user.name}`,
  );
  checkInterrupted();

  // netns mode: each node its own host on the cluster's isolated switch (made, or finished, idempotently).
  const network = plan.netns
    ? await step(
        emit,
        'network',
        `network namespaces: one host per node on ${plan.netns.cidr}, no route off the machine`,
        () => ensureClusterNetwork(layout, plan),
        (n) => `${n.record.hosts.length} hosts on ${n.record.switchNamespace}`,
      )
    : undefined;

  const before = await componentStatus(layout, options);
  const running = new Set(before.filter((c) => c.running).map((c) => c.name));
  await step(emit, 'ports', 'check addresses and ports', async () => {
    if (network) {
      // A node's namespace holds its address alone: what may hold its ports is a process of this cluster that
      // no run record names (a lost record, an orphaned postmaster).
      const untracked: string[] = [];
      for (const c of before) {
        if (c.running) continue;
        const pids = await network.pidsIn(c.name);
        if (pids.length > 0)
          untracked.push(`${c.name} (namespace ${network.namespaceOf(c.name)}): PID ${pids.join(', ')}`);
      }
      if (untracked.length > 0) {
        throw new LocalClusterError(
          'PORT_IN_USE',
          `processes run in the hosts of nodes that pgha does not track as running:\n  - ${untracked.join('\n  - ')}`,
          {
            hint: `pgha stops only what it recorded: stop them by PID (kill PID), then deploy again (${operationHint(layout, 'status')} shows what pgha tracks)`,
          },
        );
      }
      return;
    }
    const busy: string[] = [];
    const untracked: number[] = [];
    let foreign = 0;
    for (const c of before) {
      if (c.running) continue;
      for (const port of c.ports) {
        if (await canBind(c.host, port)) continue;
        const holder = await findListener(c.host, port);
        // A stock service that the Debian packages enabled (where systemd runs) is ours to stop, and we say so.
        const unit =
          holder && asRoot && (await systemdRunning()) ? await distroUnitOf(holder.pid) : undefined;
        if (unit) {
          emit({
            type: 'notice',
            message: `stopping and disabling ${unit}: it holds ${c.host}:${port} (${c.name})`,
          });
          await stopAndDisable(unit);
          if (await canBind(c.host, port)) continue;
        }
        // One of this cluster's own processes that no run record names (a lost record, an orphaned postmaster):
        // it works in this deployment's nodes dir. Other addresses would not help; stopping it does.
        const cwd = holder ? await cwdOf(holder.pid) : undefined;
        const own = cwd !== undefined && (cwd === layout.nodesDir || cwd.startsWith(`${layout.nodesDir}/`));
        if (own && holder) untracked.push(holder.pid);
        else foreign++;
        busy.push(
          `${c.host}:${port} (${c.name}) is in use${holder ? ` by PID ${holder.pid}: ${holder.command}` : ''}${own ? `, a process of this cluster (it works in ${cwd}) that no run record names` : ''}`,
        );
      }
    }
    if (busy.length > 0) {
      const pids = [...new Set(untracked)];
      const hints = [
        pids.length > 0 &&
          `PID ${pids.join(', ')} ${pids.length > 1 ? 'are' : 'is'} this cluster's own, untracked: pgha stops only what it recorded, so stop ${pids.length > 1 ? 'them' : 'it'} by PID (kill ${pids.join(' ')}), then deploy again (${operationHint(layout, 'status')} shows what pgha tracks)`,
        foreign > 0 &&
          `stop the process named (by PID), or deploy on other loopback addresses with ${hintNamesOf(layout).option('addressBase', '127.N')}`,
      ];
      throw new LocalClusterError(
        'PORT_IN_USE',
        `addresses needed by the cluster are taken:\n  - ${busy.join('\n  - ')}`,
        { hint: hints.filter(Boolean).join('; ') },
      );
    }
  });
  checkInterrupted();

  // The deployment's id and the nodes dir's mark come before any node file is written: the first deploy makes
  // the id; a state written before marks existed gets one now (its nodes dir is the one it names, see
  // checkOwnership).
  let state = existing;
  if (state?.deploymentId === undefined) {
    state = {
      ...(state ?? {
        version: 1,
        target: 'local',
        options: { ...options, postgresVersion: binaries.versions.postgres },
        nodesDir: layout.nodesDir,
        createdAt: new Date().toISOString(),
      }),
      deploymentId: newDeploymentId(),
    };
    await writeClusterState(layout, state);
  }
  if (ownership !== 'ours') await writeMark(layout, { ...state, deploymentId: state.deploymentId as string });

  await mkdir(layout.runDir, { recursive: true, mode: 0o700 });
  const pki = await step(
    emit,
    'pki',
    'certificates (CA, etcd members, Patroni nodes, clients)',
    () => ensurePki(layout, plan),
    (r) => r.summary,
  );
  const { secrets } = await step(
    emit,
    'secrets',
    'passwords',
    () => ensureSecrets(layout.secretsDir),
    (r) => (r.created.length > 0 ? `generated ${r.created.join(', ')}` : 'kept'),
  );

  const changedFiles = await step(
    emit,
    'config',
    'configuration files (same renderers as AWS)',
    async () => {
      const files = renderNodeFiles({
        options,
        plan,
        layout,
        binaries,
        pki: pki.files,
        haproxyHealthCheck: request.haproxyHealthCheck,
      });
      return writeNodeFiles(layout, files, user);
    },
    (changed) => (changed.length === 0 ? 'unchanged' : `${changed.length} written`),
  );
  const changedWhileRunning = changedFiles.filter((file) =>
    before.some((c) => c.running && file.startsWith(`${layout.nodesDir}/${c.name}/`)),
  );
  for (const file of changedWhileRunning) {
    emit({
      type: 'warning',
      message: `${file} changed while its process runs; restart it to apply (${operationHint(layout, 'destroy')}, then deploy again)`,
    });
  }

  const started: string[] = [];
  const records = new Map<string, ProcessRecord>();
  for (const c of before) if (c.record && c.running) records.set(c.name, c.record);
  const tls = await loadTls({
    ca: pki.files.ca,
    cert: pki.files.deployClient.cert,
    key: pki.files.deployClient.key,
  });

  /** Start a service and record it; a process we cannot record is stopped again, never left orphaned. */
  const launch = async (recordFile: string, start: StartOptions) => {
    checkInterrupted();
    const record = await startService(
      network
        ? { ...start, enter: (command, args, ids) => network.enter(start.name, command, args, ids) }
        : start,
    );
    try {
      await writeRecord(recordFile, record);
    } catch (error) {
      await stopAll([record], 5000);
      throw error;
    }
    records.set(start.name, record);
    started.push(start.name);
  };

  /** Throws PROCESS_DIED (with the log's tail) when a process we started is gone. */
  const guard = async () => {
    checkInterrupted();
    for (const [name, record] of records) {
      if (!(await isAlive(record))) {
        const log = logFileOf(layout, name);
        const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
        throw new LocalClusterError(
          'PROCESS_DIED',
          `${name} (PID ${record.pid}) exited during start; end of ${log}:\n${tail}`,
          {
            hint: `read ${log}; then ${operationHint(layout, 'deploy')} again (what runs is kept) or ${operationHint(layout, 'destroy')}`,
          },
        );
      }
    }
  };

  try {
    // etcd: one member at a time, each until it serves its peer port. A new member first asks its peers
    // whether it was bootstrapped before; a peer that has bound its port but does not serve yet holds that
    // question for etcd's 1 s timeout, per peer: up to 2 s of the start, at random, when all start at once.
    // Patroni starts next, without waiting for quorum: its own start (Python, about 1.5 s on 2 cores) then
    // overlaps etcd's first election, and etcd holds Patroni's first request until it serves.
    const etcdToStart = plan.etcd.filter((m) => !running.has(m.name));
    await step(
      emit,
      'etcd-start',
      `etcd: ${plan.etcd.length} members with TLS and client-certificate auth`,
      async () => {
        for (const member of etcdToStart) {
          const l = etcdLayout(layout, member.name);
          await launch(l.recordFile, {
            name: member.name,
            command: binaries.etcd,
            args: ['--config-file', l.configFile],
            logFile: l.logFile,
            cwd: l.dir,
            env: baseEnv(l.dir),
            uid: user.uid,
            gid: user.gid,
          });
          const serving = await waitFor(
            async () => {
              await rest(`https://${member.host}:${PORTS.etcdPeer}/version`, tls, { timeoutMs: 250 });
              return true;
            },
            { timeoutMs: phaseTimeoutMs, guard, intervalMs: 25 },
          );
          if (serving.value === undefined) {
            throw new LocalClusterError(
              'START_TIMEOUT',
              `${member.name} did not serve its peer port within ${phaseTimeoutMs} ms: ${serving.lastError}`,
              { hint: `read ${l.logFile}` },
            );
          }
        }
      },
      () =>
        etcdToStart.length === 0
          ? 'already running'
          : `started ${etcdToStart.map((m) => m.name).join(', ')}; serving their peers`,
    );

    // HAProxy starts now, so that its health checks have settled by the time Patroni has a leader.
    const haproxyRunning = running.has('haproxy');
    let haproxyStartedAt = 0;
    if (!haproxyRunning) {
      await step(
        emit,
        'haproxy-start',
        'HAProxy started; it checks the nodes while they come up',
        async () => {
          const l = haproxyLayout(layout);
          await launch(l.recordFile, {
            name: 'haproxy',
            command: binaries.haproxy,
            args: ['-db', '-f', l.configFile],
            logFile: l.logFile,
            cwd: l.dir,
            env: baseEnv(l.dir),
            uid: user.uid,
            gid: user.gid,
          });
          haproxyStartedAt = Date.now();
        },
      );
    }

    const patroniToStart = plan.patroni.filter((n) => !running.has(n.name));
    if (patroniToStart.length > 0) {
      await step(
        emit,
        'patroni-start',
        `Patroni started: ${patroniToStart.map((n) => n.name).join(', ')}; they wait for etcd themselves`,
        async () => {
          for (const node of patroniToStart) {
            const l = patroniLayout(layout, node.name);
            await launch(l.recordFile, {
              name: node.name,
              command: binaries.patroni,
              args: [l.configFile],
              logFile: l.logFile,
              cwd: l.dir,
              env: { ...baseEnv(l.dir), PYTHONPATH: l.pythonDir, ...patroniSecretsEnv(secrets) },
              uid: user.uid,
              gid: user.gid,
              // Orphaned postmasters reaped at once, as on a systemd host (process.ts, SUBREAPER).
              subreaper: true,
            });
          }
        },
      );
    }

    await step(
      emit,
      'etcd',
      `etcd: quorum of ${plan.etcd.length} members`,
      async () => {
        const endpoints = plan.etcd.map((m) => `https://${m.host}:${PORTS.etcdClient}`);
        const ready = await waitFor(
          async () => {
            const health = await Promise.all(
              endpoints.map((e) =>
                etcdHealthy(e, tls, 2000).catch((error: Error) => `${e}: ${error.message}`),
              ),
            );
            const bad = health.map((h, i) =>
              h === true ? undefined : `${endpoints[i]}: ${h === false ? 'unhealthy' : h}`,
            );
            const problems = bad.filter(Boolean);
            if (problems.length > 0) throw new Error(problems.join('; '));
            return true;
          },
          { timeoutMs: phaseTimeoutMs, guard },
        );
        if (ready.value === undefined) {
          throw new LocalClusterError(
            'START_TIMEOUT',
            `etcd did not reach quorum within ${phaseTimeoutMs} ms: ${ready.lastError}`,
            {
              hint: `read the member logs under ${layout.nodesDir}/etcd-*/etcd.log`,
            },
          );
        }
      },
      () => 'every member healthy',
    );

    // Patroni + PostgreSQL
    const leader = await step(
      emit,
      'patroni',
      `Patroni + PostgreSQL ${binaries.versions.postgres}: ${plan.patroni.length} nodes`,
      () => waitForLeaderAndReplicas(plan, tls, secrets, pki.files.ca, phaseTimeoutMs, guard, layout),
      (name) =>
        patroniToStart.length === 0
          ? `already running; leader ${name}`
          : `leader ${name}; replicas streaming`,
    );

    // HAProxy: started before Patroni (above); now wait until it routes both ports right.
    await step(
      emit,
      'haproxy',
      `HAProxy: ${plan.loadBalancer}:${LB_PRIMARY} -> primary, :${LB_REPLICAS} -> replicas`,
      async () => {
        // HAProxy 2.6 starts every server UP until its first checks fail: until then a replica may sit in the
        // primary's backend, and one lucky connection proves nothing.
        const settledAt =
          haproxyStartedAt + haproxySettleMs(request.haproxyHealthCheck ?? LOCAL_HEALTH_CHECK) + 500;
        const ca = await readFile(pki.files.ca, 'utf8');
        const target = (port: number): PgTarget => ({
          host: plan.loadBalancer,
          port,
          user: POSTGRES.superuser,
          password: secrets.superuser.reveal(),
          database: POSTGRES.database,
          ca,
        });
        const ready = await waitFor(
          async () => {
            if (Date.now() < settledAt) throw new Error("waiting for HAProxy's first health checks");
            if ((await inRecovery(target(LB_PRIMARY), 2000)) !== false)
              throw new Error(`:${LB_PRIMARY} reached a replica`);
            if ((await inRecovery(target(LB_REPLICAS), 2000)) !== true)
              throw new Error(`:${LB_REPLICAS} reached the primary`);
            return true;
          },
          { timeoutMs: phaseTimeoutMs, guard },
        );
        if (ready.value === undefined) {
          throw new LocalClusterError(
            'START_TIMEOUT',
            `the load balancer did not route within ${phaseTimeoutMs} ms: ${ready.lastError}`,
            { hint: `read ${haproxyLayout(layout).logFile}` },
          );
        }
      },
      () =>
        `${haproxyRunning ? 'already running' : 'started'}; :${LB_PRIMARY} primary ${leader}, :${LB_REPLICAS} a replica`,
    );
  } catch (error) {
    // Say what is left running: the operator decides between fixing and re-running, or destroy.
    const left = await runningNames(layout, options);
    if (isLocalClusterError(error)) {
      throw new LocalClusterError(error.code, error.message, {
        hint: error.hint,
        cause: error,
        leftBehind: left,
      });
    }
    if (left.length > 0) emit({ type: 'warning', message: `left running: ${left.join(', ')}` });
    throw error;
  }

  // Members that were running already may run an older version than the one installed now (the component
  // policy upgraded the packages under them): say which, and how to roll them onto the installed set.
  if (running.size > 0) {
    const drift = versionDrift(await runningVersions(plan, tls, running), binaries, layout);
    for (const line of drift) emit({ type: 'warning', message: line });
  }

  const manifest = buildManifest({
    options,
    plan,
    layout,
    pki: pki.files,
    secrets: secretFile(layout.secretsDir, 'superuser'),
  });
  // A manifest rewritten (it was missing or stale) is a change this run made, and says so.
  if (await writeManifest(layout.manifestFile, manifest)) changedFiles.push(layout.manifestFile);
  return {
    started,
    changedFiles,
    connection: connectionInfo(manifest, pki.files.ca),
    manifestFile: layout.manifestFile,
    binaries,
  };
}

/** verify's default bound on a replica's lag (`patroni.replicas`); the local manifest sets no other. */
const VERIFY_MAX_LAG_BYTES = 1_048_576;

/** One warning per member whose running version is not the installed one. */
export function versionDrift(
  running: ReadonlyMap<string, RunningVersion>,
  binaries: Pick<Binaries, 'versions'>,
  layout: Pick<Layout, 'cluster' | 'stateDir' | 'hintNames'>,
): string[] {
  const lines: string[] = [];
  for (const [name, v] of running) {
    const patroni = name.startsWith('pg-');
    const installed = patroni ? binaries.versions.patroni : binaries.versions.etcd;
    if (v.version === undefined || v.version === installed) continue;
    lines.push(
      `${name} runs ${patroni ? 'Patroni' : 'etcd'} ${v.version}, the installed one is ${installed}: it keeps the old ` +
        `version until it is restarted (${operationHint(layout, 'destroy')}, then ${operationHint(layout, 'deploy')}: data is kept; see docs/components.md)`,
    );
  }
  return lines;
}

async function runningNames(layout: Layout, options: LocalOptions): Promise<string[]> {
  const status = await componentStatus(layout, options);
  return status.filter((c) => c.running).map((c) => `${c.name} (PID ${c.record?.pid})`);
}

function logFileOf(layout: Layout, name: string): string {
  return componentLayout(layout, kindOf(name), name).logFile;
}

/** A clean environment: nothing inherited (PGPASSWORD, PGUSER, a pyenv PATH) leaks into the services. */
function baseEnv(home: string): Record<string, string> {
  return { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: home };
}

/** The passwords reach Patroni through its environment, never through its configuration file. */
function patroniSecretsEnv(secrets: Secrets): Record<string, string> {
  return patroniEnvironment({
    superuserPassword: secrets.superuser.reveal(),
    replicationPassword: secrets.replication.reveal(),
    rewindPassword: secrets.rewind.reveal(),
    restApiPassword: secrets.restapi.reveal(),
  });
}

async function waitForLeaderAndReplicas(
  plan: AddressPlan,
  tls: Awaited<ReturnType<typeof loadTls>>,
  secrets: Secrets,
  caFile: string,
  timeoutMs: number,
  guard: () => Promise<void>,
  layout: Layout,
): Promise<string> {
  const ca = await readFile(caFile, 'utf8');
  const rest = plan.patroni.map((n) => `https://${n.host}:${PORTS.patroniRest}`);
  const ready = await waitFor(
    async () => {
      let members: Awaited<ReturnType<typeof patroniCluster>> | undefined;
      let lastError = '';
      for (const url of rest) {
        try {
          members = await patroniCluster(url, tls, 2000);
          break;
        } catch (error) {
          lastError = `${url}: ${(error as Error).message}`;
        }
      }
      if (!members) throw new Error(`no Patroni REST API answers (${lastError})`);
      const leaders = members.filter((m) => m.role === 'leader' && m.state === 'running');
      if (leaders.length !== 1) throw new Error(`${leaders.length} running leaders in /cluster`);
      const leader = leaders[0] as (typeof leaders)[number];
      const node = plan.patroni.find((n) => n.name === leader.name);
      if (!node) throw new Error(`leader ${leader.name} is not a member of this deployment`);
      const streaming = await streamingReplicas(
        {
          host: node.host,
          port: PORTS.postgres,
          user: POSTGRES.superuser,
          password: secrets.superuser.reveal(),
          database: POSTGRES.database,
          ca,
        },
        2000,
      );
      const waiting = plan.patroni.filter((n) => n.name !== leader.name && !streaming.includes(n.name));
      if (waiting.length > 0)
        throw new Error(`leader ${leader.name}; not streaming yet: ${waiting.map((n) => n.name).join(', ')}`);
      // Ready means what verify checks: Patroni itself reports each replica running or streaming, its lag known
      // and within verify's bound. Patroni's view trails pg_stat_replication by up to a loop: right after its
      // base backup a replica can show "starting", or 16 MiB of lag from a stale position.
      const behind = plan.patroni
        .filter((n) => n.name !== leader.name)
        .map((n) => ({ n, m: members?.find((x) => x.name === n.name) }))
        .filter(
          ({ m }) =>
            !m ||
            !['running', 'streaming'].includes(m.state) ||
            typeof m.lag !== 'number' ||
            m.lag > VERIFY_MAX_LAG_BYTES,
        );
      if (behind.length > 0)
        throw new Error(
          `leader ${leader.name}; Patroni does not report yet: ${behind.map(({ n, m }) => `${n.name} (${m ? `state ${m.state}, lag ${m.lag ?? 'unknown'}` : 'not in /cluster'})`).join(', ')}`,
        );
      return leader.name;
    },
    { timeoutMs, guard, intervalMs: 250 },
  );
  if (ready.value === undefined) {
    throw new LocalClusterError(
      'START_TIMEOUT',
      `Patroni did not settle within ${timeoutMs} ms: ${ready.lastError}`,
      {
        hint: `read the node logs (patroni.log in each node dir); ${operationHint(layout, 'status')} shows what runs`,
      },
    );
  }
  return ready.value;
}

/** Write each file only when its content differs; returns the paths written. Owner: the service user. */
async function writeNodeFiles(
  layout: Layout,
  files: readonly NodeFiles[],
  user: ServiceUser,
): Promise<string[]> {
  const changed: string[] = [];
  await mkdir(layout.nodesDir, { recursive: true, mode: 0o755 });
  await chown(layout.nodesDir, user.uid, user.gid);
  for (const node of files) {
    for (const dir of node.dirs) {
      await mkdir(dir.path, { recursive: true, mode: dir.mode });
      await chown(dir.path, user.uid, user.gid);
    }
    for (const file of node.files) {
      const content = file.content;
      const current = await readFile(file.path).catch(() => undefined);
      if (current !== undefined && Buffer.compare(current, Buffer.from(content)) === 0) {
        const s = await stat(file.path);
        if ((s.mode & 0o777) === file.mode && s.uid === user.uid) continue;
      }
      await writeFile(file.path, content, { mode: file.mode });
      await chown(file.path, user.uid, user.gid);
      await chmod(file.path, file.mode);
      changed.push(file.path);
    }
  }
  return changed;
}

/** Every directory above `dir` must let the service user through, or its processes fail obscurely. */
async function assertReachable(layout: Layout, user: ServiceUser): Promise<void> {
  const dir = layout.nodesDir;
  if (!user.isRoot) return; // we run as that user already and create what we need
  let current = dir;
  for (;;) {
    const parent = dirname(current);
    const s = await stat(current).catch(() => undefined);
    if (s && s.uid !== user.uid && (s.mode & 0o001) === 0) {
      throw new LocalClusterError(
        'STATE_UNREACHABLE',
        `${current} is not reachable by the service user ${user.name} (mode ${(s.mode & 0o777).toString(8)}, owner uid ${s.uid}), so ${dir} cannot hold the node data`,
        {
          hint: `pass ${hintNamesOf(layout).option('nodesRoot')} with a path ${user.name} can reach (default as root: /var/lib/pgha), or chmod o+x ${current}`,
        },
      );
    }
    if (parent === current) return;
    current = parent;
  }
}
