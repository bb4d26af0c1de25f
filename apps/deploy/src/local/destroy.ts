import { rm } from 'node:fs/promises';
import { DeployError } from '../errors.js';
import { type Emit, step } from '../events.js';
import { componentLayout, type Layout, patroniLayout } from './layout.js';
import { etcdIsLeader, loadTls } from './probes.js';
import { type ProcessRecord, postmasterRecord, removeRecord, stopAll } from './process.js';
import { componentStatus, readClusterState } from './state.js';
import { clientFiles } from './tls.js';

export interface DestroyResult {
  readonly stopped: readonly string[];
  readonly purged: boolean;
}

/**
 * Stop every process the deployment started, by PID: the Patroni nodes together (one by one would chain
 * promotions), then any PostgreSQL they left, then HAProxy, then the etcd followers and last the etcd leader.
 * Data stays unless `purge`.
 */
export async function destroyLocal(layout: Layout, purge: boolean, emit: Emit): Promise<DestroyResult> {
  const state = await readClusterState(layout);
  if (!state) {
    throw new DeployError(
      'NOT_DEPLOYED',
      `no local deployment of cluster "${layout.cluster}" in ${layout.stateDir}`,
      {
        hint: 'check --cluster and --state-dir; `pnpm run status` shows what is deployed',
      },
    );
  }
  const components = await componentStatus(layout, state.options);
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
      throw new DeployError(
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

  for (const c of components) await removeRecord(componentLayout(layout, c.kind, c.name).recordFile);
  if (purge) {
    await step(emit, 'purge', `remove data: ${state.nodesDir} and ${layout.stateDir}`, async () => {
      await rm(state.nodesDir, { recursive: true, force: true });
      await rm(layout.stateDir, { recursive: true, force: true });
    });
  }
  return { stopped, purged: purge };
}

/** The running etcd member that leads now, if one says so within a second (none: no quorum, or no TLS files). */
async function etcdLeaderOf(
  layout: Layout,
  members: readonly { readonly name: string; readonly host: string }[],
): Promise<string | undefined> {
  const tls = await loadTls(clientFiles(layout)).catch(() => undefined);
  if (!tls || members.length === 0) return undefined;
  const leads = await Promise.all(
    members.map((m) => etcdIsLeader(`https://${m.host}:2379`, tls, 1000).catch(() => false)),
  );
  return members[leads.indexOf(true)]?.name;
}
