import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { PORTS } from '@pgha/defaults';
import { isLocalClusterError, LocalClusterError } from './errors.js';
import { hintNamesOf } from './hint-names.js';
import { type ComponentKind, componentLayout, kindOf, type Layout, operationHint } from './layout.js';
import type { LocalOptions } from './options.js';
import { addressPlan, jsonKind, optionProblemLine, optionProblems } from './options.js';
import { isAlive, type ProcessRecord, readRecord } from './process.js';

/** What the state dir remembers about the deployment: the options it was made with. */
export interface ClusterState {
  readonly version: 1;
  readonly target: 'local';
  readonly options: LocalOptions;
  readonly nodesDir: string;
  readonly createdAt: string;
  /**
   * A random id made at the first deploy; the nodes dir's ownership mark carries it (see ownership.ts).
   * Absent in state written before nodes dirs were marked: the next deploy adds it.
   */
  readonly deploymentId?: string;
}

export async function readClusterState(layout: Layout): Promise<ClusterState | undefined> {
  // The AWS target keeps its PKI and secrets in the same state dir: a local deploy would re-issue them.
  const aws = await readFile(join(layout.stateDir, 'aws.json'), 'utf8').catch(() => undefined);
  if (aws !== undefined) {
    throw new LocalClusterError(
      'STATE_CONFLICT',
      `${layout.stateDir} holds the AWS deployment of cluster "${layout.cluster}"`,
      {
        hint: `give the local cluster another name (${hintNamesOf(layout).option('cluster')}) or another ${hintNamesOf(layout).option('stateRoot')}`,
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw damaged(layout, [`not valid JSON (${(error as Error).message})`], error);
  }
  // State written before the network mode existed is a loopback deployment.
  const options = (parsed as { options?: unknown } | null)?.options;
  if (typeof options === 'object' && options !== null && !('network' in options))
    (options as Record<string, unknown>).network = 'loopback';
  const problems = stateProblems(parsed, layout);
  if (problems.length > 0) throw damaged(layout, problems);
  return parsed as ClusterState;
}

/** True for the error readClusterState throws when cluster.json exists but is not one. */
export function isStateDamaged(error: unknown): error is LocalClusterError {
  return isLocalClusterError(error) && error.code === 'STATE_DAMAGED';
}

/** What is wrong with a parsed cluster.json, one line per field ([] when nothing). */
function stateProblems(value: unknown, layout: Layout): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`it holds ${jsonKind(value)}, not the JSON object pgha writes`];
  const s = value as Record<string, unknown>;
  const problems: string[] = [];
  if (s.version !== 1) problems.push(`version: ${JSON.stringify(s.version)}, expected 1`);
  if (s.target !== 'local') problems.push(`target: ${JSON.stringify(s.target)}, expected "local"`);
  if (typeof s.nodesDir !== 'string' || !isAbsolute(s.nodesDir))
    problems.push(`nodesDir: ${JSON.stringify(s.nodesDir)}, expected an absolute path`);
  if (typeof s.createdAt !== 'string')
    problems.push(`createdAt: ${JSON.stringify(s.createdAt)}, expected a date`);
  if (
    s.deploymentId !== undefined &&
    (typeof s.deploymentId !== 'string' || !/^[0-9a-f]{8,64}$/.test(s.deploymentId))
  )
    problems.push(`deploymentId: ${JSON.stringify(s.deploymentId)}, expected the hex id pgha made`);
  const options = s.options;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.push(`options: ${JSON.stringify(options)}, expected the object of deploy options`);
  } else {
    problems.push(
      ...optionProblems(options as Record<string, unknown>, 'cluster.json').map(
        (p) => `options.${optionProblemLine(p)}`,
      ),
    );
    const cluster = (options as Record<string, unknown>).cluster;
    if (cluster !== layout.cluster)
      problems.push(
        `options.cluster: ${JSON.stringify(cluster)}, but the file is the state of "${layout.cluster}"`,
      );
  }
  return problems;
}

function damaged(layout: Layout, problems: readonly string[], cause?: unknown): LocalClusterError {
  return new LocalClusterError(
    'STATE_DAMAGED',
    `${layout.clusterFile} is damaged:\n  - ${problems.join('\n  - ')}`,
    {
      hint: `pgha wrote it at the first deploy: it records the options the cluster was deployed with and where its node data lives. Restore it (a backup, or fix the fields named); keep ${layout.stateDir} itself, it holds the cluster's keys and passwords. Its processes can be stopped meanwhile: ${operationHint(layout, 'destroy')} stops what its run records name`,
      cause,
    },
  );
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
  // The node data stays where it was deployed: a new --nodes-dir would copy keys next to it, not move it.
  if (existing.nodesDir !== layout.nodesDir)
    differences.push(
      `nodesDir: deployed with ${JSON.stringify(existing.nodesDir)}, asked for ${JSON.stringify(layout.nodesDir)}`,
    );
  if (differences.length > 0) {
    throw new LocalClusterError(
      'STATE_CONFLICT',
      `${layout.stateDir} holds cluster "${existing.options.cluster}" deployed with other options:\n  - ${differences.join('\n  - ')}`,
      {
        hint: `run with the same options (leave out ${hintNamesOf(layout).option('nodesRoot')} and the cluster keeps its own), or remove it first: ${operationHint(layout, 'purge')}`,
      },
    );
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly kind: ComponentKind;
  /** Its address; '' for a component known only from its run record (cluster.json damaged). */
  readonly host: string;
  readonly ports: readonly number[];
  readonly record: ProcessRecord | undefined;
  readonly running: boolean;
  /** Its run record exists but is not one (STATE_DAMAGED, naming the file and the way out). */
  readonly damaged: LocalClusterError | undefined;
}

/** Every component of the deployment with its process record and whether that process is alive. */
export async function componentStatus(layout: Layout, options: LocalOptions): Promise<ComponentStatus[]> {
  const plan = addressPlan(options);
  const entries: Omit<ComponentStatus, 'record' | 'running' | 'damaged'>[] = [
    ...plan.etcd.map((m) => ({
      name: m.name,
      kind: 'etcd' as const,
      host: m.host,
      ports: [PORTS.etcdClient, PORTS.etcdPeer],
    })),
    ...plan.patroni.map((n) => ({
      name: n.name,
      kind: 'patroni' as const,
      host: n.host,
      ports: [PORTS.postgres, PORTS.patroniRest],
    })),
    {
      name: 'haproxy',
      kind: 'haproxy' as const,
      host: plan.loadBalancer,
      ports: [PORTS.loadBalancerPrimary, PORTS.loadBalancerReplicas],
    },
  ];
  return Promise.all(entries.map((entry) => withRecord(layout, entry)));
}

/**
 * The components the run records name, when cluster.json cannot say which there are (it is damaged): what
 * destroy still stops.
 */
export async function recordedComponents(layout: Layout): Promise<ComponentStatus[]> {
  const files = await readdir(layout.runDir).catch(() => [] as string[]);
  const names = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
  return Promise.all(
    names.sort().map((name) => withRecord(layout, { name, kind: kindOf(name), host: '', ports: [] })),
  );
}

async function withRecord(
  layout: Layout,
  entry: Omit<ComponentStatus, 'record' | 'running' | 'damaged'>,
): Promise<ComponentStatus> {
  const l = componentLayout(layout, entry.kind, entry.name);
  try {
    const record = await readRecord(l.recordFile, l.dir);
    return { ...entry, record, running: record !== undefined && (await isAlive(record)), damaged: undefined };
  } catch (error) {
    if (!isStateDamaged(error)) throw error;
    return { ...entry, record: undefined, running: false, damaged: error };
  }
}
