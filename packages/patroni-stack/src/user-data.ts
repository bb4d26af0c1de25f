import type { Cluster, PackagePin } from '@pgha/userdata';
import { renderPatroniCloudInit } from '@pgha/userdata';

/** Everything one node's user-data is rendered from. Fields marked "token" resolve at apply time. */
export interface PatroniNodeUserDataContext {
  /** The cluster description. */
  readonly cluster: Cluster;
  /** Node name (`pg-1`), as in the cluster description. */
  readonly nodeName: string;
  /** ARN of the secret with the node's TLS material (token). */
  readonly tlsSecretArn: string;
  /** ARN of the secret with the cluster passwords (token). */
  readonly passwordsSecretArn: string;
  /** Id of the node's persistent data volume, which the boot script attaches (token). */
  readonly dataVolumeId: string;
  /**
   * The only networks PostgreSQL's superuser may log in from over TCP (the admin access CIDRs; loopback
   * aside). Empty: the superuser logs in only on the node itself.
   */
  readonly superuserCidrs: readonly string[];
  /** Debian packages to install, when given. */
  readonly packages: readonly PackagePin[] | undefined;
}

/** The default renderer: `renderPatroniCloudInit()` from `@pgha/userdata`. */
export function renderPatroniNodeUserData(ctx: PatroniNodeUserDataContext): string {
  return renderPatroniCloudInit(ctx.cluster, ctx.nodeName, {
    tlsSecretArn: ctx.tlsSecretArn,
    passwordsSecretArn: ctx.passwordsSecretArn,
    dataVolumeId: ctx.dataVolumeId,
    superuserCidrs: ctx.superuserCidrs,
    ...(ctx.packages === undefined ? {} : { packages: ctx.packages }),
  });
}

/** Instance tag naming the node; the role may attach the node's volume only to an instance with it. */
export const NODE_TAG_KEY = 'pgha:node';
