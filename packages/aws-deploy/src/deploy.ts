import { rm } from 'node:fs/promises';
import { step } from '@pgha/clients';
import { layoutFor, writeManifest } from '@pgha/local-cluster';
import { AwsDeployError, isAwsDeployError } from './errors.js';
import type { AwsDeployEventListener as Emit } from './events.js';
import { type AwsManifest, buildAwsManifest } from './manifest.js';
import { type AwsTerraformOptions, planAws, prepareAws } from './plan.js';
import type { PlanCounts } from './terraform.js';

export interface DeployAwsOptions extends Omit<AwsTerraformOptions, 'offline'> {
  /** Asked after the plan when it changes anything; false leaves everything as it is. */
  readonly confirm: (counts: PlanCounts) => Promise<boolean>;
}

export interface DeployAwsResult extends PlanCounts {
  readonly cluster: string;
  readonly planFile: string;
  readonly stackDir: string;
  /** False when the plan had nothing to do, or the answer was no. */
  readonly applied: boolean;
  readonly cancelled: boolean;
  readonly secretsChanged: readonly string[];
  readonly manifestFile?: string;
  readonly manifest?: AwsManifest;
}

/**
 * Deploy: synth, `terraform init`, `plan -out`, then (confirmed) `apply` of exactly that plan
 * file, with the secret inputs given again in Terraform's environment (ephemeral values are not in the plan
 * file), then `terraform output -json` into `<stateDir>/manifest.json`. Never offline: an offline plan has
 * dummy credentials and skipped checks.
 */
export async function deployAws(options: DeployAwsOptions, emit: Emit): Promise<DeployAwsResult> {
  const plan = await planAws({ ...options, offline: false }, emit);
  const counts = { add: plan.add, change: plan.change, destroy: plan.destroy };
  const base = {
    ...counts,
    cluster: plan.synth.cluster,
    planFile: plan.planFile,
    stackDir: plan.synth.stackDir,
    secretsChanged: plan.synth.secretsChanged,
  };
  emit({
    type: 'notice',
    message: `plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`,
  });
  const changes = counts.add + counts.change + counts.destroy > 0;
  if (changes && !(await options.confirm(counts))) return { ...base, applied: false, cancelled: true };
  if (changes) {
    try {
      await step(emit, 'apply', 'terraform apply', () =>
        plan.session.run(['apply', '-input=false', '-no-color', plan.planFile]),
      );
    } catch (error) {
      if (!isAwsDeployError(error)) throw error;
      throw new AwsDeployError(error.code, error.message, {
        hint: 'what was created before the failure is in the Terraform state: fix what the lines above name and deploy again to finish, or remove it with destroyAws',
        reason: 'apply-failed',
        leftBehind: ['the AWS resources Terraform created before the failure (see the lines above)'],
        cause: error,
      });
    }
  }
  const outputs = await step(emit, 'outputs', 'read the stack outputs', () =>
    plan.session.json<unknown>(['output', '-json', '-no-color']),
  );
  const layout = layoutFor({ cluster: plan.synth.cluster, stateRoot: options.stateRoot, asRoot: false });
  const manifest = buildAwsManifest({ config: options.config, outputs, layout });
  await writeManifest(layout.manifestFile, manifest);
  return { ...base, applied: changes, cancelled: false, manifestFile: layout.manifestFile, manifest };
}

export interface DestroyAwsResult {
  readonly cluster: string;
  readonly stateDir: string;
  readonly purged: boolean;
}

/**
 * Destroy: synth (the stack Terraform destroys), init, `terraform destroy -auto-approve` with
 * the secret inputs given (Terraform asks for every required variable, ephemeral ones too), then remove the
 * manifest. The PKI, passwords and secret version counters stay unless `purge`: then the whole state dir goes.
 */
export async function destroyAws(
  options: Omit<AwsTerraformOptions, 'offline'> & { readonly purge: boolean },
  emit: Emit,
): Promise<DestroyAwsResult> {
  const { synth, session } = await prepareAws({ ...options, offline: false }, emit);
  await step(emit, 'destroy', 'terraform destroy', () =>
    session.run(['destroy', '-auto-approve', '-input=false', '-no-color']),
  );
  const layout = layoutFor({ cluster: synth.cluster, stateRoot: options.stateRoot, asRoot: false });
  await rm(layout.manifestFile, { force: true });
  if (options.purge) await rm(layout.stateDir, { recursive: true, force: true });
  return { cluster: synth.cluster, stateDir: layout.stateDir, purged: options.purge };
}
