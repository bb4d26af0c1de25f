import {
  cidrContains,
  cidrListProblems,
  clientSourceProblem,
  clusterNameProblem,
  collectProblems,
  commonRules,
  HEALTH_CHECK_INTERVAL_SECONDS,
  HEALTH_CHECK_THRESHOLD_COUNT,
  hostedZoneIdProblem,
  hostProblems,
  type IntRange,
  intInRangeProblem,
  invalidPropsMessage,
  isDnsName,
  isIpv4Cidr,
  isUnresolved,
  isZoneName,
  type Problem,
  patroniNodeCountProblem,
  problem,
  problemLine,
  type Rule,
  show,
} from '@pgha/aws-kit';
import type { Cluster } from '@pgha/userdata';
import { PatroniStackError } from './errors.js';
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
  partition: 'aws',
} as const;

/** aws-kit's range for the prop (the AWS config reader asks the same one). */
const rangeProblem = (prop: string, value: number | undefined, range: IntRange) =>
  intInRangeProblem(prop, value, range.min, range.max);

/** What the end of a problem line says about a CIDR that admits every address. */
const openToAll = (what: string) => `${what} must not be open to every address: name the client networks`;

function clusterProblems(p: PatroniClusterProps): Problem[] {
  const c = p.cluster as Partial<Cluster> | undefined;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.patroni !== 'object' ||
    !Array.isArray(c.patroni?.nodes)
  ) {
    return [problem(`cluster`, c, `pass the cluster description from defineCluster() of @pgha/userdata`)];
  }
  const problems: Problem[] = [];
  const name = clusterNameProblem(c.name);
  if (name !== undefined) problems.push(name);
  const nodes = c.patroni.nodes;
  const count = patroniNodeCountProblem(nodes.length);
  if (count !== undefined) problems.push(count);
  const zone = isZoneName(p.zoneName) ? p.zoneName : '';
  problems.push(
    ...hostProblems('cluster.patroni.nodes', nodes, zone, {
      noun: 'node',
      namePrefix: 'pg',
      builder: 'awsPatroniNodes',
    }),
  );
  const vpc = typeof p.vpcCidr === 'string' && isIpv4Cidr(p.vpcCidr) ? p.vpcCidr : undefined;
  const covers = (cidrs: readonly string[] | undefined) =>
    vpc === undefined ||
    (cidrs ?? []).some((x) => typeof x === 'string' && isIpv4Cidr(x) && cidrContains(x, vpc));
  if (!p.preserveClientIp && !covers(c.patroni.allowedCidrs)) {
    problems.push(
      problem(
        `cluster.patroni.allowedCidrs`,
        c.patroni.allowedCidrs,
        `with client IP preservation off PostgreSQL sees the load balancer's addresses, so pg_hba must admit the VPC: add ${show(vpc)} (or turn preserveClientIp on)`,
      ),
    );
  }
  if (!covers(c.patroni.replicationCidrs)) {
    problems.push(
      problem(
        `cluster.patroni.replicationCidrs`,
        c.patroni.replicationCidrs,
        `replicas connect from inside the VPC: include ${show(vpc)}`,
      ),
    );
  }
  return problems;
}

/** The rule table. Each rule names the prop, the value given and the fix; unresolved tokens are skipped. */
const RULES: readonly Rule<PatroniClusterProps>[] = [
  clusterProblems,
  commonRules.vpcId,
  commonRules.vpcCidr,
  commonRules.amiId,
  commonRules.subnetCount(2, ' (3 recommended), so that losing a zone leaves a node to promote'),
  commonRules.subnetIds,
  commonRules.subnetZones,
  commonRules.zoneName,
  commonRules.hostedZoneId(true),
  commonRules.dnsTtl,
  commonRules.packages,
  commonRules.instanceType(PATRONI_CLUSTER_DEFAULTS.instanceType),
  commonRules.dataVolumeSize,
  commonRules.rootVolumeSize,
  (p) => cidrListProblems('allowedClientCidrs', p.allowedClientCidrs, openToAll('PostgreSQL')),
  (p) =>
    rangeProblem('healthCheckIntervalSeconds', p.healthCheckIntervalSeconds, HEALTH_CHECK_INTERVAL_SECONDS),
  (p) => intInRangeProblem('healthCheckTimeoutSeconds', p.healthCheckTimeoutSeconds, 2, 120),
  (p) => {
    const interval = p.healthCheckIntervalSeconds ?? PATRONI_CLUSTER_DEFAULTS.healthCheckIntervalSeconds;
    const timeout = p.healthCheckTimeoutSeconds ?? PATRONI_CLUSTER_DEFAULTS.healthCheckTimeoutSeconds;
    if (isUnresolved(interval) || isUnresolved(timeout) || timeout < interval) return undefined;
    return problem(
      'healthCheckTimeoutSeconds',
      timeout,
      `the timeout must be less than healthCheckIntervalSeconds (${show(interval)})`,
    );
  },
  (p) => rangeProblem('healthyThresholdCount', p.healthyThresholdCount, HEALTH_CHECK_THRESHOLD_COUNT),
  (p) => rangeProblem('unhealthyThresholdCount', p.unhealthyThresholdCount, HEALTH_CHECK_THRESHOLD_COUNT),
  (p) => intInRangeProblem('replicaMaxLagBytes', p.replicaMaxLagBytes, 0, Number.MAX_SAFE_INTEGER),
  (p) => intInRangeProblem('deregistrationDelaySeconds', p.deregistrationDelaySeconds, 0, 3600),
  (p) => {
    const d = p.loadBalancerDns;
    if (d === undefined) return undefined;
    const problems: Problem[] = [];
    const zone = hostedZoneIdProblem('loadBalancerDns.hostedZoneId', d.hostedZoneId);
    if (zone) problems.push(zone);
    if (!isUnresolved(d.recordName) && !isDnsName(d.recordName)) {
      problems.push(
        problem(
          `loadBalancerDns.recordName`,
          d.recordName,
          `use a lowercase DNS name like "db.pgha.internal"`,
        ),
      );
    }
    return problems;
  },
  (p) => {
    const hasKey = p.sshKeyName !== undefined;
    const hasCidrs = (p.sshAllowedCidrs ?? []).length > 0;
    if (hasKey === hasCidrs) return undefined;
    return hasKey
      ? problem(
          'sshAllowedCidrs',
          p.sshAllowedCidrs ?? [],
          `with sshKeyName ${show(p.sshKeyName)}, name the networks allowed on port 22, or drop sshKeyName and use SSM`,
        )
      : problem(
          'sshKeyName',
          undefined,
          `with sshAllowedCidrs ${show(p.sshAllowedCidrs)}, give a key pair name, or drop sshAllowedCidrs`,
        );
  },
  (p) => cidrListProblems('sshAllowedCidrs', p.sshAllowedCidrs, openToAll('SSH')),
  commonRules.rootDeviceName,
  commonRules.adminAccess,
  (p) =>
    (p.adminAccess?.cidrs ?? []).length > 0 && p.preserveClientIp !== true
      ? problem(
          'preserveClientIp',
          p.preserveClientIp ?? false,
          `with adminAccess.cidrs ${show(p.adminAccess?.cidrs)} the superuser may log in only from those CIDRs, and without client IP preservation PostgreSQL sees the load balancer's addresses instead: set preserveClientIp to true`,
        )
      : undefined,
  commonRules.removedProps,
  commonRules.kmsKeyArn,
  commonRules.secretRecoveryWindow,
  commonRules.partition,
  commonRules.reservedTags,
  commonRules.userData('node'),
];

/**
 * Checks the props against every rule and throws one {@link PatroniStackError}
 * (code `PATRONI_STACK_INVALID_PROPS`) listing every broken rule. Unresolved Terraform tokens are not checked.
 */
export function validatePatroniClusterProps(props: PatroniClusterProps, path = 'PatroniCluster'): void {
  const problems = collectProblems(props, RULES);
  if (problems.length === 0) return;
  throw new PatroniStackError('PATRONI_STACK_INVALID_PROPS', invalidPropsMessage(path, problems), problems);
}

/** Checks one client source (as given to `allowClientsFrom()`); throws {@link PatroniStackError} when bad. */
export function validateClientSource(source: ClientSource, path: string): void {
  const problem = clientSourceProblem('source', source, openToAll('PostgreSQL'));
  if (problem === undefined) return;
  throw new PatroniStackError('PATRONI_STACK_INVALID_PROPS', `${path}: ${problemLine(problem)}`, [problem]);
}
