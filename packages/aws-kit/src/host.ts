import type { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume/index.js';
import type { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import type { Construct } from 'constructs';
import {
  addInstanceRole,
  attachOwnVolumeStatements,
  dataVolumeKeyStatement,
  type InstanceRole,
  type PolicyStatement,
  readSecretsStatements,
} from './iam.js';
import { addDataVolume } from './instance.js';
import { addSecretContainer } from './secrets.js';

/** The construct-wide settings {@link addHostBase} reads (the construct's props with defaults applied). */
export interface HostSettings {
  readonly dataVolumeSizeGiB: number;
  readonly secretRecoveryWindowDays: number;
  readonly partition: string;
}

/** Options of {@link addHostBase}. */
export interface HostBaseOptions {
  /** Cluster name. */
  readonly clusterName: string;
  /** The component the host belongs to (`etcd`, `patroni`): its secret is `pgha/<cluster>/<component>/<name>/tls`. */
  readonly component: string;
  /** The host's name (`etcd-1`). */
  readonly name: string;
  /** What descriptions call such a host (`etcd member`). */
  readonly kind: string;
  /** Tags of the host's resources, before the owner tag. */
  readonly tags: Readonly<Record<string, string>>;
  /** Key of the tag that names the host (`pgha:member`); the role attaches the volume only to an instance with it. */
  readonly ownerTagKey: string;
  /** Zone of the host, so of its data volume. */
  readonly availabilityZone: string;
  /** ARN of the KMS key that encrypts the secrets and the data volume. */
  readonly kmsKeyArn: string;
  /** Size, recovery window and partition settings of the construct. */
  readonly settings: HostSettings;
  /** The role's inline policy. */
  readonly policy: {
    /** Policy name (`member`). */
    readonly name: string;
    /** Sids `ReadOwn<secretsSid>` / `DecryptOwn<secretsSid>` of the secret statements (`TlsSecret`). */
    readonly secretsSid: string;
    /** Sid of the statement that lets the volume attach to the host's own instance. */
    readonly instanceSid: string;
    /** Further secrets the host reads besides its TLS secret (the cluster passwords). */
    readonly moreSecretArns?: readonly string[];
    /** Further statements, after the secret and volume ones. */
    readonly moreStatements?: readonly PolicyStatement[];
  };
}

/** What {@link addHostBase} creates. */
export interface HostBase extends InstanceRole {
  /** The tags of the host's resources: the given ones plus the owner tag. */
  readonly tags: Readonly<Record<string, string>>;
  /** Its persistent data volume. */
  readonly dataVolume: EbsVolume;
  /** Name of its TLS secret. */
  readonly tlsSecretName: string;
  /** Its TLS secret (a container: the caller writes the value). */
  readonly tlsSecret: SecretsmanagerSecret;
}

/**
 * What every host of a pgha cluster has besides its instance: a persistent data volume in its zone encrypted
 * with the construct's KMS key, an empty KMS-encrypted secret for its TLS material, and an instance role that
 * reads only its own secrets, decrypts only for them, attaches only its own volume to only its own instance
 * (with a grant on the key for EC2). Construct ids under `scope`: `data-volume`, `tls-secret`, and those of
 * {@link addInstanceRole}.
 */
export function addHostBase(scope: Construct, o: HostBaseOptions): HostBase {
  const cluster = o.clusterName;
  const tags = { ...o.tags, [o.ownerTagKey]: o.name };
  const dataVolume = addDataVolume(scope, 'data-volume', {
    availabilityZone: o.availabilityZone,
    sizeGiB: o.settings.dataVolumeSizeGiB,
    kmsKeyArn: o.kmsKeyArn,
    tags: { ...tags, Name: `${cluster}-${o.name}-data` },
  });
  const tlsSecretName = `pgha/${cluster}/${o.component}/${o.name}/tls`;
  const tlsSecret = addSecretContainer(scope, 'tls-secret', {
    name: tlsSecretName,
    description: `pgha ${cluster}: TLS material of ${o.kind} ${o.name} (value set by the deploy app)`,
    kmsKeyArn: o.kmsKeyArn,
    recoveryWindowDays: o.settings.secretRecoveryWindowDays,
  });
  const secretArns = [tlsSecret.arn, ...(o.policy.moreSecretArns ?? [])];
  const role = addInstanceRole(scope, {
    name: `pgha-${cluster}-${o.name}`,
    description: `pgha ${cluster}: instance role of ${o.kind} ${o.name}`,
    policyName: o.policy.name,
    statements: [
      ...readSecretsStatements(o.policy.secretsSid, secretArns, o.kmsKeyArn),
      ...attachOwnVolumeStatements({
        volumeArn: dataVolume.arn,
        partition: o.settings.partition,
        clusterName: cluster,
        ownerTag: { key: o.ownerTagKey, value: o.name },
        instanceSid: o.policy.instanceSid,
      }),
      dataVolumeKeyStatement(o.kmsKeyArn),
      ...(o.policy.moreStatements ?? []),
    ],
  });
  return { ...role, tags, dataVolume, tlsSecretName, tlsSecret };
}
