import { type Cluster, defineCluster } from '@pgha/userdata';
import { TerraformLocal, TerraformResource, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { EtcdCluster } from '../src/etcd-cluster.js';
import { awsEtcdMembers } from '../src/members.js';
import type { EtcdClusterProps } from '../src/props.js';

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
export const baseProps: EtcdClusterProps = {
  cluster: makeCluster(),
  vpcId: 'vpc-0123456789abcdef0',
  subnets: [
    { subnetId: 'subnet-0aaa', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0bbb', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0ccc', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  zoneName: 'pgha.internal',
};

export const fiveZones = [
  ...baseProps.subnets,
  { subnetId: 'subnet-0ddd', availabilityZone: 'eu-west-1d' },
  { subnetId: 'subnet-0eee', availabilityZone: 'eu-west-1e' },
];

type Json = Record<string, unknown>;
export interface TfDoc {
  readonly resource: Record<string, Record<string, Json>>;
  readonly locals?: Record<string, string>;
}

/** Synthesizes one EtcdCluster with `Testing.synthScope` and returns the parsed JSON and the construct. */
export function synthEtcd(
  props: EtcdClusterProps,
  after?: (cluster: EtcdCluster, scope: Construct) => void,
): { doc: TfDoc; cluster: EtcdCluster } {
  let cluster: EtcdCluster | undefined;
  const text = Testing.synthScope((scope) => {
    cluster = new EtcdCluster(scope, 'etcd', props);
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

/** The Terraform local holding member `i`'s user-data template. */
export function userDataLocal(cluster: Construct, i: number): TerraformLocal {
  const local = cluster.node.findChild(`member-${i}`).node.findChild('user-data');
  if (!(local instanceof TerraformLocal)) throw new Error('no user-data local');
  return local;
}

/** Member `i`'s user-data as synthesized (a Terraform template: references appear as `${...}`). */
export function userDataOf(doc: TfDoc, cluster: Construct, i: number): string {
  const text = doc.locals?.[userDataLocal(cluster, i).friendlyUniqueId];
  if (typeof text !== 'string') throw new Error(`no user-data for member ${i}`);
  return text;
}
