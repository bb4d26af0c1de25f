import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type AwsConfig,
  isAwsDeployError,
  type SynthAwsResult,
  synthAws,
  TerraformSession,
  validateAwsConfig,
  withSecretInputs,
} from '@pgha/aws-deploy';
import { step } from '@pgha/clients';
import { isAlive, type ProcessRecord, stopAll } from '@pgha/local-cluster';
import { type EmulatorClients, emulatorClients } from './aws-api.js';
import { type BootStageResult, bootAndVerify } from './boot-stage.js';
import { createdFile, readCreated, undoCreated } from './created.js';
import { amiDocument, DUMMY_CREDENTIALS, EMULATOR, type Emulator, startEmulator } from './emulator.js';
import { isCodedError, RehearsalError } from './errors.js';
import type { RehearsalEventListener as Emit } from './events.js';
import { type EgressGuard, startEgressGuard } from './guard.js';
import type { RehearsalLayout } from './layout.js';
import { bootPrerequisites, type RehearsalPrerequisites } from './prereqs.js';
import { applyProgress } from './progress.js';
import { pointStackAtEmulator, unpointedServices } from './provider.js';
import { type LaunchedInstance, type LaunchedInstances, readLaunched } from './readback.js';
import { rehearsalConfig, type SeededResources, seedEmulator } from './seed.js';
import {
  claimWorkDir,
  type RehearsalState,
  readRehearsalState,
  startedProcesses,
  writeRehearsalState,
} from './state.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface RehearseOptions {
  /** The config as the user wrote it (already checked by the config reader). */
  readonly config: AwsConfig;
  /** Its path, recorded so that the cleanup hint can name it. */
  readonly configFile: string;
  readonly layout: RehearsalLayout;
  readonly prerequisites: RehearsalPrerequisites;
  /** The user's environment: the emulator gets it without AWS_* and proxies; Terraform gets none of it. */
  readonly env: Env;
  /** Each line Terraform prints (secret values redacted). */
  readonly onTerraformLine: (line: string) => void;
  /** The command that removes what the rehearsal leaves (named in errors). */
  readonly cleanup: string;
  /** Ctrl-C: the rehearsal stops at its next step; what it made stays for `--destroy`. */
  readonly signal?: AbortSignal | undefined;
  /** Stop after the apply and read-back (stage 1): no root, nothing booted. */
  readonly applyOnly?: boolean;
  /** The effective user id (booting needs root). */
  readonly uid?: number;
}

export interface RehearseResult {
  readonly cluster: string;
  readonly workDir: string;
  readonly emulator: { readonly pid: number; readonly endpoint: string; readonly logFile: string };
  readonly seeded: SeededResources;
  readonly synth: SynthAwsResult;
  readonly services: readonly string[];
  readonly instances: readonly LaunchedInstance[];
  readonly launchedFile: string;
  /** Stages 2 and 3: absent with `applyOnly`. */
  readonly boot?: BootStageResult;
}

/** The clean environment Terraform runs in: nothing of the user's but PATH and TMPDIR. */
export function rehearsalTerraformEnv(
  env: Env,
  layout: RehearsalLayout,
  guardUrl: string,
): Record<string, string> {
  return {
    PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...(env.TMPDIR === undefined ? {} : { TMPDIR: env.TMPDIR }),
    HOME: layout.homeDir,
    TF_CLI_CONFIG_FILE: layout.terraformRc,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    ...awsDummyEnv(),
    ...proxyGuard(guardUrl),
  };
}

/** Every request to a non-loopback address goes to the guard (Go and Python never proxy 127.0.0.1). */
function proxyGuard(url: string): Record<string, string> {
  return {
    HTTPS_PROXY: url,
    HTTP_PROXY: url,
    https_proxy: url,
    http_proxy: url,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

/**
 * The emulator's environment: the user's (its Python may need HOME, PYENV_*, ...) minus AWS_* and proxies,
 * plus dummy credentials and no config files: moto builds boto3 clients inside (a route53 request does), and
 * botocore without credentials asks the instance metadata service (169.254.169.254) for them.
 */
function emulatorEnv(env: Env, guardUrl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k.startsWith('AWS_') || /^(https?|all|no)_proxy$/i.test(k)) continue;
    out[k] = v;
  }
  return { ...out, ...awsDummyEnv(), ...proxyGuard(guardUrl) };
}

/** Dummy credentials, no metadata service, no shared config or credentials file of the user's. */
function awsDummyEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** Terraform's CLI config: providers from the offline mirror only, no checkpoint calls. */
function terraformRc(pluginDir: string): string {
  return [
    'disable_checkpoint = true',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path = ${JSON.stringify(pluginDir)}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** An empty or absent work dir is made; one holding anything but a rehearsal is refused. */
async function prepareWorkDir(layout: RehearsalLayout): Promise<void> {
  await mkdir(layout.workDir, { recursive: true, mode: 0o700 });
  const entries = await readdir(layout.workDir);
  if (entries.length > 0 && !entries.includes('rehearsal.json')) {
    throw new RehearsalError(
      'STATE_CONFLICT',
      `${layout.workDir} holds files but no rehearsal.json: it is not a rehearsal's work dir`,
      {
        hint: "give an empty or new directory as workDir (destroyRehearsal removes a rehearsal's work dir)",
        reason: 'work-dir-foreign',
      },
    );
  }
}

/**
 * Stage 1 of a rehearsal: start the emulator, create in it what the config references, synthesize the stack
 * the way `deploy --target aws` does (into the work dir, with a state root of its own), point the provider at
 * the emulator, `terraform init` from the offline mirror and `apply`, then read back the launched instances.
 * What it makes stays (the emulator runs on for the next stages) until `--destroy`.
 */
export async function rehearse(options: RehearseOptions, emit: Emit): Promise<RehearseResult> {
  const { layout, config, prerequisites } = options;
  // Checked before anything is made: a rehearsal that cannot boot fails here, not after the apply.
  const boot = options.applyOnly ? undefined : bootPrerequisites(options.env, options.uid ?? -1);
  await prepareWorkDir(layout);
  const startedAt = new Date().toISOString();
  let state: RehearsalState = {
    version: 1,
    cluster: config.clusterName,
    region: config.region,
    config: options.configFile,
    startedAt,
    stage: 'started',
  };
  await claimWorkDir(layout, state);
  const advance = async (next: Partial<RehearsalState>) => {
    state = { ...state, ...next };
    await writeRehearsalState(layout, state);
  };
  const checkpoint = (before: string) => {
    if (options.signal?.aborted) {
      throw new RehearsalError(
        'INTERRUPTED',
        `interrupted (${String(options.signal.reason)}) before ${before}`,
      );
    }
  };

  let guard: EgressGuard | undefined;
  let emulator: Emulator | undefined;
  let clients: EmulatorClients | undefined;
  try {
    await Promise.all([
      mkdir(layout.runDir, { recursive: true }),
      mkdir(layout.logDir, { recursive: true }),
      mkdir(layout.homeDir, { recursive: true, mode: 0o700 }),
      writeFile(layout.amisFile, `${JSON.stringify(amiDocument(config.amiId, config.amiOs), null, 2)}\n`),
      writeFile(layout.terraformRc, terraformRc(prerequisites.pluginDir)),
    ]);
    guard = await startEgressGuard();
    const guardUrl = guard.url;
    checkpoint('the emulator starts');
    emulator = await step(
      emit,
      'emulator',
      `start ${EMULATOR} on 127.0.0.1`,
      () =>
        startEmulator({
          layout,
          motoServer: prerequisites.motoServer,
          env: emulatorEnv(options.env, guardUrl),
        }),
      (e) => `PID ${e.record.pid}, ${e.endpoint}`,
    );
    const { endpoint } = emulator;
    await advance({
      stage: 'emulator',
      emulator: { pid: emulator.record.pid, endpoint, logFile: emulator.logFile },
    });
    clients = emulatorClients(endpoint, config.region);
    const api = clients;

    checkpoint('the VPC, subnets and AMI are created');
    const seeded = await step(
      emit,
      'seed',
      'create the VPC, subnets, AMI and hosted zone the config references',
      () =>
        seedEmulator(api, config, {
          'pgha:cluster': config.clusterName,
          'pgha:managed-by': 'pgha-rehearsal',
        }),
      (s) =>
        `${s.vpc.emulator} ${s.vpc.cidr}, ${s.subnets.length} subnets, ${s.amiId}${s.hostedZone ? `, zone ${s.hostedZone.emulator}` : ''}`,
    );
    await advance({ stage: 'seeded', seeded });

    checkpoint('the stack is synthesized');
    // The emulator's ids, a local state beside the stack: checked by the same reader as the user's config.
    const synthConfig = validateAwsConfig(
      { ...rehearsalConfig(config, seeded), backend: { type: 'local', path: 'terraform.tfstate' } },
      `${options.configFile} with the emulator's ids`,
    );
    const synth = await synthAws(
      { config: synthConfig, stateRoot: layout.stateRoot, outDir: layout.outDir },
      emit,
    );
    const services = await step(
      emit,
      'endpoints',
      'point the provider at the emulator',
      async () => {
        const list = await pointStackAtEmulator(synth.stackFile, endpoint);
        const missing = unpointedServices(JSON.parse(await readFile(synth.stackFile, 'utf8')), endpoint);
        if (missing.length > 0)
          throw new Error(`provider endpoints left pointing at AWS: ${missing.join(', ')}`);
        return list;
      },
      (list) => list.join(', '),
    );
    await advance({ stage: 'synthesized', stackDir: synth.stackDir, services });

    const { env, removed } = withSecretInputs(
      rehearsalTerraformEnv(options.env, layout, guardUrl),
      synth.secretInputs,
    );
    if (removed.length > 0)
      throw new Error(`debug logging in the rehearsal's own environment: ${removed.join(', ')}`);
    const session = new TerraformSession({
      bin: prerequisites.terraform,
      cwd: synth.stackDir,
      env,
      onLine: applyProgress(synth.resources.total, options.onTerraformLine),
      hint: `the lines above say what Terraform or the emulator refused; the emulator's log is ${emulator.logFile}`,
      secretValues: synth.secretInputs.map((s) => s.value.reveal()),
    });
    checkpoint('terraform init');
    await step(emit, 'init', 'terraform init (offline provider mirror)', () =>
      session.run(['init', '-input=false', '-no-color']),
    );
    checkpoint('terraform apply');
    const apply = ['apply', '-auto-approve', '-input=false', '-no-color'];
    await step(
      emit,
      'apply',
      `terraform apply to the emulator (${synth.resources.total} resources)`,
      async () => {
        try {
          return await session.run(apply);
        } catch (error) {
          if (!isEmulatorDuplicate(error)) throw error;
          // The resource is not in Terraform's state, so a second apply creates it anew (another generated name).
          emit({
            type: 'warning',
            message:
              'the emulator refused a create as a duplicate (409 EntityAlreadyExists: a request the provider sent again after a slow answer); applying once more',
          });
          return session.run(apply);
        }
      },
      () => `${synth.resources.total} resources`,
    );
    if (guard.attempts.length > 0) {
      throw new Error(
        `Terraform tried to reach addresses off this machine (stopped by the guard proxy): ${guard.attempts.join('; ')}`,
      );
    }
    await advance({ stage: 'applied' });

    checkpoint('the launched instances are read back');
    const instances = await step(
      emit,
      'read-back',
      'read back the launched instances',
      () => readLaunched(api, { cluster: config.clusterName, instancesDir: layout.instancesDir }),
      (list) => `${list.length} instances`,
    );
    const launched: LaunchedInstances = {
      version: 1,
      cluster: config.clusterName,
      region: config.region,
      endpoint,
      instances,
    };
    await writeFile(layout.launchedFile, `${JSON.stringify(launched, null, 2)}\n`, { mode: 0o600 });
    await advance({ stage: 'read-back', launchedFile: layout.launchedFile });
    let booted: BootStageResult | undefined;
    if (boot !== undefined) {
      checkpoint('the instances boot');
      await advance({ stage: 'booting' });
      booted = await bootAndVerify({
        layout,
        config: synthConfig,
        endpoint,
        clients: api,
        instances,
        vpcId: seeded.vpc.emulator,
        prerequisites: boot,
        env: options.env,
        session,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        emit,
      });
      await advance({ stage: booted.verify.ok ? 'verified' : 'booted' });
      if (!booted.verify.ok) {
        throw new RehearsalError(
          'PROCESS_DIED',
          `verify did not pass from inside the VPC within ${booted.verify.waitedSeconds} s: ${booted.verify.failed.join('; ')}`,
          {
            hint: `the instances run on for a look: consoles and services' logs in ${layout.logDir}, each instance's files in ${layout.instancesDir}/<name>/root`,
          },
        );
      }
    }
    return {
      cluster: config.clusterName,
      workDir: layout.workDir,
      emulator: { pid: emulator.record.pid, endpoint, logFile: emulator.logFile },
      seeded,
      synth,
      services,
      instances,
      launchedFile: layout.launchedFile,
      ...(booted === undefined ? {} : { boot: booted }),
    };
  } catch (error) {
    const left = [
      ...(emulator !== undefined && (await isAlive(emulator.record))
        ? [`${EMULATOR} PID ${emulator.record.pid} (${emulator.endpoint})`]
        : []),
      ...((await readCreated(layout.workDir)).length > 0 || (await startedProcesses(layout)).length > 1
        ? [
            `the instances' containers, the VPC's services and network namespaces, mounts and loop devices recorded in ${layout.runDir} and ${createdFile(layout.workDir)}`,
          ]
        : []),
      `the work dir ${layout.workDir} (stage ${state.stage} reached)`,
    ];
    if (!isCodedError(error)) {
      emit({ type: 'warning', message: `left behind: ${left.join(', ')}; ${options.cleanup} removes it` });
      throw error;
    }
    const interrupted = error.code === 'INTERRUPTED' || options.signal?.aborted === true;
    throw new RehearsalError(interrupted ? 'INTERRUPTED' : error.code, error.message, {
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      leftBehind: left,
      cleanup: options.cleanup,
      cause: error,
    });
  } finally {
    clients?.destroy();
    await guard?.close();
  }
}

export interface DestroyRehearsalResult {
  /** False when there was nothing: no work dir. */
  readonly found: boolean;
  readonly workDir: string;
  readonly stage?: string;
  /** The processes stopped (by recorded PID); those already gone are not listed. */
  readonly stopped: readonly { readonly name: string; readonly pid: number }[];
  /** The mounts, loop devices and namespaces removed, one line each. */
  readonly undone: readonly string[];
}

/**
 * `--destroy`: stop every process the rehearsal recorded (by PID, checked against its start time), then
 * remove the work dir. Safe after an interrupted rehearsal and when nothing is left. A directory that holds
 * files but no rehearsal record is refused: it is not ours to remove.
 */
export async function destroyRehearsal(
  layout: RehearsalLayout,
  cluster: string,
  emit: Emit,
): Promise<DestroyRehearsalResult> {
  let entries: string[];
  try {
    entries = await readdir(layout.workDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { found: false, workDir: layout.workDir, stopped: [], undone: [] };
    throw error;
  }
  if (entries.length === 0) {
    await rmdir(layout.workDir);
    return { found: true, workDir: layout.workDir, stopped: [], undone: [] };
  }
  const state = await readRehearsalState(layout);
  if (state === undefined) {
    throw new RehearsalError('STATE_CONFLICT', `${layout.workDir} holds no rehearsal.json: not removed`, {
      hint: 'it is not a rehearsal work dir (or not this one): check workDir, stateRoot and cluster',
      reason: 'not-a-rehearsal',
    });
  }
  if (state.cluster !== cluster) {
    throw new RehearsalError(
      'STATE_CONFLICT',
      `${layout.workDir} holds a rehearsal of cluster "${state.cluster}", not "${cluster}": not removed`,
      { hint: `destroy it as the rehearsal of cluster "${state.cluster}"` },
    );
  }
  const records = await startedProcesses(layout);
  const alive: ProcessRecord[] = [];
  for (const r of records) if (await isAlive(r)) alive.push(r);
  const left = await step(
    emit,
    'stop',
    `stop what the rehearsal started (${alive.length > 0 ? alive.map((r) => `${r.name} PID ${r.pid}`).join(', ') : 'nothing running'})`,
    async () => {
      // The containers first (each shuts its systemd down), while the services they may still call run.
      const containers = alive.filter((r) => r.name.startsWith('instance-'));
      const stuck = await stopAll(containers, 30_000);
      return [
        ...stuck,
        ...(await stopAll(
          alive.filter((r) => !containers.includes(r)),
          10_000,
        )),
      ];
    },
  );
  if (left.length > 0) {
    throw new RehearsalError(
      'STOP_FAILED',
      `still running after SIGKILL: ${left.map((r) => `${r.name} PID ${r.pid}`).join(', ')}`,
      { hint: `the work dir ${layout.workDir} is kept; destroy the rehearsal again once they are gone` },
    );
  }
  const undone = await step(
    emit,
    'undo',
    'remove the mounts, loop devices and network namespaces it made',
    () => undoCreated(layout.workDir),
    (list) => `${list.length} removed`,
  );
  await step(emit, 'remove', `remove ${layout.workDir}`, async () => {
    await rm(layout.workDir, { recursive: true, force: true });
    // `<state-dir>/<cluster>` made only for the rehearsal goes with it; one holding anything else stays.
    if (layout.defaultWorkDir) await rmdir(dirname(layout.workDir)).catch(() => undefined);
  });
  return {
    found: true,
    workDir: layout.workDir,
    stage: state.stage,
    stopped: alive.map((r) => ({ name: r.name, pid: r.pid })),
    undone,
  };
}

/**
 * A create the emulator had already served, sent again by the provider after a slow answer (moto_server on a
 * loaded machine; seen in CI on IAM's CreateInstanceProfile, whose name Terraform makes unique per apply, so only
 * a repeated request can collide): Terraform fails with 409 EntityAlreadyExists. Not a property of the stack.
 */
export function isEmulatorDuplicate(error: unknown): boolean {
  return isAwsDeployError(error) && /StatusCode: 409\b[^\n]*\bEntityAlreadyExists\b/.test(error.message);
}
