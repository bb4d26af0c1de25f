import { problemLine } from '@pgha/aws-kit';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { describe, expect, test } from 'vitest';
import { baseProps, makeCluster, synthPatroni } from '../test/fixtures.js';
import { isPatroniStackError } from './errors.js';
import type { PatroniClusterProps } from './props.js';
import { validatePatroniClusterProps } from './validate-props.js';

function problemsOf(props: PatroniClusterProps): readonly string[] {
  try {
    validatePatroniClusterProps(props);
    return [];
  } catch (e) {
    if (!isPatroniStackError(e)) throw e;
    return e.problems.map(problemLine);
  }
}

/** A hand-made description with `n` nodes (defineCluster itself refuses counts outside 2..5). */
function withNodes(n: number) {
  const c = makeCluster(5);
  const extra = { name: 'pg-6', host: 'pg-6.main.pgha.internal', listenAddress: '0.0.0.0' };
  return { ...c, patroni: { ...c.patroni, nodes: [...c.patroni.nodes, extra].slice(0, n) } };
}

describe('validatePatroniClusterProps', () => {
  test('the base props are valid', () => {
    expect(problemsOf(baseProps)).toEqual([]);
  });

  test('each problem is {path, value, message}: the prop, the value given and the fix', () => {
    try {
      validatePatroniClusterProps({ ...baseProps, vpcId: 'vpc-1', dnsTtlSeconds: 4 } as PatroniClusterProps);
      expect.unreachable();
    } catch (e) {
      if (!isPatroniStackError(e)) throw e;
      expect(e.problems).toEqual([
        { path: 'vpcId', value: 'vpc-1', message: expect.stringMatching(/^use a VPC id: /) },
        { path: 'dnsTtlSeconds', value: 4, message: 'use a whole number from 5 to 3600' },
      ]);
    }
  });

  test.each<[string, Partial<Record<keyof PatroniClusterProps, unknown>>, RegExp]>([
    [
      'bad VPC CIDR',
      { vpcCidr: '10.0.0.0' },
      /^vpcCidr: got "10\.0\.0\.0"; use the VPC's IPv4 CIDR block, \/16 to \/28/,
    ],
    [
      'admin CIDRs without client IP preservation',
      { adminAccess: { cidrs: ['10.20.200.0/24'] } },
      /^preserveClientIp: got false; with adminAccess\.cidrs \["10\.20\.200\.0\/24"\] .*set preserveClientIp to true$/,
    ],
    [
      'the removed enableSsm',
      { enableSsm: false } as Partial<Record<keyof PatroniClusterProps, unknown>>,
      /^enableSsm: got false; removed \(Debian AMIs carry no SSM agent\)/,
    ],
    [
      'one zone',
      { subnets: baseProps.subnets.slice(0, 1) },
      /^subnets: got \[.*; 1 subnet\(s\) given; give one private subnet in each of at least 2/,
    ],
    [
      'interval too short',
      { healthCheckIntervalSeconds: 4 },
      /^healthCheckIntervalSeconds: got 4; use a whole number from 5 to 300/,
    ],
    ['interval too long', { healthCheckIntervalSeconds: 301 }, /^healthCheckIntervalSeconds: got 301/],
    [
      'timeout not below interval',
      { healthCheckTimeoutSeconds: 5 },
      /^healthCheckTimeoutSeconds: got 5; the timeout must be less than healthCheckIntervalSeconds \(5\)/,
    ],
    [
      'healthy threshold 1',
      { healthyThresholdCount: 1 },
      /^healthyThresholdCount: got 1; use a whole number from 2 to 10/,
    ],
    [
      'unhealthy threshold 11',
      { unhealthyThresholdCount: 11 },
      /^unhealthyThresholdCount: got 11; use a whole number from 2 to 10/,
    ],
    ['negative lag', { replicaMaxLagBytes: -1 }, /^replicaMaxLagBytes: got -1/],
    [
      'client CIDR open to the world',
      { allowedClientCidrs: ['0.0.0.0/0'] },
      /^allowedClientCidrs\[0\]: got "0\.0\.0\.0\/0"; PostgreSQL must not be open/,
    ],
    [
      'SSH key without CIDRs',
      { sshKeyName: 'ops' },
      /^sshAllowedCidrs: got \[\]; with sshKeyName "ops", name the networks allowed on port 22/,
    ],
    [
      'SSH CIDRs without a key',
      { sshAllowedCidrs: ['10.0.0.0/8'] },
      /^sshKeyName: got undefined; with sshAllowedCidrs/,
    ],
    ['one node', { cluster: withNodes(1) }, /^cluster\.patroni\.nodes: got 1; use 2 to 5 nodes/],
    ['six nodes', { cluster: withNodes(6) }, /^cluster\.patroni\.nodes: got 6; use 2 to 5 nodes/],
    [
      'no cluster description',
      { cluster: undefined },
      /^cluster: got undefined; pass the cluster description from defineCluster\(\)/,
    ],
    [
      'pg_hba does not admit the load balancer',
      { cluster: makeCluster(3, ['10.99.0.0/16'], ['10.20.0.0/16']) },
      /^cluster\.patroni\.allowedCidrs: got \["10\.99\.0\.0\/16"\]; with client IP preservation off PostgreSQL sees the load balancer's addresses/,
    ],
    ['bad zone id', { hostedZoneId: 'zone' }, /^hostedZoneId: got "zone"/],
    ['TTL too short', { dnsTtlSeconds: 1 }, /^dnsTtlSeconds: got 1; use a whole number from 5 to 3600/],
    [
      'bad alias record',
      { loadBalancerDns: { hostedZoneId: 'Z0ZONE', recordName: 'DB!' } },
      /^loadBalancerDns\.recordName: got "DB!"/,
    ],
    [
      'deregistration delay too long',
      { deregistrationDelaySeconds: 4000 },
      /^deregistrationDelaySeconds: got 4000/,
    ],
    ['recovery window 40 days', { secretRecoveryWindowDays: 40 }, /^secretRecoveryWindowDays: got 40/],
    [
      'reserved tag key',
      { tags: { 'pgha:role': 'x' } },
      /^tags\.pgha:role: got "x"; use keys of 1 to 128 characters/,
    ],
    ['data volume too large', { dataVolumeSizeGiB: 20000 }, /^dataVolumeSizeGiB: got 20000/],
  ])('%s', (_name, override, expected) => {
    const problems = problemsOf({ ...baseProps, ...override } as PatroniClusterProps);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test('node hosts outside the zone are refused, one line per node', () => {
    const problems = problemsOf({ ...baseProps, zoneName: 'other.internal' });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /^cluster\.patroni\.nodes\[0\]\.host: got "pg-1\.main\.pgha\.internal"; on AWS each node is dialled by a DNS name inside zoneName "other\.internal"/,
    );
  });

  test('with client IP preservation on, pg_hba need not admit the whole VPC, but replication still must', () => {
    expect(
      problemsOf({ ...baseProps, preserveClientIp: true, cluster: makeCluster(3, ['10.99.0.0/16']) }),
    ).toEqual([
      expect.stringMatching(
        /^allowedClientCidrs|^cluster\.patroni\.replicationCidrs: got \["10\.99\.0\.0\/16"\]; replicas connect from inside the VPC/,
      ),
    ]);
  });

  test('other unresolved tokens are not validated', () => {
    const stack = new TerraformStack(Testing.app(), 'tokens');
    const cidr = new TerraformVariable(stack, 'cidr', { type: 'string' });
    const interval = new TerraformVariable(stack, 'interval', { type: 'number' });
    expect(
      problemsOf({
        ...baseProps,
        vpcCidr: cidr.stringValue,
        healthCheckIntervalSeconds: interval.numberValue,
      }),
    ).toEqual([]);
  });

  test('every broken rule is listed in one error thrown by the construct', () => {
    expect(() => synthPatroni({ ...baseProps, amiId: 'debian', healthyThresholdCount: 0 })).toThrow(
      /^PatroniCluster '.*patroni': 2 invalid prop\(s\):\n {2}- amiId: got "debian".*\n {2}- healthyThresholdCount: got 0/,
    );
  });
});
