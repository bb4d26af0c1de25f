import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AWS_EXAMPLE, isolatedEnv, type Json, secretHits, terraformMissing } from './aws-support.js';
import { type CliResult, cli, traversableTempDir } from './helpers.js';

const missing = terraformMissing();
if (missing !== undefined && process.env.CI) {
  throw new Error(
    `CI is set but ${missing}: install Terraform 1.11 and the hashicorp/aws 5.100.0 mirror in /opt/tf-plugins`,
  );
}
if (missing !== undefined) console.warn(`SKIPPED: pgha plan --offline tests: ${missing}`);

describe.skipIf(missing !== undefined)(
  'pgha plan --offline: real terraform against the provider mirror',
  () => {
    let root: string;
    let state: string;
    let result: CliResult;
    let out: Json;

    beforeAll(async () => {
      root = await traversableTempDir('pgha-aws-plan-');
      state = join(root, 'state');
      // One plan for the whole file: terraform init + plan takes 20-60 s on a busy machine.
      result = await cli(
        ['plan', '--offline', '--config', AWS_EXAMPLE, '--state-dir', state, '--json'],
        isolatedEnv(root),
      );
      if (result.code !== 0) console.error(result.stderr);
      out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Json;
    }, 300_000);

    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    test('exit 0; N to add (every synthesized resource), 0 to change, 0 to destroy, as Terraform itself says', () => {
      expect(result.code).toBe(0);
      const total = (out.resources as { total: number }).total;
      expect(total).toBeGreaterThan(50);
      expect(out).toMatchObject({
        ok: true,
        target: 'aws',
        offline: true,
        plan: { add: total, change: 0, destroy: 0 },
      });
      // Terraform's own progress, streamed to stderr with a prefix, agrees with the summary.
      expect(result.stderr).toContain(`  terraform| Plan: ${total} to add, 0 to change, 0 to destroy.`);
      expect(result.stderr).toContain('  terraform| Terraform has been successfully initialized!');
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
    });

    test('the offline stack has the plan-only switches and a throwaway state, apart from the real out dir', async () => {
      const stackDir = join(state, 'main', 'cdktf.out.offline', 'stacks', 'main');
      expect(out.stackDir).toBe(stackDir);
      expect((out.plan as Json).file).toBe(join(stackDir, 'plan.tfplan'));
      expect(existsSync(join(stackDir, 'plan.tfplan'))).toBe(true);
      const doc = JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
      expect((doc.provider as { aws: Json[] }).aws[0]).toMatchObject({
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: 'true',
        skip_region_validation: true,
      });
      expect((doc.terraform as Json).backend).toEqual({ local: { path: 'terraform.tfstate' } });
      expect(existsSync(join(state, 'main', 'cdktf.out'))).toBe(false);
    });

    test('no password or private key in the out dir or in the plan Terraform would apply', async () => {
      const passwords = await Promise.all(
        ['superuser', 'replication', 'rewind', 'restapi'].map(async (n) =>
          (await readFile(join(state, 'main', 'secrets', n), 'utf8')).trim(),
        ),
      );
      const stackDir = out.stackDir as string;
      const { stdout } = await promisify(execFile)(
        'terraform',
        ['show', '-json', '-no-color', 'plan.tfplan'],
        {
          cwd: stackDir,
          maxBuffer: 256 * 1024 * 1024,
          env: {
            ...isolatedEnv(root),
            TF_IN_AUTOMATION: '1',
            CHECKPOINT_DISABLE: '1',
            PATH: `/usr/local/bin:${process.env.PATH}`,
          },
        },
      );
      const plan = JSON.parse(stdout) as { resource_changes: unknown[] };
      expect(plan.resource_changes.length).toBe((out.resources as { total: number }).total);
      const texts: [string, string][] = [
        ['plan JSON', stdout],
        ['cdk.tf.json', await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')],
      ];
      expect(texts.flatMap(([name, text]) => secretHits(name, text, passwords))).toEqual([]);
    }, 60_000);
  },
);
