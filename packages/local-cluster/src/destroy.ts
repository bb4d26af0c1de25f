import { rm } from 'node:fs/promises';
import { step } from '@pgha/clients';
import { PORTS } from '@pgha/defaults';
import { LocalClusterError } from './errors.js';
import type { LocalClusterEventListener } from './events.js';
import { hintNamesOf } from './hint-names.js';
import { componentLayout, type Layout, patroniLayout } from './layout.js';
import { acquireLock } from './lock.js';
import { adminNamespace, insideNamespace, openClusterNetwork, teardownClusterNetwork } from './netns.js';
import { checkOwnership } from './ownership.js';
import { etcdIsLeader, loadTls } from './private/probes.js';
import { type ProcessRecord, postmasterRecord, removeRecord, stopAll } from './process.js';
import {
  type ClusterState,
  componentStatus,
  isStateDamaged,
  readClusterState,
  recordedComponents,
} from './state.js';
import { clientFiles } from './tls.js';

export interface DestroyResult {
  readonly stopped: readonly string[];
  readonly purged: boolean;
  /**
   * cluster.json is damaged (STATE_DAMAGED's message and hint): what the run records named was stopped all
   * the same; nothing was purged.
   */
  readonly damagedState?: { readonly message: string; readonly hint: string };
}

export interface DestroyLocalOptions {
  /**
   * For a process that stops its own interrupted deploy (the drill's Ctrl-C): take the deployment's lock from
   * this very process. Never from another live one.
   */
  readonly interruptingOwnDeploy?: boolean;
  /**
   * netns mode: keep the hosts' network namespaces (a netns drill run keeps them across its trials and removes
   * them at its end, see prepareDrillNetwork). @default false - destroy removes them
   */
  readonly keepNetwork?: boolean;
}

/**
 * Stop every process the deployment started, by PID: the Patroni nodes together (one by one would chain
 * promotions), then any PostgreSQL they left, then HAProxy, then the etcd followers and last the etcd leader.
 * Data stays unless `purge`, which deletes only a nodes dir marked as this deployment's.
 *
 * Refused (exit 2) before anything is stopped: a nodes dir of another deployment, a purge of one this
 * deployment did not mark or with a damaged cluster.json, a deploy or destroy of the cluster that runs now.
 * With cluster.json damaged, what the run records name is stopped all the same.
 */
export async function destroyLocal(
  layout: Layout,
  purge: boolean,
  emit: LocalClusterEventListener,
  options: DestroyLocalOptions = {},
): Promise<DestroyResult> {
  const admit = async () => {
    let state: ClusterState | undefined;
    try {
      state = await readClusterState(layout);
    } catch (error) {
      // Damaged: the run records still say what runs. Purging needs to know what is ours: refused.
      if (!isStateDamaged(error) || purge) throw error;
      return { state: undefined, damaged: error };
    }
    if (!state) {
      throw new LocalClusterError(
        'NOT_DEPLOYED',
        `no local deployment of cluster "${layout.cluster}" in ${layout.stateDir}`,
        {
          hint: `check ${hintNamesOf(layout).option('cluster')} and ${hintNamesOf(layout).option('stateRoot')}`,
        },
      );
    }
    if (state.nodesDir !== layout.nodesDir) {
      throw new LocalClusterError(
        'STATE_CONFLICT',
        `cluster "${layout.cluster}" of ${layout.stateDir} was deployed with its nodes in ${state.nodesDir}, not ${layout.nodesDir}`,
        {
          hint: `leave out ${hintNamesOf(layout).option('nodesRoot')}: destroy acts on the nodes dir the cluster was deployed with`,
        },
      );
    }
    await checkOwnership(layout, state, purge ? 'purge' : 'destroy');
    return { state, damaged: undefined };
  };
  await admit();
  const lock = await acquireLock(layout, purge ? 'destroy --purge' : 'destroy', {
    takeOverOwn: options.interruptingOwnDeploy === true,
  });
  try {
    const { state, damaged } = await admit();
    const result = await stopEverything(layout, state, emit);
    // netns mode: the hosts' namespaces go with their processes (deploy makes them again).
    const removed = options.keepNetwork ? [] : await teardownClusterNetwork(layout);
    if (removed.length > 0)
      emit({ type: 'notice', message: `removed the network namespaces: ${removed.join(', ')}` });
    if (damaged) {
      const hint = `what its run records named is stopped; restore ${layout.clusterFile} before the next deploy (it records the options and the nodes dir), and keep ${layout.stateDir}: it holds the cluster's keys and passwords`;
      return { ...result, purged: false, damagedState: { message: damaged.message, hint } };
    }
    if (purge) {
      await step(emit, 'purge', `remove data: ${layout.nodesDir} and ${layout.stateDir}`, async () => {
        await rm(layout.nodesDir, { recursive: true, force: true });
        await rm(layout.stateDir, { recursive: true, force: true });
      });
    }
    return { ...result, purged: purge };
  } finally {
    await lock.release();
  }
}

/**
 * Stop what runs, in order; the components from cluster.json, or from the run records when it is damaged.
 * A damaged run record is skipped, then reported (STATE_DAMAGED, naming the file) once the rest is stopped.
 */
async function stopEverything(
  layout: Layout,
  state: ClusterState | undefined,
  emit: LocalClusterEventListener,
): Promise<{ stopped: string[] }> {
  const components = state ? await componentStatus(layout, state.options) : await recordedComponents(layout);
  const byKind = (kind: string) =>
    components.filter((c) => c.kind === kind && c.running).map((c) => c.record as ProcessRecord);
  const stopped: string[] = [];
  const stopGroup = async (
    title: string,
    records: ProcessRecord[],
    graceMs: number,
    signal?: NodeJS.Signals,
  ) => {
    if (records.length === 0) return;
    const left = await step(
      emit,
      `stop-${title}`,
      `stop ${title}: ${records.map((r) => r.name).join(', ')}`,
      () => stopAll(records, graceMs, signal),
    );
    if (left.length > 0) {
      throw new LocalClusterError(
        'STOP_FAILED',
        `could not stop ${left.map((r) => `${r.name} (PID ${r.pid})`).join(', ')}`,
        {
          hint: 'they ignored SIGTERM and SIGKILL; check them with ps and stop them by PID',
          leftBehind: left.map((r) => `${r.name} PID ${r.pid}`),
        },
      );
    }
    stopped.push(...records.map((r) => r.name));
  };

  await stopGroup('Patroni', byKind('patroni'), 30_000);
  // Patroni stops its PostgreSQL; one left behind (Patroni crashed) gets a fast shutdown (SIGINT).
  const orphans: ProcessRecord[] = [];
  for (const c of components.filter((c) => c.kind === 'patroni')) {
    const pm = await postmasterRecord(patroniLayout(layout, c.name).dataDir, `${c.name} postgres`);
    if (pm) orphans.push(pm);
  }
  await stopGroup('PostgreSQL', orphans, 30_000, 'SIGINT');
  await stopGroup('HAProxy', byKind('haproxy'), 10_000);
  // etcd: the followers together, then the leader. A leader stopped with the others hands its leadership to
  // a member that is stopping too and waits etcd's request timeout (7 s here) for it; last and alone, it has
  // no peer left to hand over to and stops at once.
  const etcd = components.filter((c) => c.kind === 'etcd' && c.running);
  const leader = await etcdLeaderOf(layout, etcd);
  await stopGroup(
    'etcd',
    etcd.filter((c) => c.name !== leader).map((c) => c.record as ProcessRecord),
    15_000,
  );
  await stopGroup(
    'etcd',
    etcd.filter((c) => c.name === leader).map((c) => c.record as ProcessRecord),
    15_000,
  );

  for (const c of components) {
    if (!c.damaged) await removeRecord(componentLayout(layout, c.kind, c.name).recordFile);
  }
  const damaged = components.find((c) => c.damaged !== undefined)?.damaged;
  if (damaged) {
    throw new LocalClusterError(
      damaged.code,
      `${damaged.message}${stopped.length > 0 ? ` (stopped: ${stopped.join(', ')})` : ''}`,
      {
        hint: damaged.hint,
        cause: damaged,
      },
    );
  }
  return { stopped };
}

/** The running etcd member that leads now, if one says so within a second (none: no quorum, or no TLS files). */
async function etcdLeaderOf(
  layout: Layout,
  members: readonly { readonly name: string; readonly host: string }[],
): Promise<string | undefined> {
  const tls = await loadTls(clientFiles(layout)).catch(() => undefined);
  // netns mode: destroy runs in this machine's namespace, which must not send to the hosts' addresses (see
  // netns.ts, mayReach): all stop together, only slower.
  if (
    (await openClusterNetwork(layout)) !== undefined &&
    !(await insideNamespace(adminNamespace(layout.cluster)))
  )
    return undefined;
  // No addresses (cluster.json damaged): all stop together, only slower.
  if (!tls || members.length === 0 || members.some((m) => m.host === '')) return undefined;
  const leads = await Promise.all(
    members.map((m) => etcdIsLeader(`https://${m.host}:${PORTS.etcdClient}`, tls, 1000).catch(() => false)),
  );
  return members[leads.indexOf(true)]?.name;
}
