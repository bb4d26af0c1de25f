import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { makePki, type TestPki } from './pki.js';

export interface Endpoints {
  etcd: string[];
  rest: string[];
  primary: { host: string; port: number };
  replicas: { host: string; port: number };
}

export const PASSWORD = 'hunter2-not-to-be-printed';

/** Writes `<dir>/state/<cluster>/manifest.json` with real openssl certificates; returns paths. */
export function writeCluster(
  pki: TestPki,
  cluster: string,
  ep: Endpoints,
  extra: Record<string, unknown> = {},
) {
  const stateDir = join(pki.dir, 'state');
  const dir = join(stateDir, cluster);
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'secrets', 'postgres'), `${PASSWORD}\n`, { mode: 0o600 });
  const manifest = {
    version: 1,
    cluster,
    target: 'local',
    etcd: {
      endpoints: ep.etcd,
      members: ep.etcd.length,
      tls: {
        ca: join(pki.dir, 'ca.crt'),
        cert: join(pki.dir, 'client.crt'),
        key: join(pki.dir, 'client.key'),
      },
    },
    patroni: { scope: cluster, rest: ep.rest },
    postgres: {
      primary: ep.primary,
      replicas: ep.replicas,
      user: 'postgres',
      passwordFile: 'secrets/postgres',
      database: 'postgres',
    },
    ...extra,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { stateDir, dir, file: join(dir, 'manifest.json'), manifest };
}

/** A CA with a client certificate, as deploy would make. */
export function basicPki(): TestPki {
  const pki = makePki();
  pki.ca('ca');
  pki.cert('client', { eku: 'clientAuth' });
  return pki;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const s: Server = createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  };
}
