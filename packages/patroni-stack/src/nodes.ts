import type { PatroniNodeInput } from '@pgha/userdata';

/** Options of {@link awsPatroniNodes}. */
export interface AwsPatroniNodesOptions {
  /** Cluster name (as in the cluster description). */
  readonly clusterName: string;
  /** DNS zone the node records live in, as given to `PatroniCluster`. */
  readonly zoneName: string;
  /**
   * 2..5.
   * @default 3
   */
  readonly nodeCount?: number;
}

/**
 * The Patroni nodes of a cluster description for AWS: `pg-<i>`, dialled by `pg-<i>.<cluster>.<zone>` (the
 * records `PatroniCluster` points at the instances, and the SANs the node certificates need).
 */
export function awsPatroniNodes(options: AwsPatroniNodesOptions): PatroniNodeInput[] {
  const count = options.nodeCount ?? 3;
  return Array.from({ length: count }, (_, i) => ({
    name: `pg-${i + 1}`,
    host: `pg-${i + 1}.${options.clusterName}.${options.zoneName}`,
  }));
}
