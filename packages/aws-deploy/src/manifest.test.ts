import { join } from 'node:path';
import { layoutFor } from '@pgha/local-cluster';
import { parseManifest } from '@pgha/verify';
import { describe, expect, test } from 'vitest';
import { validateAwsConfig } from './config.js';
import { isAwsDeployError } from './errors.js';
import { buildAwsManifest } from './manifest.js';

const config = validateAwsConfig(
  {
    clusterName: 'orders',
    region: 'eu-west-1',
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidr: '10.20.0.0/16',
    subnets: ['a', 'b', 'c'].map((z, i) => ({
      subnetId: `subnet-0${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}${i}`,
      availabilityZone: `eu-west-1${z}`,
    })),
    amiId: 'ami-0123456789abcdef0',
    amiOs: 'debian-12',
    zoneName: 'pgha.internal',
    patroni: { replicaMaxLagBytes: 16777216 },
  },
  'test',
);
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
const tuple = (n: number, t: unknown) => ['tuple', Array.from({ length: n }, () => t)];

/** What `terraform output -json` prints for an applied stack of 3 etcd members and 3 Patroni nodes. */
const OUTPUTS = {
  etcd_client_urls: {
    sensitive: false,
    type: tuple(3, 'string'),
    value: [1, 2, 3].map((i) => `https://etcd-${i}.orders.pgha.internal:2379`),
  },
  etcd_member_names: { sensitive: false, type: tuple(3, 'string'), value: ['etcd-1', 'etcd-2', 'etcd-3'] },
  etcd_tls_secret_arns: {
    sensitive: false,
    type: tuple(3, 'string'),
    value: [1, 2, 3].map((i) => arn(`pgha/orders/etcd/etcd-${i}/tls`)),
  },
  node_tls_secret_arns: {
    sensitive: false,
    type: tuple(3, 'string'),
    value: [1, 2, 3].map((i) => arn(`pgha/orders/patroni/pg-${i}/tls`)),
  },
  passwords_secret_arn: { sensitive: false, type: 'string', value: arn('pgha/orders/patroni/passwords') },
  patroni_nodes: {
    sensitive: false,
    type: tuple(3, ['object', { host: 'string', name: 'string' }]),
    value: [1, 2, 3].map((i) => ({ host: `pg-${i}.orders.pgha.internal`, name: `pg-${i}` })),
  },
  primary_endpoint: { sensitive: false, type: 'string', value: 'db.orders.pgha.internal:5432' },
  replica_endpoint: { sensitive: false, type: 'string', value: 'db.orders.pgha.internal:5433' },
};

const layout = layoutFor({ cluster: 'orders', stateRoot: '/srv/pgha/state', asRoot: false });

describe('buildAwsManifest from terraform output -json', () => {
  const manifest = buildAwsManifest({ config, outputs: OUTPUTS, layout });

  test("verify's own parser accepts it; relative paths resolve into the state dir", () => {
    const parsed = parseManifest(JSON.parse(JSON.stringify(manifest)), { baseDir: layout.stateDir });
    expect(parsed).toMatchObject({
      version: 1,
      cluster: 'orders',
      target: 'aws',
      etcd: {
        endpoints: [
          'https://etcd-1.orders.pgha.internal:2379',
          'https://etcd-2.orders.pgha.internal:2379',
          'https://etcd-3.orders.pgha.internal:2379',
        ],
        members: 3,
        names: ['etcd-1', 'etcd-2', 'etcd-3'],
        tls: {
          ca: join(layout.pkiDir, 'ca.crt'),
          cert: join(layout.pkiDir, 'clients', 'verify.crt'),
          key: join(layout.pkiDir, 'clients', 'verify.key'),
        },
      },
      patroni: {
        scope: 'orders',
        rest: [1, 2, 3].map((i) => `https://pg-${i}.orders.pgha.internal:8008`),
        ca: join(layout.pkiDir, 'ca.crt'),
        maxLagBytes: 16777216,
      },
      postgres: {
        primary: { host: 'db.orders.pgha.internal', port: 5432 },
        replicas: { host: 'db.orders.pgha.internal', port: 5433 },
        user: 'postgres',
        passwordFile: join(layout.secretsDir, 'superuser'),
        database: 'postgres',
        sslRootCert: join(layout.pkiDir, 'ca.crt'),
        sslMode: 'verify-full',
      },
      pki: { dir: layout.pkiDir },
    });
    expect(parsed.patroni.members?.map((m) => m.name)).toEqual(['pg-1', 'pg-2', 'pg-3']);
  });

  test('paths in the file are relative (the state dir can be copied to a host in the VPC)', () => {
    expect(manifest.etcd.tls).toEqual({
      ca: 'pki/ca.crt',
      cert: 'pki/clients/verify.crt',
      key: 'pki/clients/verify.key',
    });
    expect(manifest.postgres.passwordFile).toBe('secrets/superuser');
    expect(manifest.aws).toEqual({
      region: 'eu-west-1',
      passwordsSecretArn: OUTPUTS.passwords_secret_arn.value,
    });
  });

  test('outputs that are missing or malformed: TERRAFORM_FAILED listing each', () => {
    const { patroni_nodes: _gone, ...rest } = OUTPUTS;
    const broken = { ...rest, primary_endpoint: { sensitive: false, type: 'string', value: 'db' } };
    let error: unknown;
    try {
      buildAwsManifest({ config, outputs: broken, layout });
    } catch (e) {
      error = e;
    }
    expect(isAwsDeployError(error) && error.code).toBe('TERRAFORM_FAILED');
    expect((error as Error).message).toContain('patroni_nodes: missing');
    expect((error as Error).message).toContain('primary_endpoint: "db" is not "host:port"');
  });
});
