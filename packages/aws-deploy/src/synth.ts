import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { step } from '@pgha/clients';
import { ensureSecrets, layoutFor } from '@pgha/local-cluster';
import type { AwsConfig } from './config.js';
import { AwsDeployError } from './errors.js';
import type { AwsDeployEventListener as Emit } from './events.js';
import { type AwsSecretInput, awsSecretInputs } from './secret-values.js';
import { SECRET_VERSIONS_FILE, syncSecretVersions } from './secret-versions.js';

export interface SynthAwsOptions {
  readonly config: AwsConfig;
  /** The state root (`.pgha`); the cluster's files go to `<stateRoot>/<cluster>/`. */
  readonly stateRoot: string;
  /** @default `<stateRoot>/<cluster>/cdktf.out` */
  readonly outDir?: string | undefined;
  /**
   * Offline plan: synthesize with the provider's plan-only switches (skip credential, account-id, metadata and
   * region checks) and a throwaway local state, into `<outDir>.offline`, never into the directory a real plan
   * or apply uses.
   */
  readonly offline?: boolean;
}

/** How the synthesized stack keeps its Terraform state. */
export type BackendSummary =
  | { readonly type: 'local'; readonly path: string }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      readonly lock: string;
    };

export interface SynthAwsResult {
  readonly cluster: string;
  readonly stateDir: string;
  readonly pkiDir: string;
  readonly secretsDir: string;
  readonly outDir: string;
  readonly stackDir: string;
  readonly stackFile: string;
  readonly resources: { readonly total: number; readonly byType: Readonly<Record<string, number>> };
  readonly outputs: readonly string[];
  readonly backend: BackendSummary;
  readonly pki: string;
  readonly secretsCreated: readonly string[];
  /**
   * The value of every Secrets Manager secret and the Terraform variable that carries it (values wrapped:
   * they serialize as "[secret]"). Terraform gets them only as `TF_VAR_<variable>` in its environment.
   */
  readonly secretInputs: readonly AwsSecretInput[];
  /** `<stateDir>/aws-secret-versions.json`: the `secret_string_wo_version` counters. */
  readonly secretVersionsFile: string;
  /** Secrets whose content is new or changed since the last run: the next apply writes them. */
  readonly secretsChanged: readonly string[];
}

/** What the state dir records about an AWS cluster (no secret in it). */
interface AwsState {
  readonly version: 1;
  readonly target: 'aws';
  readonly config: AwsConfig;
}

/** A state dir that holds a local deployment of the same name must not get AWS certificates (other SANs). */
async function assertNotLocal(clusterFile: string, stateDir: string, cluster: string): Promise<void> {
  if (!existsSync(clusterFile)) return;
  let target: unknown;
  try {
    target = (JSON.parse(await readFile(clusterFile, 'utf8')) as { target?: unknown }).target;
  } catch {
    target = 'unknown';
  }
  throw new AwsDeployError(
    'STATE_CONFLICT',
    `${stateDir} holds a ${String(target)} deployment of cluster "${cluster}"; its PKI and passwords are not reused for AWS`,
    {
      hint: 'give the AWS cluster another name (clusterName) or use another state root',
      reason: 'state-of-other-target',
    },
  );
}

/**
 * Synthesize the AWS stack: make the PKI and the passwords once (kept in `<stateRoot>/<cluster>/pki` and
 * `secrets`, reused by every later run), number each secret's content (`aws-secret-versions.json`), then the
 * Terraform JSON. No secret value enters the stack: it declares an ephemeral variable per secret and a
 * secret version that sends it to Secrets Manager through a write-only attribute; the values come back in
 * `secretInputs` for the caller to hand Terraform in its environment. The written files are checked for
 * every secret value and any private key before this returns.
 */
export async function synthAws(options: SynthAwsOptions, emit: Emit): Promise<SynthAwsResult> {
  const { config } = options;
  const cluster = config.clusterName;
  const layout = layoutFor({ cluster, stateRoot: options.stateRoot, asRoot: false });
  await assertNotLocal(layout.clusterFile, layout.stateDir, cluster);
  await mkdir(layout.stateDir, { recursive: true, mode: 0o700 });
  await writeStateIfChanged(join(layout.stateDir, 'aws.json'), { version: 1, target: 'aws', config });

  const { awsCluster, loadBalancerName, synthAwsStack } = await step(
    emit,
    'load',
    'load the stack constructs',
    () => import('@pgha/aws-stack'),
  );
  const description = awsCluster(config);
  const { ensureAwsPki } = await import('./pki.js');
  const pki = await step(
    emit,
    'pki',
    'certificate authority and node certificates',
    () => ensureAwsPki(layout.pkiDir, description, loadBalancerName(config)),
    (r) => r.summary,
  );
  const { secrets, created } = await step(
    emit,
    'secrets',
    'cluster passwords',
    () => ensureSecrets(layout.secretsDir),
    (r) => (r.created.length > 0 ? `${r.created.length} generated` : 'kept'),
  );

  const secretInputs = awsSecretInputs(description, pki.bundle, secrets);
  const secretVersionsFile = join(layout.stateDir, SECRET_VERSIONS_FILE);
  const { versions, changed } = await step(
    emit,
    'secret-versions',
    'secret version numbers',
    () => syncSecretVersions(secretVersionsFile, secretInputs),
    (r) =>
      r.changed.length > 0 ? `${r.changed.length} of ${secretInputs.length} new or changed` : 'unchanged',
  );

  const baseOut = resolve(options.outDir ?? join(layout.stateDir, 'cdktf.out'));
  const outDir = options.offline === true ? `${baseOut}.offline` : baseOut;
  const stackDir = join(outDir, 'stacks', cluster);
  const configured = config.backend ?? { type: 'local' as const };
  const backend =
    options.offline === true
      ? { type: 'local' as const, path: 'terraform.tfstate' }
      : configured.type === 'local'
        ? {
            type: 'local' as const,
            path: configured.path ?? relative(stackDir, join(layout.stateDir, 'terraform.tfstate')),
          }
        : configured;
  await step(emit, 'synth', `synthesize the stack to ${outDir}`, async () => {
    synthAwsStack(outDir, config, {
      backend,
      planOnly: options.offline === true,
      secretVersions: versions,
    });
  });

  const stackFile = join(stackDir, 'cdk.tf.json');
  const doc = JSON.parse(await readFile(stackFile, 'utf8')) as {
    resource?: Record<string, Record<string, unknown>>;
    output?: Record<string, unknown>;
  };
  const byType: Record<string, number> = {};
  for (const [type, named] of Object.entries(doc.resource ?? {})) byType[type] = Object.keys(named).length;
  const total = Object.values(byType).reduce((a, b) => a + b, 0);

  const leaks = await findSecretValues(outDir, [
    ...Object.values(secrets).map((s) => s.reveal()),
    ...secretInputs.map((s) => s.value.reveal()),
  ]);
  if (leaks.length > 0) {
    // The constructs must never take a secret value; this is a bug, not a user error.
    throw new Error(`secret material in the synthesized stack: ${leaks.join(', ')}`);
  }

  return {
    cluster,
    stateDir: layout.stateDir,
    pkiDir: layout.pkiDir,
    secretsDir: layout.secretsDir,
    outDir,
    stackDir,
    stackFile,
    resources: { total, byType },
    outputs: Object.keys(doc.output ?? {}),
    backend:
      backend.type === 'local'
        ? backend
        : {
            type: 's3',
            bucket: backend.bucket,
            key: backend.key,
            region: backend.region,
            lock:
              backend.dynamodbTable === undefined
                ? 'S3 lock file'
                : `DynamoDB table ${backend.dynamodbTable}`,
          },
    pki: pki.summary,
    secretsCreated: created,
    secretInputs,
    secretVersionsFile,
    secretsChanged: changed,
  };
}

async function writeStateIfChanged(file: string, state: AwsState): Promise<void> {
  const text = `${JSON.stringify(state, null, 2)}\n`;
  const before = existsSync(file) ? await readFile(file, 'utf8') : undefined;
  if (before !== text) await writeFile(file, text, { mode: 0o600 });
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * Files under `dir` (the synthesized stacks and manifest; Terraform's own `.terraform` and plan files are
 * skipped) that contain a private key or one of `values`. Returns "file: what" entries, never the value.
 */
export async function findSecretValues(dir: string, values: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.terraform') await walk(path);
      } else if (entry.isFile() && /\.(json|tf|txt)$/.test(entry.name)) {
        const text = await readFile(path, 'utf8');
        if (PRIVATE_KEY.test(text)) found.push(`${path}: a private key`);
        values.forEach((v, i) => {
          if (text.includes(v)) found.push(`${path}: secret value #${i + 1}`);
        });
      }
    }
  };
  await walk(dir);
  return found;
}
