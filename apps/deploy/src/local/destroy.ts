import { rm } from 'node:fs/promises';
import { DeployError } from '../errors.js';
import { type Emit, step } from '../events.js';
import { componentLayout, type Layout, patroniLayout } from './layout.js';
import { type ProcessRecord, postmasterRecord, removeRecord, stopAll } from './process.js';
import { componentStatus, readClusterState } from './state.js';

export interface DestroyResult {
  readonly stopped: readonly string[];
  readonly purged: boolean;
}

/**
 * Stop every process the deployment started, by PID: the Patroni nodes together (one by one would chain
 * promotions), then any PostgreSQL they left, then HAProxy, then the etcd members one by one. Data stays unless
 * `purge`.
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
  // etcd one member at a time: a leader stopped together with the others hands its leadership to a member that
  // is stopping too, and waits etcd's request timeout (7 s here) for it. Alone, the hand-over takes milliseconds,
  // and the last member has no peer left to hand over to.
  for (const record of byKind('etcd')) await stopGroup('etcd', [record], 15_000);

  for (const c of components) await removeRecord(componentLayout(layout, c.kind, c.name).recordFile);
  if (purge) {
    await step(emit, 'purge', `remove data: ${state.nodesDir} and ${layout.stateDir}`, async () => {
      await rm(state.nodesDir, { recursive: true, force: true });
      await rm(layout.stateDir, { recursive: true, force: true });
    });
  }
  return { stopped, purged: purge };
}
