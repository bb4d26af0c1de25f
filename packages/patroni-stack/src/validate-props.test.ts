import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { describe, expect, test } from 'vitest';
import { baseProps, synthPatroni } from '../test/fixtures.js';
import { isPatroniStackError } from './errors.js';
import type { PatroniClusterProps } from './props.js';
import { validatePatroniClusterProps } from './validate-props.js';

function problemsOf(props: PatroniClusterProps): readonly string[] {
  try {
    validatePatroniClusterProps(props);
    return [];
  } catch (e) {
    if (!isPatroniStackError(e)) throw e;
    return e.problems;
  }
}

describe('validatePatroniClusterProps', () => {
  test('the base props are valid', () => {
    expect(problemsOf(baseProps)).toEqual([]);
  });

  test.each<[string, Partial<Record<keyof PatroniClusterProps, unknown>>, RegExp]>([
    ['one node', { nodeCount: 1 }, /^nodeCount: got 1; use a whole number from 2 to 5/],
    ['six nodes', { nodeCount: 6 }, /^nodeCount: got 6;/],
    ['bad cluster name', { clusterName: 'my_cluster' }, /^clusterName: got "my_cluster"/],
    ['bad VPC CIDR', { vpcCidr: '10.0.0.0' }, /^vpcCidr: got "10\.0\.0\.0"; give the VPC's IPv4 CIDR/],
    [
      'one zone',
      { subnets: baseProps.subnets.slice(0, 1) },
      /^subnets: got 1 subnet\(s\); give one private subnet in each of at least 2/,
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
      /^healthCheckTimeoutSeconds: got 5 with healthCheckIntervalSeconds 5; the timeout must be less/,
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
      /^sshAllowedCidrs: got \[\] with sshKeyName "ops"; name the networks allowed on port 22/,
    ],
    [
      'SSH CIDRs without a key',
      { sshAllowedCidrs: ['10.0.0.0/8'] },
      /^sshKeyName: got undefined with sshAllowedCidrs/,
    ],
    [
      'no etcd endpoints',
      { etcdEndpoints: [] },
      /^etcdEndpoints: got \[\]; give the etcd members' client endpoints/,
    ],
    [
      'etcd endpoint without port',
      { etcdEndpoints: [{ host: 'etcd-1', port: 0 }] },
      /^etcdEndpoints: got \{"host":"etcd-1","port":0\}/,
    ],
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
    ['reserved tag key', { tags: { 'pgha:role': 'x' } }, /^tags: keys \["pgha:role"\]/],
    ['data volume too large', { dataVolumeSizeGiB: 20000 }, /^dataVolumeSizeGiB: got 20000/],
  ])('%s', (_name, override, expected) => {
    const problems = problemsOf({ ...baseProps, ...override } as PatroniClusterProps);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test('etcd endpoints that are tokens are refused: they go into the user-data', () => {
    const stack = new TerraformStack(Testing.app(), 'tokens');
    const host = new TerraformVariable(stack, 'host', { type: 'string' });
    expect(problemsOf({ ...baseProps, etcdEndpoints: [{ host: host.stringValue, port: 2379 }] })[0]).toMatch(
      /^etcdEndpoints: .*no Terraform token/,
    );
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
    expect(() => synthPatroni({ ...baseProps, nodeCount: 9, healthyThresholdCount: 0 })).toThrow(
      /^PatroniCluster '.*patroni': 2 invalid prop\(s\):\n {2}- nodeCount: got 9.*\n {2}- healthyThresholdCount: got 0/,
    );
  });
});
