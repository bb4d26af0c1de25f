import type { EtcdMemberInput } from '@pgha/userdata';

/** Options of {@link awsEtcdMembers}. */
export interface AwsEtcdMembersOptions {
  /** Cluster name (as in the cluster description). */
  readonly clusterName: string;
  /** DNS zone the member records live in, as given to `EtcdCluster`. */
  readonly zoneName: string;
  /**
   * 3 or 5.
   * @default 3
   */
  readonly memberCount?: number;
}

/**
 * The etcd members of a cluster description for AWS: `etcd-<i>`, dialled by `etcd-<i>.<cluster>.<zone>`
 * (the names `EtcdCluster` keeps in DNS, and the SANs the member certificates need).
 */
export function awsEtcdMembers(options: AwsEtcdMembersOptions): EtcdMemberInput[] {
  const count = options.memberCount ?? 3;
  return Array.from({ length: count }, (_, i) => ({
    name: `etcd-${i + 1}`,
    host: `etcd-${i + 1}.${options.clusterName}.${options.zoneName}`,
  }));
}
