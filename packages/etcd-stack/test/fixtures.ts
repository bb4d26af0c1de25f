import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import type { EtcdClusterProps } from '../src/props.js';

/** Valid props for a 3-member cluster over three zones. */
export const baseProps: EtcdClusterProps = {
  clusterName: 'main',
  vpcId: 'vpc-0123456789abcdef0',
  subnets: [
    { subnetId: 'subnet-0aaa', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0bbb', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0ccc', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  zoneName: 'pgha.internal',
};

export type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Synthesizes a scope and returns the parsed Terraform JSON. */
export function synth(fn: (scope: Construct) => void): { resource: Resources; [k: string]: unknown } {
  return JSON.parse(Testing.synthScope(fn)) as { resource: Resources };
}

/** All resources of one type, as a list of their configurations. */
export function ofType(doc: { resource: Resources }, type: string): Record<string, unknown>[] {
  return Object.values(doc.resource[type] ?? {});
}
