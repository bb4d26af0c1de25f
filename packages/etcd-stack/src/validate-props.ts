import type { Cluster } from '@pgha/userdata';
import { EtcdStackError } from './errors.js';
import { collectProblems, isAnyAddress, isIpv4Cidr, isUnresolved, type Rule, show } from './private/rules.js';
import type { ClientSource, EtcdClusterProps } from './props.js';

/** Defaults of the optional {@link EtcdClusterProps}. */
export const ETCD_CLUSTER_DEFAULTS = {
  instanceType: 't3.small',
  dataVolumeSizeGiB: 20,
  rootVolumeSizeGiB: 16,
  rootDeviceName: '/dev/xvda',
  dnsTtlSeconds: 10,
  clientLoadBalancer: false,
  secretRecoveryWindowDays: 30,
  enableSsm: true,
  partition: 'aws',
} as const;

const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const DNS_NAME = /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function intInRange(
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  fix = '',
): string | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    return `${prop}: got ${show(value)}; use a whole number from ${min} to ${max}${fix}`;
  }
  return undefined;
}

function prefixed(
  prop: string,
  value: string | undefined,
  prefix: RegExp,
  example: string,
): string | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  if (!prefix.test(value)) return `${prop}: got ${show(value)}; expected an id like "${example}"`;
  return undefined;
}

function clientSourceProblem(prop: string, source: ClientSource): string | undefined {
  if ('cidr' in source) {
    if (isUnresolved(source.cidr)) return undefined;
    if (!isIpv4Cidr(source.cidr))
      return `${prop}: got ${show(source.cidr)}; use an IPv4 CIDR like "10.0.0.0/16"`;
    if (isAnyAddress(source.cidr)) {
      return `${prop}: got ${show(source.cidr)}; etcd must not be open to every address: name the client CIDRs or security groups`;
    }
    return undefined;
  }
  if (!('securityGroupId' in source) || typeof source.securityGroupId !== 'string') {
    return `${prop}: got ${show(source)}; give { cidr: "10.0.0.0/16" } or { securityGroupId: "sg-..." }`;
  }
  return prefixed(prop, source.securityGroupId, /^sg-[0-9a-z]+$/, 'sg-0123456789abcdef0');
}

function clusterProblems(p: EtcdClusterProps): string[] {
  const c = p.cluster as Partial<Cluster> | undefined;
  if (typeof c !== 'object' || c === null || typeof c.etcd !== 'object' || !Array.isArray(c.etcd?.members)) {
    return [`cluster: got ${show(c)}; pass the cluster description from defineCluster() of @pgha/userdata`];
  }
  const problems: string[] = [];
  if (typeof c.name !== 'string' || !CLUSTER_NAME.test(c.name) || c.name.endsWith('-')) {
    problems.push(
      `cluster.name: got ${show(c.name)}; use 1..20 lowercase letters, digits or "-", starting with a letter and not ending with "-" (load balancer names derive from it)`,
    );
  }
  const members = c.etcd.members;
  if (members.length !== 3 && members.length !== 5) {
    problems.push(
      `cluster.etcd.members: got ${members.length} member(s); use 3 (tolerates one failed member) or 5 (tolerates two): an even count adds no fault tolerance`,
    );
  }
  const zone = typeof p.zoneName === 'string' && DNS_NAME.test(p.zoneName) ? p.zoneName : '';
  members.forEach((m, i) => {
    if (typeof m?.name !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(m.name)) {
      problems.push(
        `cluster.etcd.members[${i}].name: got ${show(m?.name)}; use lowercase letters, digits and "-"`,
      );
    }
    if (
      typeof m?.host !== 'string' ||
      !DNS_NAME.test(m.host) ||
      (zone !== '' && !m.host.endsWith(`.${zone}`))
    ) {
      problems.push(
        `cluster.etcd.members[${i}].host: got ${show(m?.host)}; on AWS each member is dialled by a DNS name inside zoneName ${show(zone)}, like "etcd-${i + 1}.<cluster>.${zone}" (awsEtcdMembers() builds them)`,
      );
    }
  });
  return problems;
}

/** The rule table. Each rule names the prop, the value given and the fix; unresolved tokens are skipped. */
const RULES: readonly Rule<EtcdClusterProps>[] = [
  (p) => clusterProblems(p),
  (p) => prefixed('vpcId', p.vpcId ?? '', /^vpc-[0-9a-z]+$/, 'vpc-0123456789abcdef0'),
  (p) => prefixed('amiId', p.amiId ?? '', /^ami-[0-9a-z]+$/, 'ami-0123456789abcdef0'),
  (p) => {
    if (isUnresolved(p.subnets)) return undefined;
    if (!Array.isArray(p.subnets) || p.subnets.length < 3) {
      return `subnets: got ${p.subnets?.length ?? 0} subnet(s); give one private subnet in each of at least 3 availability zones, so that losing one zone keeps a quorum`;
    }
    return undefined;
  },
  (p) => {
    if (!Array.isArray(p.subnets)) return undefined;
    const bad = p.subnets.filter(
      (s) => !isUnresolved(s.subnetId) && !/^subnet-[0-9a-z]+$/.test(s.subnetId ?? ''),
    );
    return bad.length === 0
      ? undefined
      : `subnets[].subnetId: got ${bad.map((s) => show(s.subnetId)).join(', ')}; expected ids like "subnet-0123456789abcdef0"`;
  },
  (p) => {
    if (!Array.isArray(p.subnets)) return undefined;
    const zones = p.subnets.map((s) => s.availabilityZone).filter((z) => !isUnresolved(z));
    const empty = zones.filter((z) => typeof z !== 'string' || z.trim() === '');
    if (empty.length > 0)
      return `subnets[].availabilityZone: got ${show(empty[0])}; give each subnet's zone, like "eu-west-1a"`;
    const dupes = zones.filter((z, i) => zones.indexOf(z) !== i);
    return dupes.length === 0
      ? undefined
      : `subnets[].availabilityZone: ${show([...new Set(dupes)])} given more than once; give one subnet per availability zone`;
  },
  (p) =>
    p.instanceType !== undefined &&
    !isUnresolved(p.instanceType) &&
    !/^[a-z0-9-]+\.[a-z0-9]+$/.test(p.instanceType)
      ? `instanceType: got ${show(p.instanceType)}; use an EC2 instance type like "t3.small"`
      : undefined,
  (p) => intInRange('dataVolumeSizeGiB', p.dataVolumeSizeGiB, 1, 16384),
  (p) => intInRange('rootVolumeSizeGiB', p.rootVolumeSizeGiB, 8, 16384),
  (p) =>
    p.rootDeviceName === undefined ||
    isUnresolved(p.rootDeviceName) ||
    /^\/dev\/[a-z0-9]+$/.test(p.rootDeviceName)
      ? undefined
      : `rootDeviceName: got ${show(p.rootDeviceName)}; use the AMI's root device, like "/dev/xvda"`,
  (p) =>
    isUnresolved(p.zoneName) || (typeof p.zoneName === 'string' && DNS_NAME.test(p.zoneName))
      ? undefined
      : `zoneName: got ${show(p.zoneName)}; use a lowercase DNS name without a trailing dot, like "pgha.internal"`,
  (p) => prefixed('hostedZoneId', p.hostedZoneId, /^Z[A-Z0-9]{1,31}$/, 'Z0123456789ABCDEFGHIJ'),
  (p) => intInRange('dnsTtlSeconds', p.dnsTtlSeconds, 5, 3600),
  (p) => {
    const problems = (p.allowClientsFrom ?? [])
      .map((s, i) => clientSourceProblem(`allowClientsFrom[${i}]`, s))
      .filter((x): x is string => x !== undefined);
    return problems;
  },
  (p) =>
    prefixed(
      'kmsKeyArn',
      p.kmsKeyArn,
      /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/.+$/,
      'arn:aws:kms:eu-west-1:123456789012:key/...',
    ),
  (p) => {
    const v = p.secretRecoveryWindowDays;
    if (v === undefined || isUnresolved(v) || v === 0 || (Number.isInteger(v) && v >= 7 && v <= 30))
      return undefined;
    return `secretRecoveryWindowDays: got ${show(v)}; use 0 (delete at once) or a whole number from 7 to 30`;
  },
  (p) =>
    p.partition === undefined || /^aws(-[a-z]+)*$/.test(p.partition)
      ? undefined
      : `partition: got ${show(p.partition)}; use "aws", "aws-cn" or "aws-us-gov"`,
  (p) => {
    const reserved = Object.keys(p.tags ?? {}).filter((k) => k.startsWith('pgha:'));
    return reserved.length === 0
      ? undefined
      : `tags: keys ${show(reserved)} use the reserved "pgha:" prefix; rename them`;
  },
  (p) =>
    p.userData === undefined || typeof p.userData === 'function'
      ? undefined
      : `userData: got ${typeof p.userData}; pass a function (member) => cloud-config string, or leave it unset`,
  (p) =>
    p.packages === undefined || Array.isArray(p.packages)
      ? undefined
      : `packages: got ${show(p.packages)}; give a list of { name, version? } Debian packages, or leave it unset`,
];

/**
 * Checks the props against every rule and throws one {@link EtcdStackError} (code `ETCD_STACK_INVALID_PROPS`)
 * listing every broken rule. Values that are unresolved Terraform tokens are not checked.
 */
export function validateEtcdClusterProps(props: EtcdClusterProps, path = 'EtcdCluster'): void {
  const problems = collectProblems(props, RULES);
  if (problems.length === 0) return;
  throw new EtcdStackError(
    'ETCD_STACK_INVALID_PROPS',
    `${path}: ${problems.length} invalid prop(s):\n  - ${problems.join('\n  - ')}`,
    problems,
  );
}

/** Checks one client source (as given to `allowClientsFrom()`); throws {@link EtcdStackError} when it is bad. */
export function validateClientSource(source: ClientSource, path: string): void {
  const problem = clientSourceProblem('source', source);
  if (problem === undefined) return;
  throw new EtcdStackError('ETCD_STACK_INVALID_PROPS', `${path}: ${problem}`, [problem]);
}
