import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
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

/** Options of {@link addInstanceRole}. */
export interface InstanceRoleOptions {
  /** Name of the role and of its instance profile. */
  readonly name: string;
  /** Description of the role. */
  readonly description: string;
  /** Name of the inline policy. */
  readonly policyName: string;
  /** The inline policy's statements. */
  readonly statements: readonly PolicyStatement[];
  /** Attach `AmazonSSMManagedInstanceCore` (shell access through SSM instead of SSH). */
  readonly enableSsm: boolean;
  /** AWS partition, for the managed policy's ARN. */
  readonly partition: string;
}

/** What {@link addInstanceRole} creates. */
export interface InstanceRole {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;
}

/**
 * An EC2 instance role with one inline policy, optionally SSM, and its instance profile. Construct ids under
 * `scope` (a public contract: renaming one replaces the resource): `role`, `policy`, `ssm-policy`,
 * `instance-profile`.
 */
export function addInstanceRole(scope: Construct, o: InstanceRoleOptions): InstanceRole {
  const role = new IamRole(scope, 'role', {
    name: o.name,
    description: o.description,
    assumeRolePolicy: EC2_ASSUME_ROLE_POLICY,
  });
  new IamRolePolicy(scope, 'policy', {
    name: o.policyName,
    role: role.id,
    policy: policyDocument(o.statements),
  });
  if (o.enableSsm) {
    new IamRolePolicyAttachment(scope, 'ssm-policy', {
      role: role.name,
      policyArn: `arn:${o.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    });
  }
  const instanceProfile = new IamInstanceProfile(scope, 'instance-profile', {
    name: o.name,
    role: role.name,
  });
  return { role, instanceProfile };
}
