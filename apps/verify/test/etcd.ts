// A real etcd cluster (Debian's etcd-server) with TLS for clients and peers and client-cert-auth.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPki } from './pki.js';
import { type Proc, start, waitFor } from './procs.js';

export interface TestEtcd {
  readonly endpoints: string[];
  readonly procs: Proc[];
  etcdctl(...args: string[]): string;
  stop(): Promise<void>;
}

/** Starts one member per IP (certificates `etcd-<n>` signed by `ca` are made here) and waits until healthy. */
export async function startEtcd(pki: TestPki, ips: readonly string[], token: string): Promise<TestEtcd> {
  const endpoints = ips.map((ip) => `https://${ip}:2379`);
  const initialCluster = ips.map((ip, i) => `etcd-${i + 1}=https://${ip}:2380`).join(',');
  const ca = join(pki.dir, 'ca.crt');
  const procs = ips.map((ip, i) => {
    const name = `etcd-${i + 1}`;
    const { crt, key } = pki.cert(name, { san: `IP:${ip},IP:127.0.0.1` });
    const data = join(pki.dir, `${name}.data`);
    mkdirSync(data, { recursive: true, mode: 0o700 });
    return start(
      'etcd',
      [
        ...['--name', name, '--data-dir', data, '--initial-cluster', initialCluster],
        ...['--initial-cluster-state', 'new', '--initial-cluster-token', token],
        ...['--listen-client-urls', `https://${ip}:2379`, '--advertise-client-urls', `https://${ip}:2379`],
        ...[
          '--listen-peer-urls',
          `https://${ip}:2380`,
          '--initial-advertise-peer-urls',
          `https://${ip}:2380`,
        ],
        ...['--cert-file', crt, '--key-file', key, '--trusted-ca-file', ca, '--client-cert-auth'],
        ...[
          '--peer-cert-file',
          crt,
          '--peer-key-file',
          key,
          '--peer-trusted-ca-file',
          ca,
          '--peer-client-cert-auth',
        ],
        ...['--heartbeat-interval', '100', '--election-timeout', '1000'],
      ],
      join(pki.dir, `${name}.log`),
    );
  });
  const etcdctl = (...args: string[]) =>
    execFileSync(
      'etcdctl',
      [
        `--endpoints=${endpoints.join(',')}`,
        `--cacert=${ca}`,
        `--cert=${join(pki.dir, 'client.crt')}`,
        `--key=${join(pki.dir, 'client.key')}`,
        '--dial-timeout=1s',
        '--command-timeout=2s',
        ...args,
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ETCDCTL_API: '3' }, stdio: 'pipe' },
    ).toString();
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  };
  try {
    // etcdctl (an independent client) decides when the cluster is up.
    await waitFor('etcd cluster', 30_000, () => {
      const health = JSON.parse(etcdctl('endpoint', 'health', '-w', 'json')) as { health: boolean }[];
      return health.length === ips.length && health.every((h) => h.health);
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoints, procs, etcdctl, stop };
}
