import { type Cluster, defineCluster } from '@pgha/userdata';
import { constructFixtures, TEST_PLACEMENT } from '../../aws-kit/test/synth.js';
import { EtcdCluster } from '../src/etcd-cluster.js';
import { awsEtcdMembers } from '../src/members.js';
import type { EtcdClusterProps } from '../src/props.js';

export * from '../../aws-kit/test/synth.js';

/** A cluster description for AWS with `memberCount` etcd members in zone pgha.internal (default ports unless given). */
export function makeCluster(
  memberCount = 3,
  name = 'main',
  ports: { readonly clientPort?: number; readonly peerPort?: number } = {},
): Cluster {
  return defineCluster({
    name,
    hostOs: 'debian-12',
    etcd: {
      members: awsEtcdMembers({ clusterName: name, zoneName: 'pgha.internal', memberCount }),
      ...ports,
    },
    patroni: {
      nodes: [1, 2, 3].map((i) => ({ name: `pg-${i}`, host: `pg-${i}.${name}.pgha.internal` })),
      allowedCidrs: ['10.20.0.0/16'],
    },
  });
}

/** Valid props for a 3-member cluster over three zones. */
export const baseProps: EtcdClusterProps = { cluster: makeCluster(), ...TEST_PLACEMENT };

export const fiveZones = [
  ...baseProps.subnets,
  { subnetId: 'subnet-0ddddddd', availabilityZone: 'eu-west-1d' },
  { subnetId: 'subnet-0eeeeeee', availabilityZone: 'eu-west-1e' },
];

const fixtures = constructFixtures(
  (scope, props: EtcdClusterProps) => new EtcdCluster(scope, 'etcd', props),
  'member',
);

/** Synthesizes one EtcdCluster with `Testing.synthScope` and returns the parsed JSON and the construct. */
export const synthEtcd = fixtures.synth;

/** Member `i`'s user-data: the Terraform local (`userDataLocal`) and its synthesized template (`userDataOf`). */
export const { userDataLocal, userDataOf } = fixtures;
