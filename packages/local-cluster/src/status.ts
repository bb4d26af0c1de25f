import { PORTS } from '@pgha/defaults';
import { LocalClusterError } from './errors.js';
import { type Layout, operationHint } from './layout.js';
import { mayReach } from './netns.js';
import { type AddressPlan, addressPlan } from './options.js';
import { etcdVersion, loadTls, patroniCluster, patroniTimings, patroniVersions } from './private/probes.js';
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
  /** What the running process says it is: etcd's server version, Patroni's version (not the installed one). */
  readonly version: string | undefined;
  /** The PostgreSQL version a Patroni node runs (e.g. "15.20"). */
  readonly postgresVersion?: string | undefined;
}

export interface LocalStatus {
  /** Every process runs and Patroni has a leader. */
  readonly ok: boolean;
  /** The Patroni member that leads now, when a node's REST API says so. */
  readonly leader: string | undefined;
  /** Patroni's leader-election timings as the cluster has them (its dynamic configuration), seconds. */
  readonly timing:
    | { readonly ttl: number; readonly loopWait: number; readonly retryTimeout: number }
    | undefined;
  readonly components: readonly StatusRow[];
}

export interface RunningVersion {
  readonly version?: string | undefined;
  readonly postgresVersion?: string | undefined;
}

/**
 * What the running members say they run (etcd `/version`, Patroni `/patroni`), asked all at once; a member that
 * does not answer within 1.5 s is left out. Not the installed packages: a member started before an upgrade
 * runs the old version until it is restarted.
 */
export async function runningVersions(
  plan: AddressPlan,
  tls: Awaited<ReturnType<typeof loadTls>>,
  running: ReadonlySet<string>,
): Promise<Map<string, RunningVersion>> {
  const versions = new Map<string, RunningVersion>();
  await Promise.all([
    ...plan.etcd
      .filter((m) => running.has(m.name))
      .map(async (m) => {
        const version = await etcdVersion(`https://${m.host}:${PORTS.etcdClient}`, tls, 1500).catch(
          () => undefined,
        );
        if (version) versions.set(m.name, { version });
      }),
    ...plan.patroni
      .filter((n) => running.has(n.name))
      .map(async (n) => {
        const v = await patroniVersions(`https://${n.host}:${PORTS.patroniRest}`, tls, 1500).catch(
          () => undefined,
        );
        if (v) versions.set(n.name, { version: v.patroni, postgresVersion: v.postgres });
      }),
  ]);
  return versions;
}

export async function statusLocal(layout: Layout): Promise<LocalStatus> {
  const state = await readClusterState(layout);
  if (!state) {
    throw new LocalClusterError(
      'NOT_DEPLOYED',
      `no deployment of cluster "${layout.cluster}" in ${layout.stateDir}`,
      {
        hint: `deploy it: ${operationHint(layout, 'deploy')}`,
      },
    );
  }
  const components = await componentStatus(layout, state.options);
  const damaged = components.find((c) => c.damaged !== undefined)?.damaged;
  if (damaged) throw damaged;
  const roles = new Map<string, string>();
  let versions: ReadonlyMap<string, RunningVersion> = new Map();
  let timing: LocalStatus['timing'];
  const plan = addressPlan(state.options);
  const tls = await loadTls(clientFiles(layout)).catch(() => undefined); // none yet: nothing to ask
  // netns mode outside the admin host (its network is gone): the processes' state only, nothing is asked.
  if (tls && (await mayReach(state.options.cluster, plan))) {
    versions = await runningVersions(
      plan,
      tls,
      new Set(components.filter((c) => c.running).map((c) => c.name)),
    );
    for (const node of plan.patroni) {
      const url = `https://${node.host}:${PORTS.patroniRest}`;
      const members = await patroniCluster(url, tls, 1500).catch(() => undefined);
      if (!members) continue;
      for (const m of members) roles.set(m.name, m.role);
      timing = await patroniTimings(url, tls, 1500).catch(() => undefined);
      break;
    }
  }
  const rows: StatusRow[] = components.map((c) => ({
    name: c.name,
    kind: c.kind,
    host: c.host,
    ports: c.ports,
    pid: c.running ? c.record?.pid : undefined,
    state: c.running ? 'running' : 'stopped',
    role: c.kind === 'patroni' ? roles.get(c.name) : undefined,
    version: versions.get(c.name)?.version,
    ...(c.kind === 'patroni' ? { postgresVersion: versions.get(c.name)?.postgresVersion } : {}),
  }));
  // Processes that run are not yet a cluster: without a leader nothing takes writes.
  const leader = rows.find((r) => r.kind === 'patroni' && r.state === 'running' && r.role === 'leader')?.name;
  return {
    ok: leader !== undefined && rows.every((r) => r.state === 'running'),
    leader,
    timing,
    components: rows,
  };
}
