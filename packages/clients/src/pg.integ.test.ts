import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@pgha/pki';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, loopbackBundles } from '../test/fixtures.js';
import { closeClient, type PgTarget, pgClient } from './index.js';

// A real PostgreSQL (Debian's newest installed) on 127.0.0.1 at a free port: TLS with a server certificate from
// @pgha/pki, scram-sha-256, hostssl only. Run as `postgres` when we are root (PostgreSQL refuses root).

const PASSWORD = 'clients-test-password';
const root = userInfo().uid === 0;
const owner = root
  ? {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
    }
  : undefined;
const own = (path: string) => owner && chownSync(path, owner.uid, owner.gid);

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const v = (existsSync(base) ? readdirSync(base) : [])
    .sort((a, b) => Number(b) - Number(a))
    .find((x) => existsSync(join(base, x, 'bin', 'initdb')));
  if (!v) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin');
  return join(base, v, 'bin');
}

function pgRun(tool: string, args: string[]): void {
  const cmd = join(pgBin(), tool);
  if (root) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

let dir: string;
let data: string;
let started = false;
let bundle: Bundle;
let other: Bundle;
let target: PgTarget;

beforeAll(async () => {
  ({ bundle, other } = await loopbackBundles());
  const server = bundle.patroni['pg-1']?.postgres;
  if (!server) throw new Error('bundle without pg-1');
  dir = mkdtempSync(join(tmpdir(), 'pgha-clients-pg-'));
  chmodSync(dir, 0o755);
  own(dir);
  for (const [name, text] of [
    ['pg.crt', server.certPem],
    ['pg.key', server.key.toPem()],
    ['pw', PASSWORD],
  ] as const) {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    own(join(dir, name));
  }
  data = join(dir, 'data');
  pgRun('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${join(dir, 'pw')}`,
  ]);
  const port = await freePort();
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    [
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'ssl = on',
      `ssl_cert_file = '${join(dir, 'pg.crt')}'`,
      `ssl_key_file = '${join(dir, 'pg.key')}'`,
      'fsync = off',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(data, 'pg_hba.conf'),
    'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n',
  );
  pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', 'start']);
  started = true;
  target = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: PASSWORD,
    database: 'postgres',
    ca: bundle.ca.certPem,
  };
}, 60_000);

afterAll(() => {
  if (started) pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('pgClient connects over TLS verified against the CA, with its application_name', async () => {
  const client = pgClient(target, { connectTimeoutMs: 5000, applicationName: 'pgha-clients-test' });
  try {
    await client.connect();
    const { rows } = await client.query<{ ssl: boolean; app: string }>(
      'select s.ssl, a.application_name as app from pg_stat_ssl s join pg_stat_activity a using (pid) where pid = pg_backend_pid()',
    );
    expect(rows).toEqual([{ ssl: true, app: 'pgha-clients-test' }]);
  } finally {
    await closeClient(client);
  }
});

test('a server whose certificate another CA signed is refused', async () => {
  const client = pgClient(
    { ...target, ca: other.ca.certPem },
    { connectTimeoutMs: 5000, applicationName: 'x' },
  );
  await expect(client.connect()).rejects.toThrow(/certificate/i);
  await closeClient(client);
});

test('a wrong password is refused by the server (28P01)', async () => {
  const client = pgClient({ ...target, password: 'wrong' }, { connectTimeoutMs: 5000, applicationName: 'x' });
  await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  await closeClient(client);
});

test('queryTimeoutMs ends a query that runs longer', async () => {
  const client = pgClient(target, { connectTimeoutMs: 5000, queryTimeoutMs: 300, applicationName: 'x' });
  try {
    await client.connect();
    await expect(client.query('select pg_sleep(5)')).rejects.toThrow(/timeout/i);
  } finally {
    await closeClient(client, 200);
  }
});

test('sslMode: require encrypts without checking the CA, verify-ca checks the CA', async () => {
  const wrongCa = { ...target, ca: other.ca.certPem };
  const encrypted = pgClient(
    { ...wrongCa, sslMode: 'require' },
    { connectTimeoutMs: 5000, applicationName: 'x' },
  );
  try {
    await encrypted.connect();
    const { rows } = await encrypted.query<{ ssl: boolean }>(
      'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
    );
    expect(rows).toEqual([{ ssl: true }]);
  } finally {
    await closeClient(encrypted);
  }
  const checked = pgClient(
    { ...wrongCa, sslMode: 'verify-ca' },
    { connectTimeoutMs: 5000, applicationName: 'x' },
  );
  await expect(checked.connect()).rejects.toThrow(/certificate/i);
  await closeClient(checked);
  const right = pgClient(
    { ...target, sslMode: 'verify-ca' },
    { connectTimeoutMs: 5000, applicationName: 'x' },
  );
  try {
    await right.connect();
  } finally {
    await closeClient(right);
  }
});
