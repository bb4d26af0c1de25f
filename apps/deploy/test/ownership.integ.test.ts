import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readManifest, verifyCluster } from '@pgha/verify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, traversableTempDir } from './helpers.js';

// Acceptance (issue 17): cluster X deployed from state dir A; deploy, destroy and purge of X from state dir B
// each refuse in under 5 s with exit 2 and A's name, and A stays healthy with its files unchanged. As root the
// nodes dir is the default /var/lib/pgha/<cluster> for both, which is where the two collided; otherwise both
// name one shared --nodes-dir.
const base = '127.61';
const cluster = 'itest-owned';
const asRoot = process.getuid?.() === 0;
let root: string;
let stateA: string;
let stateB: string;
let argsA: string[];
let argsB: string[];
let nodesDir: string;
let manifestFile: string;

beforeAll(async () => {
  root = await traversableTempDir('pgha-owned-');
  stateA = join(root, 'a');
  stateB = join(root, 'b');
  const nodes = asRoot ? [] : ['--nodes-dir', join(root, 'nodes')];
  argsA = ['--cluster', cluster, '--state-dir', stateA, ...nodes];
  argsB = ['--cluster', cluster, '--state-dir', stateB, ...nodes];
  const result = await cli(['deploy', ...argsA, '--address-base', base, '--no-install', '--json']);
  if (result.code !== 0)
    throw new Error(`deploy A failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  manifestFile = (JSON.parse(result.stdout) as { manifest: string }).manifest;
  nodesDir = (
    JSON.parse(await readFile(join(stateA, cluster, 'cluster.json'), 'utf8')) as { nodesDir: string }
  ).nodesDir;
  if (asRoot) expect(nodesDir).toBe(`/var/lib/pgha/${cluster}`);
});

afterAll(async () => {
  const result = await cli(['destroy', '--purge', ...argsA]);
  if (result.code !== 0) console.error(`destroy A failed (${result.code}): ${result.stderr}`);
  await rm(root, { recursive: true, force: true });
});

/**
 * Every file deploy wrote (configuration, certificates, keys, the mark; the state dir whole) with its hash.
 * What the services write as they run (PostgreSQL and etcd data, logs, sockets) is left out.
 */
async function deployedFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const path = relative(dir, file);
    if (/(^|\/)(data|socket)\//.test(path) || path.endsWith('.log')) continue;
    out[path] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

/**
 * The checks of pgha-verify that fail, once they pass or after 30 s. Just after a deploy a replica may still
 * show Patroni's "starting" for a moment although it streams already.
 */
async function healthy(): Promise<string[]> {
  const manifest = await readManifest(manifestFile);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const report = await verifyCluster(manifest, { timeoutMs: 5000 });
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.detail}`);
    if (failed.length === 0 || Date.now() > deadline) return failed;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('deploy, destroy and purge from another state dir refuse at once, naming the owner; A is untouched', async () => {
  expect(await healthy()).toEqual([]);
  const nodesBefore = await deployedFiles(nodesDir);
  const stateBefore = await deployedFiles(join(stateA, cluster));
  expect(Object.keys(nodesBefore)).toEqual(expect.arrayContaining(['pgha-owner.json', 'pg-1/patroni.yaml']));

  for (const command of [
    ['deploy', '--address-base', base, '--no-install'],
    // Other addresses do not make it another deployment: the node data is still A's.
    ['deploy', '--address-base', '127.62', '--no-install'],
    ['destroy'],
    ['destroy', '--purge'],
  ]) {
    const started = performance.now();
    const result = await cli([...command, ...argsB]);
    const seconds = (performance.now() - started) / 1000;
    expect(result.code, `${command.join(' ')}:\n${result.stderr}`).toBe(2);
    expect(seconds).toBeLessThan(5);
    expect(result.stderr).toContain(
      `${nodesDir} holds the node data of cluster "${cluster}" deployed from ${join(stateA, cluster)}`,
    );
    expect(result.stderr).toContain(`--state-dir ${stateA} --cluster ${cluster}`);
    expect(result.stderr).not.toContain('left running');
  }
  // B wrote nothing of its own either: no PKI, no secrets, no state.
  await expect(stat(stateB)).rejects.toThrow('ENOENT');

  expect(await deployedFiles(nodesDir)).toEqual(nodesBefore);
  expect(await deployedFiles(join(stateA, cluster))).toEqual(stateBefore);
  expect(await healthy()).toEqual([]);
});

test('a port held by an untracked process of this cluster: the hint says so, and not another address base', async () => {
  const record = join(stateA, cluster, 'run', 'haproxy.json');
  const { pid } = JSON.parse(await readFile(record, 'utf8')) as { pid: number };
  await rename(record, `${record}.aside`);
  try {
    const result = await cli(['deploy', ...argsA, '--address-base', base, '--no-install']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${base}.30.1:5432 (haproxy) is in use by PID ${pid}`);
    expect(result.stderr).toContain(`a process of this cluster (it works in ${join(nodesDir, 'haproxy')})`);
    expect(result.stderr).toContain(`kill ${pid}`);
    expect(result.stderr).not.toContain('--address-base 127.N');
  } finally {
    await rename(`${record}.aside`, record);
  }
});

test('a deploy that rewrites a missing manifest says so instead of "nothing to change"', async () => {
  await rm(manifestFile);
  const rewrite = await cli(['deploy', ...argsA, '--address-base', base, '--no-install']);
  expect(rewrite.code, rewrite.stderr).toBe(0);
  expect(rewrite.stdout).toContain('rewrote the manifest');
  expect(rewrite.stdout).not.toContain('nothing to change');
  await stat(manifestFile);
  const again = await cli(['deploy', ...argsA, '--address-base', base, '--no-install']);
  expect(again.stdout).toContain('nothing to change');
});

test('two deploys of one cluster at once: one runs, the other is refused naming its PID', async () => {
  const deploy = () => cli(['deploy', ...argsA, '--address-base', base, '--no-install']);
  const results = await Promise.all([deploy(), deploy()]);
  expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
  const refused = results.find((r) => r.code === 2);
  expect(refused?.stderr).toContain(`is busy: PID ${process.pid} runs deploy on it`);
  expect(await healthy()).toEqual([]);
});
