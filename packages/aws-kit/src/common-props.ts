/**
 * Where operators and `pnpm verify` connect from: a host inside the VPC (or reached through a peering, VPN or
 * transit gateway) named by its CIDR blocks, its security group, or both.
 */
export interface AdminAccess {
  /**
   * CIDR blocks of the admin hosts. Only these may log in as PostgreSQL's superuser (pg_hba); a security
   * group alone opens the ports, but pg_hba can only name addresses. `0.0.0.0/0` is refused.
   * @default []
   */
  readonly cidrs?: readonly string[];
  /**
   * A security group the admin hosts are in.
   * @default - none
   */
  readonly securityGroupId?: string;
}

/**
 * The props every pgha construct takes for its secrets, admin access, ARNs and tags (checked by the matching
 * `commonRules`). The constructs' props interfaces extend it, so they stay flat.
 */
export interface CommonClusterProps {
  /**
   * ARN of an existing KMS key that encrypts the construct's secrets and its data volumes (the instance roles
   * get `kms:CreateGrant` on it for EC2, which attaching such a volume needs).
   * @default - a customer managed key with yearly rotation is created
   */
  readonly kmsKeyArn?: string;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable (0 deletes at once; otherwise 7..30). Secret names
   * are fixed, so a deleted secret blocks re-creating the cluster under the same name for this long.
   * @default 30
   */
  readonly secretRecoveryWindowDays?: number;
  /**
   * The admin source: what `pnpm verify` and operators reach (etcd's client port with a client certificate;
   * Patroni's REST API and PostgreSQL through the load balancer). Nothing else is opened to the VPC.
   * @default - no admin access: only the cluster's own members and the configured clients get in
   */
  readonly adminAccess?: AdminAccess;
  /**
   * AWS partition, used in ARNs built without lookups (`aws`, `aws-us-gov`, `aws-cn`).
   * @default 'aws'
   */
  readonly partition?: string;
  /**
   * Extra tags on every resource. The `pgha:` tag keys are reserved.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}
