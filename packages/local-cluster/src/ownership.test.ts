import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isLocalClusterError } from './errors.js';
import { type Layout, layoutFor } from './layout.js';
import { DEFAULTS } from './options.js';
import { checkOwnership, MARK_FILE, newDeploymentId, type Operation, writeMark } from './ownership.js';
import { type ClusterState, writeClusterState } from './state.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pgha-owner-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A state dir `name` holding cluster "x" whose nodes live in `<root>/<nodes>/x`. */
function layoutOf(name: string, nodes: string): Layout {
  return layoutFor({
    cluster: 'x',
    stateRoot: join(root, name),
    nodesRoot: join(root, nodes),
    asRoot: false,
  });
}

/** The state of a deploy; `legacy`: as written before marks existed, without a deploymentId. */
function stateOf(layout: Layout, deploymentId: string | 'legacy' = newDeploymentId()): ClusterState {
  return {
    version: 1,
    target: 'local',
    options: { ...DEFAULTS, cluster: 'x' },
    nodesDir: layout.nodesDir,
    createdAt: new Date().toISOString(),
    ...(deploymentId === 'legacy' ? {} : { deploymentId }),
  };
}

/** Deploy's part: state with an id, then the mark, then a node file. */
async function deployed(layout: Layout): Promise<ClusterState> {
  const state = stateOf(layout);
  await writeClusterState(layout, state);
  await writeMark(layout, { ...state, deploymentId: state.deploymentId as string });
  await mkdir(join(layout.nodesDir, 'pg-1'), { recursive: true });
  await writeFile(join(layout.nodesDir, 'pg-1', 'patroni.yaml'), 'scope: x\n');
  return state;
}

async function refusal(layout: Layout, state: ClusterState | undefined, op: Operation): Promise<Error> {
  const error = await checkOwnership(layout, state, op).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLocalClusterError(error) && error.code).toBe('NODES_OWNED');
  expect((error as { kind: string }).kind).toBe('usage');
  return error as Error;
}

describe('checkOwnership', () => {
  test("a nodes dir that does not exist is fresh; once marked, it is this deployment's", async () => {
    const a = layoutOf('fresh-a', 'fresh-nodes');
    expect(await checkOwnership(a, undefined, 'deploy')).toBe('fresh');
    const state = await deployed(a);
    const mark = JSON.parse(await readFile(join(a.nodesDir, MARK_FILE), 'utf8'));
    expect(mark).toMatchObject({ stateDir: a.stateDir, cluster: 'x', deploymentId: state.deploymentId });
    for (const op of ['deploy', 'destroy', 'purge', 'status'] as const)
      expect(await checkOwnership(a, state, op)).toBe('ours');
  });

  test.each(['deploy', 'destroy', 'purge', 'status'] as const)(
    '%s from another state dir is refused while the owner lives, naming it and the ways out',
    async (op) => {
      const a = layoutOf(`live-a-${op}`, `live-nodes-${op}`);
      await deployed(a);
      const b = layoutOf(`live-b-${op}`, `live-nodes-${op}`);
      expect(b.nodesDir).toBe(a.nodesDir);
      const error = await refusal(b, undefined, op);
      expect(error.message).toContain(`cluster "x" deployed from ${a.stateDir}`);
      expect(error.message).toContain(`${op} refused, nothing was changed`);
      const hint = (error as { hint?: string }).hint ?? '';
      // In this package's own names (a CLI passes its commands and flags: apps/deploy's state-guards test).
      expect(hint).toContain(`(layoutFor({ cluster: "x", stateRoot: "${join(root, `live-a-${op}`)}" }))`);
      expect(hint).toContain('another cluster or nodesRoot');
      expect(hint).toContain(`destroyLocal() with purge on cluster "x" of state dir ${a.stateDir}`);
      expect(hint).not.toContain('pnpm');
    },
  );

  test('a state dir with the same path but a new deployment id does not inherit the old data', async () => {
    const a = layoutOf('recreated', 'recreated-nodes');
    await deployed(a);
    // The state dir was deleted and deployed afresh: a new id, the old data and its mark still there.
    const error = await refusal(a, stateOf(a), 'deploy');
    expect(error.message).toContain('whose state (cluster.json, keys, passwords) is gone');
    expect((error as { hint?: string }).hint).toContain(`rm -rf ${a.nodesDir}`);
    await refusal(a, stateOf(a), 'purge');
    // Stopping this state dir's own processes touches none of that data.
    expect(await checkOwnership(a, stateOf(a), 'destroy')).toBe('fresh');
  });

  test('data whose owner state is gone is never reused by another state dir either', async () => {
    const a = layoutOf('gone-a', 'gone-nodes');
    await deployed(a);
    await rm(a.stateDir, { recursive: true });
    const b = layoutOf('gone-b', 'gone-nodes');
    const error = await refusal(b, undefined, 'deploy');
    expect(error.message).toContain(`left by a deployment of cluster "x" from ${a.stateDir}`);
    expect(await checkOwnership(b, undefined, 'destroy')).toBe('fresh');
  });

  test('unmarked data is refused for deploy and purge, and an empty dir is fresh', async () => {
    const a = layoutOf('unmarked', 'unmarked-nodes');
    await mkdir(a.nodesDir, { recursive: true });
    expect(await checkOwnership(a, undefined, 'deploy')).toBe('fresh');
    await writeFile(join(a.nodesDir, 'keep-me'), 'precious\n');
    const deploy = await refusal(a, stateOf(a), 'deploy');
    expect(deploy.message).toContain(`no ${MARK_FILE}`);
    expect(deploy.message).toContain('does not reuse them with new secrets');
    const purge = await refusal(a, stateOf(a), 'purge');
    expect(purge.message).toContain('does not delete them');
    await writeFile(join(a.nodesDir, MARK_FILE), '{"stateDir": 1');
    expect((await refusal(a, stateOf(a), 'deploy')).message).toContain('is damaged');
  });

  test('a state made before marks adopts the nodes dir it names on deploy, but purge waits for the mark', async () => {
    const a = layoutOf('legacy', 'legacy-nodes');
    await mkdir(join(a.nodesDir, 'etcd-1'), { recursive: true });
    const legacy = stateOf(a, 'legacy');
    expect(await checkOwnership(a, legacy, 'deploy')).toBe('legacy');
    expect(await checkOwnership(a, legacy, 'destroy')).toBe('legacy');
    const purge = await refusal(a, legacy, 'purge');
    expect((purge as { hint?: string }).hint).toContain('marks it as this deployment');
    // It names another nodes dir (edited, or a decoy): that one is not adopted.
    const elsewhere = { ...legacy, nodesDir: join(root, 'somewhere-else') };
    await refusal(a, elsewhere, 'deploy');
  });

  test('two deploys racing past the check: the second mark write refuses', async () => {
    const a = layoutOf('race-a', 'race-nodes');
    const b = layoutOf('race-b', 'race-nodes');
    const stateA = stateOf(a);
    const stateB = stateOf(b);
    await writeClusterState(a, stateA);
    await writeClusterState(b, stateB);
    expect(await checkOwnership(a, stateA, 'deploy')).toBe('fresh');
    expect(await checkOwnership(b, stateB, 'deploy')).toBe('fresh');
    await writeMark(a, { ...stateA, deploymentId: stateA.deploymentId as string });
    const error = await writeMark(b, { ...stateB, deploymentId: stateB.deploymentId as string }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLocalClusterError(error) && error.code).toBe('NODES_OWNED');
    const mark = JSON.parse(await readFile(join(a.nodesDir, MARK_FILE), 'utf8'));
    expect(mark.stateDir).toBe(a.stateDir);
  });
});
