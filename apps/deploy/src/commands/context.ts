import { resolve } from 'node:path';
import type { AwsConfig, AwsTerraformOptions } from '@pgha/aws-deploy';
import {
  type ClusterState,
  type ConnectionInfo,
  checkOwnership,
  isStateDamaged,
  type Layout,
  layoutFor,
  type Operation,
  readClusterState,
} from '@pgha/local-cluster';
import type { FlagTable } from '../command.js';
import { DeployError } from '../errors.js';
import { CLI_HINT_NAMES } from '../hints.js';
import { clusterFlag } from '../options.js';
import type { Io } from '../reporter.js';

/** `--nodes-dir`: deploy, destroy and status of a local cluster. */
export const NODES_FLAGS = {
  'nodes-dir': { type: 'string' },
} as const satisfies FlagTable;

/** What deploy and destroy take for `--target aws` (and `--target` itself). */
export const AWS_TARGET_FLAGS = {
  target: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
} as const satisfies FlagTable;

/** What deploy and drill take for the cluster they bring up on this machine. */
export const LOCAL_CLUSTER_FLAGS = {
  profile: { type: 'string' },
  sync: { type: 'boolean' },
  async: { type: 'boolean' },
  'address-base': { type: 'string' },
  network: { type: 'string' },
  'no-install': { type: 'boolean' },
  'allow-unsafe-components': { type: 'boolean' },
} as const satisfies FlagTable;

/** The flags that say which deployment: every command takes them (`COMMON_FLAGS`), status and destroy the nodes dir too. */
interface WhichFlags {
  readonly cluster?: string;
  readonly 'state-dir'?: string;
  readonly 'nodes-dir'?: string;
}

export function stateRoot(flags: WhichFlags, io: Io): string {
  const dir = flags['state-dir'] ?? io.env.PGHA_STATE_DIR ?? '.pgha';
  return resolve(dir);
}

/**
 * The layout of an existing deployment: its nodes dir is the one it was deployed with (a different
 * --nodes-dir is refused). Not deployed from this state dir: NOT_DEPLOYED, or NODES_OWNED naming the owner
 * when the nodes dir it would use belongs to another state dir. `damagedOk` (destroy): a damaged cluster.json
 * gives the layout the flags name, for stopping what the run records name.
 */
export async function existingLayout(
  flags: WhichFlags,
  io: Io,
  operation: Operation,
  options: { readonly damagedOk?: boolean } = {},
): Promise<{ layout: Layout; cluster: string }> {
  const cluster = clusterFlag(flags.cluster) ?? 'main';
  const asRoot = process.getuid?.() === 0;
  const nodesRoot = flags['nodes-dir'];
  const layout = layoutFor({
    cluster,
    stateRoot: stateRoot(flags, io),
    nodesRoot,
    asRoot,
    hintNames: CLI_HINT_NAMES,
  });
  let state: ClusterState | undefined;
  try {
    state = await readClusterState(layout);
  } catch (error) {
    if (options.damagedOk && isStateDamaged(error)) return { layout, cluster };
    throw error;
  }
  if (!state) {
    await checkOwnership(layout, undefined, operation);
    throw new DeployError('NOT_DEPLOYED', `no deployment of cluster "${cluster}" in ${layout.stateDir}`, {
      hint: 'deploy it with pnpm run deploy, or name it with --cluster / --state-dir',
    });
  }
  if (nodesRoot !== undefined && layout.nodesDir !== state.nodesDir) {
    throw new DeployError(
      'STATE_CONFLICT',
      `cluster "${cluster}" of ${layout.stateDir} was deployed with its nodes in ${state.nodesDir}, not ${layout.nodesDir}`,
      { hint: 'leave out --nodes-dir: the cluster keeps the nodes dir it was deployed with' },
    );
  }
  return { layout: { ...layout, nodesDir: state.nodesDir }, cluster };
}

/** `--target`: local (the default) or aws. */
export function targetOf(flags: { readonly target?: string }): 'local' | 'aws' {
  const target = flags.target ?? 'local';
  if (target === 'local' || target === 'aws') return target;
  throw new DeployError('USAGE', `--target ${JSON.stringify(target)} is not a target`, {
    hint: 'use --target local (the default) or --target aws',
  });
}

/** What every AWS command that runs Terraform takes from the flags and the environment. */
export function awsTerraformOptions(
  flags: WhichFlags & { readonly out?: string },
  io: Io,
  config: AwsConfig,
): Omit<AwsTerraformOptions, 'offline'> {
  return {
    config,
    stateRoot: stateRoot(flags, io),
    outDir: flags.out,
    env: io.env,
    ...(io.env.PGHA_TF_PLUGIN_DIR === undefined ? {} : { pluginDir: io.env.PGHA_TF_PLUGIN_DIR }),
    onTerraformLine: (line) => io.stderr.write(`  terraform| ${line}\n`),
  };
}

/** How to connect, the lines deploy prints for either target. */
export function connectionLines(c: ConnectionInfo, manifestFile: string): string[] {
  return [
    `primary (read-write):  ${c.primaryUrl}`,
    `replicas (read-only):  ${c.replicaUrl}`,
    `password file:         ${c.passwordFile}`,
    `manifest:              ${manifestFile}`,
  ];
}
