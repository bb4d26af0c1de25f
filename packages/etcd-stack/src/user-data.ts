/**
 * Instance tag keys the launch template sets on each member. Values only known after apply (the data volume
 * id, a created hosted zone's id) travel as instance tags, which the boot script reads from the instance
 * metadata service (`/latest/meta-data/tags/instance/<key>`, enabled by the launch template). That keeps
 * the user-data a literal known at synth time: it can be validated, diffed and scanned for secrets.
 */
export const ETCD_INSTANCE_TAG_KEYS = {
  /** Cluster name. */
  cluster: 'pgha:cluster',
  /** `etcd`. */
  role: 'pgha:role',
  /** Member name, for example `etcd-1`. */
  member: 'pgha:member',
  /** Id of the member's persistent data volume, to attach at boot. */
  volumeId: 'pgha:volume-id',
  /** Route 53 hosted zone id, to UPSERT the member's A record at boot. */
  hostedZoneId: 'pgha:hosted-zone-id',
} as const;

/** Everything a member's boot script needs, as plain strings and numbers known at synth time. */
export interface EtcdMemberUserDataContext {
  /** Cluster name. */
  readonly clusterName: string;
  /** Member name, `etcd-<index>`. */
  readonly memberName: string;
  /** 1-based member index. */
  readonly memberIndex: number;
  /** The member's DNS name, `etcd-<index>.<clusterName>.<zoneName>` (its A record is UPSERTed at boot). */
  readonly memberDnsName: string;
  /** Every member's DNS name, in member order. */
  readonly memberDnsNames: readonly string[];
  /** Domain of the SRV records (`_etcd-server-ssl._tcp.<domain>`), `<clusterName>.<zoneName>`. */
  readonly discoveryDomain: string;
  /** TTL of the member's A record, in seconds. */
  readonly dnsTtlSeconds: number;
  /** etcd client port (2379). */
  readonly clientPort: number;
  /** etcd peer port (2380). */
  readonly peerPort: number;
  /**
   * Name of the Secrets Manager secret that holds this member's TLS material (CA certificate, member
   * certificate and key). The deploy app uploads its value; the boot script fetches it.
   */
  readonly tlsSecretName: string;
  /** Device name the data volume is attached as (`/dev/xvdf`; shows as an NVMe device on Nitro). */
  readonly dataVolumeDevice: string;
  /** Instance tag keys that carry the values known only after apply. */
  readonly instanceTagKeys: typeof ETCD_INSTANCE_TAG_KEYS;
}
