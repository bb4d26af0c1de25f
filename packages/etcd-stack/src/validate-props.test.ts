import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { describe, expect, test } from 'vitest';
import { baseProps } from '../test/fixtures.js';
import { isEtcdStackError } from './errors.js';
import type { EtcdClusterProps } from './props.js';
import { validateEtcdClusterProps } from './validate-props.js';

function problemsOf(props: EtcdClusterProps): readonly string[] {
  try {
    validateEtcdClusterProps(props);
    return [];
  } catch (e) {
    if (!isEtcdStackError(e)) throw e;
    return e.problems;
  }
}

const twoZones = baseProps.subnets.slice(0, 2);

describe('validateEtcdClusterProps', () => {
  test('the base props are valid', () => {
    expect(problemsOf(baseProps)).toEqual([]);
  });

  test.each<[string, Partial<Record<keyof EtcdClusterProps, unknown>>, RegExp]>([
    [
      'even member count',
      { memberCount: 4 },
      /^memberCount: got 4; use 3 \(tolerates one failed member\) or 5/,
    ],
    ['one member', { memberCount: 1 }, /^memberCount: got 1;/],
    ['upper-case cluster name', { clusterName: 'Main' }, /^clusterName: got "Main"; use 1\.\.20 lowercase/],
    ['cluster name too long', { clusterName: 'a'.repeat(21) }, /^clusterName: got "a{21}"/],
    ['cluster name ending in -', { clusterName: 'main-' }, /^clusterName: got "main-"/],
    ['bad vpc id', { vpcId: 'vpc_123' }, /^vpcId: got "vpc_123"; expected an id like "vpc-/],
    ['bad ami id', { amiId: 'debian-12' }, /^amiId: got "debian-12"/],
    [
      'two zones',
      { subnets: twoZones },
      /^subnets: got 2 subnet\(s\); give one private subnet in each of at least 3/,
    ],
    [
      'same zone twice',
      { subnets: [...twoZones, { subnetId: 'subnet-0ddd', availabilityZone: 'eu-west-1a' }] },
      /^subnets\[\]\.availabilityZone: \["eu-west-1a"\] given more than once/,
    ],
    [
      'bad subnet id',
      { subnets: [...twoZones, { subnetId: 'sn-1', availabilityZone: 'eu-west-1c' }] },
      /^subnets\[\]\.subnetId: got "sn-1"/,
    ],
    [
      'missing zone',
      { subnets: [...twoZones, { subnetId: 'subnet-0c', availabilityZone: '' }] },
      /^subnets\[\]\.availabilityZone: got ""/,
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
      'client CIDR malformed',
      { allowClientsFrom: [{ cidr: '10.0.0.0/33' }] },
      /^allowClientsFrom\[0\]: got "10\.0\.0\.0\/33"; use an IPv4 CIDR/,
    ],
    [
      'client SG malformed',
      { allowClientsFrom: [{ securityGroupId: 'default' }] },
      /^allowClientsFrom\[0\]: got "default"; expected an id like "sg-/,
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
      /^tags: keys \["pgha:cluster"\] use the reserved "pgha:" prefix/,
    ],
    ['bad instance type', { instanceType: 'large' }, /^instanceType: got "large"/],
    ['user-data not a function', { userData: '#cloud-config' }, /^userData: got string; pass a function/],
  ])('%s', (_name, override, expected) => {
    const problems = problemsOf({ ...baseProps, ...override } as EtcdClusterProps);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test('every broken rule is listed in one error', () => {
    const props = { ...baseProps, memberCount: 2, clusterName: 'X', dnsTtlSeconds: 0 } as EtcdClusterProps;
    expect(() => validateEtcdClusterProps(props, "EtcdCluster 'etcd'")).toThrow(
      /^EtcdCluster 'etcd': 3 invalid prop\(s\):\n {2}- clusterName: .*\n {2}- memberCount: .*\n {2}- dnsTtlSeconds: /,
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
