import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { Construct } from 'constructs';
import { TAG_KEYS } from './tags.js';

/** A statement of an IAM policy document. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * Serialises a policy document. Token strings (resource ARNs) stay inside the JSON string and resolve to
 * Terraform interpolations, so the synthesized policy is still JSON that tests can parse and inspect.
 */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** Trust policy that lets EC2 instances assume a role. */
export const EC2_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * Read exactly these secrets, and decrypt with the key only for them (KMS encryption-context condition):
 * statements `ReadOwn<what>` and `DecryptOwn<what>`.
 */
export function readSecretsStatements(
  what: string,
  secretArns: readonly string[],
  kmsKeyArn: string,
): PolicyStatement[] {
  return [
    {
      Sid: `ReadOwn${what}`,
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: [...secretArns],
    },
    {
      Sid: `DecryptOwn${what}`,
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [kmsKeyArn],
      Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': [...secretArns] } },
    },
  ];
}

/** Options of {@link attachOwnVolumeStatements}. */
export interface AttachOwnVolumeOptions {
  /** ARN of the data volume (a token until apply). */
  readonly volumeArn: string;
  /** AWS partition, for the instance ARN pattern. */
  readonly partition: string;
  /** Cluster name: the instance must carry it as `pgha:cluster`. */
  readonly clusterName: string;
  /** The tag naming the volume's owner (`pgha:member`) and its value (`etcd-1`). */
  readonly ownerTag: { readonly key: string; readonly value: string };
  /** Sid of the instance statement (`AttachToOwnMemberInstance`). */
  readonly instanceSid: string;
}

/**
 * Attach exactly this volume, only to an instance tagged as its owner, and watch its state: statements
 * `AttachOwnDataVolume`, `<instanceSid>`, `WatchVolumeState`. The boot script attaches the volume, after an
 * instance replacement too.
 */
export function attachOwnVolumeStatements(o: AttachOwnVolumeOptions): PolicyStatement[] {
  return [
    {
      Sid: 'AttachOwnDataVolume',
      Effect: 'Allow',
      Action: ['ec2:AttachVolume'],
      Resource: [o.volumeArn],
    },
    {
      Sid: o.instanceSid,
      Effect: 'Allow',
      Action: ['ec2:AttachVolume'],
      Resource: [`arn:${o.partition}:ec2:*:*:instance/*`],
      Condition: {
        StringEquals: {
          [`aws:ResourceTag/${TAG_KEYS.cluster}`]: o.clusterName,
          [`aws:ResourceTag/${o.ownerTag.key}`]: o.ownerTag.value,
        },
      },
    },
    // Describe calls support no resource-level permissions.
    { Sid: 'WatchVolumeState', Effect: 'Allow', Action: ['ec2:DescribeVolumes'], Resource: ['*'] },
  ];
}

/** Longest `name_prefix` IAM takes for a role or an instance profile (Terraform appends 26 characters). */
export const IAM_NAME_PREFIX_MAX = 38;

/**
 * The `name_prefix` of a role and its instance profile: `<base>-`, cut to {@link IAM_NAME_PREFIX_MAX}. IAM names
 * are account-wide, not regional: a fixed name would collide when the same cluster name is deployed in two
 * regions, so Terraform appends a unique suffix.
 */
export function iamNamePrefix(base: string): string {
  return `${base.slice(0, IAM_NAME_PREFIX_MAX - 1)}-`;
}

/**
 * Use a customer managed KMS key for EBS volumes the instance attaches itself: `AttachVolume` of a volume
 * encrypted with such a key needs `kms:CreateGrant` (for the EC2 service only) on the key. Statement
 * `UseDataVolumeKey`.
 */
export function dataVolumeKeyStatement(kmsKeyArn: string): PolicyStatement {
  return {
    Sid: 'UseDataVolumeKey',
    Effect: 'Allow',
    Action: ['kms:CreateGrant', 'kms:DescribeKey'],
    Resource: [kmsKeyArn],
    Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  };
}

/** Options of {@link addInstanceRole}. */
export interface InstanceRoleOptions {
  /**
   * Base of the names of the role and its instance profile: both get `name_prefix` `<name>-` (see
   * {@link iamNamePrefix}), so they are unique in the account whatever region the stack is in.
   */
  readonly name: string;
  /** Description of the role. */
  readonly description: string;
  /** Name of the inline policy. */
  readonly policyName: string;
  /** The inline policy's statements. */
  readonly statements: readonly PolicyStatement[];
}

/** What {@link addInstanceRole} creates. */
export interface InstanceRole {
  readonly role: IamRole;
  /**
   * The inline policy. The instance reads its secrets and attaches its volume with it at boot: the instance (or
   * its autoscaling group) must depend on it, or the first boot can run before IAM has it.
   */
  readonly policy: IamRolePolicy;
  readonly instanceProfile: IamInstanceProfile;
}

/**
 * An EC2 instance role with one inline policy and its instance profile, both named by `name_prefix`. Construct
 * ids under `scope` (a public contract: renaming one replaces the resource): `role`, `policy`,
 * `instance-profile`.
 */
export function addInstanceRole(scope: Construct, o: InstanceRoleOptions): InstanceRole {
  const namePrefix = iamNamePrefix(o.name);
  const role = new IamRole(scope, 'role', {
    namePrefix,
    description: o.description,
    assumeRolePolicy: EC2_ASSUME_ROLE_POLICY,
  });
  const policy = new IamRolePolicy(scope, 'policy', {
    name: o.policyName,
    role: role.id,
    policy: policyDocument(o.statements),
  });
  const instanceProfile = new IamInstanceProfile(scope, 'instance-profile', {
    namePrefix,
    role: role.name,
  });
  return { role, policy, instanceProfile };
}
