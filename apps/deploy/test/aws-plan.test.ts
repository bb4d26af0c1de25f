import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildAwsManifest, validateAwsConfig } from '@pgha/aws-deploy';
import { layoutFor } from '@pgha/local-cluster';
import { parseManifest } from '@pgha/verify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  adminIngressOnlyFromAdmin,
  checkResources,
  instancesDependOnSecrets,
  noSecretMaterial,
  noSuperuserFromVpc,
  planHoldsNoSecretInputs,
  resourcesFromPlan,
  resourcesFromSynth,
  secretInputsEphemeral,
} from '../../../examples/test/security-rules.js';
import {
  AWS_EXAMPLE,
  filesUnder,
  isolatedEnv,
  type Json,
  secretHits,
  terraformForTests,
  zipEntries,
} from './aws-support.js';
import { type CliResult, cli, traversableTempDir } from './helpers.js';

const missing = terraformForTests('pgha plan --offline tests');

type Plan = Json & {
  resource_changes: { address: string; type: string; change: { actions: string[]; after: Json } }[];
  output_changes: Record<string, { after?: unknown; after_unknown?: unknown }>;
};

describe.skipIf(missing !== undefined)(
  'pgha plan --offline: real terraform against the provider mirror',
  () => {
    let root: string;
    let state: string;
    let result: CliResult;
    let out: Json;
    let stackDir: string;
    let planText: string;
    let plan: Plan;
    /** Every password and the first base64 line of every private key of the cluster. */
    const secrets: string[] = [];

    beforeAll(async () => {
      root = await traversableTempDir('pgha-aws-plan-');
      state = join(root, 'state');
      // One plan for the whole file: terraform init + plan takes 20-60 s on a busy machine. TF_LOG=trace
      // would make Terraform log what it sends: pgha must drop it while Terraform holds the secret inputs.
      result = await cli(['plan', '--offline', '--config', AWS_EXAMPLE, '--state-dir', state, '--json'], {
        ...isolatedEnv(root),
        TF_LOG: 'trace',
      });
      if (result.code !== 0) console.error(result.stderr);
      out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Json;
      stackDir = out.stackDir as string;
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
      planText = stdout;
      plan = JSON.parse(stdout) as Plan;
      for (const n of ['superuser', 'replication', 'rewind', 'restapi'])
        secrets.push((await readFile(join(state, 'main', 'secrets', n), 'utf8')).trim());
      for (const [file, bytes] of await filesUnder(join(state, 'main', 'pki')))
        if (file.endsWith('.key')) secrets.push(bytes.toString('utf8').split('\n')[1] as string);
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
      expect(stackDir).toBe(join(state, 'main', 'cdktf.out.offline', 'stacks', 'main'));
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

    test('the plan writes every secret through the write-only attribute, numbered by the version store', async () => {
      expect(plan.resource_changes.length).toBe((out.resources as { total: number }).total);
      const versions = plan.resource_changes.filter((r) => r.type === 'aws_secretsmanager_secret_version');
      expect(versions.map((r) => r.address).sort()).toEqual(
        [
          'secret_etcd_etcd_1_tls',
          'secret_etcd_etcd_2_tls',
          'secret_etcd_etcd_3_tls',
          'secret_patroni_passwords',
          'secret_patroni_pg_1_tls',
          'secret_patroni_pg_2_tls',
          'secret_patroni_pg_3_tls',
        ].map((v) => `aws_secretsmanager_secret_version.${v}_version`),
      );
      for (const r of versions) {
        expect(r.change.actions).toEqual(['create']);
        expect(r.change.after).toEqual({
          secret_binary: null,
          secret_string: null,
          secret_string_wo: null,
          secret_string_wo_version: 1,
        });
      }
      // Ephemeral inputs are never recorded in a plan.
      expect(plan.variables).toBeUndefined();
      const store = JSON.parse(await readFile(join(state, 'main', 'aws-secret-versions.json'), 'utf8')) as {
        secrets: Record<string, { version: number }>;
      };
      expect(Object.keys(store.secrets)).toHaveLength(versions.length);
    });

    test('the security rules hold on the deploy stack: cdk.tf.json and the plan JSON', async () => {
      const doc = JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
      expect(checkResources(resourcesFromSynth(doc))).toEqual([]);
      expect(checkResources(resourcesFromPlan(plan))).toEqual([]);
      expect(noSecretMaterial(doc)).toEqual([]);
      expect(noSecretMaterial(plan)).toEqual([]);
      expect(secretInputsEphemeral(doc)).toEqual([]);
      expect(planHoldsNoSecretInputs(plan)).toEqual([]);
      // The rules looked at something: seven secret versions, seven ephemeral inputs.
      expect(Object.keys(doc.variable as Json)).toHaveLength(7);
      // Issue 14: admin ingress only from the config's admin access; every instance and ASG waits for its
      // policy and its secret versions; the superuser never from the VPC.
      const config = validateAwsConfig(JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')), AWS_EXAMPLE);
      expect(adminIngressOnlyFromAdmin(resourcesFromSynth(doc), config.adminAccess ?? {})).toEqual([]);
      expect(instancesDependOnSecrets(doc)).toEqual([]);
      const versions = (doc.resource as Record<string, Json>).aws_secretsmanager_secret_version as Json;
      expect(Object.keys(versions)).toHaveLength(7);
      expect(noSuperuserFromVpc(doc, config.vpcCidr, (t) => parse(t, { version: '1.1' }))).toEqual([]);
    });

    test('no password, private key or fingerprint in cdk.tf.json, the plan JSON, the plan file, or what was printed', async () => {
      expect(secrets).toHaveLength(4 + 15);
      const planFile = await readFile(join(stackDir, 'plan.tfplan'));
      const entries = zipEntries(planFile);
      expect([...entries.keys()]).toContain('tfplan');
      const store = await readFile(join(state, 'main', 'aws-secret-versions.json'), 'utf8');
      const fingerprints = [...store.matchAll(/"sha256": "([0-9a-f]{64})"/g)].map((m) => m[1] as string);
      expect(fingerprints).toHaveLength(7);
      const texts: [string, string][] = [
        ['plan JSON', planText],
        ['cdk.tf.json', await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')],
        ['stderr', result.stderr],
        ['stdout', result.stdout],
        ...[...entries].map(([name, bytes]): [string, string] => [
          `plan.tfplan:${name}`,
          bytes.toString('utf8'),
        ]),
      ];
      expect(texts.flatMap(([name, text]) => secretHits(name, text, [...secrets, ...fingerprints]))).toEqual(
        [],
      );
      // The search can find what it looks for: the secrets are in the state dir, in the clear.
      const superuser = await readFile(join(state, 'main', 'secrets', 'superuser'), 'utf8');
      expect(secretHits('superuser', superuser, secrets)).toEqual(['superuser: secret #1']);
    }, 60_000);

    test('TF_LOG is not passed on while Terraform holds the secret inputs, and pgha says so', () => {
      expect(result.stderr).toContain('warning: TF_LOG not passed to Terraform');
      expect(result.stderr).not.toMatch(/\[(TRACE|DEBUG)\]/);
    });

    test("the manifest from the stack's outputs (as planned, ARNs filled in) is one verify accepts", async () => {
      const config = validateAwsConfig(JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')), AWS_EXAMPLE);
      // What `terraform output -json` prints after apply: the known values, and the ARNs AWS assigns.
      const outputs = Object.fromEntries(
        Object.entries(plan.output_changes).map(([name, change]) => {
          const value =
            change.after_unknown === true
              ? 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgha/main/patroni/passwords-AbCdEf'
              : change.after;
          return [name, { sensitive: false, value }];
        }),
      );
      const layout = layoutFor({ cluster: 'main', stateRoot: state, asRoot: false });
      const manifest = buildAwsManifest({ config, outputs, layout });
      const parsed = parseManifest(JSON.parse(JSON.stringify(manifest)), {
        baseDir: dirname(layout.manifestFile),
      });
      expect(parsed.postgres.primary).toEqual({ host: 'db.main.pgha.internal', port: 5432 });
      expect(parsed.etcd.endpoints).toEqual(
        [1, 2, 3].map((i) => `https://etcd-${i}.main.pgha.internal:2379`),
      );
      expect(parsed.patroni.rest).toEqual([1, 2, 3].map((i) => `https://pg-${i}.main.pgha.internal:8008`));
      // Every file the manifest names is there in the state dir, and the password file is the superuser's.
      for (const file of [
        parsed.etcd.tls.ca,
        parsed.etcd.tls.cert,
        parsed.etcd.tls.key,
        parsed.postgres.passwordFile,
      ])
        expect(existsSync(file), file).toBe(true);
      expect((await readFile(parsed.postgres.passwordFile, 'utf8')).trim()).toBe(secrets[0]);
    });
  },
);
