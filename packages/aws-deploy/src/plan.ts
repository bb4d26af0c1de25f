import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '@pgha/clients';
import { checkAwsNetwork, ec2ClientFor } from './egress.js';
import { AwsDeployError } from './errors.js';
import type { AwsDeployEventListener as Emit } from './events.js';
import { type SynthAwsOptions, type SynthAwsResult, synthAws } from './synth.js';
import {
  credentialSource,
  DEFAULT_PLUGIN_DIR,
  findTerraform,
  type PlanCounts,
  planCounts,
  TerraformSession,
  terraformEnv,
  withSecretInputs,
} from './terraform.js';

export interface AwsTerraformOptions extends SynthAwsOptions {
  /** The caller's environment (PATH, HOME, AWS_*, TF_CLI_CONFIG_FILE); Terraform runs with it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Each line Terraform prints, as it prints it (secret values already redacted). */
  readonly onTerraformLine: (line: string) => void;
  /** Offline only: the provider mirror for `terraform init -plugin-dir`. @default '/opt/tf-plugins' */
  readonly pluginDir?: string;
}

export type PlanAwsOptions = AwsTerraformOptions;

export interface PreparedAws {
  readonly synth: SynthAwsResult;
  /** Terraform in the stack directory, with the secret inputs in its environment. */
  readonly session: TerraformSession;
  readonly offline: boolean;
}

export interface PlanAwsResult extends PlanCounts {
  readonly synth: SynthAwsResult;
  readonly terraform: string;
  readonly planFile: string;
  readonly offline: boolean;
  /** The session the plan ran in: apply the plan file in it (the ephemeral inputs must be given again). */
  readonly session: TerraformSession;
}

/** What `prepareAws` checked before writing anything. */
export interface AwsPreflight {
  readonly terraform: string;
  readonly pluginDir: string;
  /** Offline without the -plugin-dir mirror: the filesystem mirror of the caller's TF_CLI_CONFIG_FILE. */
  readonly useCliConfig: boolean;
}

/**
 * The checks that need no file written: Terraform is there; offline, the provider mirror is there; online,
 * some source of AWS credentials is (refused, exit 2, when there is none: the SDK would otherwise retry for
 * minutes before failing).
 */
export function preflightAws(
  options: Pick<AwsTerraformOptions, 'env' | 'offline' | 'pluginDir'>,
): AwsPreflight {
  const offline = options.offline === true;
  const terraform = findTerraform(options.env);
  const pluginDir = options.pluginDir ?? DEFAULT_PLUGIN_DIR;
  const cliConfig = options.env.TF_CLI_CONFIG_FILE;
  const hasMirror = existsSync(join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws'));
  // Offline, the provider comes from the mirror (-plugin-dir), or else from the filesystem mirror that the
  // caller's TF_CLI_CONFIG_FILE names.
  const useCliConfig = offline && !hasMirror && cliConfig !== undefined && existsSync(cliConfig);
  if (offline && !hasMirror && !useCliConfig) {
    throw new AwsDeployError(
      'BINARY_MISSING',
      `no hashicorp/aws provider in the offline mirror ${pluginDir}`,
      {
        hint: `put hashicorp/aws 5.100.0 there (terraform providers mirror ${pluginDir}, on a machine with network), pass another pluginDir or a TF_CLI_CONFIG_FILE (a filesystem_mirror) in env, or plan online`,
        reason: 'no-provider-mirror',
      },
    );
  }
  if (!offline && credentialSource(options.env) === undefined) {
    throw new AwsDeployError(
      'CREDENTIALS_MISSING',
      'no AWS credentials: none of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, ~/.aws/credentials or ~/.aws/config is set',
      {
        hint: 'sign in (aws configure / aws sso login, or export AWS_PROFILE); on EC2 with an instance role set AWS_EC2_METADATA_DISABLED=false; or plan offline (offline: true) for a plan that contacts nothing',
        reason: 'no-credentials',
      },
    );
  }
  return { terraform, pluginDir, useCliConfig };
}

/**
 * Preflight, synthesize and `terraform init`. Offline: the provider from the filesystem mirror, dummy
 * credentials and the plan-only provider switches, in a directory of its own. Online: the caller's
 * credentials.
 */
export async function prepareAws(options: AwsTerraformOptions, emit: Emit): Promise<PreparedAws> {
  const offline = options.offline === true;
  const { terraform, pluginDir, useCliConfig } = preflightAws(options);
  const synth = await synthAws(options, emit);
  const { env, removed } = withSecretInputs(terraformEnv(options.env, offline), synth.secretInputs);
  if (removed.length > 0) {
    emit({
      type: 'warning',
      message: `${removed.join(', ')} not passed to Terraform: its debug logs would show the secret values it sends`,
    });
  }
  const session = new TerraformSession({
    bin: terraform,
    cwd: synth.stackDir,
    env,
    onLine: options.onTerraformLine,
    hint: offline
      ? `the offline plan needs nothing but ${terraform} and ${pluginDir}; the lines above say what Terraform refused`
      : 'check the AWS credentials, region and ids in the config; the lines above say what Terraform refused',
    secretValues: synth.secretInputs.map((s) => s.value.reveal()),
  });
  await step(emit, 'init', 'terraform init', () =>
    session.run([
      'init',
      '-input=false',
      '-no-color',
      ...(offline && !useCliConfig ? [`-plugin-dir=${pluginDir}`] : []),
    ]),
  );
  return { synth, session, offline };
}

/**
 * Prepare, then `terraform plan -out` with the secret inputs in Terraform's environment, and count. Online
 * (a plan that may be applied), the VPC is checked first with the caller's credentials: every subnet routes to
 * a NAT gateway and the VPC resolves names (see `checkAwsNetwork`). Offline, nothing is sent to AWS.
 */
export async function planAws(options: PlanAwsOptions, emit: Emit): Promise<PlanAwsResult> {
  if (options.offline !== true) {
    preflightAws(options);
    await step(emit, 'network', `check the network of ${options.config.vpcId}: egress and DNS`, async () => {
      const client = ec2ClientFor(options.config, options.env);
      try {
        await checkAwsNetwork(options.config, client);
      } finally {
        client.destroy();
      }
    });
  }
  const { synth, session, offline } = await prepareAws(options, emit);
  const planFile = join(session.cwd, 'plan.tfplan');
  await step(emit, 'plan', 'terraform plan', () =>
    session.run([
      'plan',
      '-input=false',
      '-no-color',
      ...(offline ? ['-refresh=false', '-lock=false'] : []),
      `-out=${planFile}`,
    ]),
  );
  const plan = await step(emit, 'show', 'read the plan', () =>
    session.json<Parameters<typeof planCounts>[0]>(['show', '-json', '-no-color', planFile]),
  );
  return { ...planCounts(plan), synth, terraform: session.bin, planFile, offline, session };
}
