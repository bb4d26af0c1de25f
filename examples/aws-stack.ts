/**
 * Example AWS stack: an etcd cluster and a Patroni cluster wired together, synthesized in-process (no
 * cdktf-cli). `node --import tsx aws-stack.ts [config.json] [outdir]` writes `<outdir>/stacks/<cluster>/cdk.tf.json`;
 * then run `terraform init` / `plan` / `apply` in that directory.
 *
 * The wiring is the deploy app's own (`@pgha/aws-stack`, `packages/aws-stack`), so what this
 * example synthesizes, validates and plans is what `pgha deploy --target aws` ships, less the secret values
 * (the constructs create empty secrets; the deploy app adds write-only versions) and the load balancer alias.
 * `addPghaClusters` there is the place to read how `EtcdCluster` and `PatroniCluster` fit together; the READMEs
 * of `@pgha/etcd-stack` and `@pgha/patroni-stack` show the same in a few lines.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AwsConfig,
  addAwsProvider,
  addPghaClusters,
  addStackBackend,
  type StackBackend,
} from '@pgha/aws-stack';
import type { EtcdCluster } from '@pgha/etcd-stack';
import type { PatroniCluster } from '@pgha/patroni-stack';
import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

/** The example's configuration file (`cluster.example.json`): the deploy app's AWS config. */
export type ExampleConfig = AwsConfig;

export interface ExampleStackOptions {
  /**
   * Offline plan only: the provider skips credential, account and region checks so that `terraform plan`
   * runs without network access and with dummy keys. Never set for apply.
   */
  readonly planOnly?: boolean;
  /** @default { type: 'local', path: 'terraform.tfstate' } (relative to the stack directory) */
  readonly backend?: StackBackend;
}

export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('./cluster.example.json', import.meta.url));

export function loadExampleConfig(path = EXAMPLE_CONFIG_PATH): ExampleConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as ExampleConfig;
}

/** The example stack: backend, provider, `EtcdCluster` + `PatroniCluster` and their outputs. */
export class ExampleStack extends TerraformStack {
  readonly etcd: EtcdCluster;
  readonly patroni: PatroniCluster;

  constructor(scope: Construct, config: ExampleConfig, options: ExampleStackOptions = {}) {
    super(scope, config.clusterName);
    addStackBackend(this, options.backend ?? { type: 'local', path: 'terraform.tfstate' });
    addAwsProvider(this, config.region, options.planOnly === true);
    ({ etcd: this.etcd, patroni: this.patroni } = addPghaClusters(this, config));
  }
}

/** Synthesizes the example into `outdir`; returns the stack directory (holding `cdk.tf.json`). */
export function synthExample(
  outdir: string,
  config = loadExampleConfig(),
  options: ExampleStackOptions = {},
): string {
  const app = new App({ outdir });
  new ExampleStack(app, config, options);
  app.synth();
  return resolve(outdir, 'stacks', config.clusterName);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const config = loadExampleConfig(process.argv[2] ?? EXAMPLE_CONFIG_PATH);
  const dir = synthExample(process.argv[3] ?? 'cdktf.out', config, {
    planOnly: process.env.PGHA_PLAN_ONLY === '1',
  });
  process.stdout.write(`${dir}/cdk.tf.json\n`);
}
