import { Construct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { configOf, type Json, ofType, ref, resourceAt, resourcePaths, synthWith } from '../test/synth.js';
import { addHostBase, type HostBaseOptions } from './host.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/k';
const options: HostBaseOptions = {
  clusterName: 'main',
  component: 'etcd',
  name: 'etcd-1',
  kind: 'etcd member',
  tags: { 'pgha:cluster': 'main', team: 'db' },
  ownerTagKey: 'pgha:member',
  availabilityZone: 'eu-west-1b',
  kmsKeyArn: KEY,
  settings: { dataVolumeSizeGiB: 30, secretRecoveryWindowDays: 7, partition: 'aws-cn' },
  policy: { name: 'member', secretsSid: 'TlsSecret', instanceSid: 'AttachToOwnMemberInstance' },
};

function synthHost(o: HostBaseOptions) {
  const { doc, built } = synthWith((scope) => {
    const host = new Construct(scope, 'host');
    return { host, base: addHostBase(host, o) };
  });
  return { doc, ...built };
}

const statements = (doc: Parameters<typeof configOf>[0], host: Construct) =>
  (JSON.parse(configOf(doc, resourceAt(host, 'policy')).policy as string) as { Statement: Json[] }).Statement;

describe('addHostBase', () => {
  test('construct ids are a contract: data-volume, tls-secret, role, policy, instance-profile (no SSM policy)', () => {
    expect(resourcePaths(synthHost(options).host)).toEqual([
      'data-volume',
      'instance-profile',
      'policy',
      'role',
      'tls-secret',
    ]);
  });

  test('an encrypted gp3 data volume in the host zone, tagged with its owner; an empty secret under its name', () => {
    const { doc, host, base } = synthHost(options);
    expect(configOf(doc, resourceAt(host, 'data-volume'))).toMatchObject({
      availability_zone: 'eu-west-1b',
      size: 30,
      type: 'gp3',
      encrypted: true,
      // The construct's key, never the account's default EBS key (the role has no grant on that one).
      kms_key_id: KEY,
      tags: { 'pgha:member': 'etcd-1', Name: 'main-etcd-1-data', team: 'db' },
    });
    expect(base.tags).toEqual({ 'pgha:cluster': 'main', team: 'db', 'pgha:member': 'etcd-1' });
    expect(base.tlsSecretName).toBe('pgha/main/etcd/etcd-1/tls');
    expect(configOf(doc, resourceAt(host, 'tls-secret'))).toMatchObject({
      name: 'pgha/main/etcd/etcd-1/tls',
      kms_key_id: KEY,
      recovery_window_in_days: 7,
    });
    expect(ofType(doc, 'aws_secretsmanager_secret_version')).toEqual([]);
  });

  test('the role reads only its own secrets, decrypts only for them, attaches only its volume to its own instance', () => {
    const { doc, host } = synthHost({
      ...options,
      policy: {
        ...options.policy,
        moreSecretArns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:pw'],
        moreStatements: [{ Sid: 'Extra', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:x' }],
      },
    });
    const tls = ref(resourceAt(host, 'tls-secret'), 'arn');
    const secrets = [tls, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pw'];
    expect(statements(doc, host)).toEqual([
      {
        Sid: 'ReadOwnTlsSecret',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: secrets,
      },
      {
        Sid: 'DecryptOwnTlsSecret',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY],
        Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': secrets } },
      },
      {
        Sid: 'AttachOwnDataVolume',
        Effect: 'Allow',
        Action: ['ec2:AttachVolume'],
        Resource: [ref(resourceAt(host, 'data-volume'), 'arn')],
      },
      {
        Sid: 'AttachToOwnMemberInstance',
        Effect: 'Allow',
        Action: ['ec2:AttachVolume'],
        Resource: ['arn:aws-cn:ec2:*:*:instance/*'],
        Condition: {
          StringEquals: { 'aws:ResourceTag/pgha:cluster': 'main', 'aws:ResourceTag/pgha:member': 'etcd-1' },
        },
      },
      { Sid: 'WatchVolumeState', Effect: 'Allow', Action: ['ec2:DescribeVolumes'], Resource: ['*'] },
      {
        // Attaching a volume encrypted with a customer managed key: a grant for EC2 on exactly that key.
        Sid: 'UseDataVolumeKey',
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: [KEY],
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      { Sid: 'Extra', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:x' },
    ]);
  });

  test('EC2 may assume the role; the profile carries it; both named by prefix, unique in the account', () => {
    const { doc, host } = synthHost(options);
    const role = configOf(doc, resourceAt(host, 'role'));
    // IAM names are account-wide: a fixed name collides when the cluster is deployed in a second region.
    expect(role.name).toBeUndefined();
    expect(role.name_prefix).toBe('pgha-main-etcd-1-');
    expect(role.description).toBe('pgha main: instance role of etcd member etcd-1');
    expect(JSON.parse(role.assume_role_policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    const roleRef = resourceAt(host, 'role');
    const profile = configOf(doc, resourceAt(host, 'instance-profile'));
    expect(profile).toMatchObject({ name_prefix: 'pgha-main-etcd-1-', role: ref(roleRef, 'name') });
    expect(profile.name).toBeUndefined();
  });

  test('name prefixes stay within what IAM takes (38 characters) for the longest names', () => {
    const { doc, host } = synthHost({
      ...options,
      clusterName: 'a'.repeat(20),
      name: `etcd-${'m'.repeat(26)}`,
    });
    const prefix = configOf(doc, resourceAt(host, 'role')).name_prefix as string;
    expect(prefix).toHaveLength(38);
    expect(prefix.endsWith('-')).toBe(true);
  });

  test('the inline policy is returned, for the instance to depend on', () => {
    const { host, base } = synthHost(options);
    expect(base.policy).toBe(resourceAt(host, 'policy'));
  });
});
