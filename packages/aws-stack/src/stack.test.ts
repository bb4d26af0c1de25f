import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type AwsConfig, loadBalancerName, secretVariableName, synthAwsStack } from './index.js';

const config: AwsConfig = {
  clusterName: 'main',
  region: 'eu-west-1',
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidr: '10.20.0.0/16',
  subnets: [
    { subnetId: 'subnet-0a1a1a1a1a1a1a1a1', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0b2b2b2b2b2b2b2b2', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0c3c3c3c3c3c3c3c3', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  amiOs: 'debian-13',
  zoneName: 'pgha.internal',
};

type Json = Record<string, unknown>;
let dir: string;
const cwd = process.cwd();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-aws-stack-'));
});
afterAll(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('README usage example', () => {
  test('the README shows test/readme-example.ts verbatim', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  test('runs: a stack with the provider, the backend, both clusters, and prints what its comment says', async () => {
    process.chdir(dir);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('../test/readme-example.js');
    expect(log).toHaveBeenCalledWith(3, 'pg-1 pg-2 pg-3');
    log.mockRestore();
    const doc = JSON.parse(await readFile(join(dir, 'cdktf.out/stacks/main/cdk.tf.json'), 'utf8')) as Json;
    expect(doc.provider).toMatchObject({ aws: [{ region: 'eu-west-1' }] });
    expect(doc.terraform).toMatchObject({ backend: { local: { path: 'terraform.tfstate' } } });
    const resources = doc.resource as Record<string, Json>;
    expect(Object.keys(resources.aws_autoscaling_group ?? {})).toHaveLength(3);
    expect(Object.keys(resources.aws_instance ?? {})).toHaveLength(3);
    expect(Object.keys(resources.aws_lb ?? {})).toHaveLength(1);
    // The constructs make empty secret containers only: no version, so no value, in the JSON.
    expect(resources.aws_secretsmanager_secret_version).toBeUndefined();
    expect(Object.keys(doc.output as Json)).toEqual(
      expect.arrayContaining([
        'primary_endpoint',
        'replica_endpoint',
        'etcd_client_urls',
        'passwords_secret_arn',
      ]),
    );
  });
});

describe('PghaAwsStack', () => {
  test('adds one write-only version per secret, fed by a sensitive, ephemeral variable', async () => {
    const secrets = [
      ...['etcd-1', 'etcd-2', 'etcd-3'].map((m) => `pgha/main/etcd/${m}/tls`),
      ...['pg-1', 'pg-2', 'pg-3'].map((n) => `pgha/main/patroni/${n}/tls`),
      'pgha/main/patroni/passwords',
    ];
    const versions = Object.fromEntries(secrets.map((s, i) => [s, i + 1]));
    const stackDir = synthAwsStack(join(dir, 'full'), config, {
      backend: { type: 'local', path: 'terraform.tfstate' },
      secretVersions: versions,
    });
    const doc = JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
    const variables = doc.variable as Record<string, Json>;
    const written =
      (doc.resource as Record<string, Record<string, Json>>).aws_secretsmanager_secret_version ?? {};
    expect(Object.keys(written)).toHaveLength(secrets.length);
    for (const secret of secrets) {
      const name = secretVariableName('main', secret);
      expect(variables[name]).toMatchObject({
        sensitive: true,
        ephemeral: true,
        nullable: false,
        type: 'string',
      });
      expect(written[`${name}_version`]).toMatchObject({
        secret_string_wo: `\${var.${name}}`,
        secret_string_wo_version: versions[secret],
      });
    }
    expect((doc.output as Record<string, Json>).patroni_nodes?.value).toEqual([
      { name: 'pg-1', host: 'pg-1.main.pgha.internal' },
      { name: 'pg-2', host: 'pg-2.main.pgha.internal' },
      { name: 'pg-3', host: 'pg-3.main.pgha.internal' },
    ]);
    expect(loadBalancerName(config)).toBe('db.main.pgha.internal');
  });

  test('refuses to synthesize a secret without a version number', () => {
    expect(() =>
      synthAwsStack(join(dir, 'missing'), config, {
        backend: { type: 'local', path: 'terraform.tfstate' },
        secretVersions: {},
      }),
    ).toThrow(/no secret version number for pgha\/main\/etcd\/etcd-1\/tls/);
  });

  test('secretVariableName: a Terraform variable name, and only for the cluster own secrets', () => {
    expect(secretVariableName('main', 'pgha/main/etcd/etcd-1/tls')).toBe('secret_etcd_etcd_1_tls');
    expect(() => secretVariableName('main', 'pgha/other/etcd/etcd-1/tls')).toThrow(/not under pgha\/main\//);
  });
});
