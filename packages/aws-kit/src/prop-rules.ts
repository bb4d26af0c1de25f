import {
  CLUSTER_NAME_RULE,
  ETCD_MEMBER_COUNT_RULE,
  isClusterName,
  isEtcdMemberCount,
  isPatroniNodeCount,
  PATRONI_NODE_COUNT_RULE,
} from '@pgha/userdata';
import {
  AMI_ID_RULE,
  availabilityZoneRule,
  DATA_VOLUME_GIB,
  HOSTED_ZONE_ID_RULE,
  isAmiId,
  isAvailabilityZone,
  isHostedZoneId,
  isKmsKeyArn,
  isSecurityGroupId,
  isSubnetId,
  isVpcId,
  KMS_KEY_ARN_RULE,
  ROOT_VOLUME_GIB,
  SECURITY_GROUP_ID_RULE,
  SUBNET_ID_RULE,
  tagProblem,
  VPC_ID_RULE,
} from './aws-ids.js';
import type { AdminAccess } from './common-props.js';
import {
  cidrListProblems,
  fieldProblem,
  INSTANCE_TYPE_RULE,
  intInRangeProblem,
  isDnsName,
  isInstanceType,
  isUnresolved,
  isVpcCidr,
  type Problem,
  problem,
  type Rule,
  show,
  VPC_CIDR_RULE,
} from './rules.js';
import type { ClientSource, SubnetPlacement } from './types.js';

/** `vpcId`: required, {@link isVpcId}. */
const vpcIdRule: Rule<{ readonly vpcId?: string }> = (p) =>
  fieldProblem('vpcId', p.vpcId, isVpcId, VPC_ID_RULE, true);

/** `vpcCidr`: required, the VPC's block ({@link isVpcCidr}: /16 to /28, host bits zero). */
const vpcCidrRule: Rule<{ readonly vpcCidr?: string }> = (p) =>
  isUnresolved(p.vpcCidr) || isVpcCidr(p.vpcCidr)
    ? undefined
    : problem(`vpcCidr`, p.vpcCidr, `use ${VPC_CIDR_RULE}`);

/** `amiId`: required, {@link isAmiId}. */
const amiIdRule: Rule<{ readonly amiId?: string }> = (p) =>
  fieldProblem('amiId', p.amiId, isAmiId, AMI_ID_RULE, true);

type WithSubnets = { readonly subnets?: readonly SubnetPlacement[] };

/**
 * `subnets`: at least `min` of them. `reason` ends the message after "...in each of at least N availability
 * zones" (say why that many).
 */
function subnetCountRule(min: number, reason: string): Rule<WithSubnets> {
  return (p) => {
    if (isUnresolved(p.subnets)) return undefined;
    if (!Array.isArray(p.subnets) || p.subnets.length < min) {
      return problem(
        'subnets',
        p.subnets,
        `${p.subnets?.length ?? 0} subnet(s) given; give one private subnet in each of at least ${min} availability zones${reason}`,
      );
    }
    return undefined;
  };
}

/** `subnets[i].subnetId`: {@link isSubnetId}, each subnet listed once. */
const subnetIdsRule: Rule<WithSubnets> = (p) => {
  if (!Array.isArray(p.subnets)) return undefined;
  return p.subnets.flatMap((s, i) => {
    const id = s?.subnetId;
    const path = `subnets[${i}].subnetId`;
    const bad = fieldProblem(path, id, isSubnetId, SUBNET_ID_RULE, true);
    if (bad !== undefined) return [bad];
    const first = p.subnets?.findIndex((o) => o?.subnetId === id) ?? i;
    return first < i && !isUnresolved(id)
      ? [problem(path, id, `subnets[${first}] already names it, list each subnet once`)]
      : [];
  });
};

/** `subnets[i].availabilityZone`: {@link isAvailabilityZone}, and one subnet per zone. */
const subnetZonesRule: Rule<WithSubnets> = (p) => {
  if (!Array.isArray(p.subnets)) return undefined;
  return p.subnets.flatMap((s, i) => {
    const zone = s?.availabilityZone;
    const path = `subnets[${i}].availabilityZone`;
    const bad = fieldProblem(path, zone, isAvailabilityZone, availabilityZoneRule(), true);
    if (bad !== undefined) return [bad];
    const first = p.subnets?.findIndex((o) => o?.availabilityZone === zone) ?? i;
    return first < i && !isUnresolved(zone)
      ? [
          problem(
            path,
            zone,
            `subnets[${first}] is already in this zone, give one subnet per availability zone`,
          ),
        ]
      : [];
  });
};

/** `instanceType`: an EC2 instance type; `example` is the construct's default. */
function instanceTypeRule(example: string): Rule<{ readonly instanceType?: string }> {
  return (p) =>
    p.instanceType !== undefined && !isUnresolved(p.instanceType) && !isInstanceType(p.instanceType)
      ? problem(`instanceType`, p.instanceType, `use ${INSTANCE_TYPE_RULE}, like "${example}"`)
      : undefined;
}

/** `dataVolumeSizeGiB`: {@link DATA_VOLUME_GIB} (gp3 limits). */
const dataVolumeSizeRule: Rule<{ readonly dataVolumeSizeGiB?: number }> = (p) =>
  intInRangeProblem('dataVolumeSizeGiB', p.dataVolumeSizeGiB, DATA_VOLUME_GIB.min, DATA_VOLUME_GIB.max);

/** `rootVolumeSizeGiB`: {@link ROOT_VOLUME_GIB}. */
const rootVolumeSizeRule: Rule<{ readonly rootVolumeSizeGiB?: number }> = (p) =>
  intInRangeProblem('rootVolumeSizeGiB', p.rootVolumeSizeGiB, ROOT_VOLUME_GIB.min, ROOT_VOLUME_GIB.max);

/** `rootDeviceName`: `/dev/<name>`. */
const rootDeviceNameRule: Rule<{ readonly rootDeviceName?: string }> = (p) =>
  p.rootDeviceName === undefined ||
  isUnresolved(p.rootDeviceName) ||
  /^\/dev\/[a-z0-9]+$/.test(p.rootDeviceName)
    ? undefined
    : problem(`rootDeviceName`, p.rootDeviceName, `use the AMI's root device, like "/dev/xvda"`);

/**
 * Zone names are limited to 200 characters: room under DNS's 253 for the names the constructs build from them
 * (`etcd-1.<cluster>.<zone>`, `_etcd-server-ssl._tcp.<cluster>.<zone>`).
 */
export const ZONE_NAME_MAX_LENGTH = 200;

/** What `zoneName` accepts, in words. */
export const ZONE_NAME_RULE = `a lowercase DNS name of at most ${ZONE_NAME_MAX_LENGTH} characters without a trailing dot, like "pgha.internal"`;

/** True for a zone name the constructs and the AWS config accept. */
export function isZoneName(value: unknown): value is string {
  return isDnsName(value, ZONE_NAME_MAX_LENGTH);
}

/** `zoneName`: required, {@link isZoneName}. */
const zoneNameRule: Rule<{ readonly zoneName?: string }> = (p) =>
  fieldProblem('zoneName', p.zoneName, isZoneName, ZONE_NAME_RULE, true);

/** `hostedZoneId`: {@link isHostedZoneId}; `required` makes a missing one a problem too. */
function hostedZoneIdRule(required: boolean): Rule<{ readonly hostedZoneId?: string }> {
  return (p) => fieldProblem('hostedZoneId', p.hostedZoneId, isHostedZoneId, HOSTED_ZONE_ID_RULE, required);
}

/** A problem line for a Route 53 zone id given under another name (`loadBalancerDns.hostedZoneId`). */
export function hostedZoneIdProblem(prop: string, value: string | undefined): Problem | undefined {
  return fieldProblem(prop, value, isHostedZoneId, HOSTED_ZONE_ID_RULE);
}

/** `dnsTtlSeconds`: 5..3600. */
const dnsTtlRule: Rule<{ readonly dnsTtlSeconds?: number }> = (p) =>
  intInRangeProblem('dnsTtlSeconds', p.dnsTtlSeconds, 5, 3600);

/** `kmsKeyArn`: {@link isKmsKeyArn} (not a key id or an alias). */
const kmsKeyArnRule: Rule<{ readonly kmsKeyArn?: string }> = (p) =>
  fieldProblem('kmsKeyArn', p.kmsKeyArn, isKmsKeyArn, KMS_KEY_ARN_RULE);

/** `secretRecoveryWindowDays`: 0 or 7..30 (what Secrets Manager accepts). */
const secretRecoveryWindowRule: Rule<{ readonly secretRecoveryWindowDays?: number }> = (p) => {
  const v = p.secretRecoveryWindowDays;
  if (v === undefined || isUnresolved(v) || v === 0 || (Number.isInteger(v) && v >= 7 && v <= 30))
    return undefined;
  return problem(`secretRecoveryWindowDays`, v, `use 0 (delete at once) or a whole number from 7 to 30`);
};

/** `partition`: `aws`, `aws-cn`, `aws-us-gov`, ... */
const partitionRule: Rule<{ readonly partition?: string }> = (p) =>
  p.partition === undefined || /^aws(-[a-z]+)*$/.test(p.partition)
    ? undefined
    : problem(`partition`, p.partition, `use "aws", "aws-cn" or "aws-us-gov"`);

/** `tags`: each key and value as AWS takes them ({@link tagProblem}), none with the reserved `pgha:` prefix. */
const tagsRule: Rule<{ readonly tags?: Readonly<Record<string, string>> }> = (p) => {
  if (p.tags === undefined || isUnresolved(p.tags)) return undefined;
  return Object.entries(p.tags)
    .map(([key, value]) => tagProblem('tags', key, value))
    .filter((x): x is Problem => x !== undefined);
};

/** `userData`: a renderer function; `argument` names what it is called with (`member`, `node`). */
function userDataRule(argument: string): Rule<{ readonly userData?: unknown }> {
  return (p) =>
    p.userData === undefined || typeof p.userData === 'function'
      ? undefined
      : problem(
          'userData',
          p.userData,
          `pass a function (${argument}) => cloud-config string, or leave it unset`,
        );
}

/** `packages`: a list of Debian packages. */
const packagesRule: Rule<{ readonly packages?: unknown }> = (p) =>
  p.packages === undefined || Array.isArray(p.packages)
    ? undefined
    : problem(`packages`, p.packages, `give a list of { name, version? } Debian packages, or leave it unset`);

/**
 * `adminAccess`: CIDRs (never every address) and/or a security group; an empty object admits nobody, so it is
 * refused as a likely mistake.
 */
const adminAccessRule: Rule<{ readonly adminAccess?: AdminAccess }> = (p) => {
  const a = p.adminAccess;
  if (a === undefined || isUnresolved(a)) return undefined;
  if (typeof a !== 'object' || a === null || (a.cidrs !== undefined && !Array.isArray(a.cidrs))) {
    return problem(
      `adminAccess`,
      a,
      `give { cidrs: ["10.20.200.0/24"] } and/or { securityGroupId: "sg-..." }`,
    );
  }
  if ((a.cidrs ?? []).length === 0 && a.securityGroupId === undefined) {
    return problem(
      `adminAccess`,
      a,
      `name the admin hosts' CIDRs and/or security group, or leave adminAccess out`,
    );
  }
  const problems = cidrListProblems(
    'adminAccess.cidrs',
    a.cidrs,
    'admin access must not be open to every address: name the admin hosts',
  );
  const sg = fieldProblem(
    'adminAccess.securityGroupId',
    a.securityGroupId,
    isSecurityGroupId,
    SECURITY_GROUP_ID_RULE,
  );
  return sg === undefined ? problems : [...problems, sg];
};

/** The admin sources as client sources, CIDRs first (the order of the rules' construct ids). */
export function adminSources(access: AdminAccess | undefined): ClientSource[] {
  if (access === undefined) return [];
  return [
    ...(access.cidrs ?? []).map((cidr) => ({ cidr })),
    ...(access.securityGroupId === undefined ? [] : [{ securityGroupId: access.securityGroupId }]),
  ];
}

/** `enableSsm` was removed: Debian AMIs have no SSM agent, so the prop promised a way in that did not exist. */
const removedPropsRule: Rule<object> = (p) =>
  'enableSsm' in p
    ? problem(
        `enableSsm`,
        (p as { enableSsm?: unknown }).enableSsm,
        `removed (Debian AMIs carry no SSM agent): drop it and get in with SSH through an EC2 Instance Connect Endpoint or a bastion (see the README)`,
      )
    : undefined;

/**
 * Rules for the props the pgha constructs share, each typed on the one prop it reads so that a construct's rule
 * table (`Rule<XClusterProps>[]`) can list them in its own order next to its own rules. The functions make a
 * rule from the construct's own words or limits.
 */
export const commonRules = {
  vpcId: vpcIdRule,
  vpcCidr: vpcCidrRule,
  amiId: amiIdRule,
  subnetCount: subnetCountRule,
  subnetIds: subnetIdsRule,
  subnetZones: subnetZonesRule,
  instanceType: instanceTypeRule,
  dataVolumeSize: dataVolumeSizeRule,
  rootVolumeSize: rootVolumeSizeRule,
  rootDeviceName: rootDeviceNameRule,
  zoneName: zoneNameRule,
  hostedZoneId: hostedZoneIdRule,
  dnsTtl: dnsTtlRule,
  kmsKeyArn: kmsKeyArnRule,
  secretRecoveryWindow: secretRecoveryWindowRule,
  partition: partitionRule,
  reservedTags: tagsRule,
  userData: userDataRule,
  packages: packagesRule,
  adminAccess: adminAccessRule,
  removedProps: removedPropsRule,
} as const;

/** Load balancer names (at most 32 characters) derive from the cluster name: on AWS it is at most 20. */
export const AWS_CLUSTER_NAME_MAX_LENGTH = 20;

/** What {@link clusterNameProblem} accepts, in words: userdata's cluster-name rule plus the AWS length. */
export const AWS_CLUSTER_NAME_RULE = `${CLUSTER_NAME_RULE}; on AWS at most ${AWS_CLUSTER_NAME_MAX_LENGTH} characters (load balancer names derive from it)`;

/** True for a cluster name the AWS constructs and the AWS config accept: {@link isClusterName}, at most 20. */
export function isAwsClusterName(name: unknown): name is string {
  return isClusterName(name) && name.length <= AWS_CLUSTER_NAME_MAX_LENGTH;
}

/** `cluster.name`: userdata's one rule (isClusterName), at most 20 characters on AWS. */
export function clusterNameProblem(name: unknown, prop = 'cluster.name'): Problem | undefined {
  return isAwsClusterName(name) ? undefined : problem(prop, name, `use ${AWS_CLUSTER_NAME_RULE}`);
}

/** `cluster.etcd.members`: userdata's one member-count rule. */
export function etcdMemberCountProblem(count: number, prop = 'cluster.etcd.members'): Problem | undefined {
  return isEtcdMemberCount(count) ? undefined : problem(prop, count, `use ${ETCD_MEMBER_COUNT_RULE}`);
}

/** `cluster.patroni.nodes`: userdata's one node-count rule. */
export function patroniNodeCountProblem(count: number, prop = 'cluster.patroni.nodes'): Problem | undefined {
  return isPatroniNodeCount(count) ? undefined : problem(prop, count, `use ${PATRONI_NODE_COUNT_RULE}`);
}

/** How {@link hostProblems} speaks of the hosts it checks. */
export interface HostWords {
  /** What one host is: `member`, `node`. */
  readonly noun: string;
  /** Name prefix of the example name (`etcd` gives `etcd-1.<cluster>.<zone>`). */
  readonly namePrefix: string;
  /** The function that builds valid hosts (`awsEtcdMembers`). */
  readonly builder: string;
}

/**
 * `prop[i].name` and `prop[i].host` of the cluster description's members or nodes: names in lowercase, hosts
 * DNS names inside `zone` (an empty zone checks the DNS syntax only). One line per broken entry.
 */
export function hostProblems(
  prop: string,
  hosts: readonly { readonly name?: unknown; readonly host?: unknown }[],
  zone: string,
  words: HostWords,
  maxLength = 253,
): Problem[] {
  const problems: Problem[] = [];
  hosts.forEach((h, i) => {
    if (typeof h?.name !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(h.name)) {
      problems.push(problem(`${prop}[${i}].name`, h?.name, `use lowercase letters, digits and "-"`));
    }
    if (!isDnsName(h?.host, maxLength) || (zone !== '' && !h.host.endsWith(`.${zone}`))) {
      problems.push(
        problem(
          `${prop}[${i}].host`,
          h?.host,
          `on AWS each ${words.noun} is dialled by a DNS name inside zoneName ${show(zone)}, like "${words.namePrefix}-${i + 1}.<cluster>.${zone}" (${words.builder}() builds them)`,
        ),
      );
    }
  });
  return problems;
}
