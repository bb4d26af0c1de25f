import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeployError } from '../errors.js';
import { type Emit, step } from '../events.js';
import { type SynthAwsOptions, type SynthAwsResult, synthAws } from './synth.js';
import {
  credentialSource,
  DEFAULT_PLUGIN_DIR,
  findTerraform,
  type PlanCounts,
  planCounts,
  runTerraform,
  terraformEnv,
} from './terraform.js';

export interface PlanAwsOptions extends SynthAwsOptions {
  /** The caller's environment (PATH, HOME, AWS_*, TF_CLI_CONFIG_FILE); Terraform runs with it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Each line Terraform prints, as it prints it. */
  readonly onTerraformLine: (line: string) => void;
  /** Offline only: the provider mirror for `terraform init -plugin-dir`. @default '/opt/tf-plugins' */
  readonly pluginDir?: string;
}

export interface PlanAwsResult extends PlanCounts {
  readonly synth: SynthAwsResult;
  readonly terraform: string;
  readonly planFile: string;
  readonly offline: boolean;
}

/**
 * Synthesize, then `terraform init` and `terraform plan -out`. Offline: the provider from the filesystem
 * mirror, dummy credentials, the plan-only provider switches, no refresh and no lock, in a directory of its
 * own. Online: the caller's credentials (refused up front when there is no source at all).
 */
export async function planAws(options: PlanAwsOptions, emit: Emit): Promise<PlanAwsResult> {
  const offline = options.offline === true;
  const terraform = findTerraform(options.env);
  const pluginDir = options.pluginDir ?? DEFAULT_PLUGIN_DIR;
  const cliConfig = options.env.TF_CLI_CONFIG_FILE;
  const hasMirror = existsSync(join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws'));
  // Offline, the provider comes from the mirror (-plugin-dir), or else from the filesystem mirror that the
  // caller's TF_CLI_CONFIG_FILE names.
  const useCliConfig = offline && !hasMirror && cliConfig !== undefined && existsSync(cliConfig);
  if (offline && !hasMirror && !useCliConfig) {
    throw new DeployError('BINARY_MISSING', `no hashicorp/aws provider in the offline mirror ${pluginDir}`, {
      hint: `put hashicorp/aws 5.100.0 there (terraform providers mirror ${pluginDir}, on a machine with network), set PGHA_TF_PLUGIN_DIR or TF_CLI_CONFIG_FILE (a filesystem_mirror), or plan without --offline`,
    });
  }
  if (!offline && credentialSource(options.env) === undefined) {
    throw new DeployError(
      'CREDENTIALS_MISSING',
      'no AWS credentials: none of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, ~/.aws/credentials or ~/.aws/config is set',
      {
        hint: 'sign in (aws configure / aws sso login, or export AWS_PROFILE); on EC2 with an instance role set AWS_EC2_METADATA_DISABLED=false; or run plan --offline for a plan that contacts nothing',
      },
    );
  }

  const synth = await synthAws(options, emit);
  const env = terraformEnv(options.env, offline);
  const cwd = synth.stackDir;
  const hint = offline
    ? `the offline plan needs nothing but ${terraform} and ${pluginDir}; the lines above say what Terraform refused`
    : 'check the AWS credentials, region and ids in the config; the lines above say what Terraform refused';
  const common = { cwd, env, onLine: options.onTerraformLine, hint };

  await step(emit, 'init', 'terraform init', () =>
    runTerraform(
      terraform,
      [
        'init',
        '-input=false',
        '-no-color',
        ...(offline && !useCliConfig ? [`-plugin-dir=${pluginDir}`] : []),
      ],
      common,
    ),
  );
  const planFile = join(cwd, 'plan.tfplan');
  await step(emit, 'plan', 'terraform plan', () =>
    runTerraform(
      terraform,
      [
        'plan',
        '-input=false',
        '-no-color',
        ...(offline ? ['-refresh=false', '-lock=false'] : []),
        `-out=${planFile}`,
      ],
      common,
    ),
  );
  const shown = await step(emit, 'show', 'read the plan', () =>
    runTerraform(terraform, ['show', '-json', '-no-color', planFile], { ...common, capture: true }),
  );
  let plan: Parameters<typeof planCounts>[0];
  try {
    plan = JSON.parse(shown.stdout) as Parameters<typeof planCounts>[0];
  } catch (error) {
    throw new DeployError('TERRAFORM_FAILED', `terraform show -json ${planFile} printed no JSON`, {
      hint,
      cause: error,
    });
  }
  return { ...planCounts(plan), synth, terraform, planFile, offline };
}
