import { type Cluster, defineCluster } from '@pgha/userdata';
import type { Construct } from 'constructs';
import {
  synthWith,
  TEST_PLACEMENT,
  type TfDoc,
  userDataAt,
  userDataLocalAt,
} from '../../aws-kit/test/synth.js';
import { EtcdCluster } from '../src/etcd-cluster.js';
import { awsEtcdMembers } from '../src/members.js';
import type { EtcdClusterProps } from '../src/props.js';

export {
  arr,
  configOf,
  type Json,
  ofType,
  ref,
  resourceAt,
  resourcePaths,
  type TfDoc,
} from '../../aws-kit/test/synth.js';

/** A cluster description for AWS with `memberCount` etcd members in zone pgha.internal. */
export function makeCluster(memberCount = 3, name = 'main'): Cluster {
  return defineCluster({
    name,
    etcd: { members: awsEtcdMembers({ clusterName: name, zoneName: 'pgha.internal', memberCount }) },
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
  { subnetId: 'subnet-0ddd', availabilityZone: 'eu-west-1d' },
  { subnetId: 'subnet-0eee', availabilityZone: 'eu-west-1e' },
];

/** Synthesizes one EtcdCluster with `Testing.synthScope` and returns the parsed JSON and the construct. */
export function synthEtcd(
  props: EtcdClusterProps,
  after?: (cluster: EtcdCluster, scope: Construct) => void,
): { doc: TfDoc; cluster: EtcdCluster } {
  const { doc, built } = synthWith((scope) => {
    const cluster = new EtcdCluster(scope, 'etcd', props);
    after?.(cluster, scope);
    return cluster;
  });
  return { doc, cluster: built };
}

/** The Terraform local holding member `i`'s user-data template. */
export const userDataLocal = (cluster: Construct, i: number) => userDataLocalAt(cluster, `member-${i}`);

/** Member `i`'s user-data as synthesized (a Terraform template: references appear as `${...}`). */
export const userDataOf = (doc: TfDoc, cluster: Construct, i: number) =>
  userDataAt(doc, cluster, `member-${i}`);
