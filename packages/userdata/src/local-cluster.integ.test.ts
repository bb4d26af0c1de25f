import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { postgresBinDir } from '../test/postgres.js';
import { makeCa, run, tempDir } from '../test/tools.js';
import { defineCluster } from './cluster.js';
import { etcdClientUrls, renderEtcdConfig } from './etcd-config.js';
import { renderHaproxyConfig } from './haproxy-config.js';
import { renderPatroniConfig } from './patroni-config.js';
import { patroniEnvironment } from './patroni-environment.js';
import { renderPatroniPythonShim } from './patroni-python-shim.js';

// The rendered files run a real cluster: three etcd members, two Patroni + PostgreSQL nodes (the installed
// Patroni and PostgreSQL), and HAProxy in front, on loopback addresses no other test uses. Run as root, the
// Patroni nodes run as `postgres` (PostgreSQL refuses root), as the local target does.

const cluster = defineCluster({
  name: 'e2e',
  etcd: { members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `127.0.80.${i}` })) },
  patroni: {
    nodes: [1, 2].map((i) => ({ name: `pg-${i}`, host: `127.0.81.${i}` })),
    timing: 'fast',
    allowedCidrs: ['127.0.0.0/8'],
  },
});
const secrets = {
  // Printable ASCII with the characters that break naive quoting (non-ASCII is refused: see patroniEnvironment).
  superuserPassword: `su-'"$&#{{x}}: \`id\` \\ -${Date.now()}`,
  replicationPassword: 'repl-password-0123456789abcdef',
  rewindPassword: 'rewind-password-0123456789abcdef',
  restApiPassword: 'rest-password-0123456789abcdef',
};
const lb = { address: '127.0.82.1', primary: 5432, replicas: 5433 };

const root = tempDir('e2e');
chmodSync(root, 0o755);
const isRoot = process.getuid?.() === 0;
const pgUser = (() => {
  const r = run('id', ['-u', 'postgres']);
  const g = run('id', ['-g', 'postgres']);
  return { uid: Number(r.stdout), gid: Number(g.stdout) };
})();
const children: ChildProcess[] = [];
const patronis: ChildProcess[] = [];

afterAll(async () => {
  // Stop the Patroni nodes together (one by one would chain promotions), then anything left, by PID.
  for (const p of patronis) if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (patronis.some((p) => p.exitCode === null && p.signalCode === null) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const node of cluster.patroni.nodes) {
    const pidFile = join(root, node.name, 'data', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const c of [...patronis, ...children]) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
  }
  // PGHA_KEEP_TEST_DIRS=1 keeps the data, configs and logs for a look after a failure.
  if (!process.env.PGHA_KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
});

function own(path: string): void {
  if (isRoot) chownSync(path, pgUser.uid, pgUser.gid);
}

async function until<T>(
  what: string | (() => string),
  seconds: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${seconds} s waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function rest(
  ca: string,
  url: string,
  method = 'GET',
  auth?: string,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method,
        ca: readFileSync(ca),
        timeout: 3000,
        headers: auth ? { authorization: `Basic ${auth}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function psql(ca: string, port: number, sql: string) {
  return run(
    'psql',
    [
      `host=${lb.address} port=${port} user=postgres dbname=postgres sslmode=verify-ca sslrootcert=${ca} connect_timeout=3`,
      '-XtAc',
      sql,
    ],
    { env: { PATH: '/usr/bin:/bin', PGPASSWORD: secrets.superuserPassword } },
  );
}

describe('a real cluster from the rendered files', () => {
  test('etcd + Patroni + HAProxy: primary on 5432, streaming replica on 5433, REST API guarded', {
    timeout: 240_000,
  }, async () => {
    const ca = makeCa(join(root, mkdir('pki')));
    chmodSync(ca.caFile, 0o644);

    for (const m of cluster.etcd.members) {
      const home = mkdir(m.name);
      const cert = ca.issue(m.name, [m.host, '127.0.0.1']);
      const file = join(root, home, 'etcd.yml');
      writeFileSync(
        file,
        renderEtcdConfig(cluster, m.name, {
          dataDir: join(root, home, 'data'),
          tls: { ...cert, caFile: ca.caFile },
          logOutputs: [join(root, home, 'etcd.log')],
        }),
      );
      children.push(spawn('etcd', ['--config-file', file], { stdio: 'ignore' }));
    }
    const binDir = postgresBinDir();
    for (const n of cluster.patroni.nodes) {
      const home = join(root, mkdir(n.name));
      own(home);
      chmodSync(home, 0o700);
      const tlsDir = join(home, 'tls');
      mkdirSync(tlsDir);
      own(tlsDir);
      // Each node gets its own copies, owned by the user Patroni runs as, 0600.
      const issued = ca.issue(n.name, [n.host, '127.0.0.1']);
      const tls = {
        certFile: join(tlsDir, 'node.crt'),
        keyFile: join(tlsDir, 'node.key'),
        caFile: join(tlsDir, 'ca.crt'),
      };
      for (const [from, to] of [
        [issued.certFile, tls.certFile],
        [issued.keyFile, tls.keyFile],
        [ca.caFile, tls.caFile],
      ] as const) {
        writeFileSync(to, readFileSync(from), { mode: 0o600 });
        own(to);
      }
      const run = join(home, 'run');
      mkdirSync(run);
      own(run);
      const file = join(home, 'patroni.yml');
      writeFileSync(
        file,
        renderPatroniConfig(cluster, n.name, {
          dataDir: join(home, 'data'),
          binDir,
          pgpassFile: join(home, 'pgpass'),
          socketDir: run,
          tls,
        }),
      );
      // The shim keeps the REST API's start-up from sending a PTR query for its loopback address off the machine.
      writeFileSync(join(home, 'sitecustomize.py'), renderPatroniPythonShim(), { mode: 0o644 });
      const env = { PATH: '/usr/bin:/bin', PYTHONPATH: home, ...patroniEnvironment(secrets) };
      const log = join(home, 'patroni.log');
      writeFileSync(log, '');
      own(log);
      const args = isRoot
        ? [
            '--reuid',
            String(pgUser.uid),
            '--regid',
            String(pgUser.gid),
            '--clear-groups',
            '/usr/bin/patroni',
            file,
          ]
        : [file];
      const out = await import('node:fs').then((fs) => fs.openSync(log, 'a'));
      patronis.push(
        spawn(isRoot ? 'setpriv' : '/usr/bin/patroni', args, { env, cwd: home, stdio: ['ignore', out, out] }),
      );
    }
    const haproxyCfg = join(root, mkdir('haproxy'), 'haproxy.cfg');
    writeFileSync(
      haproxyCfg,
      renderHaproxyConfig(cluster, {
        primary: { address: lb.address, port: lb.primary },
        replicas: { address: lb.address, port: lb.replicas },
        caFile: ca.caFile,
        healthCheck: { method: 'OPTIONS', intervalMs: 500, rise: 1, fall: 2 },
        log: 'none',
      }),
    );
    children.push(spawn('haproxy', ['-db', '-f', haproxyCfg], { stdio: 'ignore' }));

    const etcdTls = ca.issue('etcdctl', ['127.0.0.1']);
    await until('etcd health', 60, async () => {
      const r = run('etcdctl', [
        '--endpoints',
        etcdClientUrls(cluster).join(','),
        '--cacert',
        ca.caFile,
        '--cert',
        etcdTls.certFile,
        '--key',
        etcdTls.keyFile,
        'endpoint',
        'health',
      ]);
      return r.status === 0 ? true : undefined;
    });

    // Ready: one leader and the other member streaming (found by application_name in pg_stat_replication).
    const members = await until(
      () => `a leader and a streaming replica\n${patroniLogs()}`,
      180,
      async () => {
        const r = await rest(ca.caFile, 'https://127.0.81.1:8008/cluster');
        if (r?.status !== 200) return undefined;
        const list = (JSON.parse(r.body) as { members: { name: string; role: string; state: string }[] })
          .members;
        const leader = list.find((m) => m.role === 'leader' && m.state === 'running');
        if (!leader) return undefined;
        const streaming = psql(
          ca.caFile,
          lb.primary,
          'select application_name from pg_stat_replication order by 1',
        );
        return streaming.stdout.trim() !== '' && list.length === 2 ? list : undefined;
      },
    );
    expect(members.map((m) => m.role).sort()).toEqual(['leader', 'replica']);

    // Through HAProxy: 5432 reaches the primary, 5433 a replica (after the checks settle), over verified TLS
    // with scram-sha-256 and the superuser password Patroni read from its environment.
    expect(psql(ca.caFile, lb.primary, 'select pg_is_in_recovery()').stdout.trim()).toBe('f');
    const onReplica = await until('5433 to reach the replica', 30, async () => {
      const r = psql(ca.caFile, lb.replicas, 'select pg_is_in_recovery()');
      return r.stdout.trim() === 't' ? r : undefined;
    });
    expect(onReplica.status).toBe(0);
    expect(psql(ca.caFile, lb.primary, 'show ssl').stdout.trim()).toBe('on');
    expect(psql(ca.caFile, lb.primary, 'show password_encryption').stdout.trim()).toBe('scram-sha-256');
    expect(psql(ca.caFile, lb.primary, 'select count(*) from pg_stat_ssl where ssl').stdout.trim()).not.toBe(
      '0',
    );
    expect(psql(ca.caFile, lb.primary, 'show data_checksums').stdout.trim()).toBe('on');
    expect(
      psql(
        ca.caFile,
        lb.primary,
        "select rolname from pg_roles where rolname in ('replicator','rewind_user') order by 1",
      )
        .stdout.trim()
        .split('\n'),
    ).toEqual(['replicator', 'rewind_user']);
    const wrong = run(
      'psql',
      [
        `host=${lb.address} port=${lb.primary} user=postgres dbname=postgres sslmode=require connect_timeout=3`,
        '-XtAc',
        'select 1',
      ],
      { env: { PATH: '/usr/bin:/bin', PGPASSWORD: 'wrong' } },
    );
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed for user "postgres"/);

    // REST API: health checks stay open, unsafe methods need the credentials from the environment.
    expect((await rest(ca.caFile, 'https://127.0.81.1:8008/health'))?.status).toBe(200);
    expect((await rest(ca.caFile, 'https://127.0.81.1:8008/config', 'PATCH'))?.status).toBe(401);
    const auth = Buffer.from(`patroni:${secrets.restApiPassword}`).toString('base64');
    expect((await rest(ca.caFile, 'https://127.0.81.1:8008/reload', 'POST', auth))?.status).toBe(202);
  });
});

/** The last lines of every node's Patroni log, for a failure message. */
function patroniLogs(): string {
  return cluster.patroni.nodes
    .map((n) => {
      const file = join(root, n.name, 'patroni.log');
      const lines = existsSync(file)
        ? readFileSync(file, 'utf8')
            .trimEnd()
            .split('\n')
            .filter((l) => !l.startsWith(' '))
            .slice(0, 40)
        : [];
      return `--- ${n.name} patroni.log\n${lines.join('\n')}`;
    })
    .join('\n');
}

function mkdir(name: string): string {
  mkdirSync(join(root, name), { recursive: true });
  return name;
}
