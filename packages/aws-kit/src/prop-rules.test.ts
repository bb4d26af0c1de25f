import { describe, expect, test } from 'vitest';
import {
  adminSources,
  clusterNameProblem,
  hostedZoneIdProblem,
  hostProblems,
  commonRules as r,
} from './prop-rules.js';
import { collectProblems, type Problem, problemLine, type Rule } from './rules.js';

const line = (p: Problem | undefined) => (p === undefined ? undefined : problemLine(p));

const subnets = [
  { subnetId: 'subnet-0aaaaaaa', availabilityZone: 'eu-west-1a' },
  { subnetId: 'subnet-0bbbbbbb', availabilityZone: 'eu-west-1b' },
];

describe('commonRules', () => {
  // Each rule on a bad value (the problem line it gives) and on a good one (no problem).
  test.each<[string, Rule<never>, object, RegExp, object]>([
    [
      'vpcId',
      r.vpcId,
      { vpcId: 'vpc_1' },
      /^vpcId: got "vpc_1"; use a VPC id: "vpc-" and 8 or 17 lowercase hex digits, like "vpc-0123456789abcdef0"$/,
      { vpcId: 'vpc-0aaaaaaa' },
    ],
    ['vpcId missing', r.vpcId, {}, /^vpcId: got undefined; use a VPC id/, { vpcId: 'vpc-0aaaaaaa' }],
    [
      'amiId',
      r.amiId,
      { amiId: 'debian' },
      /^amiId: got "debian"; use an AMI id: "ami-" and 8 or 17/,
      { amiId: 'ami-11111111' },
    ],
    [
      'subnetCount',
      r.subnetCount(3, ', for a quorum'),
      { subnets },
      /^subnets: got \[.*; 2 subnet\(s\) given; give one private subnet in each of at least 3 availability zones, for a quorum$/,
      { subnets: [...subnets, { subnetId: 'subnet-0ccccccc', availabilityZone: 'eu-west-1c' }] },
    ],
    [
      'subnetIds',
      r.subnetIds,
      { subnets: [{ subnetId: 'sn-1', availabilityZone: 'a' }] },
      /^subnets\[0\]\.subnetId: got "sn-1"; use a subnet id: "subnet-" and 8 or 17 lowercase hex digits/,
      { subnets },
    ],
    [
      'subnetZones: one per zone',
      r.subnetZones,
      { subnets: [subnets[0], { subnetId: 'subnet-0ccccccc', availabilityZone: 'eu-west-1a' }] },
      /^subnets\[1\]\.availabilityZone: got "eu-west-1a"; subnets\[0\] is already in this zone, give one subnet per availability zone$/,
      { subnets },
    ],
    [
      'subnetZones: given',
      r.subnetZones,
      { subnets: [{ subnetId: 'subnet-0ccccccc', availabilityZone: ' ' }] },
      /^subnets\[0\]\.availabilityZone: got " "; use an availability zone: the region code and a letter, like "eu-west-1a"$/,
      { subnets },
    ],
    [
      'instanceType',
      r.instanceType('t3.small'),
      { instanceType: 'large' },
      /^instanceType: got "large"; use an EC2 instance type, family\.size, like "t3\.small"$/,
      { instanceType: 'm7g.xlarge' },
    ],
    [
      'dataVolumeSize',
      r.dataVolumeSize,
      { dataVolumeSizeGiB: 0 },
      /^dataVolumeSizeGiB: got 0; use a whole number from 1 to 16384$/,
      { dataVolumeSizeGiB: 1 },
    ],
    [
      'rootVolumeSize',
      r.rootVolumeSize,
      { rootVolumeSizeGiB: 7 },
      /^rootVolumeSizeGiB: got 7; use a whole number from 8/,
      { rootVolumeSizeGiB: 8 },
    ],
    [
      'rootDeviceName',
      r.rootDeviceName,
      { rootDeviceName: 'xvda' },
      /^rootDeviceName: got "xvda"/,
      { rootDeviceName: '/dev/nvme0n1' },
    ],
    [
      'zoneName',
      r.zoneName,
      { zoneName: 'a.b.' },
      /^zoneName: got "a\.b\."; use a lowercase DNS name of at most 200 characters/,
      { zoneName: 'a.b' },
    ],
    [
      'zoneName length',
      r.zoneName,
      // 201 characters; 200 pass
      { zoneName: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.internal1` },
      /^zoneName: got "a{63}\.b{12}\.\.\.; use a lowercase DNS name of at most 200 characters/,
      { zoneName: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.internal` },
    ],
    [
      'hostedZoneId optional',
      r.hostedZoneId(false),
      { hostedZoneId: 'zone' },
      /^hostedZoneId: got "zone"/,
      {},
    ],
    [
      'hostedZoneId required',
      r.hostedZoneId(true),
      {},
      /^hostedZoneId: got undefined; use a Route 53 hosted zone id: "Z" and up to 31/,
      { hostedZoneId: 'Z0AB' },
    ],
    [
      'dnsTtl',
      r.dnsTtl,
      { dnsTtlSeconds: 4 },
      /^dnsTtlSeconds: got 4; use a whole number from 5 to 3600$/,
      { dnsTtlSeconds: 5 },
    ],
    [
      'kmsKeyArn',
      r.kmsKeyArn,
      { kmsKeyArn: 'alias/mine' },
      /^kmsKeyArn: got "alias\/mine"; use a KMS key ARN \(not a key id or alias\), like "arn:aws:kms:/,
      { kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    ],
    [
      'secretRecoveryWindow',
      r.secretRecoveryWindow,
      { secretRecoveryWindowDays: 6 },
      /^secretRecoveryWindowDays: got 6; use 0/,
      { secretRecoveryWindowDays: 0 },
    ],
    [
      'partition',
      r.partition,
      { partition: 'azure' },
      /^partition: got "azure"; use "aws", "aws-cn" or "aws-us-gov"$/,
      { partition: 'aws-cn' },
    ],
    [
      'reservedTags',
      r.reservedTags,
      { tags: { 'pgha:x': '1', team: 'a' } },
      /^tags\.pgha:x: got "1"; use keys of 1 to 128 characters not starting with "aws:" or "pgha:" \(reserved\)/,
      { tags: { team: 'a' } },
    ],
    [
      'userData',
      r.userData('node'),
      { userData: 'text' },
      /^userData: got "text"; pass a function \(node\) => cloud-config string/,
      { userData: () => '' },
    ],
    [
      'packages',
      r.packages,
      { packages: 'etcd' },
      /^packages: got "etcd"; give a list of \{ name, version\? \} Debian packages/,
      { packages: [] },
    ],
    [
      'adminAccess (open to all)',
      r.adminAccess,
      { adminAccess: { cidrs: ['0.0.0.0/0'] } },
      /^adminAccess\.cidrs\[0\]: got "0\.0\.0\.0\/0"; admin access must not be open to every address/,
      { adminAccess: { cidrs: ['10.20.200.0/24'], securityGroupId: 'sg-0123abcd' } },
    ],
    [
      'adminAccess (empty)',
      r.adminAccess,
      { adminAccess: {} },
      /^adminAccess: got \{\}; name the admin hosts' CIDRs and\/or security group, or leave adminAccess out$/,
      { adminAccess: { securityGroupId: 'sg-0123abcd' } },
    ],
    [
      'adminAccess (bad group)',
      r.adminAccess,
      { adminAccess: { securityGroupId: 'group-1' } },
      /^adminAccess\.securityGroupId: got "group-1"; use a security group id: "sg-"/,
      {},
    ],
    [
      'removedProps',
      r.removedProps,
      { enableSsm: true },
      /^enableSsm: got true; removed \(Debian AMIs carry no SSM agent\).*EC2 Instance Connect Endpoint or a bastion/,
      {},
    ],
  ])('%s', (_name, rule, bad, expected, good) => {
    expect(collectProblems(bad as never, [rule]).map(problemLine)).toEqual([expect.stringMatching(expected)]);
    expect(collectProblems(good as never, [rule])).toEqual([]);
  });
});

describe('cluster description checks', () => {
  test("clusterNameProblem: userdata's cluster-name rule, at most 20 characters on AWS", () => {
    expect(clusterNameProblem('main')).toBeUndefined();
    expect(clusterNameProblem('a'.repeat(20))).toBeUndefined();
    for (const bad of ['a'.repeat(21), 'Main', 'main-', '1main', undefined])
      expect(line(clusterNameProblem(bad))).toMatch(
        /^cluster\.name: got .*; use a lower-case letter, .*; on AWS at most 20 characters/,
      );
  });

  test('hostProblems: names lowercase, hosts inside the zone, one line per broken field', () => {
    const words = { noun: 'node', namePrefix: 'pg', builder: 'awsPatroniNodes' };
    const hosts = [
      { name: 'pg-1', host: 'pg-1.main.pgha.internal' },
      { name: 'PG-2', host: 'pg-2.main.elsewhere' },
    ];
    expect(hostProblems('cluster.patroni.nodes', hosts, 'pgha.internal', words).map(problemLine)).toEqual([
      'cluster.patroni.nodes[1].name: got "PG-2"; use lowercase letters, digits and "-"',
      'cluster.patroni.nodes[1].host: got "pg-2.main.elsewhere"; on AWS each node is dialled by a DNS name inside zoneName "pgha.internal", like "pg-2.<cluster>.pgha.internal" (awsPatroniNodes() builds them)',
    ]);
    // Without a valid zone only the DNS syntax is checked.
    expect(hostProblems('x', hosts.slice(0, 1), '', words)).toEqual([]);
    expect(hostProblems('x', [{ name: 'a', host: 'A..b' }], '', words)).toHaveLength(1);
  });

  test('hostedZoneIdProblem names the prop it was given', () => {
    expect(line(hostedZoneIdProblem('loadBalancerDns.hostedZoneId', 'zone'))).toMatch(
      /^loadBalancerDns\.hostedZoneId: got "zone"; use a Route 53 hosted zone id/,
    );
    expect(hostedZoneIdProblem('loadBalancerDns.hostedZoneId', 'Z0ABC')).toBeUndefined();
  });
});

describe('adminSources', () => {
  test('CIDRs first, then the security group; none without admin access', () => {
    expect(adminSources({ cidrs: ['10.1.0.0/24', '10.2.0.0/24'], securityGroupId: 'sg-11111111' })).toEqual([
      { cidr: '10.1.0.0/24' },
      { cidr: '10.2.0.0/24' },
      { securityGroupId: 'sg-11111111' },
    ]);
    expect(adminSources(undefined)).toEqual([]);
  });
});
