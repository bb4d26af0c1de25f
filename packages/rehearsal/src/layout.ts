import { join, resolve } from 'node:path';

/**
 * Where a rehearsal keeps everything it makes: one work dir, `<state-dir>/<cluster>/rehearsal/` unless given.
 * Nothing of the user's own deployment (its PKI, passwords, Terraform state or backend) is read or written:
 * the rehearsal synthesizes with a state root of its own inside the work dir.
 */
export interface RehearsalLayout {
  readonly workDir: string;
  /** The default `<state-dir>/<cluster>/rehearsal`: its parent goes too at `--destroy` when left empty. */
  readonly defaultWorkDir: boolean;
  /** `rehearsal.json`: what this rehearsal reached, created and mapped (see `RehearsalState`). */
  readonly stateFile: string;
  /** One process record per process the rehearsal started (`<name>.json`: PID and kernel start time). */
  readonly runDir: string;
  readonly logDir: string;
  /** The state root `synthAws` makes the PKI, passwords and secret version counters in. */
  readonly stateRoot: string;
  /** Where the stack is synthesized (`stacks/<cluster>/cdk.tf.json`); its Terraform state stays beside it. */
  readonly outDir: string;
  /** HOME of Terraform and the emulator: no `~/.aws` or `~/.terraformrc` of the user's is seen. */
  readonly homeDir: string;
  /** Terraform's CLI config: the offline provider mirror as the only installation source. */
  readonly terraformRc: string;
  /** The AMI the emulator serves under the config's id (`MOTO_AMIS_PATH`). */
  readonly amisFile: string;
  /** What the emulator launched: the instances stage 2 boots (`LaunchedInstances`). */
  readonly launchedFile: string;
  /** Per instance: `<name>/user-data` as the emulator holds it. */
  readonly instancesDir: string;
}

export function rehearsalLayout(options: {
  readonly stateRoot: string;
  readonly cluster: string;
  readonly workDir?: string | undefined;
}): RehearsalLayout {
  const workDir = resolve(options.workDir ?? join(options.stateRoot, options.cluster, 'rehearsal'));
  return {
    workDir,
    defaultWorkDir: options.workDir === undefined,
    stateFile: join(workDir, 'rehearsal.json'),
    runDir: join(workDir, 'run'),
    logDir: join(workDir, 'logs'),
    stateRoot: join(workDir, 'state'),
    outDir: join(workDir, 'cdktf.out'),
    homeDir: join(workDir, 'home'),
    terraformRc: join(workDir, 'terraform.rc'),
    amisFile: join(workDir, 'amis.json'),
    launchedFile: join(workDir, 'launched.json'),
    instancesDir: join(workDir, 'instances'),
  };
}
