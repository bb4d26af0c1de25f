import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Secret } from '@pgha/clients';

export const SECRET_NAMES = ['superuser', 'replication', 'rewind', 'restapi'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

// The Secret class is @pgha/clients' (one for deploy and verify): `[secret]` in logs, inspect, JSON and strings.
export { Secret };

/** 32 characters from a CSPRNG, URL-safe base64 (no quoting trouble in YAML, shell, libpq or pgpass). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export type Secrets = Readonly<Record<SecretName, Secret>>;

/**
 * Load the cluster's passwords from secretsDir, generating (once) any that are missing.
 * Each password is a file of its own, mode 0600, so it can be handed to a tool as a password file.
 */
export async function ensureSecrets(
  secretsDir: string,
): Promise<{ secrets: Secrets; created: SecretName[] }> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const created: SecretName[] = [];
  const out: Partial<Record<SecretName, Secret>> = {};
  for (const name of SECRET_NAMES) {
    const file = secretFile(secretsDir, name);
    let value: string;
    try {
      value = (await readFile(file, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      value = generatePassword();
      await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
      created.push(name);
    }
    out[name] = new Secret(value);
  }
  return { secrets: out as Secrets, created };
}

export function secretFile(secretsDir: string, name: SecretName): string {
  return join(secretsDir, name);
}
