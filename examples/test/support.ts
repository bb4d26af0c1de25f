import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { synthExample } from '../aws-stack.js';

export const PLUGIN_DIR = '/opt/tf-plugins';
const AWS_PROVIDER = join(PLUGIN_DIR, 'registry.terraform.io/hashicorp/aws/5.100.0');

function findTerraform(): string | undefined {
  for (const candidate of ['/usr/local/bin/terraform', '/usr/bin/terraform'])
    if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

/**
 * Terraform and the offline provider mirror, or why they are missing. Where they are missing the tests skip
 * with that reason, unless CI is set: then they fail.
 */
export function terraformAvailability(): { terraform: string } | { missing: string } {
  const terraform = findTerraform();
  if (terraform === undefined)
    return { missing: 'terraform is not installed (expected /usr/local/bin/terraform)' };
  if (!existsSync(AWS_PROVIDER)) return { missing: `the offline provider mirror ${AWS_PROVIDER} is absent` };
  return { terraform };
}

/** A fresh temp dir, removed after the file's tests (registered once the file's tests are collected). */
export function tempDirForFile(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

const cleanups: string[] = [];
afterAll(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A synthesized example stack in a fresh temp dir, with plan-only provider settings; removed after the file's
 * tests (also when called from a beforeAll hook, where vitest accepts no new hooks).
 */
export function synthToTemp(): { dir: string; doc: Record<string, unknown> } {
  const out = tempDirForFile('pgha-example-');
  const dir = synthExample(out, undefined, { planOnly: true });
  return { dir, doc: JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as Record<string, unknown> };
}

const run = promisify(execFile);

/**
 * Runs terraform offline in `dir`: filesystem mirror only, no checkpoint calls, dummy credentials.
 * Asynchronous: a synchronous child process would block the test worker for the length of a plan.
 */
export async function terraform(bin: string, dir: string, args: string[]): Promise<string> {
  const cliConfig = join(dir, 'offline.tfrc');
  if (!existsSync(cliConfig)) {
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path    = "${PLUGIN_DIR}"\n    include = ["registry.terraform.io/*/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n`,
    );
  }
  const { stdout } = await run(bin, args, {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 180_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_DATA_DIR: join(dir, '.terraform'),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      AWS_ACCESS_KEY_ID: 'dummy',
      AWS_SECRET_ACCESS_KEY: 'dummy',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  return stdout;
}
