import {
  clientSourceProblem,
  clusterNameProblem,
  collectProblems,
  commonRules,
  etcdMemberCountProblem,
  hostProblems,
  invalidPropsMessage,
  isZoneName,
  type Problem,
  problem,
  problemLine,
  type Rule,
  ZONE_NAME_MAX_LENGTH,
} from '@pgha/aws-kit';
import type { Cluster } from '@pgha/userdata';
import { EtcdStackError } from './errors.js';
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
  partition: 'aws',
} as const;

const OPEN_TO_ALL = 'etcd must not be open to every address: name the client CIDRs or security groups';

function clusterProblems(p: EtcdClusterProps): Problem[] {
  const c = p.cluster as Partial<Cluster> | undefined;
  if (typeof c !== 'object' || c === null || typeof c.etcd !== 'object' || !Array.isArray(c.etcd?.members)) {
    return [problem(`cluster`, c, `pass the cluster description from defineCluster() of @pgha/userdata`)];
  }
  const problems: Problem[] = [];
  const name = clusterNameProblem(c.name);
  if (name !== undefined) problems.push(name);
  const members = c.etcd.members;
  const count = etcdMemberCountProblem(members.length);
  if (count !== undefined) problems.push(count);
  const zone = isZoneName(p.zoneName) ? p.zoneName : '';
  problems.push(
    ...hostProblems(
      'cluster.etcd.members',
      members,
      zone,
      { noun: 'member', namePrefix: 'etcd', builder: 'awsEtcdMembers' },
      ZONE_NAME_MAX_LENGTH,
    ),
  );
  return problems;
}

/** The rule table. Each rule names the prop, the value given and the fix; unresolved tokens are skipped. */
const RULES: readonly Rule<EtcdClusterProps>[] = [
  clusterProblems,
  commonRules.vpcId,
  commonRules.amiId,
  commonRules.subnetCount(3, ', so that losing one zone keeps a quorum'),
  commonRules.subnetIds,
  commonRules.subnetZones,
  commonRules.instanceType(ETCD_CLUSTER_DEFAULTS.instanceType),
  commonRules.dataVolumeSize,
  commonRules.rootVolumeSize,
  commonRules.rootDeviceName,
  commonRules.zoneName,
  commonRules.hostedZoneId(false),
  commonRules.dnsTtl,
  (p) =>
    (p.allowClientsFrom ?? [])
      .map((s, i) => clientSourceProblem(`allowClientsFrom[${i}]`, s, OPEN_TO_ALL))
      .filter((x): x is Problem => x !== undefined),
  commonRules.adminAccess,
  commonRules.removedProps,
  commonRules.kmsKeyArn,
  commonRules.secretRecoveryWindow,
  commonRules.partition,
  commonRules.reservedTags,
  commonRules.userData('member'),
  commonRules.packages,
];

/**
 * Checks the props against every rule and throws one {@link EtcdStackError} (code `ETCD_STACK_INVALID_PROPS`)
 * listing every broken rule. Values that are unresolved Terraform tokens are not checked.
 */
export function validateEtcdClusterProps(props: EtcdClusterProps, path = 'EtcdCluster'): void {
  const problems = collectProblems(props, RULES);
  if (problems.length === 0) return;
  throw new EtcdStackError('ETCD_STACK_INVALID_PROPS', invalidPropsMessage(path, problems), problems);
}

/** Checks one client source (as given to `allowClientsFrom()`); throws {@link EtcdStackError} when it is bad. */
export function validateClientSource(source: ClientSource, path: string): void {
  const problem = clientSourceProblem('source', source, OPEN_TO_ALL);
  if (problem === undefined) return;
  throw new EtcdStackError('ETCD_STACK_INVALID_PROPS', `${path}: ${problemLine(problem)}`, [problem]);
}
