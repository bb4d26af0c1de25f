/**
 * Test helpers for constructs built on `@pgha/aws-kit`: synthesize with `Testing.synthScope` and find resources
 * and their configurations in the JSON by construct path. Test-only: not in the package's `files`, imported by
 * the construct packages' tests by relative path.
 */
import { TerraformLocal, TerraformResource, Testing } from 'cdktf';
import type { Construct } from 'constructs';

export type Json = Record<string, unknown>;

/** The parts of a synthesized `cdk.tf.json` the tests read. */
export interface TfDoc {
  readonly resource: Record<string, Record<string, Json>>;
  readonly locals?: Record<string, string>;
}

/** A Terraform block that may be a single object or a list of them, as a list. */
export const arr = (v: unknown): Json[] =>
  Array.isArray(v) ? (v as Json[]) : v === undefined ? [] : [v as Json];

/** Builds constructs in a fresh scope with `Testing.synthScope`; returns the parsed JSON and what `build` returned. */
export function synthWith<T>(build: (scope: Construct) => T): { doc: TfDoc; built: T } {
  let built: { value: T } | undefined;
  const text = Testing.synthScope((scope) => {
    built = { value: build(scope) };
  });
  if (built === undefined) throw new Error('synthScope did not run');
  return { doc: JSON.parse(text) as TfDoc, built: built.value };
}

/** All resources of one type, as a list of their configurations. */
export function ofType(doc: TfDoc, type: string): Json[] {
  return Object.values(doc.resource[type] ?? {});
}

/** The construct under `parent` at a relative path (`member-1/data-volume`) as a resource. */
export function resourceAt(parent: Construct, path: string): TerraformResource {
  const node = parent.node.findChild(path.split('/')[0] as string);
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

/** Construct paths (relative to `parent`) of every Terraform resource under it, sorted. */
export function resourcePaths(parent: Construct): string[] {
  const prefix = `${parent.node.path}/`;
  return parent.node
    .findAll()
    .filter((c) => TerraformResource.isTerraformResource(c))
    .map((c) => c.node.path.slice(prefix.length))
    .sort();
}

/** The Terraform local `user-data` under the child `childId` of `parent` (`member-1`, `node-2`). */
export function userDataLocalAt(parent: Construct, childId: string): TerraformLocal {
  const local = parent.node.findChild(childId).node.findChild('user-data');
  if (!(local instanceof TerraformLocal)) throw new Error(`no user-data local under ${childId}`);
  return local;
}

/** That local's text as synthesized (a Terraform template: references appear as `${...}`). */
export function userDataAt(doc: TfDoc, parent: Construct, childId: string): string {
  const text = doc.locals?.[userDataLocalAt(parent, childId).friendlyUniqueId];
  if (typeof text !== 'string') throw new Error(`no user-data for ${childId}`);
  return text;
}

/** Valid placement props shared by the construct tests: a VPC, three subnets in three zones, an AMI, a zone. */
export const TEST_PLACEMENT = {
  vpcId: 'vpc-0123456789abcdef0',
  subnets: [
    { subnetId: 'subnet-0aaaaaaa', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0bbbbbbb', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0ccccccc', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  zoneName: 'pgha.internal',
} as const;

/**
 * The synth helpers for one construct class: `synth(props, after?)` builds it (and whatever `after` adds) in a
 * fresh scope; `userDataLocal` / `userDataOf` find host `i`'s user-data under the child `<hostPrefix>-<i>`.
 */
export function constructFixtures<P, C extends Construct>(
  create: (scope: Construct, props: P) => C,
  hostPrefix: string,
) {
  return {
    synth(props: P, after?: (cluster: C, scope: Construct) => void): { doc: TfDoc; cluster: C } {
      const { doc, built } = synthWith((scope) => {
        const cluster = create(scope, props);
        after?.(cluster, scope);
        return cluster;
      });
      return { doc, cluster: built };
    },
    userDataLocal: (cluster: Construct, i: number) => userDataLocalAt(cluster, `${hostPrefix}-${i}`),
    userDataOf: (doc: TfDoc, cluster: Construct, i: number) => userDataAt(doc, cluster, `${hostPrefix}-${i}`),
  };
}
