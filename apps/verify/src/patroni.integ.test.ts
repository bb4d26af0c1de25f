// Real Patroni (Debian's /usr/bin/patroni) on a real etcd (TLS, client certificates): two nodes, a leader
// and a streaming replica, REST API over https. Addresses 127.0.60.40-42 (outside the deploy app's range).
// The deploy app's cluster test covers the full topology with HAProxy; this one pins the Patroni checks.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { renderPatroniPythonShim } from '@pgha/userdata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type TestEtcd } from '../test/etcd.js';
import { basicPki, PASSWORD, writeCluster } from '../test/fixture.js';
import { own, pgBin, serviceOwner } from '../test/pg.js';
import type { TestPki } from '../test/pki.js';
import { type Proc, start, waitFor } from '../test/procs.js';
import { type Manifest, readManifest } from './manifest.js';
import type { VerifyReport } from './report.js';
import { verifyCluster } from './verify-cluster.js';

const ETCD = '127.0.60.40';
const NODES = [
  { name: 'pg-1', ip: '127.0.60.41' },
  { name: 'pg-2', ip: '127.0.60.42' },
];
const SCOPE = 'ptest';

let pki: TestPki;
let etcd: TestEtcd;
let manifest: Manifest;
let base: string;
const patroni = new Map<string, Proc>();

function startNode(node: { name: string; ip: string }): Proc {
  const dir = join(base, node.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { crt, key } = pki.cert(node.name, { san: `IP:${node.ip},IP:127.0.0.1` });
  // Each node gets its own copies, owned by the user Patroni runs as, mode 0600 (field notes).
  for (const [from, to] of [
    [crt, 'node.crt'],
    [key, 'node.key'],
    [join(pki.dir, 'ca.crt'), 'ca.crt'],
  ] as const) {
    copyFileSync(from, join(dir, to));
    chmodSync(join(dir, to), 0o600);
    own(join(dir, to));
  }
  mkdirSync(join(dir, 'sock'));
  own(join(dir, 'sock'));
  own(dir);
  const tls = {
    certfile: join(dir, 'node.crt'),
    keyfile: join(dir, 'node.key'),
    cafile: join(dir, 'ca.crt'),
  };
  const hba = [
    'local all all trust',
    'hostssl replication replicator 127.0.0.0/8 scram-sha-256',
    'hostssl all all 127.0.0.0/8 scram-sha-256',
  ];
  // JSON is YAML: Patroni reads it as its configuration file.
  const config = {
    scope: SCOPE,
    name: node.name,
    restapi: { listen: `${node.ip}:8008`, connect_address: `${node.ip}:8008`, ...tls },
    etcd3: {
      hosts: [`${ETCD}:2379`],
      protocol: 'https',
      cacert: tls.cafile,
      cert: tls.certfile,
      key: tls.keyfile,
    },
    bootstrap: {
      dcs: {
        ttl: 10,
        loop_wait: 1,
        retry_timeout: 3,
        maximum_lag_on_failover: 1048576,
        postgresql: { use_pg_rewind: true, use_slots: true },
      },
      initdb: [{ encoding: 'UTF8' }],
      pg_hba: hba,
    },
    postgresql: {
      listen: `${node.ip}:5432`,
      connect_address: `${node.ip}:5432`,
      data_dir: join(dir, 'data'),
      bin_dir: pgBin(),
      pgpass: join(dir, 'pgpass'),
      use_unix_socket: true,
      authentication: {
        superuser: { username: 'postgres', password: PASSWORD },
        replication: { username: 'replicator', password: 'replicator-password-for-tests' },
        rewind: { username: 'rewinder', password: 'rewinder-password-for-tests' },
      },
      parameters: {
        unix_socket_directories: join(dir, 'sock'),
        ssl: 'on',
        ssl_cert_file: tls.certfile,
        ssl_key_file: tls.keyfile,
        ssl_ca_file: tls.cafile,
        fsync: 'off',
      },
      pg_hba: hba,
    },
  };
  const file = join(dir, 'patroni.yml');
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  own(file);
  // No DNS query for the REST API's loopback address (see renderPatroniPythonShim).
  writeFileSync(join(dir, 'sitecustomize.py'), renderPatroniPythonShim(), { mode: 0o644 });
  // /usr/bin/patroni, not a python3 from PATH; a clean environment (no inherited PG* variables).
  return start('/usr/bin/patroni', [file], join(base, `${node.name}.log`), serviceOwner(), {
    PYTHONPATH: dir,
  });
}

/** Kills a node's Patroni and its PostgreSQL (postmaster PID from its pid file): a host crash. */
async function crash(node: { name: string }): Promise<void> {
  await patroni.get(node.name)?.stop('SIGKILL');
  const pidFile = join(base, node.name, 'data', 'postmaster.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0) process.kill(pid, 'SIGKILL');
}

const patroniChecks = (timeoutMs = 3000) =>
  verifyCluster(manifest, { checks: ['patroni.leader', 'patroni.replicas'], timeoutMs });
const byId = (r: VerifyReport, id: string) => r.checks.find((c) => c.id === id);

beforeAll(async () => {
  pki = basicPki();
  base = mkdtempSync('/tmp/pgha-verify-patroni-');
  chmodSync(base, 0o755);
  etcd = await startEtcd(pki, [ETCD], 'pgha-verify-patroni-test');
  for (const n of NODES) patroni.set(n.name, startNode(n));
  const { file } = writeCluster(pki, SCOPE, {
    etcd: etcd.endpoints,
    rest: NODES.map((n) => `https://${n.ip}:8008`),
    primary: { host: NODES[0]?.ip as string, port: 5432 },
    replicas: { host: NODES[1]?.ip as string, port: 5432 },
  });
  manifest = await readManifest(file);
  // Ready when patronictl (an independent tool) shows a leader and a replica whose lag is known.
  await waitFor('Patroni leader and replica', 90_000, () => {
    const list = JSON.parse(patronictl('list', '-f', 'json')) as {
      Role: string;
      State: string;
      'Lag in MB'?: unknown;
    }[];
    return (
      list.length === 2 &&
      list.some((m) => m.Role === 'Leader' && m.State === 'running') &&
      // Patroni 3.0.2 says "running" for a replica, 3.1 and later "streaming"
      list.some(
        (m) =>
          m.Role === 'Replica' &&
          ['running', 'streaming'].includes(m.State) &&
          typeof m['Lag in MB'] === 'number',
      )
    );
  });
  // The replica streams once the leader has created its slot (up to a loop later): wait for the walsender.
  await waitFor('replica streaming', 30_000, async () => (await patroniChecks()).ok);
}, 180_000);

afterAll(async () => {
  await Promise.all([...patroni.values()].map((p) => p.stop('SIGKILL')));
  for (const n of NODES) {
    try {
      const pid = Number(readFileSync(join(base, n.name, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // not running
    }
  }
  await etcd?.stop();
  for (const dir of [base, pki?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

function patronictl(...args: string[]): string {
  const cfg = join(base, 'pg-1', 'patroni.yml');
  return execFileSync('/usr/bin/patronictl', ['-c', cfg, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: 'pipe',
  }).toString();
}

describe('a Patroni leader and a streaming replica', () => {
  test('patroni.leader and patroni.replicas pass and agree with patronictl list', async () => {
    const r = await patroniChecks();
    const list = JSON.parse(patronictl('list', '-f', 'json')) as {
      Member: string;
      Role: string;
      TL: number;
    }[];
    const leader = list.find((m) => m.Role === 'Leader');
    const replica = list.find((m) => m.Role === 'Replica');
    expect(byId(r, 'patroni.leader')).toMatchObject({
      ok: true,
      detail: `${leader?.Member} leads scope "${SCOPE}", timeline ${leader?.TL}`,
    });
    expect(byId(r, 'patroni.replicas')).toMatchObject({
      ok: true,
      detail: `1 streaming, lag: ${replica?.Member} 0 B`,
    });
    expect(r.patroni.members.map((m) => [m.name, m.role, m.state])).toEqual(
      NODES.map((n) =>
        n.name === leader?.Member ? [n.name, 'leader', 'running'] : [n.name, 'replica', 'streaming'],
      ),
    );
    expect(r.patroni.members.find((m) => m.name === replica?.Member)?.host).toMatch(
      /^127\.0\.60\.4[12]:5432$/,
    );
  });

  test('the replica crashes (Patroni and PostgreSQL killed): patroni.replicas names it, within the timeout', async () => {
    const before = JSON.parse(patronictl('list', '-f', 'json')) as { Member: string; Role: string }[];
    const victim = NODES.find((n) => n.name === before.find((m) => m.Role === 'Replica')?.Member);
    if (!victim) throw new Error('no replica');
    await crash(victim);
    const t0 = performance.now();
    const r = await patroniChecks(2000);
    expect(performance.now() - t0).toBeLessThan(2000 + 3000);
    expect(byId(r, 'patroni.leader')?.ok).toBe(true);
    const replicas = byId(r, 'patroni.replicas');
    expect(replicas?.ok).toBe(false);
    expect(replicas?.detail).toContain(
      `${victim.name} (https://${victim.ip}:8008) does not answer: connection refused (nothing listens there; is the process running?)`,
    );
    const row = r.patroni.members.find((m) => m.name === victim.name);
    expect(row?.state).not.toBe('streaming');
  });
});
