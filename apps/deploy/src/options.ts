import { readFile } from 'node:fs/promises';
import { type AwsConfig, validateAwsConfig } from '@pgha/aws-deploy';
import { jsonKind } from '@pgha/local-cluster';
import { CLUSTER_NAME_RULE, isClusterName } from '@pgha/userdata';
import { DeployError } from './errors.js';

// The local options themselves (LocalOptions, DEFAULTS, their rules, the address plan) are @pgha/local-cluster's;
// what is left here reads what the user typed: the --config file and the --cluster flag. Likewise the AWS
// config: @pgha/aws-deploy checks it, this module reads the file.

/**
 * Read and parse the JSON file named by `--config`; an unreadable or malformed file is a usage error (exit 2)
 * whose hint shows what the file should look like.
 */
export async function readJsonConfig(path: string, example: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DeployError('CONFIG_INVALID', `cannot read --config ${path}: ${(error as Error).message}`, {
      hint: `pass the path of a readable JSON file; ${example}`,
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeployError(
      'CONFIG_INVALID',
      `--config ${path} is not valid JSON: ${(error as Error).message}`,
      {
        hint: `the file must hold one JSON object; ${example}`,
        cause: error,
      },
    );
  }
}

/**
 * The `--cluster` flag, checked before any command resolves a path with it (`--cluster ../x` must not reach
 * outside the state dir): the same rule as the option.
 */
export function clusterFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (isClusterName(value)) return value;
  throw new DeployError('USAGE', `--cluster ${JSON.stringify(value)} is not a cluster name`, {
    hint: `use ${CLUSTER_NAME_RULE}`,
  });
}

/** Read a JSON config file of LocalOptions fields (a partial set; defaults fill the rest). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const example = 'for example {"cluster": "main", "etcdMembers": 3}';
  const parsed = await readJsonConfig(path, example);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DeployError(
      'CONFIG_INVALID',
      `--config ${path} must hold a JSON object, not ${jsonKind(parsed)}`,
      {
        hint: `write it as ${example.replace('for example ', '')}`,
      },
    );
  }
  return parsed as Record<string, unknown>;
}

/** Read and validate an AWS `--config` file. A missing or malformed file is a usage error (exit 2). */
export async function readAwsConfig(path: string): Promise<AwsConfig> {
  const parsed = await readJsonConfig(path, 'start from examples/aws-config.example.json');
  return validateAwsConfig(parsed, path);
}

/** `--config FILE` (required) with `--cluster NAME` overriding the file's `clusterName`. */
export async function awsConfigFromFlags(configPath: unknown, cluster: unknown): Promise<AwsConfig> {
  if (typeof configPath !== 'string') {
    throw new DeployError('USAGE', 'the AWS target needs --config FILE', {
      hint: 'copy examples/aws-config.example.json, fill in your VPC, subnets and AMI, and pass it with --config',
    });
  }
  const config = await readAwsConfig(configPath);
  if (typeof cluster !== 'string' || cluster === config.clusterName) return config;
  return validateAwsConfig({ ...config, clusterName: cluster }, `${configPath} with --cluster ${cluster}`);
}
