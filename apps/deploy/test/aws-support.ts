import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The documented example config of the AWS target. */
export const AWS_EXAMPLE = fileURLToPath(
  new URL('../../../examples/aws-config.example.json', import.meta.url),
);

export type Json = Record<string, unknown>;

/** Every file under dir (recursively) with its bytes. */
export async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.set(path, await readFile(path));
    }
  };
  await walk(dir);
  return out;
}

/** Every string leaf of a JSON value. */
export function* stringLeaves(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringLeaves(v);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) yield* stringLeaves(v);
}

/**
 * Where any of `secrets` or a PEM private key occurs in `text`, also inside base64-encoded strings of a JSON
 * document (user-data hides text that way). Returns descriptions, never the secret.
 */
export function secretHits(name: string, text: string, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  const texts = [text];
  try {
    for (const s of stringLeaves(JSON.parse(text))) {
      if (s.length >= 16 && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s))
        texts.push(Buffer.from(s, 'base64').toString('utf8'));
    }
  } catch {
    // not JSON: the raw text is what there is
  }
  for (const t of texts) {
    if (t.includes('PRIVATE KEY')) hits.push(`${name}: a private key`);
    secrets.forEach((secret, i) => {
      if (t.includes(secret)) hits.push(`${name}: secret #${i + 1}`);
    });
  }
  return hits;
}

/** Terraform and the offline mirror, or why they are missing (the plan test skips, or fails when CI is set). */
export function terraformMissing(): string | undefined {
  if (
    !existsSync('/usr/local/bin/terraform') &&
    !process.env.PATH?.split(':').some((d) => existsSync(join(d, 'terraform')))
  )
    return 'terraform is not installed (expected /usr/local/bin/terraform or on PATH)';
  if (!existsSync('/opt/tf-plugins/registry.terraform.io/hashicorp/aws/5.100.0'))
    return 'the offline provider mirror /opt/tf-plugins (hashicorp/aws 5.100.0) is absent';
  return undefined;
}

/** A minimal environment for the CLI: no AWS credentials of the machine, HOME in a temp dir. */
export function isolatedEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    ...(process.env.CI ? { CI: process.env.CI } : {}),
  };
}
