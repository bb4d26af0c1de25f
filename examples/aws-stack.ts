/**
 * Example AWS stack: an etcd cluster and a Patroni cluster wired together, synthesized in-process (no
 * cdktf-cli). `node --import tsx aws-stack.ts [config.json] [outdir]` writes `<outdir>/stacks/<cluster>/cdk.tf.json`;
 * then run `terraform init` / `plan` / `apply` in that directory.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { awsEtcdMembers, EtcdCluster } from '@pgha/etcd-stack';
import { awsPatroniNodes, PatroniCluster } from '@pgha/patroni-stack';
import { type Cluster, defineCluster, type TimingProfileName } from '@pgha/userdata';
import { App, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

/** The example's configuration file (`cluster.example.json`). */
export interface ExampleConfig {
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly subnets: readonly { readonly subnetId: string; readonly availabilityZone: string }[];
  readonly amiId: string;
  readonly zoneName: string;
  readonly etcd?: { readonly memberCount?: number; readonly instanceType?: string };
  readonly patroni?: {
    readonly nodeCount?: number;
    readonly instanceType?: string;
    readonly replicaMaxLagBytes?: number;
    readonly postgresVersion?: number;
    readonly timing?: TimingProfileName;
  };
}

/** Where Terraform keeps its state. */
export type BackendConfig =
  | { readonly type: 'local'; readonly path: string }
  | { readonly type: 's3'; readonly bucket: string; readonly key: string; readonly region: string };

export interface ExampleStackOptions {
  /**
   * Offline plan only: the provider skips credential, account and region checks so that `terraform plan`
   * runs without network access and with dummy keys. Never set for apply.
   */
  readonly planOnly?: boolean;
  /** @default { type: 'local', path: 'terraform.tfstate' } (relative to the stack directory) */
  readonly backend?: BackendConfig;
}

export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('./cluster.example.json', import.meta.url));

export function loadExampleConfig(path = EXAMPLE_CONFIG_PATH): ExampleConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as ExampleConfig;
}

/**
 * The cluster description for AWS: the same `defineCluster()` input the local target uses, with DNS names
 * for hosts (members and nodes keep their DNS records current) and the VPC as the client network.
 */
export function exampleCluster(config: ExampleConfig): Cluster {
  const names = { clusterName: config.clusterName, zoneName: config.zoneName };
  return defineCluster({
    name: config.clusterName,
    etcd: { members: awsEtcdMembers({ ...names, memberCount: config.etcd?.memberCount ?? 3 }) },
    patroni: {
      nodes: awsPatroniNodes({ ...names, nodeCount: config.patroni?.nodeCount ?? 3 }),
      allowedCidrs: [config.vpcCidr],
      ...(config.patroni?.postgresVersion === undefined
        ? {}
        : { postgresVersion: config.patroni.postgresVersion }),
      ...(config.patroni?.timing === undefined ? {} : { timing: config.patroni.timing }),
    },
  });
}

/** The example stack: provider, backend, EtcdCluster, PatroniCluster and their outputs. */
export class ExampleStack extends TerraformStack {
  readonly etcd: EtcdCluster;
  readonly patroni: PatroniCluster;

  constructor(scope: Construct, config: ExampleConfig, options: ExampleStackOptions = {}) {
    super(scope, config.clusterName);
    const backend = options.backend ?? { type: 'local', path: 'terraform.tfstate' };
    if (backend.type === 'local') new LocalBackend(this, { path: backend.path });
    else
      new S3Backend(this, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: true,
      });

    new AwsProvider(this, 'aws', {
      region: config.region,
      ...(options.planOnly
        ? {
            skipCredentialsValidation: true,
            skipRequestingAccountId: true,
            skipMetadataApiCheck: 'true',
            skipRegionValidation: true,
          }
        : {}),
    });

    const cluster = exampleCluster(config);
    this.etcd = new EtcdCluster(this, 'etcd', {
      cluster,
      vpcId: config.vpcId,
      subnets: config.subnets,
      amiId: config.amiId,
      zoneName: config.zoneName,
      ...(config.etcd?.instanceType === undefined ? {} : { instanceType: config.etcd.instanceType }),
    });
    this.patroni = new PatroniCluster(this, 'patroni', {
      cluster,
      vpcId: config.vpcId,
      vpcCidr: config.vpcCidr,
      subnets: config.subnets,
      amiId: config.amiId,
      zoneName: config.zoneName,
      hostedZoneId: this.etcd.hostedZoneId,
      ...(config.patroni?.instanceType === undefined ? {} : { instanceType: config.patroni.instanceType }),
      ...(config.patroni?.replicaMaxLagBytes === undefined
        ? {}
        : { replicaMaxLagBytes: config.patroni.replicaMaxLagBytes }),
    });
    // Patroni dials the etcd members directly.
    this.etcd.allowClientsFrom({ securityGroupId: this.patroni.securityGroupId });

    new TerraformOutput(this, 'primary_endpoint', {
      value: `${this.patroni.primaryEndpoint.host}:${this.patroni.primaryEndpoint.port}`,
      description: 'read-write endpoint (current primary only)',
    });
    new TerraformOutput(this, 'replica_endpoint', {
      value: `${this.patroni.replicaEndpoint.host}:${this.patroni.replicaEndpoint.port}`,
      description: 'read-only endpoint (replicas only)',
    });
    new TerraformOutput(this, 'etcd_client_urls', { value: this.etcd.clientUrls });
    new TerraformOutput(this, 'passwords_secret_arn', { value: this.patroni.passwordsSecretArn });
    new TerraformOutput(this, 'node_tls_secret_arns', {
      value: this.patroni.nodes.map((n) => n.tlsSecretArn),
    });
    new TerraformOutput(this, 'etcd_tls_secret_arns', {
      value: this.etcd.members.map((m) => m.tlsSecretArn),
    });
  }
}

/** Synthesizes the example into `outdir`; returns the stack directory (holding `cdk.tf.json`). */
export function synthExample(
  outdir: string,
  config = loadExampleConfig(),
  options: ExampleStackOptions = {},
): string {
  const app = new App({ outdir });
  new ExampleStack(app, config, options);
  app.synth();
  return resolve(outdir, 'stacks', config.clusterName);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const config = loadExampleConfig(process.argv[2] ?? EXAMPLE_CONFIG_PATH);
  const dir = synthExample(process.argv[3] ?? 'cdktf.out', config, {
    planOnly: process.env.PGHA_PLAN_ONLY === '1',
  });
  process.stdout.write(`${dir}/cdk.tf.json\n`);
}
