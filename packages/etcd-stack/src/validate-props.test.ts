import { problemLine } from '@pgha/aws-kit';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { describe, expect, test } from 'vitest';
import { baseProps, makeCluster } from '../test/fixtures.js';
import { isEtcdStackError } from './errors.js';
import type { EtcdClusterProps } from './props.js';
import { validateEtcdClusterProps } from './validate-props.js';

function problemsOf(props: EtcdClusterProps): readonly string[] {
  try {
    validateEtcdClusterProps(props);
    return [];
  } catch (e) {
    if (!isEtcdStackError(e)) throw e;
    return e.problems.map(problemLine);
  }
}

const twoZones = baseProps.subnets.slice(0, 2);
/** A hand-made description with `n` etcd members (defineCluster itself refuses counts other than 3 and 5). */
function withMembers(n: number) {
  const c = makeCluster(5);
  return { ...c, etcd: { ...c.etcd, members: c.etcd.members.slice(0, n) } };
}

describe('validateEtcdClusterProps', () => {
  test('the base props are valid', () => {
    expect(problemsOf(baseProps)).toEqual([]);
  });

  test('each problem is {path, value, message}: the prop, the value given and the fix', () => {
    try {
      validateEtcdClusterProps({ ...baseProps, vpcId: 'vpc-1', dnsTtlSeconds: 4 } as EtcdClusterProps);
      expect.unreachable();
    } catch (e) {
      if (!isEtcdStackError(e)) throw e;
      expect(e.problems).toEqual([
        { path: 'vpcId', value: 'vpc-1', message: expect.stringMatching(/^use a VPC id: /) },
        { path: 'dnsTtlSeconds', value: 4, message: 'use a whole number from 5 to 3600' },
      ]);
    }
  });

  test.each<[string, Partial<Record<keyof EtcdClusterProps, unknown>>, RegExp]>([
    [
      'four members',
      { cluster: withMembers(4) },
      /^cluster\.etcd\.members: got 4; use 3 or 5 members \(3 tolerates one failed member/,
    ],
    ['one member', { cluster: withMembers(1) }, /^cluster\.etcd\.members: got 1; use 3 or 5 members/],
    [
      'cluster name too long for AWS names',
      { cluster: makeCluster(3, 'a'.repeat(21)) },
      /^cluster\.name: got "a{21}"; use a lower-case letter.*on AWS at most 20 characters/,
    ],
    [
      'no cluster description',
      { cluster: undefined },
      /^cluster: got undefined; pass the cluster description from defineCluster\(\)/,
    ],
    [
      'member hosts outside the zone',
      { zoneName: 'other.internal' },
      /^cluster\.etcd\.members\[0\]\.host: got "etcd-1\.main\.pgha\.internal"; on AWS each member is dialled by a DNS name inside zoneName "other\.internal"/,
    ],
    [
      'bad vpc id',
      { vpcId: 'vpc_123' },
      /^vpcId: got "vpc_123"; use a VPC id: "vpc-" and 8 or 17 lowercase hex digits/,
    ],
    ['bad ami id', { amiId: 'debian-12' }, /^amiId: got "debian-12"/],
    [
      'two zones',
      { subnets: twoZones },
      /^subnets: got \[.*; 2 subnet\(s\) given; give one private subnet in each of at least 3/,
    ],
    [
      'same zone twice',
      { subnets: [...twoZones, { subnetId: 'subnet-0ddddddd', availabilityZone: 'eu-west-1a' }] },
      /^subnets\[2\]\.availabilityZone: got "eu-west-1a"; subnets\[0\] is already in this zone/,
    ],
    [
      'bad subnet id',
      { subnets: [...twoZones, { subnetId: 'sn-1', availabilityZone: 'eu-west-1c' }] },
      /^subnets\[2\]\.subnetId: got "sn-1"; use a subnet id/,
    ],
    [
      'missing zone',
      { subnets: [...twoZones, { subnetId: 'subnet-0ccccccc', availabilityZone: '' }] },
      /^subnets\[2\]\.availabilityZone: got ""; use an availability zone/,
    ],
    [
      'zero-size data volume',
      { dataVolumeSizeGiB: 0 },
      /^dataVolumeSizeGiB: got 0; use a whole number from 1 to 16384/,
    ],
    ['fractional data volume', { dataVolumeSizeGiB: 2.5 }, /^dataVolumeSizeGiB: got 2\.5/],
    ['tiny root volume', { rootVolumeSizeGiB: 4 }, /^rootVolumeSizeGiB: got 4; use a whole number from 8/],
    ['bad root device', { rootDeviceName: 'xvda' }, /^rootDeviceName: got "xvda"/],
    [
      'zone name with trailing dot',
      { zoneName: 'pgha.internal.' },
      /^zoneName: got "pgha\.internal\."; use a lowercase DNS name/,
    ],
    ['bad hosted zone id', { hostedZoneId: 'zone-1' }, /^hostedZoneId: got "zone-1"/],
    ['ttl too short', { dnsTtlSeconds: 1 }, /^dnsTtlSeconds: got 1; use a whole number from 5 to 3600/],
    [
      'client CIDR open to the world',
      { allowClientsFrom: [{ cidr: '0.0.0.0/0' }] },
      /^allowClientsFrom\[0\]: got "0\.0\.0\.0\/0"; etcd must not be open/,
    ],
    [
      'admin access open to the world',
      { adminAccess: { cidrs: ['0.0.0.0/0'] } },
      /^adminAccess\.cidrs\[0\]: got "0\.0\.0\.0\/0"; admin access must not be open to every address/,
    ],
    [
      'the removed enableSsm',
      { enableSsm: true } as Partial<Record<keyof EtcdClusterProps, unknown>>,
      /^enableSsm: got true; removed \(Debian AMIs carry no SSM agent\)/,
    ],
    [
      'client CIDR malformed',
      { allowClientsFrom: [{ cidr: '10.0.0.0/33' }] },
      /^allowClientsFrom\[0\]: got "10\.0\.0\.0\/33"; use an IPv4 CIDR/,
    ],
    [
      'client SG malformed',
      { allowClientsFrom: [{ securityGroupId: 'default' }] },
      /^allowClientsFrom\[0\]: got "default"; use a security group id/,
    ],
    ['bad KMS key ARN', { kmsKeyArn: 'alias/mine' }, /^kmsKeyArn: got "alias\/mine"/],
    [
      'recovery window 3 days',
      { secretRecoveryWindowDays: 3 },
      /^secretRecoveryWindowDays: got 3; use 0 \(delete at once\) or a whole number from 7 to 30/,
    ],
    ['bad partition', { partition: 'azure' }, /^partition: got "azure"/],
    [
      'reserved tag key',
      { tags: { 'pgha:cluster': 'x' } },
      /^tags\.pgha:cluster: got "x"; use keys of 1 to 128 characters not starting with "aws:" or "pgha:"/,
    ],
    ['bad instance type', { instanceType: 'large' }, /^instanceType: got "large"/],
    [
      'user-data not a function',
      { userData: '#cloud-config' },
      /^userData: got "#cloud-config"; pass a function/,
    ],
  ])('%s', (_name, override, expected) => {
    const problems = problemsOf({ ...baseProps, ...override } as EtcdClusterProps);
    // A broken member list gives one line per member; every other rule one line.
    expect(problems).toHaveLength(_name === 'member hosts outside the zone' ? 3 : 1);
    expect(problems[0]).toMatch(expected);
  });

  test('every broken rule is listed in one error', () => {
    const props = { ...baseProps, cluster: withMembers(2), amiId: 'x', dnsTtlSeconds: 0 } as EtcdClusterProps;
    expect(() => validateEtcdClusterProps(props, "EtcdCluster 'etcd'")).toThrow(
      /^EtcdCluster 'etcd': 3 invalid prop\(s\):\n {2}- cluster\.etcd\.members: .*\n {2}- amiId: .*\n {2}- dnsTtlSeconds: /,
    );
  });

  test('unresolved tokens are not validated', () => {
    const stack = new TerraformStack(Testing.app(), 'tokens');
    const vpc = new TerraformVariable(stack, 'vpc', { type: 'string' });
    const ttl = new TerraformVariable(stack, 'ttl', { type: 'number' });
    const sg = new TerraformVariable(stack, 'sg', { type: 'string' });
    const props = {
      ...baseProps,
      vpcId: vpc.stringValue,
      dnsTtlSeconds: ttl.numberValue,
      allowClientsFrom: [{ securityGroupId: sg.stringValue }],
    };
    expect(problemsOf(props)).toEqual([]);
  });
});
