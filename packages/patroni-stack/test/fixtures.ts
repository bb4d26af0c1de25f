import { TerraformResource, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { PatroniCluster } from '../src/patroni-cluster.js';
import type { PatroniClusterProps } from '../src/props.js';

/** Valid props for a 3-node cluster over three zones. */
export const baseProps: PatroniClusterProps = {
  clusterName: 'main',
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidr: '10.20.0.0/16',
  subnets: [
    { subnetId: 'subnet-0aaa', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0bbb', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0ccc', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  etcdEndpoints: [1, 2, 3].map((i) => ({ host: `etcd-${i}.main.pgha.internal`, port: 2379 })),
};

type Json = Record<string, unknown>;
export interface TfDoc {
  readonly resource: Record<string, Record<string, Json>>;
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
