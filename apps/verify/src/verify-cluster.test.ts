import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync as removeDir, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Secret } from '@pgha/clients';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basicPki, closedPort, PASSWORD, writeCluster } from '../test/fixture.js';
import type { TestPki } from '../test/pki.js';
import { isVerifyError } from './errors.js';
import { type Manifest, readManifest } from './manifest.js';
import { formatReport, formatReportJson } from './render.js';
import type { VerifyReport } from './report.js';
import { verifyCluster } from './verify-cluster.js';

let pki: TestPki;
let manifest: Manifest;
let clientNotAfter: Date;

beforeAll(async () => {
  pki = basicPki();
  // A short-lived node certificate in a nested PKI directory, next to its key.
  mkdirSync(join(pki.dir, 'nodes'));
  const node = pki.cert('nodes/etcd-1', { days: 20, san: 'IP:127.0.10.1,IP:127.0.0.1' });
  expect(readFileSync(node.key, 'utf8')).toContain('PRIVATE KEY');
  const port = await closedPort();
  const { file } = writeCluster(
    pki,
    'tls',
    {
      etcd: [`https://127.0.0.1:${port}`],
      rest: [`https://127.0.0.1:${port}`],
      primary: { host: '127.0.0.1', port },
      replicas: { host: '127.0.0.1', port },
    },
    { pki: { dir: pki.dir } },
  );
  manifest = await readManifest(file);
  clientNotAfter = new Date(new X509Certificate(readFileSync(join(pki.dir, 'client.crt'))).validTo);
});

afterAll(() => {
  if (pki) removeDir(pki.dir, { recursive: true, force: true });
});

const tlsAt = async (now: Date, tlsWarnDays?: number) => {
  const r = await verifyCluster(manifest, {
    checks: ['tls.expiry'],
    now: () => now,
    ...(tlsWarnDays !== undefined ? { tlsWarnDays } : {}),
  });
  const [check] = r.checks;
  if (!check) throw new Error('no check');
  return check;
};

describe('tls.expiry', () => {
  test('passes with every certificate valid and names the first to expire', async () => {
    const c = await tlsAt(new Date(), 5);
    expect(c).toMatchObject({ id: 'tls.expiry', ok: true, status: 'pass' });
    // ca, client, other certificates in the dir; the 20-day node certificate expires first.
    expect(c.detail).toMatch(/^\d+ certificates valid; first to expire: nodes\/etcd-1\.crt in 19 days/);
  });

  test('warns (still ok) within the warning window', async () => {
    const c = await tlsAt(new Date(), 30);
    expect(c).toMatchObject({ ok: true, status: 'warn' });
    expect(c.detail).toContain('nodes/etcd-1.crt CN=etcd-1 expires in 19 days');
    expect(c.detail).toContain('warning window 30 days');
  });

  test('fails once a certificate has expired, naming the manifest field', async () => {
    const c = await tlsAt(new Date(clientNotAfter.getTime() + 86_400_000));
    expect(c).toMatchObject({ ok: false, status: 'fail' });
    expect(c.detail).toContain('etcd.tls.cert (client.crt) CN=client expired on');
    expect(c.detail).toContain('nodes/etcd-1.crt CN=etcd-1 expired on');
  });

  test('fails for a certificate not yet valid (clock skew)', async () => {
    const c = await tlsAt(new Date(Date.now() - 3 * 86_400_000));
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/etcd\.tls\.ca \(ca\.crt\) CN=ca is not valid before .*check clocks/);
  });

  test('fails naming a file in the PKI dir that holds a broken certificate', async () => {
    const bad = join(pki.dir, 'nodes', 'broken.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    try {
      const c = await tlsAt(new Date());
      expect(c.ok).toBe(false);
      expect(c.detail).toContain(`${bad} holds a certificate that does not parse`);
    } finally {
      writeFileSync(bad, '');
    }
  });
});

describe('options and secrets', () => {
  test('bad options are VerifyErrors naming the option', async () => {
    for (const [opts, text] of [
      [{ timeoutMs: 0 }, 'timeoutMs: 0 is out of range'],
      [{ checks: ['pg.nope'] }, 'unknown check "pg.nope"'],
      [{ tlsWarnDays: -1 }, 'tlsWarnDays'],
    ] as const) {
      const e = await verifyCluster(manifest, opts as never).catch((x) => x);
      expect(isVerifyError(e) && e.code).toBe('OPTION_INVALID');
      expect(e.message).toContain(text);
    }
  });

  test('the password never reaches a report, JSON or inspect output', async () => {
    const r = await verifyCluster(manifest, { timeoutMs: 1000 });
    expect(formatReportJson(r)).not.toContain(PASSWORD);
    expect(formatReport(r)).not.toContain(PASSWORD);
    const s = new Secret(PASSWORD);
    expect(JSON.stringify({ s })).not.toContain(PASSWORD);
    expect(inspect({ s })).not.toContain(PASSWORD);
    expect(`${s}`).not.toContain(PASSWORD);
    expect(s.reveal()).toBe(PASSWORD);
  });
});

describe('formatReport', () => {
  const report: VerifyReport = {
    version: 1,
    ok: false,
    cluster: 'main',
    target: 'local',
    ms: 123,
    patroni: {
      members: [
        { name: 'pg-1', host: '127.0.20.1:5432', role: 'leader', state: 'running', timeline: 3 },
        {
          name: 'pg-2',
          host: '127.0.20.2:5432',
          role: 'replica',
          state: 'streaming',
          timeline: 3,
          lagBytes: 0,
        },
        { name: 'pg-3', host: 'https://127.0.20.3:8008', role: 'unreachable', state: 'unreachable' },
      ],
    },
    etcd: {
      members: [
        {
          id: '11',
          name: 'etcd-1',
          clientUrls: ['https://127.0.10.1:2379'],
          learner: false,
          isLeader: true,
          raftTerm: '2',
          version: '3.4.23',
        },
        {
          id: '12',
          name: 'etcd-2',
          clientUrls: ['https://127.0.10.2:2379'],
          learner: false,
          error: 'refused',
        },
      ],
    },
    checks: [
      { id: 'patroni.leader', ok: true, status: 'pass', detail: 'pg-1 leads', ms: 10 },
      { id: 'patroni.replicas', ok: false, status: 'fail', detail: 'pg-3 does not answer', ms: 12 },
      { id: 'tls.expiry', ok: true, status: 'warn', detail: 'x expires in 3 days', ms: 1 },
    ],
  };

  test('prints the member tables, one line per check and a summary', () => {
    const text = formatReport(report);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '| Member | Host                    | Role        | State       | TL | Lag in MB |',
        '| pg-1   | 127.0.20.1:5432         | Leader      | running     |  3 |           |',
        '| pg-2   | 127.0.20.2:5432         | Replica     | streaming   |  3 |         0 |',
        '| pg-3   | https://127.0.20.3:8008 | Unreachable | unreachable |    |           |',
        '| etcd-1      | 11 | https://127.0.10.1:2379 | leader      |         2 | 3.4.23  |',
        '| etcd-2      | 12 | https://127.0.10.2:2379 | unreachable |           |         |',
        'PASS  patroni.leader    pg-1 leads  10 ms',
        'FAIL  patroni.replicas  pg-3 does not answer  12 ms',
        'WARN  tls.expiry        x expires in 3 days  1 ms',
        '1 passed, 1 failed, 1 warned in 123 ms: cluster main is NOT healthy: patroni.replicas',
      ]),
    );
  });

  test('JSON is the report itself on one line', () => {
    const json = formatReportJson(report);
    expect(json.endsWith('\n')).toBe(true);
    expect(json.trimEnd().includes('\n')).toBe(false);
    expect(JSON.parse(json)).toEqual(report);
  });
});
