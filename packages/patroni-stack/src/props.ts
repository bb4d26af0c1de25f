import type { ClientSource, CommonClusterProps, SubnetPlacement } from '@pgha/aws-kit';
import type { Cluster, PackagePin } from '@pgha/userdata';
import type { PatroniNodeUserDataContext } from './user-data.js';

export type { ClientSource, SubnetPlacement };

/** Properties of {@link PatroniCluster}. */
export interface PatroniClusterProps extends CommonClusterProps {
  /**
   * The cluster description (`defineCluster()` from `@pgha/userdata`), the same one the local target renders.
   * Its name (Patroni's scope; 1..20 characters here: load balancer names derive from it) names resources,
   * tags and secrets (`pgha/<name>/patroni/...`); its Patroni nodes (2..5) become the instances here, each
   * `host` a DNS name inside `zoneName` (see `awsPatroniNodes()`); its etcd members are what Patroni dials
   * (directly, not through a load balancer).
   */
  readonly cluster: Cluster;
  /** VPC the nodes and the load balancer run in. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR block: the default client network, and egress to etcd and peers. */
  readonly vpcCidr: string;
  /**
   * One private subnet per availability zone, at least two zones. Nodes are placed round-robin in the order
   * given; the load balancer gets a leg in every subnet.
   */
  readonly subnets: readonly SubnetPlacement[];
  /** AMI id for the nodes (Debian with Patroni, PostgreSQL, cloud-init and the AWS CLI). Ids only. */
  readonly amiId: string;
  /** DNS zone the node records (`pg-1.<cluster>.<zone>` -> private IP) go into, for example `pgha.internal`. */
  readonly zoneName: string;
  /** Route 53 hosted zone named `zoneName` (for example `EtcdCluster.hostedZoneId`). */
  readonly hostedZoneId: string;
  /**
   * TTL of the node A records, in seconds, 5..3600.
   * @default 30
   */
  readonly dnsTtlSeconds?: number;
  /**
   * EC2 instance type of the nodes.
   * @default 't3.medium'
   */
  readonly instanceType?: string;
  /**
   * Size of each node's persistent data volume (encrypted gp3), in GiB. 1..16384.
   * @default 50
   */
  readonly dataVolumeSizeGiB?: number;
  /**
   * Size of each node's root volume (encrypted gp3), in GiB. 8..16384.
   * @default 16
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * Networks allowed to connect through the load balancer (5432 and 5433). `0.0.0.0/0` is refused. More can
   * be added with `allowClientsFrom()`.
   * @default - the cluster description's `patroni.allowedCidrs` (the networks pg_hba admits)
   */
  readonly allowedClientCidrs?: readonly string[];
  /**
   * Preserve client IP addresses on the target groups. Off by default because of the NLB hairpin rule: with
   * preservation on, a connection from a node through the load balancer that lands on the same node is
   * dropped (source and destination are the same instance), so a client running on a node (a backup job, a
   * sidecar) fails for one in N connections. With it off PostgreSQL sees the load balancer's private
   * addresses (inside `vpcCidr`) as the client address. With it on, the client networks are also allowed on
   * the nodes' PostgreSQL port (`cluster.patroni.postgresPort`).
   * @default false
   */
  readonly preserveClientIp?: boolean;
  /**
   * Seconds between load balancer health checks of the Patroni REST API, 5..300.
   * @default 5
   */
  readonly healthCheckIntervalSeconds?: number;
  /**
   * Seconds without an answer that fail a health check, 2..120 and less than the interval.
   * @default 3
   */
  readonly healthCheckTimeoutSeconds?: number;
  /**
   * Consecutive passed checks that make a target healthy, 2..10.
   * @default 2
   */
  readonly healthyThresholdCount?: number;
  /**
   * Consecutive failed checks that make a target unhealthy, 2..10.
   * @default 2
   */
  readonly unhealthyThresholdCount?: number;
  /**
   * Replicas lagging more than this many bytes leave the 5433 pool (`GET /replica?lag=<bytes>`).
   * @default - no lag bound (`GET /replica`)
   */
  readonly replicaMaxLagBytes?: number;
  /**
   * Seconds the load balancer drains a deregistered target, 0..3600.
   * @default 10
   */
  readonly deregistrationDelaySeconds?: number;
  /**
   * Route 53 zone id and a record name to alias to the load balancer (`db.example.internal`). The endpoints
   * then use this name, which can go into the server certificates' SANs before the load balancer exists.
   * @default - no record; endpoints use the load balancer's own DNS name
   */
  readonly loadBalancerDns?: { readonly hostedZoneId: string; readonly recordName: string };
  /**
   * EC2 key pair for SSH. SSH is opened only when both this and `sshAllowedCidrs` are given.
   * @default - no key pair and no port 22 rule (use SSM)
   */
  readonly sshKeyName?: string;
  /**
   * Networks allowed on port 22 when `sshKeyName` is given. `0.0.0.0/0` is refused.
   * @default []
   */
  readonly sshAllowedCidrs?: readonly string[];
  /**
   * Device name of the AMI's root volume, so the root volume is encrypted instead of a second one added.
   * @default '/dev/xvda'
   */
  readonly rootDeviceName?: string;
  /**
   * Debian packages the user-data installs (pinned versions recommended).
   * @default - the `@pgha/userdata` defaults: patroni, postgresql-<version>, awscli, curl
   */
  readonly packages?: readonly PackagePin[];
  /**
   * Renders one node's cloud-init user-data. Values known only after apply (ARNs, ids) arrive as Terraform
   * tokens; the text must not contain a literal `${` or `%{` (Terraform template syntax).
   * @default - `renderPatroniCloudInit()` from `@pgha/userdata`
   */
  readonly userData?: (node: PatroniNodeUserDataContext) => string;
}
