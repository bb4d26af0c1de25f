import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import type { Construct } from 'constructs';

/** Options of {@link addSecretsKey}. */
export interface SecretsKeyOptions {
  /** ARN of an existing key to use instead; then nothing is created. */
  readonly kmsKeyArn?: string | undefined;
  /** Description of the created key. */
  readonly description: string;
  /** Alias of the created key, `alias/...`. */
  readonly aliasName: string;
}

/**
 * The KMS key that encrypts a construct's secrets: the given one, or a customer managed key with yearly
 * rotation and a 30-day deletion window, and an alias. Returns the key's ARN. Construct ids under `scope`:
 * `kms-key`, `kms-alias`.
 */
export function addSecretsKey(scope: Construct, o: SecretsKeyOptions): string {
  if (o.kmsKeyArn !== undefined) return o.kmsKeyArn;
  const key = new KmsKey(scope, 'kms-key', {
    description: o.description,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
  });
  new KmsAlias(scope, 'kms-alias', { name: o.aliasName, targetKeyId: key.keyId });
  return key.arn;
}

/** Options of {@link addSecretContainer}. */
export interface SecretContainerOptions {
  /** Secret name (`pgha/<cluster>/...`). */
  readonly name: string;
  /** Description: say who sets the value. */
  readonly description: string;
  /** ARN of the KMS key that encrypts it. */
  readonly kmsKeyArn: string;
  /** Days a deleted secret stays recoverable (0, or 7..30). */
  readonly recoveryWindowDays: number;
}

/**
 * A Secrets Manager secret without a value: no secret version, so no secret passes through Terraform's
 * configuration. The caller fills it (a write-only version, or `put-secret-value` out of band).
 */
export function addSecretContainer(
  scope: Construct,
  id: string,
  o: SecretContainerOptions,
): SecretsmanagerSecret {
  return new SecretsmanagerSecret(scope, id, {
    name: o.name,
    description: o.description,
    kmsKeyId: o.kmsKeyArn,
    recoveryWindowInDays: o.recoveryWindowDays,
  });
}
