/**
 * The configuration of a pgha cluster on AWS: the shape `pgha deploy --target aws --config FILE` reads (the deploy
 * app checks a file against it field by field, with the rules of `@pgha/aws-kit` and `@pgha/userdata`), and what
 * `addPghaClusters` builds from. Ids only, no lookups: data sources would break an offline plan.
 */
import type { HostOs } from '@pgha/userdata';

/** One private subnet and its availability zone. */
export interface AwsSubnet {
  readonly subnetId: string;
  readonly availabilityZone: string;
}

/** Where Terraform keeps its state. */
export type AwsBackend =
  | {
      readonly type: 'local';
      /** Relative to the stack directory. @default - `<state-dir>/<cluster>/terraform.tfstate`, as a relative path */
      readonly path?: string;
    }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      /** A DynamoDB table for state locking; or set `useLockfile` (S3-native locking, Terraform >= 1.10). */
      readonly dynamodbTable?: string;
      readonly useLockfile?: boolean;
    };

/**
 * The AWS configuration file (`--config`): where the cluster goes and how big it is. Ids only, no lookups
 * (data sources would break the offline plan). The pgha repository's
 * `examples/aws-config.example.json` shows every field.
 */
export interface AwsConfig {
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly subnets: readonly AwsSubnet[];
  readonly amiId: string;
  /**
   * The OS of the AMI (ids only, no lookups): it decides what the instances install by pgha's component policy
   * and the default PostgreSQL (Debian 12: 15, Debian 13: 17).
   */
  readonly amiOs: HostOs;
  readonly zoneName: string;
  /**
   * Where `pnpm verify` and operators run: CIDRs of the admin hosts and/or their security group. They get
   * etcd's client port, Patroni's REST API and PostgreSQL through the load balancer; only from the CIDRs may the
   * superuser log in (pg_hba). @default - no admin access: verify cannot reach etcd or Patroni
   */
  readonly adminAccess?: { readonly cidrs?: readonly string[]; readonly securityGroupId?: string };
  /** An existing private Route 53 zone named `zoneName`. @default - one is created */
  readonly hostedZoneId?: string;
  readonly etcd?: {
    readonly memberCount?: number;
    readonly instanceType?: string;
    readonly dataVolumeSizeGiB?: number;
    readonly rootVolumeSizeGiB?: number;
  };
  readonly patroni?: {
    readonly nodeCount?: number;
    readonly instanceType?: string;
    readonly dataVolumeSizeGiB?: number;
    readonly rootVolumeSizeGiB?: number;
    readonly postgresVersion?: number;
    readonly timing?: 'fast' | 'safe';
    readonly synchronousMode?: boolean;
    readonly replicaMaxLagBytes?: number;
    readonly allowedClientCidrs?: readonly string[];
    readonly healthCheckIntervalSeconds?: number;
    readonly healthyThresholdCount?: number;
    readonly unhealthyThresholdCount?: number;
  };
  readonly tags?: Readonly<Record<string, string>>;
  readonly backend?: AwsBackend;
}
