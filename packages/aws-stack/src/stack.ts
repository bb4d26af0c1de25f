/**
 * The AWS stack: an `EtcdCluster` and a `PatroniCluster` wired together, with provider, backend and outputs,
 * synthesized in-process (no cdktf-cli). Provider classes by deep path (the package root loads two thousand
 * modules). pgha's deploy app ships `PghaAwsStack`; the repository's `examples/aws-stack.ts` builds its stack
 * from the same `addPghaClusters`, `addAwsProvider` and `addStackBackend`, so the example is what ships.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { awsEtcdMembers, EtcdCluster } from '@pgha/etcd-stack';
import { awsPatroniNodes, PatroniCluster } from '@pgha/patroni-stack';
import { type Cluster, defineCluster } from '@pgha/userdata';
import { App, LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { AwsBackend, AwsConfig } from './config.js';
import { secretVariableName } from './secrets.js';

/** The resolved backend: the local path is relative to the stack directory. */
export type StackBackend =
  | { readonly type: 'local'; readonly path: string }
  | Extract<AwsBackend, { readonly type: 's3' }>;

export interface PghaAwsStackOptions {
  readonly backend: StackBackend;
  /**
   * Offline plan only: the provider skips its credential, account-id, metadata and region checks, so that
   * `terraform plan` runs with dummy keys and no network. Never set on a path that applies.
   */
  readonly planOnly?: boolean;
  /**
   * `secret_string_wo_version` of each secret, by secret name (see `syncSecretVersions`): a number, never a
   * value or a hash of one. Every secret the constructs create must have one.
   */
  readonly secretVersions: Readonly<Record<string, number>>;
}

/** The name clients use for the load balancer: `db.<cluster>.<zone>` (a SAN of every PostgreSQL certificate). */
export function loadBalancerName(config: AwsConfig): string {
  return `db.${config.clusterName}.${config.zoneName}`;
}

/**
 * The cluster description for AWS: the same `defineCluster()` input the local target uses, with DNS names
 * for hosts and the VPC as the client network.
 */
export function awsCluster(config: AwsConfig): Cluster {
  const names = { clusterName: config.clusterName, zoneName: config.zoneName };
  const p = config.patroni ?? {};
  return defineCluster({
    name: config.clusterName,
    hostOs: config.amiOs,
    etcd: { members: awsEtcdMembers({ ...names, memberCount: config.etcd?.memberCount ?? 3 }) },
    patroni: {
      nodes: awsPatroniNodes({ ...names, nodeCount: p.nodeCount ?? 3 }),
      allowedCidrs: [config.vpcCidr],
      ...(p.postgresVersion === undefined ? {} : { postgresVersion: p.postgresVersion }),
      ...(p.timing === undefined ? {} : { timing: p.timing }),
      ...(p.synchronousMode === undefined ? {} : { synchronousMode: p.synchronousMode }),
    },
  });
}

/** Keeps only the defined values, so optional props stay absent (exactOptionalPropertyTypes-friendly). */
function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Where Terraform keeps the state: a local file (relative to the stack directory) or an encrypted S3 object. */
export function addStackBackend(stack: TerraformStack, backend: StackBackend): void {
  if (backend.type === 'local') {
    new LocalBackend(stack, { path: backend.path });
    return;
  }
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket,
    key: backend.key,
    region: backend.region,
    encrypt: true,
    ...(backend.dynamodbTable === undefined ? {} : { dynamodbTable: backend.dynamodbTable }),
  });
  // cdktf 0.21 predates S3-native locking (Terraform >= 1.10): set it as a raw override.
  if (backend.useLockfile === true) s3.addOverride('use_lockfile', true);
}

/**
 * The AWS provider for `region`. `planOnly` (offline plan only) skips its credential, account-id, metadata and
 * region checks, so that `terraform plan` runs with dummy keys and no network; never on a path that applies.
 */
export function addAwsProvider(stack: TerraformStack, region: string, planOnly: boolean): void {
  new AwsProvider(stack, 'aws', {
    region,
    ...(planOnly
      ? {
          skipCredentialsValidation: true,
          skipRequestingAccountId: true,
          skipMetadataApiCheck: 'true',
          skipRegionValidation: true,
        }
      : {}),
  });
}

/** Options of {@link addPghaClusters}. */
export interface PghaClustersOptions {
  /**
   * A DNS name in the etcd zone for the PostgreSQL load balancer (see {@link loadBalancerName}); the endpoints
   * then use it, so it can be a SAN of the server certificates.
   * @default - no record; the endpoints use the load balancer's own DNS name
   */
  readonly loadBalancerName?: string;
}

/** What {@link addPghaClusters} creates. */
export interface PghaClusters {
  /** The cluster description both constructs were built from. */
  readonly cluster: Cluster;
  readonly etcd: EtcdCluster;
  readonly patroni: PatroniCluster;
}

/**
 * The wiring of a pgha cluster on AWS: the cluster description from the config, an `EtcdCluster` (`etcd`) and a
 * `PatroniCluster` (`patroni`) whose node records live in etcd's zone and which may dial the etcd members on
 * 2379, and the outputs: endpoints, etcd client URLs and secret ARNs (never secret values).
 */
export function addPghaClusters(
  scope: Construct,
  config: AwsConfig,
  options: PghaClustersOptions = {},
): PghaClusters {
  const cluster = awsCluster(config);
  const common = {
    cluster,
    vpcId: config.vpcId,
    subnets: config.subnets,
    amiId: config.amiId,
    zoneName: config.zoneName,
    ...(config.tags === undefined ? {} : { tags: config.tags }),
    ...(config.adminAccess === undefined ? {} : { adminAccess: config.adminAccess }),
  };
  const e = config.etcd ?? {};
  const etcd = new EtcdCluster(scope, 'etcd', {
    ...common,
    ...(config.hostedZoneId === undefined ? {} : { hostedZoneId: config.hostedZoneId }),
    ...defined({
      instanceType: e.instanceType,
      dataVolumeSizeGiB: e.dataVolumeSizeGiB,
      rootVolumeSizeGiB: e.rootVolumeSizeGiB,
    }),
  });
  const p = config.patroni ?? {};
  const patroni = new PatroniCluster(scope, 'patroni', {
    ...common,
    vpcCidr: config.vpcCidr,
    hostedZoneId: etcd.hostedZoneId,
    ...(options.loadBalancerName === undefined
      ? {}
      : { loadBalancerDns: { hostedZoneId: etcd.hostedZoneId, recordName: options.loadBalancerName } }),
    // The superuser may log in only from the admin CIDRs: PostgreSQL must see the client's own address, not
    // the load balancer's. (Hairpin: a node cannot reach itself through the NLB; nothing of pgha does.)
    preserveClientIp: (config.adminAccess?.cidrs ?? []).length > 0,
    ...defined({
      instanceType: p.instanceType,
      dataVolumeSizeGiB: p.dataVolumeSizeGiB,
      rootVolumeSizeGiB: p.rootVolumeSizeGiB,
      replicaMaxLagBytes: p.replicaMaxLagBytes,
      allowedClientCidrs: p.allowedClientCidrs,
      healthCheckIntervalSeconds: p.healthCheckIntervalSeconds,
      healthyThresholdCount: p.healthyThresholdCount,
      unhealthyThresholdCount: p.unhealthyThresholdCount,
    }),
  });
  // Patroni dials the etcd members directly.
  etcd.allowClientsFrom({ securityGroupId: patroni.securityGroupId });

  new TerraformOutput(scope, 'primary_endpoint', {
    value: `${patroni.primaryEndpoint.host}:${patroni.primaryEndpoint.port}`,
    description: 'read-write endpoint (current primary only)',
  });
  new TerraformOutput(scope, 'replica_endpoint', {
    value: `${patroni.replicaEndpoint.host}:${patroni.replicaEndpoint.port}`,
    description: 'read-only endpoint (replicas only)',
  });
  new TerraformOutput(scope, 'etcd_client_urls', { value: etcd.clientUrls });
  new TerraformOutput(scope, 'passwords_secret_arn', { value: patroni.passwordsSecretArn });
  new TerraformOutput(scope, 'node_tls_secret_arns', { value: patroni.nodes.map((n) => n.tlsSecretArn) });
  new TerraformOutput(scope, 'etcd_tls_secret_arns', { value: etcd.members.map((m) => m.tlsSecretArn) });
  return { cluster, etcd, patroni };
}

/** Provider, backend, `EtcdCluster`, `PatroniCluster` and their outputs (endpoints and secret ARNs, never values). */
export class PghaAwsStack extends TerraformStack {
  readonly etcd: EtcdCluster;
  readonly patroni: PatroniCluster;

  constructor(scope: Construct, config: AwsConfig, options: PghaAwsStackOptions) {
    super(scope, config.clusterName);
    addStackBackend(this, options.backend);
    addAwsProvider(this, config.region, options.planOnly === true);
    const { cluster, etcd, patroni } = addPghaClusters(this, config, {
      loadBalancerName: loadBalancerName(config),
    });
    this.etcd = etcd;
    this.patroni = patroni;
    // What the manifest needs beyond the endpoints: who the members and nodes are.
    new TerraformOutput(this, 'etcd_member_names', { value: this.etcd.members.map((m) => m.name) });
    new TerraformOutput(this, 'patroni_nodes', {
      value: cluster.patroni.nodes.map((n) => ({ name: n.name, host: n.host })),
    });

    this.secretValues(config.clusterName, options.secretVersions);
  }

  /**
   * The secrets' values, without Terraform ever holding them: per secret an input variable that is sensitive
   * and ephemeral (never saved in a plan file or state; given again, from `TF_VAR_<name>`, at plan, apply and
   * destroy) and a secret version whose write-only `secret_string_wo` takes it (sent to AWS, never stored).
   * `secret_string_wo_version` tells Terraform when to write a new version.
   */
  private secretValues(clusterName: string, versions: Readonly<Record<string, number>>): void {
    const secrets = [
      ...this.etcd.members.map((m) => ({ name: m.tlsSecretName, arn: m.tlsSecretArn })),
      ...this.patroni.nodes.map((n) => ({ name: n.tlsSecretName, arn: n.tlsSecretArn })),
      { name: this.patroni.passwordsSecretName, arn: this.patroni.passwordsSecretArn },
    ];
    const written = new Map<string, SecretsmanagerSecretVersion>();
    for (const secret of secrets) {
      const version = versions[secret.name];
      if (version === undefined || !Number.isInteger(version) || version < 1)
        throw new Error(`no secret version number for ${secret.name} (a bug in pgha)`);
      const name = secretVariableName(clusterName, secret.name);
      const variable = new TerraformVariable(this, name, {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: `value of the Secrets Manager secret ${secret.name} (JSON); given by pgha as TF_VAR_${name}`,
      });
      // cdktf 0.21 predates ephemeral input variables (Terraform >= 1.10).
      variable.addOverride('ephemeral', true);
      const created = new SecretsmanagerSecretVersion(this, `${name}_version`, {
        secretId: secret.arn,
        secretStringWo: variable.stringValue,
        secretStringWoVersion: version,
      });
      written.set(secret.name, created);
    }
    // No first boot before what it reads: each member and node waits for the secret versions of its kind.
    const of = (names: readonly string[]) => names.map((n) => written.get(n) as SecretsmanagerSecretVersion);
    this.etcd.addBootDependency(...of(this.etcd.members.map((m) => m.tlsSecretName)));
    this.patroni.addBootDependency(
      ...of([...this.patroni.nodes.map((n) => n.tlsSecretName), this.patroni.passwordsSecretName]),
    );
  }
}

/** Synthesizes the stack into `outdir`; returns the stack directory (holding `cdk.tf.json`). */
export function synthAwsStack(outdir: string, config: AwsConfig, options: PghaAwsStackOptions): string {
  const app = new App({ outdir });
  new PghaAwsStack(app, config, options);
  app.synth();
  return `${outdir}/stacks/${config.clusterName}`;
}
