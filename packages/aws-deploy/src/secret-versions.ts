import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Secret } from '@pgha/clients';
import { AwsDeployError } from './errors.js';

/** The counter store's file name in `.pgha/<cluster>/`. */
export const SECRET_VERSIONS_FILE = 'aws-secret-versions.json';

/**
 * `secret_string_wo_version` per secret: Terraform cannot see a write-only value, so it writes a new secret
 * version only when this number changes. The store keeps, per secret, the number and a SHA-256 fingerprint of
 * the content it stands for (never the content): same content, same number; new content, the number plus one.
 */
interface Store {
  readonly version: 1;
  readonly secrets: Readonly<Record<string, { readonly version: number; readonly sha256: string }>>;
}

export interface SecretVersions {
  /** Secret name -> `secret_string_wo_version`. */
  readonly versions: Readonly<Record<string, number>>;
  /** Secrets whose content is new or changed since the last run (their number went up). */
  readonly changed: readonly string[];
}

/** A fingerprint of one secret's content, bound to its name. Random content of 190+ bits: not reversible. */
export function secretFingerprint(secretName: string, value: Secret): string {
  return createHash('sha256').update(`pgha-secret-v1\0${secretName}\0`).update(value.reveal()).digest('hex');
}

/** The store and its text as read (undefined: no store yet). */
async function readStore(file: string): Promise<{ store: Store; text: string | undefined }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { store: { version: 1, secrets: {} }, text: undefined };
    throw error;
  }
  const bad = (cause?: unknown) =>
    new AwsDeployError('STATE_CONFLICT', `${file} is not a secret version store written by pgha`, {
      hint: 'restore it, or remove it: every secret then gets a new version number and the next deploy writes each secret again (same values)',
      cause,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bad(error);
  }
  const s = parsed as Partial<Store>;
  if (s.version !== 1 || typeof s.secrets !== 'object' || s.secrets === null) throw bad();
  for (const entry of Object.values(s.secrets)) {
    if (!Number.isInteger(entry?.version) || entry.version < 1 || !/^[0-9a-f]{64}$/.test(entry.sha256))
      throw bad();
  }
  return { store: s as Store, text };
}

/**
 * The version number of each secret in `inputs`, bumped where the content changed since the store last saw
 * it (a new secret starts at 1). Writes the store (0600, atomically) only when something changed; secrets
 * no longer in `inputs` leave the store.
 */
export async function syncSecretVersions(
  file: string,
  inputs: readonly { readonly secretName: string; readonly value: Secret }[],
): Promise<SecretVersions> {
  const { store: before, text: beforeText } = await readStore(file);
  const next: Record<string, { version: number; sha256: string }> = {};
  const changed: string[] = [];
  for (const { secretName, value } of inputs) {
    const sha256 = secretFingerprint(secretName, value);
    const old = before.secrets[secretName];
    if (old !== undefined && old.sha256 === sha256) next[secretName] = { version: old.version, sha256 };
    else {
      next[secretName] = { version: (old?.version ?? 0) + 1, sha256 };
      changed.push(secretName);
    }
  }
  const text = `${JSON.stringify({ version: 1, secrets: next } satisfies Store, null, 2)}\n`;
  if (text !== beforeText) {
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  }
  return {
    versions: Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v.version])),
    changed,
  };
}
