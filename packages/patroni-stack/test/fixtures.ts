import { type Cluster, defineCluster } from '@pgha/userdata';
import { TerraformLocal, TerraformResource, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { awsPatroniNodes } from '../src/nodes.js';
import { PatroniCluster } from '../src/patroni-cluster.js';
import type { PatroniClusterProps } from '../src/props.js';

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
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidr: '10.20.0.0/16',
  subnets: [
    { subnetId: 'subnet-0aaa', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0bbb', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0ccc', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  zoneName: 'pgha.internal',
  hostedZoneId: 'Z0ZONE123',
};

type Json = Record<string, unknown>;
export interface TfDoc {
  readonly resource: Record<string, Record<string, Json>>;
  readonly locals?: Record<string, string>;
}

/** Synthesizes one PatroniCluster with `Testing.synthScope` and returns the parsed JSON and the construct. */
export function synthPatroni(
  props: PatroniClusterProps,
  after?: (cluster: PatroniCluster, scope: Construct) => void,
): { doc: TfDoc; cluster: PatroniCluster } {
  let cluster: PatroniCluster | undefined;
  const text = Testing.synthScope((scope) => {
    cluster = new PatroniCluster(scope, 'patroni', props);
    after?.(cluster, scope);
  });
  if (cluster === undefined) throw new Error('synthScope did not run');
  return { doc: JSON.parse(text) as TfDoc, cluster };
}

/** All resources of one type, as a list of their configurations. */
export function ofType(doc: TfDoc, type: string): Json[] {
  return Object.values(doc.resource[type] ?? {});
}

/** The construct under `cluster` at a relative path (`member-1/data-volume`) as a resource. */
export function resourceAt(cluster: Construct, path: string): TerraformResource {
  const node = cluster.node.findChild(path.split('/')[0] as string);
  const child = path.includes('/') ? node.node.findChild(path.split('/')[1] as string) : node;
  if (!TerraformResource.isTerraformResource(child)) throw new Error(`${path} is not a resource`);
  return child;
}

/** The synthesized configuration of a resource. */
export function configOf(doc: TfDoc, resource: TerraformResource): Json {
  const cfg = doc.resource[resource.terraformResourceType]?.[resource.friendlyUniqueId];
  if (cfg === undefined) throw new Error(`${resource.node.path} not synthesized`);
  return cfg;
}

/** The Terraform reference expression for an attribute of a resource, as it appears in the JSON. */
export function ref(resource: TerraformResource, attribute: string): string {
  return `\${${resource.terraformResourceType}.${resource.friendlyUniqueId}.${attribute}}`;
}

/** Construct paths (relative to the cluster) of every Terraform resource under it, sorted. */
export function resourcePaths(cluster: Construct): string[] {
  const prefix = `${cluster.node.path}/`;
  return cluster.node
    .findAll()
    .filter((c) => TerraformResource.isTerraformResource(c))
    .map((c) => c.node.path.slice(prefix.length))
    .sort();
}

/** The Terraform local holding node `i`'s user-data template. */
export function userDataLocal(cluster: Construct, i: number): TerraformLocal {
  const local = cluster.node.findChild(`node-${i}`).node.findChild('user-data');
  if (!(local instanceof TerraformLocal)) throw new Error('no user-data local');
  return local;
}

/** Node `i`'s user-data as synthesized (a Terraform template: references appear as `${...}`). */
export function userDataOf(doc: TfDoc, cluster: Construct, i: number): string {
  const text = doc.locals?.[userDataLocal(cluster, i).friendlyUniqueId];
  if (typeof text !== 'string') throw new Error(`no user-data for node ${i}`);
  return text;
}
