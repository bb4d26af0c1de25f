import { resolve } from 'node:path';
import type { ParsedFlags } from '../cli.js';
import { DeployError } from '../errors.js';
import { type Layout, layoutFor } from '../local/layout.js';
import { readClusterState } from '../local/state.js';
import type { Io } from '../reporter.js';

export function stateRoot(flags: ParsedFlags, io: Io): string {
  const dir = (flags['state-dir'] as string | undefined) ?? io.env.PGHA_STATE_DIR ?? '.pgha';
  return resolve(dir);
}

/** The layout of an existing deployment: its nodes dir is the one it was deployed with. */
export async function existingLayout(
  flags: ParsedFlags,
  io: Io,
): Promise<{ layout: Layout; cluster: string }> {
  const cluster = (flags.cluster as string | undefined) ?? 'main';
  const asRoot = process.getuid?.() === 0;
  const layout = layoutFor({ cluster, stateRoot: stateRoot(flags, io), asRoot });
  const state = await readClusterState(layout);
  if (!state) {
    throw new DeployError('NOT_DEPLOYED', `no deployment of cluster "${cluster}" in ${layout.stateDir}`, {
      hint: 'deploy it with pnpm run deploy, or name it with --cluster / --state-dir',
    });
  }
  return { layout: { ...layout, nodesDir: state.nodesDir }, cluster };
}
