// biome-ignore-all lint/suspicious/noExplicitAny: the tests patch manifests freely
// Real PostgreSQL (Debian's): a primary and a streaming replica (pg_basebackup -R), TLS on with a server
// certificate from the test CA, scram-sha-256, hostssl only. Addresses 127.0.60.31-33 (outside the deploy
// app's range). No load balancer: the manifest's primary/replicas ports point at the nodes themselves.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basicPki, PASSWORD, writeCluster } from '../test/fixture.js';
import { own, pgRun } from '../test/pg.js';
import type { TestPki } from '../test/pki.js';
import { type Manifest, parseManifest, readManifest } from './manifest.js';
import type { CheckResult, VerifyReport } from './report.js';
import { verifyCluster } from './verify-cluster.js';

const PRIMARY = '127.0.60.31';
const REPLICA = '127.0.60.32';
const NOT_IN_SAN = '127.0.60.33';

let pki: TestPki;
let base: string;
let manifest: Manifest;
const started: string[] = [];

const byId = (r: VerifyReport, id: string): CheckResult => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no ${id}`);
  return c;
};
const pgChecks = (m: Manifest, timeoutMs = 3000) =>
  verifyCluster(m, { checks: ['pg.primary', 'pg.replica', 'pg.replication'], timeoutMs });
const withManifest = (patch: (j: Record<string, any>) => void): Manifest => {
  const j = structuredClone(manifest) as unknown as Record<string, any>;
  patch(j);
  return parseManifest(j, { baseDir: pki.dir });
};
const psql = (host: string, sql: string) =>
  execFileSync('psql', ['-Atc', sql], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PGHOST: host,
      PGUSER: 'postgres',
      PGDATABASE: 'postgres',
      PGPASSWORD: PASSWORD,
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: join(pki.dir, 'ca.crt'),
    },
  })
    .toString()
    .trim();

beforeAll(async () => {
  pki = basicPki();
  pki.cert('pg', { san: `IP:${PRIMARY},IP:${REPLICA},IP:127.0.0.1`, eku: 'serverAuth' });
  pki.ca('otherca');
  base = mkdtempSync('/tmp/pgha-verify-pg-');
  chmodSync(base, 0o755);
  for (const f of ['pg.crt', 'pg.key']) {
    copyFileSync(join(pki.dir, f), join(base, f));
    chmodSync(join(base, f), 0o600);
    own(join(base, f));
  }
  own(base);
  writeFileSync(join(base, 'pw'), PASSWORD, { mode: 0o600 });
  own(join(base, 'pw'));

  const d1 = join(base, 'd1');
  const d2 = join(base, 'd2');
  pgRun('initdb', [
    '-D',
    d1,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${join(base, 'pw')}`,
  ]);
  const conf = (listen: string, sock: string) =>
    [
      `listen_addresses = '${listen}'`,
      `unix_socket_directories = '${sock}'`,
      'ssl = on',
      `ssl_cert_file = '${join(base, 'pg.crt')}'`,
      `ssl_key_file = '${join(base, 'pg.key')}'`,
      'wal_level = replica',
      'fsync = off',
      '',
    ].join('\n');
  const hba =
    'local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\nhostssl replication all 127.0.0.0/8 scram-sha-256\n';
  writeFileSync(join(d1, 'postgresql.auto.conf'), conf(`${PRIMARY},${NOT_IN_SAN}`, base));
  writeFileSync(join(d1, 'pg_hba.conf'), hba);
  pgRun('pg_ctl', ['-D', d1, '-l', join(base, 'd1.log'), '-w', 'start']);
  started.push(d1);
  pgRun('pg_basebackup', ['-h', PRIMARY, '-U', 'postgres', '-D', d2, '-R', '-X', 'stream'], {
    PGPASSWORD: PASSWORD,
    PGSSLMODE: 'require',
  });
  const sock2 = join(base, 's2');
  writeFileSync(join(d2, 'postgresql.auto.conf'), `${conf(REPLICA, sock2)}`, { flag: 'a' });
  mkdirSync(sock2, { recursive: true });
  own(sock2);
  own(join(d2, 'postgresql.auto.conf'));
  pgRun('pg_ctl', ['-D', d2, '-l', join(base, 'd2.log'), '-w', 'start']);
  started.push(d2);
  expect(psql(REPLICA, 'SELECT pg_is_in_recovery()')).toBe('t');

  const { file } = writeCluster(pki, 'pgonly', {
    etcd: ['https://127.0.60.39:2379'],
    rest: ['https://127.0.60.39:8008'],
    primary: { host: PRIMARY, port: 5432 },
    replicas: { host: REPLICA, port: 5432 },
  });
  manifest = await readManifest(file);
});

afterAll(() => {
  for (const d of started.reverse()) {
    try {
      pgRun('pg_ctl', ['-D', d, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped by a test
    }
  }
  for (const dir of [base, pki?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a primary and a streaming replica', () => {
  test('pg.primary, pg.replica and pg.replication pass, and the scratch table is gone afterwards', async () => {
    const r = await pgChecks(manifest);
    expect(byId(r, 'pg.primary')).toMatchObject({ ok: true });
    expect(byId(r, 'pg.primary').detail).toMatch(
      new RegExp(`^${PRIMARY}:5432 is primary \\(PostgreSQL \\d+\\.\\d+\\), a write committed in \\d+ ms$`),
    );
    expect(byId(r, 'pg.replica').detail).toBe(
      `${REPLICA}:5432 is a read-only replica: a write was refused (25006)`,
    );
    expect(byId(r, 'pg.replication').detail).toMatch(
      new RegExp(`^row written via ${PRIMARY}:5432 read via ${REPLICA}:5432 after \\d+ ms$`),
    );
    // psql, an independent client, sees no scratch table left behind on either node.
    expect(psql(PRIMARY, "SELECT count(*) FROM pg_class WHERE relname LIKE 'pgha_verify%'")).toBe('0');
  });

  test('a wrong password names the password file and never shows a password', async () => {
    const wrong = join(pki.dir, 'wrong-password');
    writeFileSync(wrong, 'not-the-password\n');
    const r = await pgChecks(withManifest((j) => (j.postgres.passwordFile = wrong)));
    for (const id of ['pg.primary', 'pg.replica', 'pg.replication']) {
      expect(byId(r, id).ok).toBe(false);
      expect(byId(r, id).detail).toContain(
        `password authentication failed for user "postgres"; check that postgres.passwordFile (${wrong})`,
      );
    }
    const json = JSON.stringify(r);
    expect(json).not.toContain('not-the-password');
    expect(json).not.toContain(PASSWORD);
  });

  test('ports routed to the wrong role are named as a load balancer problem', async () => {
    const r = await pgChecks(
      withManifest((j) => {
        j.postgres.primary = { host: REPLICA, port: 5432 };
        j.postgres.replicas = { host: PRIMARY, port: 5432 };
      }),
    );
    expect(byId(r, 'pg.primary').detail).toContain(
      `primary port ${REPLICA}:5432 reached ${REPLICA}:5432, which is in recovery`,
    );
    expect(byId(r, 'pg.replica').detail).toContain(
      `replica port ${PRIMARY}:5432 reached ${PRIMARY}:5432, which is NOT in recovery`,
    );
    expect(byId(r, 'pg.replication').ok).toBe(false);
  });

  test('TLS: an address missing from the certificate fails verify-full and passes verify-ca; a wrong CA is named', async () => {
    const viaOther = (mode?: string) =>
      withManifest((j) => {
        j.postgres.primary = { host: NOT_IN_SAN, port: 5432 };
        if (mode) j.postgres.sslMode = mode;
      });
    const full = await verifyCluster(viaOther(), { checks: ['pg.primary'], timeoutMs: 3000 });
    expect(byId(full, 'pg.primary').detail).toContain(
      `primary port ${NOT_IN_SAN}:5432: the server's certificate does not name this address`,
    );
    const ca = await verifyCluster(viaOther('verify-ca'), { checks: ['pg.primary'], timeoutMs: 3000 });
    expect(byId(ca, 'pg.primary').ok).toBe(true);

    const other = await verifyCluster(
      withManifest((j) => (j.postgres.sslRootCert = join(pki.dir, 'otherca.crt'))),
      { checks: ['pg.primary'], timeoutMs: 3000 },
    );
    expect(byId(other, 'pg.primary').detail).toContain(
      `primary port ${PRIMARY}:5432: server certificate is not signed by postgres.sslRootCert (${join(pki.dir, 'otherca.crt')})`,
    );
  });

  test('the replica stopped: pg.replica and pg.replication name the replica port, pg.primary still passes', async () => {
    pgRun('pg_ctl', ['-D', join(base, 'd2'), '-m', 'immediate', '-w', 'stop']);
    const t0 = performance.now();
    const r = await pgChecks(manifest, 2000);
    expect(performance.now() - t0).toBeLessThan(2000 + 3000);
    expect(byId(r, 'pg.primary').ok).toBe(true);
    expect(byId(r, 'pg.replica').detail).toBe(
      `replica port ${REPLICA}:5432: connection refused (nothing listens there; is the load balancer running? is postgres.replicas right?)`,
    );
    expect(byId(r, 'pg.replication').detail).toBe(byId(r, 'pg.replica').detail);
    expect(psql(PRIMARY, "SELECT count(*) FROM pg_class WHERE relname LIKE 'pgha_verify%'")).toBe('0');
  });
});
