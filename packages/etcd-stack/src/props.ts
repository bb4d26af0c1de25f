import type { ClientSource, CommonClusterProps, SubnetPlacement } from '@pgha/aws-kit';
import type { Cluster, PackagePin } from '@pgha/userdata';
import type { EtcdMemberUserDataContext } from './user-data.js';

export type { ClientSource, SubnetPlacement };

/** Properties of {@link EtcdCluster}. */
export interface EtcdClusterProps extends CommonClusterProps {
  /**
   * The cluster description (`defineCluster()` from `@pgha/userdata`), the same one the local target renders.
   * Its name (1..20 characters here: load balancer names derive from it) names resources, tags and secrets
   * (`pgha/<name>/etcd/<member>/tls`); its etcd members (3 or 5) become the members here, each `host` a DNS
   * name inside `zoneName` (see `awsEtcdMembers()`); their etcd settings go into the user-data.
   */
  readonly cluster: Cluster;
  /** VPC the members run in. */
  readonly vpcId: string;
  /**
   * One private subnet per availability zone, at least three zones. Members are placed round-robin in the
   * order given (member 1 in the first subnet, ...).
   */
  readonly subnets: readonly SubnetPlacement[];
  /** AMI id for the members (Debian with etcd, cloud-init and the AWS CLI). Ids only: no lookups. */
  readonly amiId: string;
  /**
   * EC2 instance type of the members.
   * @default 't3.small'
   */
  readonly instanceType?: string;
  /**
   * Size of each member's persistent data volume (encrypted gp3), in GiB. 1..16384.
   * @default 20
   */
  readonly dataVolumeSizeGiB?: number;
  /**
   * Size of each member's root volume (encrypted gp3), in GiB. 8..16384.
   * @default 16
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * Device name of the AMI's root volume, so the launch template encrypts the root volume instead of adding
   * a second one.
   * @default '/dev/xvda' (Debian and Amazon Linux AMIs)
   */
  readonly rootDeviceName?: string;
  /**
   * DNS zone the member records and SRV records live in, for example `pgha.internal`.
   */
  readonly zoneName: string;
  /**
   * Id of an existing Route 53 hosted zone named `zoneName`.
   * @default - a private hosted zone named `zoneName` is created and associated with `vpcId`
   */
  readonly hostedZoneId?: string;
  /**
   * TTL of the member A records, in seconds. Short, because a replaced member gets a new address. 5..3600.
   * @default 10
   */
  readonly dnsTtlSeconds?: number;
  /**
   * Create an internal network load balancer for the client port (`cluster.etcd.clientPort`, 2379 by default; TLS passed through) and the DNS
   * name `etcd.<cluster name>.<zoneName>` for it. Member certificates must then carry that name as a SAN.
   * @default false
   */
  readonly clientLoadBalancer?: boolean;
  /**
   * Extra sources allowed on the client port (`cluster.etcd.clientPort`; members always are). More can be added with
   * `allowClientsFrom()`. `0.0.0.0/0` is refused.
   * @default []
   */
  readonly allowClientsFrom?: readonly ClientSource[];
  /**
   * Debian packages the user-data installs (pinned versions recommended).
   * @default - the `@pgha/userdata` defaults: etcd-server, etcd-client, awscli, curl
   */
  readonly packages?: readonly PackagePin[];
  /**
   * Renders one member's cloud-init user-data. Values known only after apply (ARNs, ids) arrive as Terraform
   * tokens and may appear in the text; the text must not contain a literal `${` or `%{` (Terraform would
   * read them as template syntax).
   * @default - `renderEtcdCloudInit()` from `@pgha/userdata`
   */
  readonly userData?: (member: EtcdMemberUserDataContext) => string;
}
