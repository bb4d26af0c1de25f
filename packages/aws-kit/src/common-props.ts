/**
 * The props every pgha construct takes for its secrets, shell access, ARNs and tags (checked by the matching
 * `commonRules`). The constructs' props interfaces extend it, so they stay flat.
 */
export interface CommonClusterProps {
  /**
   * ARN of an existing KMS key that encrypts the construct's secrets.
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
   * Attach `AmazonSSMManagedInstanceCore` to the instance roles, for shell access through SSM (no SSH).
   * @default true
   */
  readonly enableSsm?: boolean;
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
