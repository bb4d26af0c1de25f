import type { Cluster, PackagePin } from '@pgha/userdata';
import { renderEtcdCloudInit } from '@pgha/userdata';

/** Everything one member's user-data is rendered from. Fields marked "token" resolve at apply time. */
export interface EtcdMemberUserDataContext {
  /** The cluster description. */
  readonly cluster: Cluster;
  /** Member name (`etcd-1`), as in the cluster description. */
  readonly memberName: string;
  /** The member's DNS name (its `host`), whose A record the boot script UPSERTs. */
  readonly recordName: string;
  /** TTL of that record, in seconds. */
  readonly dnsTtlSeconds: number;
  /** ARN of the secret with the member's TLS material (token). */
  readonly tlsSecretArn: string;
  /** Id of the member's persistent data volume (token). */
  readonly dataVolumeId: string;
  /** Route 53 hosted zone id (token when the zone is created here). */
  readonly hostedZoneId: string;
  /** Debian packages to install, when given. */
  readonly packages: readonly PackagePin[] | undefined;
}

/** The default renderer: `renderEtcdCloudInit()` from `@pgha/userdata`. */
export function renderEtcdMemberUserData(ctx: EtcdMemberUserDataContext): string {
  return renderEtcdCloudInit(ctx.cluster, ctx.memberName, {
    tlsSecretArn: ctx.tlsSecretArn,
    dataVolumeId: ctx.dataVolumeId,
    dns: { hostedZoneId: ctx.hostedZoneId, recordName: ctx.recordName, ttlSeconds: ctx.dnsTtlSeconds },
    ...(ctx.packages === undefined ? {} : { packages: ctx.packages }),
  });
}

/** Instance tag naming the member; the role may attach the member's volume only to an instance with it. */
export const MEMBER_TAG_KEY = 'pgha:member';
