import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { localCluster, localHaproxyOptions } from '../test/fixtures.js';
import { makeCa, run, tempDir } from '../test/tools.js';
import { defineCluster } from './cluster.js';
import { renderHaproxyConfig } from './haproxy-config.js';

const dir = tempDir('haproxy');
const cleanups: (() => void | Promise<void>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

const localOptions = localHaproxyOptions;

describe('real HAProxy', () => {
  const ca = makeCa(dir);

  test('haproxy -c accepts the rendered config, and rejects it when the CA file is missing', () => {
    const file = join(dir, 'check.cfg');
    writeFileSync(
      file,
      renderHaproxyConfig(localCluster, {
        ...localOptions,
        caFile: ca.caFile,
        pidFile: join(dir, 'h.pid'),
        statsSocket: join(dir, 'admin.sock'),
      }),
    );
    const ok = run('haproxy', ['-c', '-f', file]);
    expect(ok.stdout + ok.stderr).toMatch(/Configuration file is valid/);
    expect(ok.status).toBe(0);

    writeFileSync(
      file,
      renderHaproxyConfig(localCluster, { ...localOptions, caFile: join(dir, 'missing-ca.crt') }),
    );
    const bad = run('haproxy', ['-c', '-f', file]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/missing-ca\.crt/);
  });

  test('routes 5432 to the node answering /primary and 5433 to the one answering /replica, over verified TLS', {
    timeout: 30_000,
  }, async () => {
    // Two stand-in nodes: a TLS "REST API" on 8008 answering like Patroni, and a TCP "PostgreSQL" on 5432
    // that greets with its name.
    const cluster = defineCluster({
      name: 'lbtest',
      etcd: { members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `127.0.75.${10 + i}` })) },
      patroni: {
        nodes: [1, 2].map((i) => ({ name: `pg-${i}`, host: `127.0.75.${i}` })),
        allowedCidrs: ['127.0.0.0/8'],
      },
    });
    const methods: string[] = [];
    const roles: Record<string, 'primary' | 'replica'> = { '127.0.75.1': 'primary', '127.0.75.2': 'replica' };
    for (const [host, role] of Object.entries(roles)) {
      const cert = ca.issue(`rest-${role}`, [host, '127.0.0.1']);
      const https: HttpsServer = createHttpsServer(
        { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
        (req, res) => {
          methods.push(req.method ?? '');
          res.writeHead(req.url === `/${role}` ? 200 : 503).end();
        },
      );
      // A peer may close first (HAProxy, a client giving up): socket errors here are not the test's subject.
      const pg: Server = createServer((s) => {
        s.on('error', () => {});
        s.end(`${role}\n`);
      });
      https.on('clientError', (_err, socket) => socket.destroy());
      await new Promise<void>((r) => https.listen(8008, host, r));
      await new Promise<void>((r) => pg.listen(5432, host, r));
      cleanups.push(
        () => new Promise((r) => https.close(() => r())),
        () => new Promise((r) => pg.close(() => r())),
      );
    }
    const file = join(dir, 'run.cfg');
    writeFileSync(
      file,
      renderHaproxyConfig(cluster, {
        primary: { address: '127.0.76.1', port: 5432 },
        replicas: { address: '127.0.76.1', port: 5433 },
        caFile: ca.caFile,
        healthCheck: { method: 'OPTIONS', intervalMs: 200, rise: 1, fall: 1 },
        log: 'none',
      }),
    );
    const haproxy: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
    cleanups.push(() => {
      if (haproxy.pid !== undefined && haproxy.exitCode === null) process.kill(haproxy.pid, 'SIGKILL');
    });

    const greet = (port: number) =>
      new Promise<string>((resolve) => {
        const s = connect(port, '127.0.76.1');
        let data = '';
        s.on('data', (d) => {
          data += d;
        });
        s.on('close', () => resolve(data));
        s.on('error', () => resolve(''));
        s.setTimeout(2000, () => s.destroy());
      });
    // HAProxy 2.6 starts every checked server UP until its first check fails, so the very first connections
    // may go anywhere: wait for the right answer, then require it to hold.
    const want = { primary: 'primary\n', replica: 'replica\n' };
    const deadline = Date.now() + 20_000;
    let seen = { primary: '', replica: '' };
    while (Date.now() < deadline) {
      seen = { primary: await greet(5432), replica: await greet(5433) };
      if (seen.primary === want.primary && seen.replica === want.replica) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toEqual(want);
    for (let i = 0; i < 5; i++) {
      expect({ primary: await greet(5432), replica: await greet(5433) }).toEqual(want);
    }
    expect(new Set(methods)).toEqual(new Set(['OPTIONS']));
  });
});
