import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClusterState,
  DEFAULTS,
  isAlive,
  type Layout,
  layoutFor,
  newDeploymentId,
  type ProcessRecord,
  procStat,
  startService,
  stopAll,
  writeClusterState,
  writeMark,
  writeRecord,
} from '@pgha/local-cluster';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, traversableTempDir } from './helpers.js';

// State and runtime situations that must be refused before anything is touched. No cluster is started: a
// deployment is what deploy leaves in its state dir and nodes dir (cluster.json, the mark, run records), and
// the processes are sleepers. Addresses 127.63.x.y, where nothing listens.
const base = '127.63';
let root: string;
const sleepers: ProcessRecord[] = [];

beforeAll(async () => {
  root = await traversableTempDir('pgha-guards-');
});
afterAll(async () => {
  await stopAll(sleepers, 2000);
  await rm(root, { recursive: true, force: true });
});

/** What a deploy of cluster `cluster` from `<root>/<name>` with its nodes in `<root>/<nodes>` leaves behind. */
async function deployment(
  name: string,
  options: { cluster?: string; nodes?: string; mark?: boolean } = {},
): Promise<{ layout: Layout; state: ClusterState; args: string[] }> {
  const cluster = options.cluster ?? 'x';
  const stateRoot = join(root, name);
  const nodesRoot = join(root, options.nodes ?? `${name}-nodes`);
  const layout = layoutFor({ cluster, stateRoot, nodesRoot, asRoot: false });
  const state: ClusterState = {
    version: 1,
    target: 'local',
    options: { ...DEFAULTS, cluster, addressBase: base, postgresVersion: 15 },
    nodesDir: layout.nodesDir,
    createdAt: new Date().toISOString(),
    deploymentId: newDeploymentId(),
  };
  await writeClusterState(layout, state);
  if (options.mark !== false)
    await writeMark(layout, { ...state, deploymentId: state.deploymentId as string });
  for (const node of ['etcd-1', 'pg-1', 'haproxy']) {
    await mkdir(join(layout.nodesDir, node, 'tls'), { recursive: true });
    await writeFile(join(layout.nodesDir, node, 'tls', 'node.key'), `${node} key\n`, { mode: 0o600 });
  }
  const args = ['--cluster', cluster, '--state-dir', stateRoot, '--nodes-dir', nodesRoot];
  return { layout, state, args };
}

async function sleeper(dir: string): Promise<ProcessRecord> {
  await mkdir(dir, { recursive: true });
  const record = await startService({
    name: 'sleeper',
    command: '/bin/sleep',
    args: ['300'],
    logFile: join(dir, 'sleep.log'),
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
  });
  sleepers.push(record);
  return record;
}

/** Every file under dir with its content hash: what "untouched" means. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out[file] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('node dirs are owned', () => {
  test('deploy, destroy, purge and status from another state dir refuse at once, naming the owner', async () => {
    const a = await deployment('owner-a', { nodes: 'shared' });
    const before = await snapshot(a.layout.nodesDir);
    const b = ['--cluster', 'x', '--state-dir', join(root, 'owner-b'), '--nodes-dir', join(root, 'shared')];
    for (const command of [
      ['deploy', '--address-base', base, '--no-install'],
      ['destroy'],
      ['destroy', '--purge'],
      ['status'],
    ]) {
      const started = performance.now();
      const result = await cli([...command, ...b]);
      const ms = performance.now() - started;
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(2);
      expect(ms).toBeLessThan(5000);
      expect(result.stderr).toContain(
        `holds the node data of cluster "x" deployed from ${a.layout.stateDir}`,
      );
      expect(result.stderr).toContain(`--state-dir ${join(root, 'owner-a')} --cluster x`);
      expect(result.stderr).toContain('another --cluster or --nodes-dir');
      expect(result.stderr).not.toContain('internal error');
    }
    expect(await exists(join(root, 'owner-b'))).toBe(false);
    expect(await snapshot(a.layout.nodesDir)).toEqual(before);
  });

  test('destroy --purge deletes no nodes dir the deployment did not mark (a decoy named in cluster.json)', async () => {
    const a = await deployment('decoy-owner');
    const decoy = join(root, 'decoy');
    await mkdir(decoy, { recursive: true });
    await writeFile(join(decoy, 'precious'), 'not pgha data\n');
    await writeClusterState(a.layout, { ...a.state, nodesDir: decoy });
    const result = await cli([
      'destroy',
      '--purge',
      '--cluster',
      'x',
      '--state-dir',
      join(root, 'decoy-owner'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${decoy} holds files that no pgha deployment marked as its own`);
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('not pgha data\n');
    expect(await exists(a.layout.clusterFile)).toBe(true);
  });

  test('destroy --purge of its own marked nodes dir removes it and the state', async () => {
    const a = await deployment('purge-own');
    const result = await cli(['destroy', '--purge', ...a.args]);
    expect(result.code, result.stderr).toBe(0);
    expect(await exists(a.layout.nodesDir)).toBe(false);
    expect(await exists(a.layout.stateDir)).toBe(false);
  });

  test('a --nodes-dir other than the deployed one is refused like any changed option; nothing is copied', async () => {
    const a = await deployment('moved');
    const other = join(root, 'moved-elsewhere');
    const args = ['--cluster', 'x', '--state-dir', join(root, 'moved'), '--nodes-dir', other];
    const deploy = await cli(['deploy', ...args, '--address-base', base, '--no-install']);
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toContain(
      `nodesDir: deployed with "${a.layout.nodesDir}", asked for "${join(other, 'x')}"`,
    );
    // The way out acts on this deployment: the suggested destroy keeps the state dir given.
    expect(deploy.stderr).toContain(
      `pnpm run destroy -- --cluster x --state-dir ${join(root, 'moved')} --purge`,
    );
    for (const command of ['destroy', 'status']) {
      const result = await cli([command, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`deployed with its nodes in ${a.layout.nodesDir}`);
    }
    expect(await exists(other)).toBe(false);
  });
});

describe('one operation at a time', () => {
  test('a deploy or destroy while another process holds the lock is refused, naming its PID', async () => {
    const a = await deployment('locked');
    const holder = await sleeper(join(root, 'locked-holder'));
    await writeFile(
      a.layout.lockFile,
      `${JSON.stringify({ pid: holder.pid, startTime: holder.startTime, operation: 'deploy', since: new Date().toISOString() })}\n`,
    );
    for (const command of [
      ['deploy', '--address-base', base, '--no-install'],
      ['destroy'],
      ['destroy', '--purge'],
    ]) {
      const result = await cli([...command, ...a.args]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`is busy: PID ${holder.pid} runs deploy on it`);
    }
    expect(await exists(a.layout.nodesDir)).toBe(true);
    // The holder is gone: its lock is stale and the destroy goes ahead.
    await stopAll([holder], 2000);
    const destroy = await cli(['destroy', ...a.args]);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(await exists(a.layout.lockFile)).toBe(false);
  });
});

describe('damaged state files', () => {
  test.each([
    ['an array', '[]\n', 'it holds an array'],
    ['the wrong shape', '{"version": 1, "target": "local"}\n', 'nodesDir: undefined'],
    ['options of another cluster', { cluster: 'y' }, 'options.cluster: "y"'],
    // A broken option names its field, the value and the rule, as the flags and --config do.
    [
      'an option no deploy takes',
      { etcdMembers: 4 },
      'options.etcdMembers: 4 is not valid; use 3 or 5 members',
    ],
    ['truncated JSON', '{"version": 1, "opt', 'not valid JSON'],
  ])(
    'cluster.json holding %s: deploy, status and destroy name the file; destroy still stops what runs',
    async (what, text, problem) => {
      const name = `damaged-${what.replaceAll(' ', '-')}`;
      const a = await deployment(name);
      const etcd = await sleeper(join(a.layout.nodesDir, 'etcd-1'));
      await mkdir(a.layout.runDir, { recursive: true });
      await writeRecord(join(a.layout.runDir, 'etcd-1.json'), { ...etcd, name: 'etcd-1' });
      const damaged =
        typeof text === 'string'
          ? text
          : `${JSON.stringify({ ...a.state, options: { ...a.state.options, ...text } })}\n`;
      await writeFile(a.layout.clusterFile, damaged);
      for (const command of [['deploy', '--address-base', base, '--no-install'], ['status']]) {
        const result = await cli([...command, ...a.args]);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toContain(`${a.layout.clusterFile} is damaged`);
        expect(result.stderr).toContain(problem);
        expect(result.stderr).toContain(`keep ${a.layout.stateDir} itself`);
        expect(result.stderr).toContain(`pnpm run destroy -- --cluster x --state-dir ${join(root, name)}`);
        expect(result.stderr).not.toMatch(/remove [^ ]*\.pgha|remove .*state dir|internal error/);
      }
      const purge = await cli(['destroy', '--purge', ...a.args]);
      expect(purge.code).toBe(2);
      expect(await isAlive(etcd)).toBe(true);
      const destroy = await cli(['destroy', ...a.args]);
      expect(destroy.code, destroy.stderr).toBe(0);
      expect(destroy.stdout).toContain('stopped etcd-1');
      expect(destroy.stderr).toContain(`warning: ${a.layout.clusterFile} is damaged`);
      expect(await isAlive(etcd)).toBe(false);
      expect(await readFile(a.layout.clusterFile, 'utf8')).toBe(damaged);
    },
  );

  test('a truncated run record: status and deploy name it; destroy stops the rest and names it too', async () => {
    const a = await deployment('truncated');
    const haproxy = await sleeper(join(a.layout.nodesDir, 'haproxy'));
    const pg = await sleeper(join(a.layout.nodesDir, 'pg-1'));
    await mkdir(a.layout.runDir, { recursive: true });
    await writeRecord(join(a.layout.runDir, 'haproxy.json'), { ...haproxy, name: 'haproxy' });
    const record = join(a.layout.runDir, 'pg-1.json');
    await writeFile(record, `{"name":"pg-1","pid":${pg.pid},"sta`);
    for (const command of [['status'], ['deploy', '--address-base', base, '--no-install'], ['destroy']]) {
      const result = await cli([...command, ...a.args]);
      expect(result.code, `${command[0]}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`${record} is damaged: not JSON`);
      // The process it named is found by where it works, for stopping it by PID.
      expect(result.stderr).toContain(`PID ${pg.pid} (/bin/sleep 300)`);
      expect(result.stderr).not.toContain('internal error');
    }
    expect(await isAlive(haproxy)).toBe(false);
    expect(await isAlive(pg)).toBe(true);
  });
});

describe('usage', () => {
  test('pgha without a command prints the usage and exits 2; it never deploys', async () => {
    const state = join(root, 'no-command');
    // Options alone used to mean deploy: this one would have been refused for its etcd count, not its command.
    const options = await cli(['--state-dir', state, '--etcd-members', '4']);
    expect(options.code).toBe(2);
    expect(options.stderr).toContain('usage: pgha <command>');
    expect(options.stderr).toContain('no command given before --state-dir');
    expect(options.stderr).not.toContain('etcdMembers: 4 is not valid');
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('error: no command given');
    expect(await exists(state)).toBe(false);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: pgha <command>');
  });

  test('cluster names follow one rule, checked before any path is made of them', async () => {
    const state = join(root, 'names');
    await mkdir(join(state, 'inner'), { recursive: true });
    for (const command of ['status', 'destroy']) {
      const result = await cli([command, '--state-dir', join(state, 'inner'), '--cluster', '../names']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--cluster "../names" is not a cluster name');
      expect(result.stderr).toContain('not ending in "-"');
    }
    const dash = await cli(['deploy', '--state-dir', state, '--cluster', 'main-', '--no-install']);
    expect(dash.code).toBe(2);
    expect(dash.stderr).toContain('"main-" is not a cluster name');
    expect(await readdir(state)).toEqual(['inner']);
  });

  test.each([
    ['[]', 'an array'],
    ['null', 'null'],
    ['"main"', 'a string'],
  ])('--config holding %s says it is %s', async (text, kind) => {
    const file = join(root, `config-${kind.replace(' ', '-')}.json`);
    await writeFile(file, text);
    const result = await cli(['deploy', '--config', file, '--state-dir', join(root, 'config')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`must hold a JSON object, not ${kind}`);
  });
});

test('status: every process running is not "all running" while Patroni has no leader', async () => {
  const a = await deployment('no-leader');
  const record = await sleeper(join(root, 'no-leader-procs'));
  await mkdir(a.layout.runDir, { recursive: true });
  for (const name of ['etcd-1', 'etcd-2', 'etcd-3', 'pg-1', 'pg-2', 'pg-3', 'haproxy'])
    await writeRecord(join(a.layout.runDir, `${name}.json`), { ...record, name });
  expect((await procStat(record.pid))?.startTime).toBe(record.startTime);
  const human = await cli(['status', ...a.args]);
  expect(human.code).toBe(1);
  expect(human.stdout).toContain('all processes run, but Patroni has no leader (yet)');
  expect(human.stdout).not.toContain('all running');
  const json = await cli(['status', ...a.args, '--json']);
  expect(json.code).toBe(1);
  const doc = JSON.parse(json.stdout) as { version: number; ok: boolean; components: { state: string }[] };
  expect(doc.version).toBe(1);
  expect(doc.ok).toBe(false);
  expect(doc.components.map((c) => c.state)).toEqual(Array(7).fill('running'));
});
