import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalClusterError } from './errors.js';
import { hintNamesOf } from './hint-names.js';
import { type Layout, operationHint } from './layout.js';
import { processesIn } from './process.js';
import { shellWord } from './shell-word.js';
import type { ClusterState } from './state.js';

/**
 * The mark a deploy leaves in its nodes dir: which deployment (state dir and id) the node data belongs to.
 * As root every state dir deploys cluster X into /var/lib/pgha/X, so without it a second state dir would
 * rewrite the first one's configuration and start Patroni on its data with new passwords.
 */
export interface OwnershipMark {
  readonly version: 1;
  /** The owning deployment's state dir (`<state root>/<cluster>`), absolute. */
  readonly stateDir: string;
  readonly cluster: string;
  /** The `deploymentId` of the owner's cluster.json. */
  readonly deploymentId: string;
  readonly markedAt: string;
}

export const MARK_FILE = 'pgha-owner.json';

/** What an operation may touch: `deploy` writes and starts, `destroy` stops, `purge` deletes, `status` reads. */
export type Operation = 'deploy' | 'destroy' | 'purge' | 'status';

/**
 * How the nodes dir relates to the deployment: marked as its own, absent or empty (`fresh`), or holding the
 * unmarked data of a deployment made before marks existed (`legacy`: its cluster.json has no deploymentId and
 * names this nodes dir; deploy marks it).
 */
export type Ownership = 'ours' | 'fresh' | 'legacy';

/** A new deployment's id: random, so a re-created state dir is a new deployment. */
export function newDeploymentId(): string {
  return randomBytes(16).toString('hex');
}

export function markFile(nodesDir: string): string {
  return join(nodesDir, MARK_FILE);
}

/**
 * Whether `operation` may go ahead on `layout.nodesDir`; throws NODES_OWNED (exit 2) before anything is touched
 * when the node data belongs to another deployment, or to none any more. Read-only.
 *
 * - deploy: the nodes dir must be this deployment's (marked), fresh, or legacy; never data of another
 *   deployment, of a deployment whose state is gone, or unmarked data (reused, it would get new secrets).
 * - destroy (and status): stops (reads) only what this state dir's run records name, so only another live
 *   owner refuses it.
 * - purge: deletes only a nodes dir marked as this deployment's (or nothing, when there is none).
 */
export async function checkOwnership(
  layout: Layout,
  state: ClusterState | undefined,
  operation: Operation,
): Promise<Ownership> {
  const { nodesDir } = layout;
  const mark = await readMark(nodesDir);
  if (mark !== undefined && mark !== 'damaged') {
    if (mark.stateDir === layout.stateDir && mark.deploymentId === state?.deploymentId) return 'ours';
    const ownerLives = mark.stateDir !== layout.stateDir && (await ownerStateLives(mark));
    const names = hintNamesOf(layout);
    if (ownerLives) {
      throw new LocalClusterError(
        'NODES_OWNED',
        `${nodesDir} holds the node data of cluster "${mark.cluster}" deployed from ${mark.stateDir}, not from ${layout.stateDir}: ${operation} refused, nothing was changed`,
        {
          hint: `act on it from its own state dir (${names.deployment(mark)}), or give this deployment another ${names.option('cluster')} or ${names.option('nodesRoot')}; to remove that data, destroy it from its owner: ${names.operation('purge', mark)}`,
        },
      );
    }
    // Nothing of another live deployment: stopping (or looking at) our own processes is fine.
    if (operation === 'destroy' || operation === 'status') return 'fresh';
    throw new LocalClusterError(
      'NODES_OWNED',
      `${nodesDir} holds node data left by a deployment of cluster "${mark.cluster}" from ${mark.stateDir} whose state (cluster.json, keys, passwords) is gone: pgha does not reuse it with new secrets; ${operation} refused, nothing was changed`,
      { hint: await removalHint(layout) },
    );
  }
  const entries = await readdir(nodesDir).catch(() => [] as string[]);
  if (entries.length === 0) return 'fresh';
  if (
    mark === undefined &&
    state !== undefined &&
    state.deploymentId === undefined &&
    state.nodesDir === nodesDir
  ) {
    if (operation !== 'purge') return 'legacy';
    throw new LocalClusterError(
      'NODES_OWNED',
      `${nodesDir} carries no ownership mark (${MARK_FILE}; deployed by a pgha older than the marks, or not by pgha): a purge deletes only a nodes dir marked as this deployment's; nothing was changed`,
      {
        hint: `${operationHint(layout, 'deploy')} marks it as this deployment's (same options), then purge again; or remove it yourself: rm -rf ${shellWord(nodesDir)}`,
      },
    );
  }
  if (operation === 'destroy' || operation === 'status') return 'fresh';
  const why = mark === 'damaged' ? `its ownership mark ${MARK_FILE} is damaged` : `no ${MARK_FILE}`;
  throw new LocalClusterError(
    'NODES_OWNED',
    `${nodesDir} holds files that no pgha deployment marked as its own (${why}): pgha does not ${operation === 'purge' ? 'delete' : 'reuse'} them${operation === 'deploy' ? ' with new secrets' : ''}; ${operation} refused, nothing was changed`,
    { hint: await removalHint(layout) },
  );
}

/**
 * Write this deployment's mark into its nodes dir, exclusively: when another deploy marked it first (a race
 * past checkOwnership), its check refuses now.
 */
export async function writeMark(
  layout: Layout,
  state: ClusterState & { deploymentId: string },
): Promise<void> {
  const mark: OwnershipMark = {
    version: 1,
    stateDir: layout.stateDir,
    cluster: layout.cluster,
    deploymentId: state.deploymentId,
    markedAt: new Date().toISOString(),
  };
  await mkdir(layout.nodesDir, { recursive: true, mode: 0o755 });
  try {
    await writeFile(markFile(layout.nodesDir), `${JSON.stringify(mark, null, 2)}\n`, {
      mode: 0o644,
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if ((await checkOwnership(layout, state, 'deploy')) !== 'ours') throw error;
  }
}

/** The mark in a nodes dir; undefined when there is none; 'damaged' when the file is not one. */
export async function readMark(nodesDir: string): Promise<OwnershipMark | 'damaged' | undefined> {
  let text: string;
  try {
    text = await readFile(markFile(nodesDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'damaged';
  }
  try {
    const mark = JSON.parse(text) as Partial<OwnershipMark>;
    const ok =
      typeof mark === 'object' &&
      mark !== null &&
      typeof mark.stateDir === 'string' &&
      typeof mark.cluster === 'string' &&
      typeof mark.deploymentId === 'string';
    return ok ? (mark as OwnershipMark) : 'damaged';
  } catch {
    return 'damaged';
  }
}

/**
 * Whether the mark's owner still has its state: its cluster.json carries the mark's id. One that cannot be read
 * (another user's, damaged) counts as alive: pgha never calls data ownerless unless it knows.
 */
async function ownerStateLives(mark: OwnershipMark): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(mark.stateDir, 'cluster.json'), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  try {
    const id = (JSON.parse(text) as { deploymentId?: unknown }).deploymentId;
    return id === undefined || id === mark.deploymentId;
  } catch {
    return true;
  }
}

/** How to get rid of data nobody owns: stop what still runs in it first, then remove it, or go elsewhere. */
async function removalHint(layout: Layout): Promise<string> {
  const running = await processesIn(layout.nodesDir);
  const stop =
    running.length > 0
      ? `processes still work in it (${running.map((p) => `PID ${p.pid}: ${p.command}`).join('; ')}): stop them by PID first (kill PID); then `
      : '';
  return `${stop}if that data is not needed, remove it: rm -rf ${shellWord(layout.nodesDir)}; or deploy this cluster elsewhere, with another ${hintNamesOf(layout).option('cluster')} or ${hintNamesOf(layout).option('nodesRoot')}`;
}
