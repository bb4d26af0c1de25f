import { type Cluster, defineCluster } from '@pgha/userdata';
import { constructFixtures, TEST_PLACEMENT } from '../../aws-kit/test/synth.js';
import { awsPatroniNodes } from '../src/nodes.js';
import { PatroniCluster } from '../src/patroni-cluster.js';
import type { PatroniClusterProps } from '../src/props.js';

export * from '../../aws-kit/test/synth.js';

/** Non-default ports for {@link makeCluster}. */
export interface ClusterPorts {
  readonly etcdClientPort?: number;
  readonly postgresPort?: number;
  readonly restPort?: number;
}

/** A cluster description for AWS with `nodeCount` Patroni nodes in zone pgha.internal (default ports unless given). */
export function makeCluster(
  nodeCount = 3,
  allowedCidrs: readonly string[] = ['10.20.0.0/16'],
  replicationCidrs?: readonly string[],
  ports: ClusterPorts = {},
): Cluster {
  const { etcdClientPort, ...patroniPorts } = ports;
  return defineCluster({
    name: 'main',
    hostOs: 'debian-12',
    etcd: {
      members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `etcd-${i}.main.pgha.internal` })),
      ...(etcdClientPort === undefined ? {} : { clientPort: etcdClientPort }),
    },
    patroni: {
      nodes: awsPatroniNodes({ clusterName: 'main', zoneName: 'pgha.internal', nodeCount }),
      ...patroniPorts,
      allowedCidrs,
      ...(replicationCidrs === undefined ? {} : { replicationCidrs }),
    },
  });
}

/** Valid props for a 3-node cluster over three zones. */
export const baseProps: PatroniClusterProps = {
  cluster: makeCluster(),
  ...TEST_PLACEMENT,
  vpcCidr: '10.20.0.0/16',
  hostedZoneId: 'Z0ZONE123',
};

const fixtures = constructFixtures(
  (scope, props: PatroniClusterProps) => new PatroniCluster(scope, 'patroni', props),
  'node',
);

/** Synthesizes one PatroniCluster with `Testing.synthScope` and returns the parsed JSON and the construct. */
export const synthPatroni = fixtures.synth;

/** Node `i`'s user-data: the Terraform local (`userDataLocal`) and its synthesized template (`userDataOf`). */
export const { userDataLocal, userDataOf } = fixtures;
