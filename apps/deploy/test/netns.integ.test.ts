import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { traversableTempDir } from './helpers.js';

const exec = promisify(execFile);
const asRoot = process.getuid?.() === 0;
const APP = join(import.meta.dirname, '..');
const VERIFY = join(APP, '..', 'verify');
const LOCAL_CLUSTER = join(APP, '..', '..', 'packages', 'local-cluster');
// A cluster name and address base of this test's own: namespaces pgha-p-nt-*, subnet 10.213.57.0/24.
const CLUSTER = 'p-nt';
const PREFIX = `pgha-${CLUSTER}-`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built CLI as `pnpm run …` runs it: a process of its own, which re-executes itself in the admin host. */
async function pgha(bin: string, args: readonly string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function namespaces(): Promise<string[]> {
  const { stdout } = await exec('/usr/sbin/ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(PREFIX))
    .sort();
}

let dir: string;
let common: string[];

describe.skipIf(!asRoot)(
  'local target --network netns: every node its own host (real namespaces, real cluster)',
  () => {
    beforeAll(async () => {
      // The CLI runs as a process of its own (it re-executes itself in the admin host): it runs the built code,
      // which pnpm test builds first (tooling/test-prereqs.sh). Stale builds would test old code: refused.
      const sources = [
        'cli.ts',
        'options.ts',
        'netns.ts',
        'commands/deploy.ts',
        'commands/status.ts',
        'commands/destroy.ts',
      ].map((f) => join(APP, 'src', f));
      const runtimeSources = (await readdir(join(LOCAL_CLUSTER, 'src'))).map((f) =>
        join(LOCAL_CLUSTER, 'src', f),
      );
      const verifySources = (await readdir(join(VERIFY, 'src'))).map((f) => join(VERIFY, 'src', f));
      for (const [files, built] of [
        [sources, join(APP, 'dist/bin.js')],
        [runtimeSources, join(LOCAL_CLUSTER, 'dist/index.js')],
        [verifySources, join(VERIFY, 'dist/cli.js')],
      ] as const) {
        const builtAt = (await stat(built)).mtimeMs;
        for (const file of files) {
          if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
          if ((await stat(file)).mtimeMs > builtAt)
            throw new Error(`${file} is newer than ${built}: run pnpm build first`);
        }
      }
      dir = await traversableTempDir('pgha-netns-');
      common = ['--cluster', CLUSTER, '--state-dir', join(dir, 'state')];
    }, 240_000);

    afterAll(async () => {
      if (!dir) return;
      // Whatever a failed assertion left: stop it and remove the namespaces, then the files.
      await pgha(join(APP, 'dist/bin.js'), ['destroy', ...common, '--purge']);
      await rm(dir, { recursive: true, force: true });
    }, 120_000);

    test('a bad --network value is named with the fix, exit 2, nothing made', async () => {
      const r = await pgha(join(APP, 'dist/bin.js'), [
        'deploy',
        ...common,
        '--network',
        'bridge',
        '--no-install',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('network: "bridge" is not valid; use "loopback"');
      expect(await namespaces()).toEqual([]);
    });

    test('a first deploy that fails in the admin host leaves no namespace behind', async () => {
      // The nodes dir under a directory postgres cannot traverse: refused by the preflight in the admin host,
      // before the cluster is recorded, so no destroy could find the namespaces made for it.
      const closed = join(dir, 'closed');
      await mkdir(closed, { mode: 0o700 });
      const r = await pgha(join(APP, 'dist/bin.js'), [
        'deploy',
        ...common,
        '--nodes-dir',
        join(closed, 'nodes'),
        '--network',
        'netns',
        '--address-base',
        '127.57',
        '--no-install',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${closed} is not reachable by the service user`);
      expect(r.stderr).toContain(`removed the network namespaces again: ${PREFIX}admin`);
      expect(await namespaces()).toEqual([]);
      await rm(join(dir, 'state'), { recursive: true, force: true });
    });

    test('deploy, status, verify and destroy work as in loopback mode; the machine namespace never reaches the hosts', async () => {
      const deploy = await pgha(join(APP, 'dist/bin.js'), [
        'deploy',
        ...common,
        '--nodes-dir',
        join(dir, 'nodes'),
        '--network',
        'netns',
        '--address-base',
        '127.57',
        '--no-install',
        '--json',
      ]);
      expect(deploy.stderr).toBe('');
      expect(deploy.code).toBe(0);
      const result = JSON.parse(deploy.stdout) as {
        ok: boolean;
        started: string[];
        connection: { primaryUrl: string };
      };
      expect(result.started.sort()).toEqual([
        'etcd-1',
        'etcd-2',
        'etcd-3',
        'haproxy',
        'pg-1',
        'pg-2',
        'pg-3',
      ]);
      expect(result.connection.primaryUrl).toContain('@10.213.57.31:5432/');
      expect(await namespaces()).toEqual(
        ['admin', 'etcd-1', 'etcd-2', 'etcd-3', 'haproxy', 'pg-1', 'pg-2', 'pg-3', 'switch'].map(
          (h) => `${PREFIX}${h}`,
        ),
      );

      // Every recorded PID is the service itself, inside its own host's namespace, none in the machine's.
      const own = await readlink('/proc/self/ns/net');
      const runDir = join(dir, 'state', CLUSTER, 'run');
      for (const file of await readdir(runDir)) {
        const record = JSON.parse(await readFile(join(runDir, file), 'utf8')) as {
          name: string;
          pid: number;
        };
        const ns = await stat(`/run/netns/${PREFIX}${record.name}`);
        const theirs = await readlink(`/proc/${record.pid}/ns/net`);
        expect(theirs, record.name).toBe(`net:[${ns.ino}]`);
        expect(theirs).not.toBe(own);
        const comm = (await readFile(`/proc/${record.pid}/comm`, 'utf8')).trim();
        expect(comm, record.name).toBe(
          record.name.startsWith('pg-') ? 'patroni' : record.name.replace(/-\d$/, ''),
        );
      }

      // The machine's namespace: no address or route in the hosts' subnet, no connection to it.
      const addr = await exec('/usr/sbin/ip', ['-4', '-o', 'addr', 'show']);
      expect(addr.stdout).not.toContain('10.213.');
      expect(
        (await exec('/usr/sbin/ip', ['-4', 'route', 'show', 'match', '10.213.57.31'])).stdout,
      ).not.toContain('10.213.');
      const sockets = await exec('/usr/bin/ss', ['-tanH']);
      expect(sockets.stdout.split('\n').filter((l) => l.includes('10.213.'))).toEqual([]);

      const status = await pgha(join(APP, 'dist/bin.js'), ['status', ...common, '--json']);
      expect(status.code).toBe(0);
      const s = JSON.parse(status.stdout) as {
        ok: boolean;
        leader: string;
        components: { name: string; host: string; state: string }[];
      };
      expect(s.ok).toBe(true);
      expect(s.components.find((c) => c.name === 'pg-2')?.host).toBe('10.213.57.22');

      const verify = await pgha(join(VERIFY, 'bin/pgha-verify.js'), [...common, '--json']);
      expect(verify.code).toBe(0);
      const v = JSON.parse(verify.stdout) as { ok: boolean; checks: { id: string; ok: boolean }[] };
      expect(v.checks.filter((c) => !c.ok)).toEqual([]);
      expect(v.checks).toHaveLength(8);

      // A second deploy finds everything running and changes nothing.
      const again = await pgha(join(APP, 'dist/bin.js'), [
        'deploy',
        ...common,
        '--network',
        'netns',
        '--address-base',
        '127.57',
        '--no-install',
        '--json',
      ]);
      expect(again.code).toBe(0);
      expect((JSON.parse(again.stdout) as { started: string[] }).started).toEqual([]);

      const destroy = await pgha(join(APP, 'dist/bin.js'), ['destroy', ...common, '--json']);
      expect(destroy.code).toBe(0);
      expect((JSON.parse(destroy.stdout) as { stopped: string[] }).stopped).toHaveLength(7);
      expect(await namespaces()).toEqual([]);
      expect(await readFile(join(dir, 'state', CLUSTER, 'network.json'), 'utf8').catch(() => 'gone')).toBe(
        'gone',
      );

      // Status after destroy: from this machine's namespace, asks nothing, says stopped.
      const after = await pgha(join(APP, 'dist/bin.js'), ['status', ...common, '--json']);
      expect(after.code).toBe(1);
      expect(
        (JSON.parse(after.stdout) as { components: { state: string }[] }).components.every(
          (c) => c.state === 'stopped',
        ),
      ).toBe(true);
      // A real cluster deployed, verified and destroyed: about 45 s on a quiet two-core machine. vitest's 60 s
      // default failed it once in a CI run under other load; the commands' own timeouts are what bound it.
    }, 180_000);
  },
);
