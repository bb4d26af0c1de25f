import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import type { EmulatorClients } from './aws-api.js';

/** One instance the emulator launched, as stage 2 needs it to boot it. */
export interface LaunchedInstance {
  /** The member or node name (`etcd-1`, `pg-1`): the `Name` tag without the cluster prefix. */
  readonly name: string;
  /** `pgha:role` of the instance (or of its Auto Scaling group). */
  readonly role: string;
  readonly instanceId: string;
  readonly privateIp: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly imageId: string;
  readonly instanceType: string;
  /** The Auto Scaling group that launched it; absent for a standalone instance. */
  readonly autoScalingGroup?: string;
  readonly iamInstanceProfileArn?: string;
  /** The user-data as the emulator holds it (decoded from base64), written to this file. */
  readonly userDataFile: string;
  readonly userDataBytes: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** `launched.json`: what stage 1 leaves for the next stages. */
export interface LaunchedInstances {
  readonly version: 1;
  readonly cluster: string;
  readonly region: string;
  readonly endpoint: string;
  readonly instances: readonly LaunchedInstance[];
}

const ROLE_TAG = 'pgha:role';

const tagMap = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/**
 * Read back from the emulator every running instance (the etcd members' Auto Scaling groups' and the
 * standalone Patroni instances) with its private IP and user-data; the user-data goes to
 * `<instancesDir>/<name>/user-data`. Sorted by role, then name.
 */
export async function readLaunched(
  clients: EmulatorClients,
  options: { readonly cluster: string; readonly instancesDir: string },
): Promise<LaunchedInstance[]> {
  const groupOf = new Map<
    string,
    { name: string; tags: Record<string, string>; template?: { id: string; version: string } }
  >();
  let token: string | undefined;
  do {
    const page = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ NextToken: token }));
    for (const group of page.AutoScalingGroups ?? []) {
      const tags = tagMap(group.Tags);
      const lt =
        group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      const template =
        lt?.LaunchTemplateId === undefined
          ? undefined
          : { id: lt.LaunchTemplateId, version: lt.Version ?? '$Default' };
      for (const i of group.Instances ?? [])
        if (i.InstanceId)
          groupOf.set(i.InstanceId, {
            name: group.AutoScalingGroupName ?? '',
            tags,
            ...(template === undefined ? {} : { template }),
          });
    }
    token = page.NextToken;
  } while (token);

  const out: LaunchedInstance[] = [];
  let next: string | undefined;
  do {
    const page = await clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }],
        NextToken: next,
      }),
    );
    for (const reservation of page.Reservations ?? []) {
      for (const i of reservation.Instances ?? []) {
        const id = i.InstanceId ?? '';
        const group = groupOf.get(id);
        const tags = { ...group?.tags, ...tagMap(i.Tags) };
        const fullName = tags.Name ?? group?.name ?? id;
        const name = fullName.startsWith(`${options.cluster}-`)
          ? fullName.slice(options.cluster.length + 1)
          : fullName;
        const attribute = await clients.ec2.send(
          new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }),
        );
        const userData = Buffer.from(attribute.UserData?.Value ?? '', 'base64');
        // moto 5.2.1 launches an Auto Scaling group's instances without the launch template's instance
        // profile: read it from the template, as EC2 would have given it.
        const profileArn =
          i.IamInstanceProfile?.Arn ??
          (group?.template === undefined ? undefined : await templateProfile(clients, group.template));
        const dir = join(options.instancesDir, name);
        await mkdir(dir, { recursive: true });
        const userDataFile = join(dir, 'user-data');
        await writeFile(userDataFile, userData, { mode: 0o600 });
        out.push({
          name,
          role: tags[ROLE_TAG] ?? 'unknown',
          instanceId: id,
          privateIp: i.PrivateIpAddress ?? '',
          availabilityZone: i.Placement?.AvailabilityZone ?? '',
          subnetId: i.SubnetId ?? '',
          imageId: i.ImageId ?? '',
          instanceType: i.InstanceType ?? '',
          ...(group === undefined ? {} : { autoScalingGroup: group.name }),
          ...(profileArn === undefined ? {} : { iamInstanceProfileArn: profileArn }),
          userDataFile,
          userDataBytes: userData.length,
          tags,
        });
      }
    }
    next = page.NextToken;
  } while (next);
  return out.sort((a, b) => a.role.localeCompare(b.role) || a.name.localeCompare(b.name));
}

/** The instance profile a launch template version gives (its ARN, or one made from its name). */
async function templateProfile(
  clients: EmulatorClients,
  template: { readonly id: string; readonly version: string },
): Promise<string | undefined> {
  const out = await clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: template.id,
      Versions: [template.version],
    }),
  );
  const profile = out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.IamInstanceProfile;
  if (profile?.Arn !== undefined) return profile.Arn;
  return profile?.Name === undefined
    ? undefined
    : `arn:aws:iam::123456789012:instance-profile/${profile.Name}`;
}
