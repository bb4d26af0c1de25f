// Real etcd (Debian's etcd-server): three members with TLS for clients and peers and client-cert-auth, on
// 127.0.60.1-3 (outside the deploy app's 127.0.10-30.x), certificates made with openssl.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type TestEtcd } from '../test/etcd.js';
import { basicPki, writeCluster } from '../test/fixture.js';
import type { TestPki } from '../test/pki.js';
import { type Manifest, parseManifest, readManifest } from './manifest.js';
import type { CheckResult } from './report.js';
import { verifyCluster } from './verify-cluster.js';

const IPS = ['127.0.60.1', '127.0.60.2', '127.0.60.3'];
const endpoints = IPS.map((ip) => `https://${ip}:2379`);

let pki: TestPki;
let manifest: Manifest;
let etcd: TestEtcd;
const etcdctl = (...args: string[]) => etcd.etcdctl(...args);
const procs = () => etcd.procs;

const byId = (checks: readonly CheckResult[], id: string) => {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no ${id}`);
  return c;
};

beforeAll(async () => {
  pki = basicPki();
  pki.ca('otherca');
  pki.cert('foreign-client', { ca: 'otherca', eku: 'clientAuth' });
  const { file } = writeCluster(pki, 'etcdonly', {
    etcd: endpoints,
    rest: ['https://127.0.60.9:8008'],
    primary: { host: '127.0.60.9', port: 5432 },
    replicas: { host: '127.0.60.9', port: 5433 },
  });
  manifest = await readManifest(file);
  etcd = await startEtcd(pki, IPS, 'pgha-verify-etcd-test');
});

afterAll(async () => {
  await etcd?.stop();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

const etcdChecks = (m: Manifest, timeoutMs = 2000) =>
  verifyCluster(m, { checks: ['etcd.members', 'etcd.health'], timeoutMs });

describe('a healthy three-member etcd', () => {
  test('etcd.members and etcd.health pass, and agree with etcdctl', async () => {
    const r = await etcdChecks(manifest);
    const members = byId(r.checks, 'etcd.members');
    const health = byId(r.checks, 'etcd.health');
    expect(members).toMatchObject({
      ok: true,
      detail: '3 members started, none learner: etcd-1, etcd-2, etcd-3',
    });
    expect(health.ok).toBe(true);
    expect(health.detail).toMatch(
      /^3\/3 endpoints healthy, leader etcd-[123], raft term \d+, quorum read \d+ ms$/,
    );
    // Cross-check the leader with etcdctl (simple output: endpoint, id, version, db size, is leader, ...).
    const leaderEndpoint = etcdctl('endpoint', 'status', '-w', 'simple')
      .trim()
      .split('\n')
      .map((l) => l.split(', '))
      .find((cols) => cols[4] === 'true')?.[0];
    const leaderRow = r.etcd.members.find((m) => m.isLeader);
    expect(leaderRow?.clientUrls).toEqual([leaderEndpoint]);
    expect(health.detail).toContain(`leader ${leaderRow?.name}`);
    expect(r.etcd.members.map((m) => m.name).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
  });

  test('a client certificate from another CA: a clear TLS error naming etcd.tls.cert', async () => {
    const m = parseManifest(
      {
        ...manifest,
        etcd: {
          ...manifest.etcd,
          tls: {
            ...manifest.etcd.tls,
            cert: join(pki.dir, 'foreign-client.crt'),
            key: join(pki.dir, 'foreign-client.key'),
          },
        },
      },
      { baseDir: pki.dir },
    );
    const r = await etcdChecks(m);
    for (const id of ['etcd.members', 'etcd.health']) {
      const c = byId(r.checks, id);
      expect(c.ok).toBe(false);
      expect(c.detail).toContain(
        `the server rejected etcd.tls.cert (${join(pki.dir, 'foreign-client.crt')})`,
      );
      expect(c.detail).toContain('signed by the cluster CA');
    }
  });

  test('the wrong CA file: the server certificate is not signed by etcd.tls.ca', async () => {
    const m = parseManifest(
      {
        ...manifest,
        etcd: { ...manifest.etcd, tls: { ...manifest.etcd.tls, ca: join(pki.dir, 'otherca.crt') } },
      },
      { baseDir: pki.dir },
    );
    const r = await etcdChecks(m);
    const c = byId(r.checks, 'etcd.health');
    expect(c.ok).toBe(false);
    expect(c.detail).toBe(
      `${endpoints.join(', ')} do not answer: server certificate is not signed by etcd.tls.ca ` +
        `(${join(pki.dir, 'otherca.crt')}) (UNABLE_TO_VERIFY_LEAF_SIGNATURE); is that the cluster's CA?`,
    );
  });
});

describe('losing members', () => {
  test('one member frozen (SIGSTOP): etcd.health names it at the timeout, etcd.members does not wait for it', async () => {
    const frozen = procs()[2];
    if (!frozen) throw new Error('no etcd-3');
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      const r = await etcdChecks(manifest, 4000);
      const members = byId(r.checks, 'etcd.members');
      expect(members.ok).toBe(true);
      expect(members.ms).toBeLessThan(3000); // answered by a live member, not held up until the 3.9 s probe deadline
      const health = byId(r.checks, 'etcd.health');
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(
        /^etcd-3 \(https:\/\/127\.0\.60\.3:2379\) does not answer: no answer within 39\d\d ms \(TCP connected but the TLS handshake did not finish; is the process stopped or overloaded\?\)$/,
      );
      expect(health.ms).toBeLessThan(4000 + 1000);
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
  });

  test('one member stopped: etcd.health names it, the member list still shows three', async () => {
    await procs()[2]?.stop('SIGKILL');
    const t0 = performance.now();
    const r = await etcdChecks(manifest);
    expect(performance.now() - t0).toBeLessThan(2000 + 3000);
    const health = byId(r.checks, 'etcd.health');
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('etcd-3 (https://127.0.60.3:2379) does not answer: connection refused');
    expect(health.detail).not.toContain('etcd-1 (');
    expect(byId(r.checks, 'etcd.members').ok).toBe(true);
    expect(r.etcd.members.find((m) => m.name === 'etcd-3')?.error).toContain('connection refused');
  });

  test('quorum lost: etcd.health says so within the timeout', async () => {
    await procs()[1]?.stop('SIGKILL');
    // Give the survivor an election timeout to notice it has no leader any more.
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = performance.now();
    const r = await etcdChecks(manifest);
    expect(performance.now() - t0).toBeLessThan(2000 + 3000);
    const health = byId(r.checks, 'etcd.health');
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/^quorum lost: 1 of 3 members answer, 2 needed/);
    expect(health.detail).toContain(
      'etcd-2 (https://127.0.60.2:2379), etcd-3 (https://127.0.60.3:2379) do not answer: connection refused',
    );
  });
});
