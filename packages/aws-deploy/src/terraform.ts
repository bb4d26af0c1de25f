import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { inspect } from 'node:util';
import { AwsDeployError } from './errors.js';
import type { AwsSecretInput } from './secret-values.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The offline provider mirror: hashicorp/aws 5.100.0, the version `@cdktf/provider-aws` 20.1.0 binds. */
export const DEFAULT_PLUGIN_DIR = '/opt/tf-plugins';

export const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first executable `name` in the directories of `env.PATH`, or undefined. */
export function onPath(name: string, env: Env): string | undefined {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d.length > 0)
    .map((d) => join(d, name))
    .find(isExecutable);
}

/** `/usr/local/bin/terraform`, else the first `terraform` on PATH; missing is a usage error naming the fix. */
export function findTerraform(env: Env): string {
  const found = isExecutable('/usr/local/bin/terraform')
    ? '/usr/local/bin/terraform'
    : onPath('terraform', env);
  if (found === undefined) {
    throw new AwsDeployError('BINARY_MISSING', 'terraform was not found in /usr/local/bin or on PATH', {
      hint: 'install Terraform 1.11 (https://developer.hashicorp.com/terraform/install: the HashiCorp apt repository, or unzip the release into /usr/local/bin)',
    });
  }
  return found;
}

/**
 * Where AWS credentials would come from, or undefined when there is no source at all. A plan without
 * credentials would otherwise spend minutes in the SDK's retries before failing.
 */
export function credentialSource(env: Env): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'AWS_ACCESS_KEY_ID';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'AWS_WEB_IDENTITY_TOKEN_FILE';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return 'the container credentials endpoint';
  if (env.AWS_EC2_METADATA_DISABLED === 'false') return 'the instance metadata service';
  const home = env.HOME;
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE ?? (home ? join(home, '.aws', 'credentials') : undefined),
    env.AWS_CONFIG_FILE ?? (home ? join(home, '.aws', 'config') : undefined),
  ];
  return files.find((f) => f !== undefined && existsSync(f));
}

/** The environment Terraform runs in: the caller's, quiet and non-interactive. */
export function terraformEnv(env: Env, offline: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.TF_IN_AUTOMATION = '1';
  out.TF_INPUT = '0';
  out.CHECKPOINT_DISABLE = '1';
  if (offline) {
    // Never the operator's real credentials for an offline plan: dummy keys, no profile, no metadata service.
    for (const k of Object.keys(out)) if (k.startsWith('AWS_') && k !== 'AWS_CA_BUNDLE') delete out[k];
    out.AWS_ACCESS_KEY_ID = 'offline-plan-dummy';
    out.AWS_SECRET_ACCESS_KEY = 'offline-plan-dummy';
    out.AWS_EC2_METADATA_DISABLED = 'true';
    // A CLI config file that does not exist only adds a warning to every command.
    if (out.TF_CLI_CONFIG_FILE !== undefined && !existsSync(out.TF_CLI_CONFIG_FILE))
      delete out.TF_CLI_CONFIG_FILE;
  }
  return out;
}

/**
 * Terraform's and its providers' debug logging: a provider's debug log holds the request bodies it sends, a
 * secret's value among them. Never set while Terraform holds secret inputs.
 */
const DEBUG_LOGGING = /^TF_LOG(_CORE|_PROVIDER|_PATH|_CORE_PATH|_PROVIDER_PATH)?$|^TF_LOG_PROVIDER_/;

/**
 * `env` plus each secret input as `TF_VAR_<variable>` (the only way values reach Terraform: never a file,
 * never an argument), minus Terraform's debug logging. Returns the names of the logging variables removed.
 */
export function withSecretInputs(
  env: Readonly<Record<string, string>>,
  inputs: readonly AwsSecretInput[],
): { env: Record<string, string>; removed: string[] } {
  const out: Record<string, string> = {};
  const removed: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (DEBUG_LOGGING.test(k)) removed.push(k);
    else out[k] = v;
  }
  for (const input of inputs) out[`TF_VAR_${input.variable}`] = input.value.reveal();
  return { env: out, removed };
}

/**
 * A line filter that replaces any piece of the given values with `[redacted]`: each value, and each line of
 * it (also between JSON's `\n` escapes) of 16 characters or more, so a PEM key cannot pass line by line.
 * Terraform never prints these; this is the second lock.
 */
export function redactor(values: readonly string[]): (line: string) => string {
  const needles = new Set<string>();
  for (const value of values) {
    needles.add(value);
    for (const piece of value.split(/\\n|\n|\r/)) {
      const text = piece.trim();
      if (text.length >= 16) needles.add(text);
    }
  }
  const sorted = [...needles].filter((n) => n.length > 0).sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const needle of sorted) if (out.includes(needle)) out = out.split(needle).join('[redacted]');
    return out;
  };
}

export interface TerraformRun {
  readonly stdout: string;
}

/**
 * Runs `terraform <args>` in `cwd`. Every output line goes to `onLine` as it arrives (unless `capture`, which
 * keeps stdout for the caller); a non-zero exit is an external error quoting the last lines.
 */
export function runTerraform(
  bin: string,
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: Record<string, string>;
    readonly onLine: (line: string) => void;
    readonly capture?: boolean;
    readonly hint: string;
    /** Applied to every printed line (and the lines quoted in an error) before anything else sees it. */
    readonly redact?: (line: string) => string;
  },
): Promise<TerraformRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let stdout = '';
    const lines = (stream: NodeJS.ReadableStream, capture: boolean) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (capture) {
          stdout += chunk;
          return;
        }
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) emit(line);
      });
      stream.on('end', () => {
        if (partial.length > 0) emit(partial);
      });
    };
    const emit = (line: string) => {
      const text = (options.redact ?? ((l: string) => l))(line).trimEnd();
      if (text.length === 0) return;
      tail.push(text);
      if (tail.length > 20) tail.shift();
      options.onLine(text);
    };
    lines(child.stdout, options.capture === true);
    lines(child.stderr, false);
    child.on('error', (error) =>
      reject(
        new AwsDeployError('TERRAFORM_FAILED', `could not run ${bin}: ${error.message}`, {
          hint: options.hint,
          cause: error,
        }),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve({ stdout });
        return;
      }
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const quoted = tail.length > 0 ? `:\n    ${tail.slice(-8).join('\n    ')}` : '';
      reject(
        new AwsDeployError('TERRAFORM_FAILED', `terraform ${args[0]} in ${options.cwd} ${why}${quoted}`, {
          hint: options.hint,
        }),
      );
    });
  });
}

/**
 * Terraform in one stack directory with one environment: the synthesized stack's, with the secret inputs in
 * it. The environment never leaves this object (it shows as `TerraformSession { bin, cwd }`), and every
 * line Terraform prints passes the redactor.
 */
export class TerraformSession {
  readonly bin: string;
  readonly cwd: string;
  readonly #env: Record<string, string>;
  readonly #onLine: (line: string) => void;
  readonly #hint: string;
  readonly #redact: (line: string) => string;

  constructor(options: {
    readonly bin: string;
    readonly cwd: string;
    readonly env: Record<string, string>;
    readonly onLine: (line: string) => void;
    readonly hint: string;
    readonly secretValues: readonly string[];
  }) {
    this.bin = options.bin;
    this.cwd = options.cwd;
    this.#env = options.env;
    this.#onLine = options.onLine;
    this.#hint = options.hint;
    this.#redact = redactor(options.secretValues);
  }

  /** `terraform <args>` in the stack directory; `capture` keeps stdout (for `-json` documents). */
  run(args: readonly string[], capture = false): Promise<TerraformRun> {
    return runTerraform(this.bin, args, {
      cwd: this.cwd,
      env: this.#env,
      onLine: this.#onLine,
      hint: this.#hint,
      capture,
      redact: this.#redact,
    });
  }

  /** `terraform <args> -json`, parsed; an external error when Terraform printed no JSON. */
  async json<T>(args: readonly string[]): Promise<T> {
    const { stdout } = await this.run(args, true);
    try {
      return JSON.parse(stdout) as T;
    } catch (error) {
      throw new AwsDeployError('TERRAFORM_FAILED', `terraform ${args.join(' ')} printed no JSON`, {
        hint: this.#hint,
        cause: error,
      });
    }
  }

  toJSON(): { bin: string; cwd: string } {
    return { bin: this.bin, cwd: this.cwd };
  }

  [inspect.custom](): string {
    return `TerraformSession { bin: ${this.bin}, cwd: ${this.cwd} }`;
  }
}

export interface PlanCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/** Counts as Terraform's own "Plan: N to add, N to change, N to destroy" (a replacement counts in both). */
export function planCounts(plan: {
  readonly resource_changes?: readonly { readonly change: { readonly actions: readonly string[] } }[];
}): PlanCounts {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions;
    if (actions.includes('create')) add += 1;
    if (actions.includes('delete')) destroy += 1;
    if (actions.includes('update')) change += 1;
  }
  return { add, change, destroy };
}
