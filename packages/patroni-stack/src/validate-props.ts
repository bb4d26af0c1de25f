import type { Cluster } from '@pgha/userdata';
import { PatroniStackError } from './errors.js';
import {
  cidrContains,
  collectProblems,
  isAnyAddress,
  isIpv4Cidr,
  isUnresolved,
  type Rule,
  show,
} from './private/rules.js';
import type { ClientSource, PatroniClusterProps } from './props.js';

/** Defaults of the optional {@link PatroniClusterProps} (`allowedClientCidrs`: the cluster's allowed CIDRs). */
export const PATRONI_CLUSTER_DEFAULTS = {
  instanceType: 't3.medium',
  dnsTtlSeconds: 30,
  dataVolumeSizeGiB: 50,
  rootVolumeSizeGiB: 16,
  preserveClientIp: false,
  healthCheckIntervalSeconds: 5,
  healthCheckTimeoutSeconds: 3,
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  deregistrationDelaySeconds: 10,
  rootDeviceName: '/dev/xvda',
  secretRecoveryWindowDays: 30,
  enableSsm: true,
  partition: 'aws',
} as const;

const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function intInRange(prop: string, value: number | undefined, min: number, max: number): string | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    return `${prop}: got ${show(value)}; use a whole number from ${min} to ${max}`;
  }
  return undefined;
}

function prefixed(
  prop: string,
  value: string | undefined,
  pattern: RegExp,
  example: string,
): string | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  if (!pattern.test(value)) return `${prop}: got ${show(value)}; expected a value like "${example}"`;
  return undefined;
}

function cidrProblems(prop: string, cidrs: readonly string[] | undefined, what: string): string[] {
  const problems: string[] = [];
  (cidrs ?? []).forEach((cidr, i) => {
    if (isUnresolved(cidr)) return;
    if (typeof cidr !== 'string' || !isIpv4Cidr(cidr)) {
      problems.push(`${prop}[${i}]: got ${show(cidr)}; use an IPv4 CIDR like "10.0.0.0/16"`);
    } else if (isAnyAddress(cidr)) {
      problems.push(
        `${prop}[${i}]: got ${show(cidr)}; ${what} must not be open to every address: name the client networks`,
      );
    }
  });
  return problems;
}

function clientSourceProblem(prop: string, source: ClientSource): string | undefined {
  if ('cidr' in source)
    return cidrProblems(prop, [source.cidr], 'PostgreSQL')[0]?.replace(`${prop}[0]`, prop);
  if (!('securityGroupId' in source) || typeof source.securityGroupId !== 'string') {
    return `${prop}: got ${show(source)}; give { cidr: "10.0.0.0/16" } or { securityGroupId: "sg-..." }`;
  }
  return prefixed(prop, source.securityGroupId, /^sg-[0-9a-z]+$/, 'sg-0123456789abcdef0');
}

function clusterProblems(p: PatroniClusterProps): string[] {
  const c = p.cluster as Partial<Cluster> | undefined;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.patroni !== 'object' ||
    !Array.isArray(c.patroni?.nodes)
  ) {
    return [`cluster: got ${show(c)}; pass the cluster description from defineCluster() of @pgha/userdata`];
  }
  const problems: string[] = [];
  if (typeof c.name !== 'string' || !CLUSTER_NAME.test(c.name) || c.name.endsWith('-')) {
    problems.push(
      `cluster.name: got ${show(c.name)}; use 1..20 lowercase letters, digits or "-", starting with a letter and not ending with "-" (load balancer names derive from it)`,
    );
  }
  const nodes = c.patroni.nodes;
  if (nodes.length < 2 || nodes.length > 5) {
    problems.push(`cluster.patroni.nodes: got ${nodes.length} node(s); use 2 to 5`);
  }
  const zone = typeof p.zoneName === 'string' && DNS_NAME.test(p.zoneName) ? p.zoneName : '';
  nodes.forEach((n, i) => {
    if (typeof n?.name !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(n.name)) {
      problems.push(
        `cluster.patroni.nodes[${i}].name: got ${show(n?.name)}; use lowercase letters, digits and "-"`,
      );
    }
    if (
      typeof n?.host !== 'string' ||
      !DNS_NAME.test(n.host) ||
      (zone !== '' && !n.host.endsWith(`.${zone}`))
    ) {
      problems.push(
        `cluster.patroni.nodes[${i}].host: got ${show(n?.host)}; on AWS each node is dialled by a DNS name inside zoneName ${show(zone)}, like "pg-${i + 1}.<cluster>.${zone}" (awsPatroniNodes() builds them)`,
      );
    }
  });
  const vpc = typeof p.vpcCidr === 'string' && isIpv4Cidr(p.vpcCidr) ? p.vpcCidr : undefined;
  const covers = (cidrs: readonly string[] | undefined) =>
    vpc === undefined ||
    (cidrs ?? []).some((x) => typeof x === 'string' && isIpv4Cidr(x) && cidrContains(x, vpc));
  if (!p.preserveClientIp && !covers(c.patroni.allowedCidrs)) {
    problems.push(
      `cluster.patroni.allowedCidrs: got ${show(c.patroni.allowedCidrs)}; with client IP preservation off PostgreSQL sees the load balancer's addresses, so pg_hba must admit the VPC: add ${show(vpc)} (or turn preserveClientIp on)`,
    );
  }
  if (!covers(c.patroni.replicationCidrs)) {
    problems.push(
      `cluster.patroni.replicationCidrs: got ${show(c.patroni.replicationCidrs)}; replicas connect from inside the VPC: include ${show(vpc)}`,
    );
  }
  return problems;
}

/** The rule table. Each rule names the prop, the value given and the fix; unresolved tokens are skipped. */
const RULES: readonly Rule<PatroniClusterProps>[] = [
  (p) => clusterProblems(p),
  (p) => prefixed('vpcId', p.vpcId ?? '', /^vpc-[0-9a-z]+$/, 'vpc-0123456789abcdef0'),
  (p) => {
    if (isUnresolved(p.vpcCidr)) return undefined;
    if (typeof p.vpcCidr !== 'string' || !isIpv4Cidr(p.vpcCidr) || isAnyAddress(p.vpcCidr)) {
      return `vpcCidr: got ${show(p.vpcCidr)}; give the VPC's IPv4 CIDR block, like "10.0.0.0/16"`;
    }
    return undefined;
  },
  (p) => prefixed('amiId', p.amiId ?? '', /^ami-[0-9a-z]+$/, 'ami-0123456789abcdef0'),
  (p) => {
    if (isUnresolved(p.subnets)) return undefined;
    if (!Array.isArray(p.subnets) || p.subnets.length < 2) {
      return `subnets: got ${p.subnets?.length ?? 0} subnet(s); give one private subnet in each of at least 2 availability zones (3 recommended), so that losing a zone leaves a node to promote`;
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
    isUnresolved(p.zoneName) || (typeof p.zoneName === 'string' && DNS_NAME.test(p.zoneName))
      ? undefined
      : `zoneName: got ${show(p.zoneName)}; use a lowercase DNS name without a trailing dot, like "pgha.internal"`,
  (p) => prefixed('hostedZoneId', p.hostedZoneId ?? '', /^Z[A-Z0-9]{1,31}$/, 'Z0123456789ABCDEFGHIJ'),
  (p) => intInRange('dnsTtlSeconds', p.dnsTtlSeconds, 5, 3600),
  (p) =>
    p.packages === undefined || Array.isArray(p.packages)
      ? undefined
      : `packages: got ${show(p.packages)}; give a list of { name, version? } Debian packages, or leave it unset`,
  (p) =>
    p.instanceType !== undefined &&
    !isUnresolved(p.instanceType) &&
    !/^[a-z0-9-]+\.[a-z0-9]+$/.test(p.instanceType)
      ? `instanceType: got ${show(p.instanceType)}; use an EC2 instance type like "t3.medium"`
      : undefined,
  (p) => intInRange('dataVolumeSizeGiB', p.dataVolumeSizeGiB, 1, 16384),
  (p) => intInRange('rootVolumeSizeGiB', p.rootVolumeSizeGiB, 8, 16384),
  (p) => cidrProblems('allowedClientCidrs', p.allowedClientCidrs, 'PostgreSQL'),
  (p) => intInRange('healthCheckIntervalSeconds', p.healthCheckIntervalSeconds, 5, 300),
  (p) => intInRange('healthCheckTimeoutSeconds', p.healthCheckTimeoutSeconds, 2, 120),
  (p) => {
    const interval = p.healthCheckIntervalSeconds ?? PATRONI_CLUSTER_DEFAULTS.healthCheckIntervalSeconds;
    const timeout = p.healthCheckTimeoutSeconds ?? PATRONI_CLUSTER_DEFAULTS.healthCheckTimeoutSeconds;
    if (isUnresolved(interval) || isUnresolved(timeout) || timeout < interval) return undefined;
    return `healthCheckTimeoutSeconds: got ${show(timeout)} with healthCheckIntervalSeconds ${show(interval)}; the timeout must be less than the interval`;
  },
  (p) => intInRange('healthyThresholdCount', p.healthyThresholdCount, 2, 10),
  (p) => intInRange('unhealthyThresholdCount', p.unhealthyThresholdCount, 2, 10),
  (p) => intInRange('replicaMaxLagBytes', p.replicaMaxLagBytes, 0, Number.MAX_SAFE_INTEGER),
  (p) => intInRange('deregistrationDelaySeconds', p.deregistrationDelaySeconds, 0, 3600),
  (p) => {
    const d = p.loadBalancerDns;
    if (d === undefined) return undefined;
    const problems: string[] = [];
    const zone = prefixed(
      'loadBalancerDns.hostedZoneId',
      d.hostedZoneId,
      /^Z[A-Z0-9]{1,31}$/,
      'Z0123456789ABCDEFGHIJ',
    );
    if (zone) problems.push(zone);
    if (!isUnresolved(d.recordName) && !(typeof d.recordName === 'string' && DNS_NAME.test(d.recordName))) {
      problems.push(
        `loadBalancerDns.recordName: got ${show(d.recordName)}; use a lowercase DNS name like "db.pgha.internal"`,
      );
    }
    return problems;
  },
  (p) => {
    const hasKey = p.sshKeyName !== undefined;
    const hasCidrs = (p.sshAllowedCidrs ?? []).length > 0;
    if (hasKey === hasCidrs) return undefined;
    return hasKey
      ? `sshAllowedCidrs: got ${show(p.sshAllowedCidrs ?? [])} with sshKeyName ${show(p.sshKeyName)}; name the networks allowed on port 22, or drop sshKeyName and use SSM`
      : `sshKeyName: got undefined with sshAllowedCidrs ${show(p.sshAllowedCidrs)}; give a key pair name, or drop sshAllowedCidrs`;
  },
  (p) => cidrProblems('sshAllowedCidrs', p.sshAllowedCidrs, 'SSH'),
  (p) =>
    p.rootDeviceName === undefined ||
    isUnresolved(p.rootDeviceName) ||
    /^\/dev\/[a-z0-9]+$/.test(p.rootDeviceName)
      ? undefined
      : `rootDeviceName: got ${show(p.rootDeviceName)}; use the AMI's root device, like "/dev/xvda"`,
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
      : `userData: got ${typeof p.userData}; pass a function (node) => cloud-config string, or leave it unset`,
];

/**
 * Checks the props against every rule and throws one {@link PatroniStackError}
 * (code `PATRONI_STACK_INVALID_PROPS`) listing every broken rule. Unresolved Terraform tokens are not checked.
 */
export function validatePatroniClusterProps(props: PatroniClusterProps, path = 'PatroniCluster'): void {
  const problems = collectProblems(props, RULES);
  if (problems.length === 0) return;
  throw new PatroniStackError(
    'PATRONI_STACK_INVALID_PROPS',
    `${path}: ${problems.length} invalid prop(s):\n  - ${problems.join('\n  - ')}`,
    problems,
  );
}

/** Checks one client source (as given to `allowClientsFrom()`); throws {@link PatroniStackError} when bad. */
export function validateClientSource(source: ClientSource, path: string): void {
  const problem = clientSourceProblem('source', source);
  if (problem === undefined) return;
  throw new PatroniStackError('PATRONI_STACK_INVALID_PROPS', `${path}: ${problem}`, [problem]);
}
