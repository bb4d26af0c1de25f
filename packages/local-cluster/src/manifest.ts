import { readFile, rename, writeFile } from 'node:fs/promises';
import { PORTS, POSTGRES } from '@pgha/defaults';
import { MANIFEST_VERSION, type Manifest } from '@pgha/verify';
import type { Layout } from './layout.js';
import { adminNamespace } from './netns.js';
import type { AddressPlan, LocalOptions } from './options.js';
import type { PkiFiles } from './tls.js';

export type { Manifest };

/** What the local target writes: verify's Manifest with the optional fields it always fills in. */
export type LocalManifest = Omit<Manifest, 'etcd' | 'patroni' | 'postgres' | 'pki'> & {
  readonly etcd: Omit<Manifest['etcd'], 'names'> & { readonly names: readonly string[] };
  readonly patroni: Omit<Manifest['patroni'], 'members' | 'ca'> & {
    readonly members: readonly {
      readonly name: string;
      readonly host: string;
      readonly port: number;
      readonly rest: string;
    }[];
    readonly ca: string;
  };
  readonly postgres: Omit<Manifest['postgres'], 'sslRootCert'> & { readonly sslRootCert: string };
  readonly pki: { readonly dir: string };
};

export function buildManifest(input: {
  readonly options: LocalOptions;
  readonly plan: AddressPlan;
  readonly layout: Layout;
  readonly pki: PkiFiles;
  readonly secrets: string;
}): LocalManifest {
  const { options, plan, pki } = input;
  return {
    version: MANIFEST_VERSION,
    cluster: options.cluster,
    target: 'local',
    etcd: {
      endpoints: plan.etcd.map((m) => `https://${m.host}:${PORTS.etcdClient}`),
      members: plan.etcd.length,
      names: plan.etcd.map((m) => m.name),
      tls: { ca: pki.ca, cert: pki.verifyClient.cert, key: pki.verifyClient.key },
    },
    patroni: {
      scope: options.cluster,
      rest: plan.patroni.map((n) => `https://${n.host}:${PORTS.patroniRest}`),
      members: plan.patroni.map((n) => ({
        name: n.name,
        host: n.host,
        port: PORTS.postgres,
        rest: `https://${n.host}:${PORTS.patroniRest}`,
      })),
      ca: pki.ca,
    },
    postgres: {
      primary: { host: plan.loadBalancer, port: PORTS.loadBalancerPrimary },
      replicas: { host: plan.loadBalancer, port: PORTS.loadBalancerReplicas },
      user: POSTGRES.superuser,
      passwordFile: input.secrets,
      database: POSTGRES.database,
      sslRootCert: pki.ca,
    },
    pki: { dir: input.layout.pkiDir },
    // netns: the addresses exist only inside the cluster's namespaces; verify enters the admin host.
    ...(plan.netns
      ? {
          network: {
            mode: 'netns' as const,
            namespace: adminNamespace(options.cluster),
            cidr: plan.netns.cidr,
          },
        }
      : {}),
  };
}

/**
 * Write atomically (temp file + rename): verify never reads half a manifest. Returns whether the file changed
 * (false: it held this manifest already and was left alone).
 */
export async function writeManifest(file: string, manifest: Manifest): Promise<boolean> {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return false;
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, file);
  return true;
}

export interface ConnectionInfo {
  readonly primaryUrl: string;
  readonly replicaUrl: string;
  readonly pgEnv: string;
  readonly etcdctlEnv: string;
  readonly passwordFile: string;
}

/** How to connect, for people: libpq URLs (no password in them), PG* and ETCDCTL_* env snippets. */
export function connectionInfo(manifest: Manifest, caFile: string): ConnectionInfo {
  const pg = manifest.postgres;
  const url = (host: string, port: number) =>
    `postgresql://${pg.user}@${host}:${port}/${pg.database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;
  return {
    primaryUrl: url(pg.primary.host, pg.primary.port),
    replicaUrl: url(pg.replicas.host, pg.replicas.port),
    pgEnv: [
      `export PGHOST=${pg.primary.host} PGPORT=${pg.primary.port} PGUSER=${pg.user} PGDATABASE=${pg.database}`,
      `export PGSSLMODE=verify-full PGSSLROOTCERT=${caFile}`,
      `export PGPASSWORD="$(cat ${pg.passwordFile})"`,
    ].join('\n'),
    etcdctlEnv: [
      'export ETCDCTL_API=3',
      `export ETCDCTL_ENDPOINTS=${manifest.etcd.endpoints.join(',')}`,
      `export ETCDCTL_CACERT=${manifest.etcd.tls.ca} ETCDCTL_CERT=${manifest.etcd.tls.cert} ETCDCTL_KEY=${manifest.etcd.tls.key}`,
    ].join('\n'),
    passwordFile: pg.passwordFile,
  };
}
