import { DeployError } from '../errors.js';
import { addressPlan } from '../options.js';
import type { Layout } from './layout.js';
import { loadTls, patroniCluster } from './probes.js';
import { componentStatus, readClusterState } from './state.js';
import { clientFiles } from './tls.js';

export interface StatusRow {
  readonly name: string;
  readonly kind: 'etcd' | 'patroni' | 'haproxy';
  readonly host: string;
  readonly ports: readonly number[];
  readonly pid: number | undefined;
  readonly state: 'running' | 'stopped';
  /** Patroni's role for a node (leader, replica, sync_standby), when its REST API answers. */
  readonly role: string | undefined;
}

export interface LocalStatus {
  /** Every process runs and Patroni has a leader. */
  readonly ok: boolean;
  /** The Patroni member that leads now, when a node's REST API says so. */
  readonly leader: string | undefined;
  readonly components: readonly StatusRow[];
}

export async function statusLocal(layout: Layout): Promise<LocalStatus> {
  const state = await readClusterState(layout);
  if (!state) {
    throw new DeployError(
      'NOT_DEPLOYED',
      `no deployment of cluster "${layout.cluster}" in ${layout.stateDir}`,
      {
        hint: 'deploy it with pnpm run deploy',
      },
    );
  }
  const components = await componentStatus(layout, state.options);
  const damaged = components.find((c) => c.damaged !== undefined)?.damaged;
  if (damaged) throw damaged;
  const roles = new Map<string, string>();
  const plan = addressPlan(state.options);
  try {
    const files = clientFiles(layout);
    const tls = await loadTls(files);
    for (const node of plan.patroni) {
      const members = await patroniCluster(`https://${node.host}:8008`, tls, 1500).catch(() => undefined);
      if (!members) continue;
      for (const m of members) roles.set(m.name, m.role);
      break;
    }
  } catch {
    // no certificates yet or no node answers: roles stay unknown
  }
  const rows: StatusRow[] = components.map((c) => ({
    name: c.name,
    kind: c.kind,
    host: c.host,
    ports: c.ports,
    pid: c.running ? c.record?.pid : undefined,
    state: c.running ? 'running' : 'stopped',
    role: c.kind === 'patroni' ? roles.get(c.name) : undefined,
  }));
  // Processes that run are not yet a cluster: without a leader nothing takes writes.
  const leader = rows.find((r) => r.kind === 'patroni' && r.state === 'running' && r.role === 'leader')?.name;
  return { ok: leader !== undefined && rows.every((r) => r.state === 'running'), leader, components: rows };
}
