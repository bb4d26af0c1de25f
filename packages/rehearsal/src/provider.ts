import { readFile, writeFile } from 'node:fs/promises';

/**
 * The AWS provider's `endpoints` key of each resource (and data source) type the stack may hold, by type
 * prefix; the longest matching prefix wins. A type missing here stops the rehearsal: its calls would go to AWS.
 */
const SERVICE_OF: readonly (readonly [prefix: string, service: string])[] = [
  ['aws_autoscaling_', 'autoscaling'],
  ['aws_ami', 'ec2'],
  ['aws_ebs_', 'ec2'],
  ['aws_eip', 'ec2'],
  ['aws_instance', 'ec2'],
  ['aws_launch_template', 'ec2'],
  ['aws_network_interface', 'ec2'],
  ['aws_security_group', 'ec2'],
  ['aws_subnet', 'ec2'],
  ['aws_volume_attachment', 'ec2'],
  ['aws_vpc', 'ec2'],
  ['aws_iam_', 'iam'],
  ['aws_kms_', 'kms'],
  ['aws_lb', 'elbv2'],
  ['aws_alb', 'elbv2'],
  ['aws_route53_', 'route53'],
  ['aws_secretsmanager_', 'secretsmanager'],
  ['aws_caller_identity', 'sts'],
];

/** Always pointed at the emulator: the provider asks STS who it is unless told not to. */
const ALWAYS = ['sts'] as const;

type StackDoc = {
  provider?: Record<string, unknown>;
  resource?: Record<string, unknown>;
  data?: Record<string, unknown>;
  terraform?: { backend?: Record<string, unknown> };
};

/** The endpoint key of a resource type, or undefined when the rehearsal does not know the type. */
export function serviceOf(type: string): string | undefined {
  let best: readonly [string, string] | undefined;
  for (const entry of SERVICE_OF) {
    if (type.startsWith(entry[0]) && (best === undefined || entry[0].length > best[0].length)) best = entry;
  }
  return best?.[1];
}

/** Every service the stack's resources and data sources call (plus STS), sorted; throws on an unknown type. */
export function servicesOf(doc: StackDoc): string[] {
  const types = [...Object.keys(doc.resource ?? {}), ...Object.keys(doc.data ?? {})];
  const unknown = types.filter((t) => serviceOf(t) === undefined);
  if (unknown.length > 0) {
    // A new resource type in the stack: teach SERVICE_OF its endpoint before rehearsing it.
    throw new Error(`the rehearsal knows no emulator endpoint for ${unknown.join(', ')} (a bug in pgha)`);
  }
  return [...new Set([...ALWAYS, ...types.map((t) => serviceOf(t) as string)])].sort();
}

/**
 * Point every AWS provider block of a synthesized stack at the emulator: an endpoint for every service the
 * stack uses, the provider's credential, account-id, metadata and region checks skipped (the credentials are
 * dummies in Terraform's environment), and the state in a local file beside the stack. Rewrites the file in
 * place; returns the services pointed at the emulator.
 */
export async function pointStackAtEmulator(stackFile: string, endpoint: string): Promise<string[]> {
  const doc = JSON.parse(await readFile(stackFile, 'utf8')) as StackDoc;
  const services = servicesOf(doc);
  const blocks = doc.provider?.aws;
  if (!Array.isArray(blocks) || blocks.length === 0) {
    throw new Error(`${stackFile} has no aws provider block (a bug in pgha)`);
  }
  const endpoints = Object.fromEntries(services.map((s) => [s, endpoint]));
  doc.provider = {
    ...doc.provider,
    aws: blocks.map((block: Record<string, unknown>) => ({
      ...block,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: 'true',
      skip_region_validation: true,
      endpoints: [endpoints],
    })),
  };
  doc.terraform = { ...doc.terraform, backend: { local: { path: 'terraform.tfstate' } } };
  await writeFile(stackFile, `${JSON.stringify(doc, null, 2)}\n`);
  return services;
}

/** The provider blocks of a stack document whose endpoints miss one of the stack's services (expected: none). */
export function unpointedServices(doc: StackDoc, endpoint: string): string[] {
  const services = servicesOf(doc);
  const blocks = (doc.provider?.aws ?? []) as { endpoints?: Record<string, string>[]; alias?: string }[];
  const missing: string[] = [];
  blocks.forEach((block, i) => {
    const given = block.endpoints?.[0] ?? {};
    for (const s of services) if (given[s] !== endpoint) missing.push(`provider aws[${i}].endpoints.${s}`);
  });
  return missing;
}
