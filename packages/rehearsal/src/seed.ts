import { CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, DeleteHostedZoneCommand } from '@aws-sdk/client-route-53';
import type { AwsConfig, AwsSubnet } from '@pgha/aws-deploy';
import type { EmulatorClients } from './aws-api.js';
import { RehearsalError } from './errors.js';

/** An id of the config and the one the emulator gave the resource that stands for it. */
export interface IdMapping {
  readonly configured: string;
  readonly emulator: string;
}

/**
 * What the rehearsal created in the emulator for what the config references but the stack does not create.
 * moto 5.2.1 picks VPC, subnet and hosted zone ids itself (no API sets them), so those are mapped: the stack
 * is synthesized with the emulator's ids. The AMI keeps the config's id (the emulator serves it from
 * `MOTO_AMIS_PATH`).
 */
export interface SeededResources {
  readonly vpc: IdMapping & { readonly cidr: string };
  readonly subnets: readonly (IdMapping & { readonly availabilityZone: string; readonly cidr: string })[];
  readonly amiId: string;
  readonly hostedZone?: IdMapping & { readonly name: string };
}

/** The config the stack is synthesized from in a rehearsal: the emulator's ids, the rest as given. */
export function rehearsalConfig(config: AwsConfig, seeded: SeededResources): AwsConfig {
  const subnets: AwsSubnet[] = seeded.subnets.map((s) => ({
    subnetId: s.emulator,
    availabilityZone: s.availabilityZone,
  }));
  return {
    ...config,
    vpcId: seeded.vpc.emulator,
    subnets,
    ...(seeded.hostedZone === undefined ? {} : { hostedZoneId: seeded.hostedZone.emulator }),
  };
}

/**
 * Split the VPC CIDR into one block per subnet: /24s where the VPC holds them, else the largest equal blocks
 * (at most /28, the smallest subnet AWS allows).
 */
export function subnetCidrs(vpcCidr: string, count: number): string[] {
  const [address = '', prefixText = ''] = vpcCidr.split('/');
  const prefix = Number(prefixText);
  const base = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = Math.ceil(Math.log2(Math.max(count, 1)));
  const size = Math.max(prefix + bits, 24);
  if (size > 28) {
    throw new RehearsalError(
      'CONFIG_INVALID',
      `vpcCidr ${vpcCidr} cannot hold ${count} subnets of at least /28 (the smallest subnet AWS allows)`,
      { hint: 'use a VPC CIDR of /24 or larger, e.g. "10.20.0.0/16"' },
    );
  }
  return Array.from({ length: count }, (_, i) => {
    const start = base + i * 2 ** (32 - size);
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
    return `${octets.join('.')}/${size}`;
  });
}

const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/**
 * Create in the emulator the VPC (the config's CIDR), one subnet per configured zone, and the hosted zone when
 * the config names one; check the AMI is served under the config's id.
 */
export async function seedEmulator(
  clients: EmulatorClients,
  config: AwsConfig,
  tags: Readonly<Record<string, string>>,
): Promise<SeededResources> {
  const tagSpec = (type: 'vpc' | 'subnet', name: string) => [
    {
      ResourceType: type,
      Tags: Object.entries({ ...tags, Name: name }).map(([Key, Value]) => ({ Key, Value })),
    },
  ];
  const images = await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [config.amiId] }));
  if (images.Images?.[0]?.ImageId !== config.amiId) {
    throw new Error(`the emulator does not serve ${config.amiId} from its MOTO_AMIS_PATH (a bug in pgha)`);
  }
  const vpc = await clients.ec2.send(
    new CreateVpcCommand({
      CidrBlock: config.vpcCidr,
      TagSpecifications: tagSpec('vpc', `${config.clusterName}-rehearsal`),
    }),
  );
  const vpcId = vpc.Vpc?.VpcId;
  if (vpcId === undefined) throw new Error('the emulator created a VPC without an id');
  const cidrs = subnetCidrs(config.vpcCidr, config.subnets.length);
  const subnets = [];
  for (const [i, s] of config.subnets.entries()) {
    const cidr = cidrs[i] as string;
    const created = await clients.ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: cidr,
        AvailabilityZone: s.availabilityZone,
        TagSpecifications: tagSpec('subnet', `${config.clusterName}-rehearsal-${s.availabilityZone}`),
      }),
    );
    const id = created.Subnet?.SubnetId;
    if (id === undefined) throw new Error('the emulator created a subnet without an id');
    subnets.push({ configured: s.subnetId, emulator: id, availabilityZone: s.availabilityZone, cidr });
  }
  const seeded = {
    vpc: { configured: config.vpcId, emulator: vpcId, cidr: config.vpcCidr },
    subnets,
    amiId: config.amiId,
  };
  if (config.hostedZoneId === undefined) return seeded;
  const zone = await createHostedZone(clients, config, vpcId);
  return {
    ...seeded,
    hostedZone: { configured: config.hostedZoneId, emulator: zone, name: config.zoneName },
  };
}

/**
 * A private zone named `zoneName` in the VPC. moto draws a zone id from [A-Z0-9]{22}; the stack (like Route 53)
 * wants one that starts with "Z", so a zone with another id is deleted and drawn again (1 in 36 qualifies).
 */
async function createHostedZone(clients: EmulatorClients, config: AwsConfig, vpcId: string): Promise<string> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const created = await clients.route53.send(
      new CreateHostedZoneCommand({
        Name: config.zoneName,
        CallerReference: `pgha-rehearsal-${Date.now()}-${attempt}`,
        VPC: { VPCRegion: config.region as never, VPCId: vpcId },
        HostedZoneConfig: {
          PrivateZone: true,
          Comment: 'pgha rehearsal: stands for the config hostedZoneId',
        },
      }),
    );
    const id = created.HostedZone?.Id?.replace(/^\/hostedzone\//, '');
    if (id === undefined) throw new Error('the emulator created a hosted zone without an id');
    if (HOSTED_ZONE_ID.test(id)) return id;
    await clients.route53.send(new DeleteHostedZoneCommand({ Id: id }));
  }
  throw new Error('the emulator drew no hosted zone id starting with "Z" in 500 tries');
}
