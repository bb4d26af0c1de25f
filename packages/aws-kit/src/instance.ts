import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume/index.js';
import type { Construct } from 'constructs';

/**
 * Instance metadata options for launch templates and instances: IMDSv2 only (session tokens required), hop
 * limit 1 so that containers on the instance cannot reach the metadata service.
 */
export const IMDSV2_REQUIRED = {
  httpEndpoint: 'enabled',
  httpTokens: 'required',
  httpPutResponseHopLimit: 1,
} as const;

/** Options of {@link addDataVolume}. */
export interface DataVolumeOptions {
  /** Zone of the volume: the zone of the instance that attaches it. */
  readonly availabilityZone: string;
  /** Size in GiB. */
  readonly sizeGiB: number;
  /**
   * ARN of the KMS key that encrypts it. Named explicitly, so the volume never depends on the account's default
   * EBS key (which, when customer managed, the instance role would have no grant on).
   */
  readonly kmsKeyArn: string;
  /** Tags of the volume. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A persistent data volume, encrypted gp3, kept apart from the instance so that it outlives a replacement (the
 * boot script attaches it).
 */
export function addDataVolume(scope: Construct, id: string, o: DataVolumeOptions): EbsVolume {
  return new EbsVolume(scope, id, {
    availabilityZone: o.availabilityZone,
    size: o.sizeGiB,
    type: 'gp3',
    encrypted: true,
    kmsKeyId: o.kmsKeyArn,
    tags: { ...o.tags },
  });
}

/** Largest user-data EC2 accepts, in bytes (before base64). */
export const MAX_USER_DATA_BYTES = 16 * 1024;

/** How a Terraform token appears in a string before synthesis. */
const TOKEN = /\$\{TfToken\[[^\]]*\]\}/g;
/** Longest a token can resolve to (an ARN), for the size check before apply. */
const TOKEN_WORST_CASE = 'x'.repeat(160);

/**
 * Why user-data (a Terraform template: tokens inside) would break at apply time, or undefined when it is fine:
 * a literal `${` or `%{` (Terraform would read it as template syntax), or more than
 * {@link MAX_USER_DATA_BYTES} once the tokens resolve (counted at their worst case). `owner` names whose
 * user-data it is in the message (`etcd-1`).
 */
export function userDataProblem(owner: string, userData: string): string | undefined {
  const literal = userData.replace(TOKEN, '');
  // `$${` and `%%{` are Terraform's escapes for a literal `${` / `%{`.
  if (/(?<!\$)\$\{/.test(literal) || /(?<!%)%\{/.test(literal)) {
    return `user-data of ${owner} contains a literal "\${" or "%{", which Terraform would read as template syntax; write "$\${" / "%%{" or avoid them`;
  }
  const bytes = Buffer.byteLength(userData.replace(TOKEN, TOKEN_WORST_CASE), 'utf8');
  if (bytes > MAX_USER_DATA_BYTES) {
    return `user-data of ${owner} is up to ${bytes} bytes once references resolve; EC2 accepts at most ${MAX_USER_DATA_BYTES}`;
  }
  return undefined;
}
