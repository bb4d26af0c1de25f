import { type Cluster, defineCluster } from '@pgha/userdata';
import type { Construct } from 'constructs';
import {
  synthWith,
  TEST_PLACEMENT,
  type TfDoc,
  userDataAt,
  userDataLocalAt,
} from '../../aws-kit/test/synth.js';
import { awsPatroniNodes } from '../src/nodes.js';
import { PatroniCluster } from '../src/patroni-cluster.js';
import type { PatroniClusterProps } from '../src/props.js';

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

/** A cluster description for AWS with `nodeCount` Patroni nodes in zone pgha.internal. */
export function makeCluster(
  nodeCount = 3,
  allowedCidrs: readonly string[] = ['10.20.0.0/16'],
  replicationCidrs?: readonly string[],
): Cluster {
  return defineCluster({
    name: 'main',
    etcd: { members: [1, 2, 3].map((i) => ({ name: `etcd-${i}`, host: `etcd-${i}.main.pgha.internal` })) },
    patroni: {
      nodes: awsPatroniNodes({ clusterName: 'main', zoneName: 'pgha.internal', nodeCount }),
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

/** Synthesizes one PatroniCluster with `Testing.synthScope` and returns the parsed JSON and the construct. */
export function synthPatroni(
  props: PatroniClusterProps,
  after?: (cluster: PatroniCluster, scope: Construct) => void,
): { doc: TfDoc; cluster: PatroniCluster } {
  const { doc, built } = synthWith((scope) => {
    const cluster = new PatroniCluster(scope, 'patroni', props);
    after?.(cluster, scope);
    return cluster;
  });
  return { doc, cluster: built };
}

/** The Terraform local holding node `i`'s user-data template. */
export const userDataLocal = (cluster: Construct, i: number) => userDataLocalAt(cluster, `node-${i}`);

/** Node `i`'s user-data as synthesized (a Terraform template: references appear as `${...}`). */
export const userDataOf = (doc: TfDoc, cluster: Construct, i: number) =>
  userDataAt(doc, cluster, `node-${i}`);
