import { relative } from 'node:path';
import { PORTS, POSTGRES } from '@pgha/defaults';
import { type Layout, secretFile } from '@pgha/local-cluster';
import { bundlePaths } from '@pgha/pki';
import { MANIFEST_VERSION, type Manifest } from '@pgha/verify';
import type { AwsConfig } from './config.js';
import { AwsDeployError } from './errors.js';
import { AWS_PKI_CLIENTS } from './pki.js';

/** What `deployAws` writes: verify's Manifest, with where it runs noted under `aws`. */
export type AwsManifest = Manifest & {
  readonly target: 'aws';
  readonly aws: { readonly region: string; readonly passwordsSecretArn: string };
};

/** The outputs `terraform output -json` prints for the stack (see `PghaAwsStack`). */
interface Outputs {
  readonly primary: { host: string; port: number };
  readonly replicas: { host: string; port: number };
  readonly etcdUrls: string[];
  readonly etcdNames: string[];
  readonly patroniNodes: { name: string; host: string }[];
  readonly passwordsSecretArn: string;
}

const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0);

function readOutputs(doc: unknown): Outputs {
  const problems: string[] = [];
  const value = (name: string): unknown => {
    const o = (doc as Record<string, { value?: unknown } | undefined> | null)?.[name];
    if (o === undefined || o === null || typeof o !== 'object' || !('value' in o)) {
      problems.push(`${name}: missing`);
      return undefined;
    }
    return o.value;
  };
  const endpoint = (name: string) => {
    const v = value(name);
    const m = typeof v === 'string' ? /^([a-z0-9.-]+):(\d{1,5})$/.exec(v) : null;
    if (v !== undefined && !m) problems.push(`${name}: ${JSON.stringify(v)} is not "host:port"`);
    return { host: m?.[1] ?? '', port: Number(m?.[2] ?? 0) };
  };
  const list = (name: string) => {
    const v = value(name);
    if (v !== undefined && !isStringList(v))
      problems.push(`${name}: ${JSON.stringify(v)} is not a list of strings`);
    return isStringList(v) ? v : [];
  };
  const primary = endpoint('primary_endpoint');
  const replicas = endpoint('replica_endpoint');
  const etcdUrls = list('etcd_client_urls');
  const etcdNames = list('etcd_member_names');
  const nodes = value('patroni_nodes');
  const patroniNodes =
    Array.isArray(nodes) &&
    nodes.length > 0 &&
    nodes.every(
      (n) => typeof n?.name === 'string' && typeof n?.host === 'string' && n.name !== '' && n.host !== '',
    )
      ? (nodes as { name: string; host: string }[]).map((n) => ({ name: n.name, host: n.host }))
      : [];
  if (nodes !== undefined && patroniNodes.length === 0)
    problems.push(`patroni_nodes: ${JSON.stringify(nodes)} is not a list of {name, host}`);
  const arn = value('passwords_secret_arn');
  if (arn !== undefined && (typeof arn !== 'string' || !arn.startsWith('arn:')))
    problems.push(`passwords_secret_arn: ${JSON.stringify(arn)} is not an ARN`);
  if (etcdNames.length > 0 && etcdNames.length !== etcdUrls.length)
    problems.push(`etcd_member_names: ${etcdNames.length} names for ${etcdUrls.length} etcd_client_urls`);
  if (problems.length > 0) {
    throw new AwsDeployError(
      'TERRAFORM_FAILED',
      `terraform output -json does not describe a pgha stack:\n  - ${problems.join('\n  - ')}`,
      {
        hint: 'was the stack applied by another pgha version? run the deploy again: it applies the current stack and reads its outputs',
      },
    );
  }
  return { primary, replicas, etcdUrls, etcdNames, patroniNodes, passwordsSecretArn: arn as string };
}

/**
 * The manifest of an applied AWS stack, from `terraform output -json` and the state dir: etcd client URLs
 * (member DNS names), Patroni REST URLs `https://<node>:8008`, PostgreSQL through the load balancer's name
 * `db.<cluster>.<zone>` on 5432/5433 (a SAN of every node certificate, so `verify-full` holds), the
 * `verify` client certificate and the superuser password file. Paths are relative to the manifest, so the
 * state dir can be copied to a host inside the VPC and `pnpm verify --manifest` run there.
 */
export function buildAwsManifest(input: {
  readonly config: AwsConfig;
  readonly outputs: unknown;
  readonly layout: Layout;
}): AwsManifest {
  const { config, layout } = input;
  const o = readOutputs(input.outputs);
  const paths = bundlePaths(layout.pkiDir, {
    etcdMembers: o.etcdNames,
    patroniNodes: o.patroniNodes.map((n) => n.name),
    clients: [...AWS_PKI_CLIENTS],
  });
  const rel = (path: string) => relative(layout.stateDir, path);
  const verifyClient = paths.clients.verify as { cert: string; key: string };
  const ca = rel(paths.ca.cert);
  const rest = o.patroniNodes.map((n) => `https://${n.host}:${PORTS.patroniRest}`);
  return {
    version: MANIFEST_VERSION,
    cluster: config.clusterName,
    target: 'aws',
    etcd: {
      endpoints: o.etcdUrls,
      members: o.etcdUrls.length,
      names: o.etcdNames,
      tls: { ca, cert: rel(verifyClient.cert), key: rel(verifyClient.key) },
    },
    patroni: {
      scope: config.clusterName,
      rest,
      members: o.patroniNodes.map((n, i) => ({
        name: n.name,
        host: n.host,
        port: PORTS.postgres,
        rest: rest[i] as string,
      })),
      ca,
      ...(config.patroni?.replicaMaxLagBytes === undefined
        ? {}
        : { maxLagBytes: config.patroni.replicaMaxLagBytes }),
    },
    postgres: {
      primary: o.primary,
      replicas: o.replicas,
      user: POSTGRES.superuser,
      passwordFile: rel(secretFile(layout.secretsDir, 'superuser')),
      database: POSTGRES.database,
      sslRootCert: ca,
      sslMode: 'verify-full',
    },
    pki: { dir: rel(layout.pkiDir) },
    aws: { region: config.region, passwordsSecretArn: o.passwordsSecretArn },
  };
}
