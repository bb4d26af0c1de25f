import {
  CLUSTER_NAME_RULE,
  ETCD_MEMBER_COUNT_RULE,
  isClusterName,
  isEtcdMemberCount,
  isPatroniNodeCount,
  PATRONI_NODE_COUNT_RULE,
} from '@pgha/userdata';
import type { AdminAccess } from './common-props.js';
import {
  cidrListProblems,
  INSTANCE_TYPE_RULE,
  idProblem,
  intInRangeProblem,
  isDnsName,
  isInstanceType,
  isUnresolved,
  isVpcCidr,
  type Rule,
  show,
  VPC_CIDR_RULE,
} from './rules.js';
import { RESERVED_TAG_PREFIX } from './tags.js';
import type { ClientSource, SubnetPlacement } from './types.js';

/** `vpcId`: required, `vpc-...`. */
const vpcIdRule: Rule<{ readonly vpcId?: string }> = (p) =>
  idProblem('vpcId', p.vpcId ?? '', /^vpc-[0-9a-z]+$/, 'vpc-0123456789abcdef0');

/** `vpcCidr`: required, the VPC's block ({@link isVpcCidr}: /16 to /28, host bits zero). */
const vpcCidrRule: Rule<{ readonly vpcCidr?: string }> = (p) =>
  isUnresolved(p.vpcCidr) || isVpcCidr(p.vpcCidr)
    ? undefined
    : `vpcCidr: got ${show(p.vpcCidr)}; use ${VPC_CIDR_RULE}`;

/** `amiId`: required, `ami-...`. */
const amiIdRule: Rule<{ readonly amiId?: string }> = (p) =>
  idProblem('amiId', p.amiId ?? '', /^ami-[0-9a-z]+$/, 'ami-0123456789abcdef0');

type WithSubnets = { readonly subnets?: readonly SubnetPlacement[] };

/**
 * `subnets`: at least `min` of them. `reason` ends the message after "...in each of at least N availability
 * zones" (say why that many).
 */
function subnetCountRule(min: number, reason: string): Rule<WithSubnets> {
  return (p) => {
    if (isUnresolved(p.subnets)) return undefined;
    if (!Array.isArray(p.subnets) || p.subnets.length < min) {
      return `subnets: got ${p.subnets?.length ?? 0} subnet(s); give one private subnet in each of at least ${min} availability zones${reason}`;
    }
    return undefined;
  };
}

/** `subnets[].subnetId`: `subnet-...`. */
const subnetIdsRule: Rule<WithSubnets> = (p) => {
  if (!Array.isArray(p.subnets)) return undefined;
  const bad = p.subnets.filter(
    (s) => !isUnresolved(s.subnetId) && !/^subnet-[0-9a-z]+$/.test(s.subnetId ?? ''),
  );
  return bad.length === 0
    ? undefined
    : `subnets[].subnetId: got ${bad.map((s) => show(s.subnetId)).join(', ')}; expected ids like "subnet-0123456789abcdef0"`;
};

/** `subnets[].availabilityZone`: given, and one subnet per zone. */
const subnetZonesRule: Rule<WithSubnets> = (p) => {
  if (!Array.isArray(p.subnets)) return undefined;
  const zones = p.subnets.map((s) => s.availabilityZone).filter((z) => !isUnresolved(z));
  const empty = zones.filter((z) => typeof z !== 'string' || z.trim() === '');
  if (empty.length > 0)
    return `subnets[].availabilityZone: got ${show(empty[0])}; give each subnet's zone, like "eu-west-1a"`;
  const dupes = zones.filter((z, i) => zones.indexOf(z) !== i);
  return dupes.length === 0
    ? undefined
    : `subnets[].availabilityZone: ${show([...new Set(dupes)])} given more than once; give one subnet per availability zone`;
};

/** `instanceType`: an EC2 instance type; `example` is the construct's default. */
function instanceTypeRule(example: string): Rule<{ readonly instanceType?: string }> {
  return (p) =>
    p.instanceType !== undefined && !isUnresolved(p.instanceType) && !isInstanceType(p.instanceType)
      ? `instanceType: got ${show(p.instanceType)}; use ${INSTANCE_TYPE_RULE}, like "${example}"`
      : undefined;
}

/** `dataVolumeSizeGiB`: 1..16384 (gp3 limits). */
const dataVolumeSizeRule: Rule<{ readonly dataVolumeSizeGiB?: number }> = (p) =>
  intInRangeProblem('dataVolumeSizeGiB', p.dataVolumeSizeGiB, 1, 16384);

/** `rootVolumeSizeGiB`: 8..16384. */
const rootVolumeSizeRule: Rule<{ readonly rootVolumeSizeGiB?: number }> = (p) =>
  intInRangeProblem('rootVolumeSizeGiB', p.rootVolumeSizeGiB, 8, 16384);

/** `rootDeviceName`: `/dev/<name>`. */
const rootDeviceNameRule: Rule<{ readonly rootDeviceName?: string }> = (p) =>
  p.rootDeviceName === undefined ||
  isUnresolved(p.rootDeviceName) ||
  /^\/dev\/[a-z0-9]+$/.test(p.rootDeviceName)
    ? undefined
    : `rootDeviceName: got ${show(p.rootDeviceName)}; use the AMI's root device, like "/dev/xvda"`;

/** `zoneName`: a lowercase DNS name of at most `maxLength` characters, without a trailing dot. */
function zoneNameRule(maxLength = 253): Rule<{ readonly zoneName?: string }> {
  return (p) =>
    isUnresolved(p.zoneName) || isDnsName(p.zoneName, maxLength)
      ? undefined
      : `zoneName: got ${show(p.zoneName)}; use a lowercase DNS name without a trailing dot, like "pgha.internal"`;
}

const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** `hostedZoneId`: a Route 53 zone id (`Z...`); `required` makes a missing one a problem too. */
function hostedZoneIdRule(required: boolean): Rule<{ readonly hostedZoneId?: string }> {
  return (p) =>
    idProblem(
      'hostedZoneId',
      required ? (p.hostedZoneId ?? '') : p.hostedZoneId,
      HOSTED_ZONE_ID,
      'Z0123456789ABCDEFGHIJ',
    );
}

/** A problem line for a Route 53 zone id given under another name (`loadBalancerDns.hostedZoneId`). */
export function hostedZoneIdProblem(prop: string, value: string | undefined): string | undefined {
  return idProblem(prop, value, HOSTED_ZONE_ID, 'Z0123456789ABCDEFGHIJ');
}

/** `dnsTtlSeconds`: 5..3600. */
const dnsTtlRule: Rule<{ readonly dnsTtlSeconds?: number }> = (p) =>
  intInRangeProblem('dnsTtlSeconds', p.dnsTtlSeconds, 5, 3600);

/** `kmsKeyArn`: a KMS key ARN (not an alias). */
const kmsKeyArnRule: Rule<{ readonly kmsKeyArn?: string }> = (p) =>
  idProblem(
    'kmsKeyArn',
    p.kmsKeyArn,
    /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/.+$/,
    'arn:aws:kms:eu-west-1:123456789012:key/...',
    'a key ARN',
  );

/** `secretRecoveryWindowDays`: 0 or 7..30 (what Secrets Manager accepts). */
const secretRecoveryWindowRule: Rule<{ readonly secretRecoveryWindowDays?: number }> = (p) => {
  const v = p.secretRecoveryWindowDays;
  if (v === undefined || isUnresolved(v) || v === 0 || (Number.isInteger(v) && v >= 7 && v <= 30))
    return undefined;
  return `secretRecoveryWindowDays: got ${show(v)}; use 0 (delete at once) or a whole number from 7 to 30`;
};

/** `partition`: `aws`, `aws-cn`, `aws-us-gov`, ... */
const partitionRule: Rule<{ readonly partition?: string }> = (p) =>
  p.partition === undefined || /^aws(-[a-z]+)*$/.test(p.partition)
    ? undefined
    : `partition: got ${show(p.partition)}; use "aws", "aws-cn" or "aws-us-gov"`;

/** `tags`: none with the reserved `pgha:` prefix. */
const reservedTagsRule: Rule<{ readonly tags?: Readonly<Record<string, string>> }> = (p) => {
  const reserved = Object.keys(p.tags ?? {}).filter((k) => k.startsWith(RESERVED_TAG_PREFIX));
  return reserved.length === 0
    ? undefined
    : `tags: keys ${show(reserved)} use the reserved "${RESERVED_TAG_PREFIX}" prefix; rename them`;
};

/** `userData`: a renderer function; `argument` names what it is called with (`member`, `node`). */
function userDataRule(argument: string): Rule<{ readonly userData?: unknown }> {
  return (p) =>
    p.userData === undefined || typeof p.userData === 'function'
      ? undefined
      : `userData: got ${typeof p.userData}; pass a function (${argument}) => cloud-config string, or leave it unset`;
}

/** `packages`: a list of Debian packages. */
const packagesRule: Rule<{ readonly packages?: unknown }> = (p) =>
  p.packages === undefined || Array.isArray(p.packages)
    ? undefined
    : `packages: got ${show(p.packages)}; give a list of { name, version? } Debian packages, or leave it unset`;

/**
 * `adminAccess`: CIDRs (never every address) and/or a security group; an empty object admits nobody, so it is
 * refused as a likely mistake.
 */
const adminAccessRule: Rule<{ readonly adminAccess?: AdminAccess }> = (p) => {
  const a = p.adminAccess;
  if (a === undefined || isUnresolved(a)) return undefined;
  if (typeof a !== 'object' || a === null || (a.cidrs !== undefined && !Array.isArray(a.cidrs))) {
    return `adminAccess: got ${show(a)}; give { cidrs: ["10.20.200.0/24"] } and/or { securityGroupId: "sg-..." }`;
  }
  if ((a.cidrs ?? []).length === 0 && a.securityGroupId === undefined) {
    return `adminAccess: got ${show(a)}; name the admin hosts' CIDRs and/or security group, or leave adminAccess out`;
  }
  const problems = cidrListProblems(
    'adminAccess.cidrs',
    a.cidrs,
    'admin access must not be open to every address: name the admin hosts',
  );
  const sg = idProblem(
    'adminAccess.securityGroupId',
    a.securityGroupId,
    /^sg-[0-9a-z]+$/,
    'sg-0123456789abcdef0',
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
    ? `enableSsm: got ${show((p as { enableSsm?: unknown }).enableSsm)}; removed (Debian AMIs carry no SSM agent): drop it and get in with SSH through an EC2 Instance Connect Endpoint or a bastion (see the README)`
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
  reservedTags: reservedTagsRule,
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
export function clusterNameProblem(name: unknown, prop = 'cluster.name'): string | undefined {
  return isAwsClusterName(name) ? undefined : `${prop}: got ${show(name)}; use ${AWS_CLUSTER_NAME_RULE}`;
}

/** `cluster.etcd.members`: userdata's one member-count rule. */
export function etcdMemberCountProblem(count: number, prop = 'cluster.etcd.members'): string | undefined {
  return isEtcdMemberCount(count)
    ? undefined
    : `${prop}: got ${count} member(s); use ${ETCD_MEMBER_COUNT_RULE}`;
}

/** `cluster.patroni.nodes`: userdata's one node-count rule. */
export function patroniNodeCountProblem(count: number, prop = 'cluster.patroni.nodes'): string | undefined {
  return isPatroniNodeCount(count)
    ? undefined
    : `${prop}: got ${count} node(s); use ${PATRONI_NODE_COUNT_RULE}`;
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
): string[] {
  const problems: string[] = [];
  hosts.forEach((h, i) => {
    if (typeof h?.name !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(h.name)) {
      problems.push(`${prop}[${i}].name: got ${show(h?.name)}; use lowercase letters, digits and "-"`);
    }
    if (!isDnsName(h?.host, maxLength) || (zone !== '' && !h.host.endsWith(`.${zone}`))) {
      problems.push(
        `${prop}[${i}].host: got ${show(h?.host)}; on AWS each ${words.noun} is dialled by a DNS name inside zoneName ${show(zone)}, like "${words.namePrefix}-${i + 1}.<cluster>.${zone}" (${words.builder}() builds them)`,
      );
    }
  });
  return problems;
}
