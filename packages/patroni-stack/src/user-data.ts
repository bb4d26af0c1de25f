/** Everything a node's boot script needs, as plain values known at synth time. */
export interface PatroniNodeUserDataContext {
  /** Cluster name, Patroni's `scope`. */
  readonly clusterName: string;
  /** Node name, `pg-<index>` (Patroni's `name`). */
  readonly nodeName: string;
  /** 1-based node index. */
  readonly nodeIndex: number;
  /** Every node's name, in order. */
  readonly nodeNames: readonly string[];
  /** etcd client endpoints, `host:port`, dialled over TLS with the node's client certificate. */
  readonly etcdHosts: readonly string[];
  /** PostgreSQL port (5432). */
  readonly postgresPort: number;
  /** Patroni REST API port (8008, TLS). */
  readonly restPort: number;
  /** The VPC CIDR: replication, pg_rewind, and (with client IP preservation off) load balancer traffic. */
  readonly vpcCidr: string;
  /** Client networks allowed through the load balancer. */
  readonly allowedClientCidrs: readonly string[];
  /** Whether PostgreSQL sees client addresses (true) or the load balancer's (false). */
  readonly preserveClientIp: boolean;
  /** Secrets Manager secret with this node's TLS material (uploaded by the deploy app). */
  readonly tlsSecretName: string;
  /** Secrets Manager secret with the cluster passwords (uploaded by the deploy app). */
  readonly passwordsSecretName: string;
  /** Device name the data volume is attached as (`/dev/xvdf`; an NVMe device on Nitro). */
  readonly dataVolumeDevice: string;
}
