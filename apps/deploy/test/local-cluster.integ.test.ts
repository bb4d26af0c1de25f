import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isAlive,
  layoutFor,
  patroniLayout,
  patroniThreadDump,
  postmasterRecord,
  readRecord,
} from '@pgha/local-cluster';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, exec, traversableTempDir } from './helpers.js';

// A cluster of its own on 127.42.x.y, so a developer's `main` cluster on 127.0.x.y is left alone.
const base = '127.42';
const cluster = 'itest';
let root: string;
let common: string[];
let manifest: {
  etcd: { endpoints: string[]; tls: { ca: string; cert: string; key: string } };
  patroni: { rest: string[] };
  postgres: { passwordFile: string; sslRootCert: string };
};
let password: string;

const nodes = ['etcd-1', 'etcd-2', 'etcd-3', 'pg-1', 'pg-2', 'pg-3', 'haproxy'];

async function psql(port: number, sql: string): Promise<string> {
  const { stdout } = await exec('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PGHOST: `${base}.30.1`,
      PGPORT: String(port),
      PGUSER: 'postgres',
      PGDATABASE: 'postgres',
      PGPASSWORD: password,
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: manifest.postgres.sslRootCert,
      PGCONNECT_TIMEOUT: '5',
    },
  });
  return stdout.trim();
}

/** etcdctl against every member, over TLS with the manifest's client certificate; its stdout. */
async function etcdctl(args: readonly string[]): Promise<string> {
  const { stdout } = await exec(
    'etcdctl',
    [
      `--endpoints=${manifest.etcd.endpoints.join(',')}`,
      `--cacert=${manifest.etcd.tls.ca}`,
      `--cert=${manifest.etcd.tls.cert}`,
      `--key=${manifest.etcd.tls.key}`,
      ...args,
    ],
    { env: { ETCDCTL_API: '3', PATH: '/usr/bin:/bin' } },
  );
  return stdout;
}

/** The etcd member that leads now, by its own account (etcdctl endpoint status over TLS). */
async function etcdLeader(): Promise<string> {
  const stdout = await etcdctl(['endpoint', 'status', '-w', 'simple']);
  // One line per endpoint: endpoint, member id, version, db size, is leader, is learner, ...
  const lead = stdout
    .split('\n')
    .map((line) => line.split(', '))
    .find((fields) => fields[4] === 'true');
  if (!lead) throw new Error(`no etcd member leads: ${stdout}`);
  const index = manifest.etcd.endpoints.indexOf(lead[0] ?? '');
  if (index < 0) throw new Error(`the leader ${lead[0]} is not in the manifest`);
  return `etcd-${index + 1}`;
}

beforeAll(async () => {
  root = await traversableTempDir('pgha-itest-');
  common = ['--cluster', cluster, '--state-dir', join(root, 'state'), '--nodes-dir', join(root, 'nodes')];
  const result = await cli(['deploy', ...common, '--address-base', base, '--no-install', '--json']);
  if (result.code !== 0)
    throw new Error(`deploy failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  const doc = JSON.parse(result.stdout) as { ok: boolean; manifest: string; started: string[] };
  expect(doc.ok).toBe(true);
  expect(doc.started.sort()).toEqual([...nodes].sort());
  manifest = JSON.parse(await readFile(doc.manifest, 'utf8'));
  password = (await readFile(manifest.postgres.passwordFile, 'utf8')).trim();
});

afterAll(async () => {
  if (!common) return;
  const result = await cli(['destroy', ...common, '--purge', '--json']);
  await rm(root, { recursive: true, force: true });
  expect(result.code).toBe(0);
});

describe('a local cluster from pnpm run deploy', () => {
  test('etcdctl over TLS with a client certificate sees 3 started voting members', async () => {
    const stdout = await etcdctl(['member', 'list', '-w', 'json']);
    const members = (
      JSON.parse(stdout) as { members: { name: string; clientURLs?: string[]; isLearner?: boolean }[] }
    ).members;
    expect(members.map((m) => m.name).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    for (const m of members) {
      expect(m.clientURLs?.[0]).toMatch(/^https:\/\/127\.42\.10\.\d:2379$/); // started members publish URLs
      expect(m.isLearner ?? false).toBe(false);
    }
  });

  test('etcd refuses a client without a certificate', async () => {
    await expect(
      exec(
        'etcdctl',
        [
          `--endpoints=${manifest.etcd.endpoints[0]}`,
          `--cacert=${manifest.etcd.tls.ca}`,
          '--command-timeout=3s',
          'member',
          'list',
        ],
        {
          env: { ETCDCTL_API: '3', PATH: '/usr/bin:/bin' },
        },
      ),
    ).rejects.toThrow();
  });

  test('psql through the load balancer: 5432 is the writable primary, 5433 a read-only replica', async () => {
    expect(await psql(5432, 'select pg_is_in_recovery()')).toBe('f');
    expect(await psql(5433, 'select pg_is_in_recovery()')).toBe('t');
    await expect(psql(5433, 'create table pgha_nope (id int)')).rejects.toThrow(/read-only transaction/);
  });

  test("Patroni's /cluster shows one leader and two replicas that stream", async () => {
    const { stdout } = await exec('curl', [
      '-sf',
      '--cacert',
      manifest.etcd.tls.ca,
      `${manifest.patroni.rest[0]}/cluster`,
    ]);
    const members = (JSON.parse(stdout) as { members: { name: string; role: string; state: string }[] })
      .members;
    expect(members.filter((m) => m.role === 'leader')).toHaveLength(1);
    const replicas = members.filter((m) => m.role !== 'leader');
    expect(replicas).toHaveLength(2);
    const streaming = (
      await psql(
        5432,
        "select application_name from pg_stat_replication where state = 'streaming' order by 1",
      )
    ).split('\n');
    expect(streaming).toEqual(replicas.map((m) => m.name).sort());
  });

  test('a second deploy on a healthy cluster changes nothing and says so', async () => {
    const again = await cli(['deploy', ...common, '--address-base', base, '--no-install']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('is up and healthy; nothing to change');
  });

  test('deploy with other options on the same state dir is refused with the fix', async () => {
    const other = await cli([
      'deploy',
      ...common,
      '--address-base',
      base,
      '--etcd-members',
      '5',
      '--no-install',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('etcdMembers: deployed with 3, asked for 5');
    expect(other.stderr).toContain('--purge');
  });

  test('on a partly running cluster deploy starts only what is missing, and no data is lost', async () => {
    await psql(5432, "create table if not exists keepme (v text); insert into keepme values ('before')");
    const record = await readRecord(join(root, 'state', cluster, 'run', 'etcd-2.json'));
    if (!record) throw new Error('no record for etcd-2');
    process.kill(record.pid, 'SIGKILL');
    const again = await cli(['deploy', ...common, '--address-base', base, '--no-install', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { started: string[] }).started).toEqual(['etcd-2']);
    expect(await psql(5432, 'select v from keepme')).toBe('before');
  }, 120_000);

  test('status names every member with its PID and role', async () => {
    const status = await cli(['status', ...common, '--json']);
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as {
      ok: boolean;
      components: { name: string; pid?: number; role?: string }[];
    };
    expect(doc.ok).toBe(true);
    expect(doc.components.map((c) => c.name).sort()).toEqual([...nodes].sort());
    expect(doc.components.filter((c) => c.role === 'leader')).toHaveLength(1);
    for (const c of doc.components) expect(c.pid).toBeGreaterThan(0);
  });

  test('status says what each member runs (asked from the process, not the package) and the timings in effect', async () => {
    const doc = JSON.parse((await cli(['status', ...common, '--json'])).stdout) as {
      timing?: { ttl: number; loopWait: number; retryTimeout: number };
      components: { name: string; kind: string; version?: string; postgresVersion?: string }[];
    };
    const { stdout: etcdVersion } = await exec('etcd', ['--version']);
    const { stdout: patroniVersion } = await exec('/usr/bin/patroni', ['--version']);
    for (const c of doc.components.filter((x) => x.kind === 'etcd'))
      expect(etcdVersion).toContain(`etcd Version: ${c.version}\n`);
    for (const c of doc.components.filter((x) => x.kind === 'patroni')) {
      expect(patroniVersion.trim()).toBe(`patroni ${c.version}`);
      expect(c.postgresVersion).toMatch(/^\d{2}\.\d+$/);
    }
    // fast on the installed Patroni: 20/2/5 from 3.2 on, 10/2/4 before
    expect(doc.timing?.loopWait).toBe(2);
    expect([10, 20]).toContain(doc.timing?.ttl);
  });

  test("the load balancer's health checks leave no traceback in Patroni's logs", async () => {
    // HAProxy closes a TLS check once it has the status line; checking with GET made Patroni 4.0.7 log an
    // SSLEOFError traceback about once a second on every node. Watch only what the logs gain over 5 s in which
    // nothing but HAProxy asks Patroni (20 checks a node: two backends, every 500 ms).
    const logs = ['pg-1', 'pg-2', 'pg-3'].map((n) => join(root, 'nodes', cluster, n, 'patroni.log'));
    const before = await Promise.all(logs.map(async (f) => (await readFile(f)).length));
    await new Promise((r) => setTimeout(r, 5000));
    for (const [i, file] of logs.entries()) {
      const added = (await readFile(file)).subarray(before[i]).toString();
      expect(added.match(/^.*Traceback[\s\S]{0,2000}/m)?.[0], file).toBeUndefined();
    }
  });

  // What a drill's diagnosis shows of a Patroni that stopped reaching etcd: where each thread is, from the running
  // process (the Python shim's faulthandler on SIGUSR2); the process carries on.
  test("patroniThreadDump: a running Patroni prints its threads' stacks and goes on running", async () => {
    const layout = layoutFor({
      cluster,
      stateRoot: join(root, 'state'),
      nodesRoot: join(root, 'nodes'),
      asRoot: process.getuid?.() === 0,
    });
    const record = await readRecord(patroniLayout(layout, 'pg-1').recordFile);
    expect(record).toBeDefined();
    const dump = await patroniThreadDump(layout, 'pg-1');
    expect(dump).toBeDefined();
    const lines = (dump as string).split('\n');
    // Only faulthandler's lines: thread headings and frames, among them Patroni's own modules.
    expect(lines.every((l) => /^(Current thread|Thread) 0x[0-9a-f]+|^ {2}File "/.test(l))).toBe(true);
    expect(lines.filter((l) => /^(Current thread|Thread) 0x/.test(l)).length).toBeGreaterThan(2);
    expect(dump).toMatch(/File "\/usr\/lib\/python3\/dist-packages\/patroni\/[a-z_/]+\.py", line \d+ in /);
    await new Promise((r) => setTimeout(r, 500));
    expect(await isAlive(record as NonNullable<typeof record>)).toBe(true);
  });

  test('destroy stops every process it started, PostgreSQL included, and keeps the data', async () => {
    const records = await Promise.all(
      nodes.map((n) => readRecord(join(root, 'state', cluster, 'run', `${n}.json`))),
    );
    const postmasters = await Promise.all(
      ['pg-1', 'pg-2', 'pg-3'].map((n) => postmasterRecord(join(root, 'nodes', cluster, n, 'data'), n)),
    );
    const all = [...records, ...postmasters].filter((r) => r !== undefined);
    expect(all).toHaveLength(10);
    const leader = await etcdLeader();
    const result = await cli(['destroy', ...common]);
    expect(result.code, result.stderr).toBe(0);
    // etcd's followers stop first and the leader last, alone: it then has no peer to hand leadership to.
    const etcdStops = result.stderr.split('\n').filter((l) => l.includes('stop etcd: '));
    expect(etcdStops).toHaveLength(2);
    expect(etcdStops[1]).toContain(`stop etcd: ${leader} `);
    expect(etcdStops[0]).not.toContain(leader);
    for (const r of all) expect(await isAlive(r), `${r.name} PID ${r.pid}`).toBe(false);
    expect(result.stdout).toContain('data kept');
    // The data survives: deploy again and read the row back.
    const again = await cli(['deploy', ...common, '--address-base', base, '--no-install']);
    expect(again.code, again.stderr).toBe(0);
    expect(await psql(5432, 'select v from keepme')).toBe('before');
  }, 180_000);

  test('a process that dies during start is named with its log, and what is left running is listed', async () => {
    const stopped = await cli(['destroy', ...common]);
    expect(stopped.code, stopped.stderr).toBe(0);
    // A damaged disk: etcd-3 cannot open its database and exits at once.
    await writeFile(join(root, 'nodes', cluster, 'etcd-3', 'data', 'member', 'snap', 'db'), 'not a bolt db');
    const result = await cli(['deploy', ...common, '--address-base', base, '--no-install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/etcd-3 \(PID \d+\) exited during start; end of \S+etcd-3\/etcd\.log:/);
    expect(result.stderr).toMatch(/left running: etcd-1 \(PID \d+\), etcd-2 \(PID \d+\)/);
    const status = await cli(['status', ...common, '--json']);
    const running = (
      JSON.parse(status.stdout) as { components: { name: string; state: string }[] }
    ).components
      .filter((c) => c.state === 'running')
      .map((c) => c.name);
    expect(running).toEqual(['etcd-1', 'etcd-2']);
  }, 120_000);
});
