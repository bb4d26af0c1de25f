import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployError } from '../errors.js';
import type { LocalOptions } from '../options.js';
import { addressPlan } from '../options.js';
import { type ComponentKind, componentLayout, type Layout } from './layout.js';
import { isAlive, type ProcessRecord, readRecord } from './process.js';

/** What the state dir remembers about the deployment: the options it was made with. */
export interface ClusterState {
  readonly version: 1;
  readonly target: 'local';
  readonly options: LocalOptions;
  readonly nodesDir: string;
  readonly createdAt: string;
}

export async function readClusterState(layout: Layout): Promise<ClusterState | undefined> {
  // The AWS target keeps its PKI and secrets in the same state dir: a local deploy would re-issue them.
  const aws = await readFile(join(layout.stateDir, 'aws.json'), 'utf8').catch(() => undefined);
  if (aws !== undefined) {
    throw new DeployError(
      'STATE_CONFLICT',
      `${layout.stateDir} holds the AWS deployment of cluster "${layout.cluster}"`,
      {
        hint: 'give the local cluster another name (--cluster) or another --state-dir',
      },
    );
  }
  let text: string;
  try {
    text = await readFile(layout.clusterFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as ClusterState;
  } catch (error) {
    throw new DeployError('STATE_CONFLICT', `${layout.clusterFile} is not valid JSON`, {
      hint: `it was written by pgha; if you edited it, restore it, or remove ${layout.stateDir} to start over`,
      cause: error,
    });
  }
}

export async function writeClusterState(layout: Layout, state: ClusterState): Promise<void> {
  await mkdir(layout.stateDir, { recursive: true, mode: 0o700 });
  await writeFile(layout.clusterFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/**
 * A later deploy must ask for the same cluster the state dir holds: changing the shape of a running
 * cluster (member counts, addresses, PostgreSQL version) is not something a re-run can do safely.
 */
export function assertSameOptions(existing: ClusterState, wanted: LocalOptions, layout: Layout): void {
  const differences: string[] = [];
  for (const key of Object.keys(wanted) as (keyof LocalOptions)[]) {
    const before = existing.options[key];
    const after = wanted[key];
    if (key === 'postgresVersion' && after === undefined) continue; // "newest installed" accepts what is there
    if (before !== after)
      differences.push(`${key}: deployed with ${JSON.stringify(before)}, asked for ${JSON.stringify(after)}`);
  }
  if (differences.length > 0) {
    throw new DeployError(
      'STATE_CONFLICT',
      `${layout.stateDir} holds cluster "${existing.options.cluster}" deployed with other options:\n  - ${differences.join('\n  - ')}`,
      {
        hint: `run with the same options, or remove it first: pnpm run destroy -- --cluster ${existing.options.cluster} --purge`,
      },
    );
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly host: string;
  readonly ports: readonly number[];
  readonly record: ProcessRecord | undefined;
  readonly running: boolean;
}

/** Every component of the deployment with its process record and whether that process is alive. */
export async function componentStatus(layout: Layout, options: LocalOptions): Promise<ComponentStatus[]> {
  const plan = addressPlan(options);
  const entries: Omit<ComponentStatus, 'record' | 'running'>[] = [
    ...plan.etcd.map((m) => ({ name: m.name, kind: 'etcd' as const, host: m.host, ports: [2379, 2380] })),
    ...plan.patroni.map((n) => ({
      name: n.name,
      kind: 'patroni' as const,
      host: n.host,
      ports: [5432, 8008],
    })),
    { name: 'haproxy', kind: 'haproxy' as const, host: plan.loadBalancer, ports: [5432, 5433] },
  ];
  return Promise.all(
    entries.map(async (entry) => {
      const record = await readRecord(componentLayout(layout, entry.kind, entry.name).recordFile);
      return { ...entry, record, running: record !== undefined && (await isAlive(record)) };
    }),
  );
}
