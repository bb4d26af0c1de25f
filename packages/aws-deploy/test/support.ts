// What the AWS tests share: the documented example config, Terraform and its offline mirror (present, or why
// not), an environment without the machine's AWS credentials, temp dirs, free ports. apps/deploy's CLI tests
// import it too (test/aws-support.ts, test/helpers.ts).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

/** A TCP port on 127.0.0.1 nothing listens on right now (`@pgha/clients`' test fixture). */
export { freePort } from '../../clients/test/fixtures.js';

/** The documented example config of the AWS target. */
export const AWS_EXAMPLE = fileURLToPath(
  new URL('../../../examples/aws-config.example.json', import.meta.url),
);

export type Json = Record<string, unknown>;

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

/**
 * `terraformMissing()`, said once per test file: where CI is set a missing Terraform or mirror fails the file
 * (CI must have them); elsewhere the tests that need them skip with this message.
 */
export function terraformForTests(what: string): string | undefined {
  const missing = terraformMissing();
  if (missing !== undefined && process.env.CI) {
    throw new Error(
      `CI is set but ${missing}: install Terraform 1.11 and the hashicorp/aws 5.100.0 mirror in /opt/tf-plugins`,
    );
  }
  if (missing !== undefined) console.warn(`SKIPPED: ${what}: ${missing}`);
  return missing;
}

/** A minimal environment for the CLI: no AWS credentials of the machine, HOME in a temp dir. */
export function isolatedEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    ...(process.env.CI ? { CI: process.env.CI } : {}),
  };
}

/** A temporary directory every user can traverse (the services run as postgres when the tests run as root). */
export async function traversableTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}
