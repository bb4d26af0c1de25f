import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { makeCa, run, tempDir } from '../test/tools.js';
import { defineCluster } from './cluster.js';
import { etcdClientUrls, renderEtcdConfig } from './etcd-config.js';

// Three real etcd members from the rendered files, on loopback addresses no other test uses; rendered for
// the installed etcd's version (3.5 from the component policy adds a TLS floor and a cipher list).
const installed = /etcd Version: (\S+)/.exec(run('etcd', ['--version']).stdout)?.[1] ?? 'unknown';
const cluster = defineCluster({
  name: 'itest',
  etcd: {
    version: installed,
    members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `127.0.71.${i}` })),
    clientPort: 23790,
    peerPort: 23800,
  },
  patroni: {
    nodes: [1, 2].map((i) => ({ name: `pg-${i}`, host: `127.0.72.${i}` })),
    allowedCidrs: ['127.0.0.0/8'],
  },
});

const dir = tempDir('etcd');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, seconds: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('rendered etcd configuration runs a real TLS cluster', () => {
  test('three members form a cluster that requires client certificates', { timeout: 60_000 }, async () => {
    const ca = makeCa(dir);
    const client = ca.issue('client', ['127.0.0.1']);
    const logs: string[] = [];
    for (const m of cluster.etcd.members) {
      const home = join(dir, m.name);
      mkdirSync(home, { mode: 0o700 });
      // etcd sees peer connections from 127.0.0.1 on loopback, so the SANs carry it next to the member's IP.
      const cert = ca.issue(m.name, [m.host, '127.0.0.1']);
      const file = join(home, 'etcd.yml');
      writeFileSync(
        file,
        renderEtcdConfig(cluster, m.name, {
          dataDir: join(home, 'data'),
          tls: { ...cert, caFile: ca.caFile },
          logOutputs: [join(home, 'etcd.log')],
        }),
      );
      logs.push(join(home, 'etcd.log'));
      children.push(spawn('etcd', ['--config-file', file], { stdio: 'ignore' }));
    }
    const endpoints = etcdClientUrls(cluster).join(',');
    const tls = ['--cacert', ca.caFile, '--cert', client.certFile, '--key', client.keyFile];
    const health = await until('etcd endpoint health', 40, () => {
      const r = run('etcdctl', ['--endpoints', endpoints, ...tls, '--dial-timeout=2s', 'endpoint', 'health']);
      return r.status === 0 ? r.stdout + r.stderr : undefined;
    });
    expect(health.match(/is healthy/g)).toHaveLength(3);

    const members = run('etcdctl', ['--endpoints', endpoints, ...tls, 'member', 'list', '-w', 'json']);
    expect(members.status).toBe(0);
    const list = JSON.parse(members.stdout) as {
      members: { name: string; peerURLs: string[]; clientURLs: string[] }[];
    };
    expect(list.members.map((m) => [m.name, m.peerURLs, m.clientURLs]).sort()).toEqual([
      ['etcd-1', ['https://127.0.71.1:23800'], ['https://127.0.71.1:23790']],
      ['etcd-2', ['https://127.0.71.2:23800'], ['https://127.0.71.2:23790']],
      ['etcd-3', ['https://127.0.71.3:23800'], ['https://127.0.71.3:23790']],
    ]);

    // Patroni's etcd3 client uses the v3 JSON gateway: it must answer (a config file on etcd 3.4 leaves it
    // off unless enable-grpc-gateway is set).
    const gateway = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        'https://127.0.71.2:23790/v3/cluster/member/list',
        {
          method: 'POST',
          ca: readFileSync(ca.caFile),
          cert: readFileSync(client.certFile),
          key: readFileSync(client.keyFile),
          timeout: 5000,
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(gateway.body).not.toMatch(/404 page not found/);
    expect(gateway.status).toBe(200);
    expect(
      (JSON.parse(gateway.body) as { members: { name: string }[] }).members.map((m) => m.name).sort(),
    ).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);

    // client-cert-auth: the same request without a client certificate is refused.
    const anonymous = run('etcdctl', [
      '--endpoints',
      'https://127.0.71.1:23790',
      '--cacert',
      ca.caFile,
      '--dial-timeout=2s',
      '--command-timeout=3s',
      'get',
      'x',
    ]);
    expect(anonymous.status).not.toBe(0);

    // etcd 3.5: TLS 1.1 is refused, and so is ECDHE-ECDSA with AES-CBC, a suite Go's own defaults would accept
    // (only our AEAD list refuses it); ECDHE-ECDSA AES-GCM is taken.
    if (installed.startsWith('3.4.')) return;
    const handshake = (...args: string[]) =>
      run('openssl', ['s_client', '-connect', '127.0.71.1:23790', '-CAfile', ca.caFile, ...args], {
        input: '',
      });
    expect(handshake('-tls1_1').stdout).toContain('Cipher is (NONE)');
    const cbc = handshake('-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA');
    expect(cbc.stdout).toContain('Cipher is (NONE)');
    expect(cbc.stderr).toMatch(/handshake failure/);
    expect(handshake('-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256').stdout).toContain(
      'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256',
    );
  });
});
