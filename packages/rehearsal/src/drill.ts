import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsConfig } from '@pgha/aws-deploy';
import { rest, step } from '@pgha/clients';
import {
  type DeployedDrillCluster,
  type DrillEvent,
  type DrillProfileName,
  type DrillResult,
  type DrillTarget,
  isDrillError,
  isDrillProfileName,
  type LoadBalancerCheck,
  runDrill,
} from '@pgha/drills';
import { layoutFor, secretFile } from '@pgha/local-cluster';
import { readManifest } from '@pgha/verify';
import type { EmulatorClients } from './aws-api.js';
import { terminateContainer } from './boot.js';
import { RehearsalError } from './errors.js';
import type { RehearsalEventListener as Emit } from './events.js';
import { instanceDirs } from './instance.js';
import type { RehearsalLayout } from './layout.js';
import { readLoadBalancers } from './nlb.js';
import type { LaunchedInstance } from './readback.js';

/**
 * What the drill inside the VPC needs, written by the rehearsal on the host (which alone reaches the emulator)
 * to `<work>/drill-plan.json`: the manifest `deploy --target aws` would write, the Patroni instances' roots
 * (to terminate one), the NLB's health check on the primary's port as the emulator holds it.
 */
export interface RehearsalDrillPlan {
  readonly version: 1;
  readonly cluster: string;
  readonly vpcCidr: string;
  readonly manifestFile: string;
  /** The Patroni REST API password's file in the rehearsal's own state root (never printed). */
  readonly restApiPasswordFile: string;
  readonly loadBalancerCheck: LoadBalancerCheck;
  /** The config's `patroni.timing` (reported with the figures) and synchronous mode. */
  readonly profile: DrillProfileName;
  readonly synchronousMode: boolean;
  readonly instances: readonly {
    readonly name: string;
    readonly instanceId: string;
    readonly root: string;
  }[];
}

export const drillPlanFile = (layout: Pick<RehearsalLayout, 'workDir'>) =>
  join(layout.workDir, 'drill-plan.json');

/** Build and write the plan from what the rehearsal launched and the emulator's load balancers. */
export async function writeDrillPlan(options: {
  readonly layout: RehearsalLayout;
  readonly config: AwsConfig;
  readonly endpoint: string;
  readonly instances: readonly LaunchedInstance[];
}): Promise<RehearsalDrillPlan> {
  const { layout, config } = options;
  const stateLayout = layoutFor({ cluster: config.clusterName, stateRoot: layout.stateRoot, asRoot: false });
  const lbs = await readLoadBalancers(options.endpoint, config.region);
  // The primary's listener: the one whose target group checks /primary.
  const primary = lbs.flatMap((lb) => lb.listeners).find((l) => l.targetGroup.healthCheck.path === '/primary')
    ?.targetGroup.healthCheck;
  if (primary === undefined) {
    throw new RehearsalError(
      'PROCESS_DIED',
      "the emulator holds no target group that checks /primary: the stack's load balancer is not the one the drill measures",
    );
  }
  const plan: RehearsalDrillPlan = {
    version: 1,
    cluster: config.clusterName,
    vpcCidr: config.vpcCidr,
    manifestFile: stateLayout.manifestFile,
    restApiPasswordFile: secretFile(stateLayout.secretsDir, 'restapi'),
    loadBalancerCheck: {
      intervalMs: primary.intervalSeconds * 1000,
      rise: primary.healthyThreshold,
      fall: primary.unhealthyThreshold,
    },
    profile: isDrillProfileName(config.patroni?.timing) ? config.patroni.timing : 'safe',
    synchronousMode: config.patroni?.synchronousMode ?? true,
    instances: options.instances
      .filter((i) => i.role === 'patroni')
      .map((i) => ({ name: i.name, instanceId: i.instanceId, root: instanceDirs(layout, i.name).root })),
  };
  await writeFile(drillPlanFile(layout), `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  return plan;
}

/**
 * The drill target of the AWS rehearsal: the cluster the rehearsal booted (it is not deployed or destroyed by
 * the drill: the rehearsal owns it, `--destroy` removes it), whose Patroni instances can be terminated the way
 * EC2 terminates one: SIGKILL to the container's init, which ends every process of its PID namespace at once.
 * Runs inside the VPC's network namespace (the drill's clients reach the instances and the NLB stand-in there).
 */
export class RehearsalDrillTarget implements DrillTarget {
  readonly description: string;
  readonly terminated: string[] = [];

  constructor(private readonly plan: RehearsalDrillPlan) {
    this.description = `in the AWS rehearsal of cluster "${plan.cluster}" (VPC ${plan.vpcCidr}, the NLB stand-in)`;
  }

  async deploy(): Promise<DeployedDrillCluster> {
    return { manifestFile: this.plan.manifestFile, loadBalancerCheck: this.plan.loadBalancerCheck };
  }

  async restart(): Promise<void> {
    throw new Error('the rehearsal does not restart instances: a terminated one is gone, as on AWS');
  }

  /** The rehearsal's instances stay for a look; `rehearse --destroy` removes them. */
  async destroy(): Promise<void> {}

  async restApiCredentials(): Promise<string> {
    return `patroni:${(await readFile(this.plan.restApiPasswordFile, 'utf8')).trim()}`;
  }

  async terminateInstance(member: string): Promise<void> {
    const instance = this.plan.instances.find((i) => i.name === member);
    if (!instance) throw new Error(`no Patroni instance named ${member} in the rehearsal`);
    await terminateContainer(instance.root, member);
    this.terminated.push(member);
  }
}

/** The drill's JSON document (what `drill --json` prints), as the process inside the VPC prints it. */
export interface InsideDrillOutput {
  readonly version: 1;
  readonly ok: boolean;
  readonly runs: readonly DrillResult[];
  readonly errors: readonly string[];
  readonly diagnostics: readonly { readonly run: string; readonly lines: readonly string[] }[];
  readonly terminated: readonly string[];
}

/**
 * Stage 4 inside the VPC namespace (the process {@link drillRehearsal} starts, `drill-inside.js`): run
 * `instance-terminated` against the rehearsal's cluster with the drill engine, its clients on the admin host;
 * failsafe_mode as the cluster has it (the drill changes no configuration). The drill's events go to
 * `onEvent`.
 */
export async function drillInsideVpc(
  layout: Pick<RehearsalLayout, 'workDir'>,
  onEvent: (event: DrillEvent) => void,
): Promise<InsideDrillOutput> {
  const plan = JSON.parse(await readFile(drillPlanFile(layout), 'utf8')) as RehearsalDrillPlan;
  const target = new RehearsalDrillTarget(plan);
  const manifest = await readManifest(plan.manifestFile);
  const ca = await readFile(manifest.patroni.ca ?? manifest.etcd.tls.ca, 'utf8');
  let failsafe = false;
  for (const m of manifest.patroni.members ?? []) {
    const r = await rest(`${m.rest}/config`, { ca }, { timeoutMs: 3000 }).catch(() => undefined);
    if (r?.status !== 200) continue;
    failsafe = (JSON.parse(r.body) as { failsafe_mode?: boolean }).failsafe_mode === true;
    break;
  }
  const label = `instance-terminated / ${plan.profile} / ${plan.synchronousMode ? 'sync' : 'async'}`;
  try {
    const result = await runDrill(
      {
        scenario: 'instance-terminated',
        profile: plan.profile,
        synchronousMode: plan.synchronousMode,
        failsafe,
      },
      target,
      { onEvent },
    );
    return {
      version: 1,
      ok: result.ok,
      runs: [result],
      errors: [],
      diagnostics: [],
      terminated: target.terminated,
    };
  } catch (error) {
    return {
      version: 1,
      ok: false,
      runs: [],
      errors: [`${label}: ${(error as Error).message}`],
      diagnostics:
        isDrillError(error) && error.diagnostics.length > 0 ? [{ run: label, lines: error.diagnostics }] : [],
      terminated: target.terminated,
    };
  }
}

/**
 * The script stage 4 runs inside the VPC namespace: built, dist/drill-inside.js beside this module; from
 * source (the tests), the package's built one.
 */
function insideScript(): string {
  const built = fileURLToPath(new URL('./drill-inside.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('../dist/drill-inside.js', import.meta.url));
}

/**
 * Stage 4 on the host: write the plan, run this package's `drill-inside.js` inside the VPC namespace (which
 * runs the drill engine against {@link RehearsalDrillTarget} and prints its report as JSON), then tell the
 * emulator which instance was terminated, so its view matches what happened.
 */
export async function drillRehearsal(options: {
  readonly layout: RehearsalLayout;
  readonly config: AwsConfig;
  readonly endpoint: string;
  readonly clients: EmulatorClients;
  readonly instances: readonly LaunchedInstance[];
  readonly namespace: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly emit: Emit;
  readonly onStderr: (text: string) => void;
}): Promise<InsideDrillOutput> {
  const { emit } = options;
  const plan = await writeDrillPlan(options);
  const output = await step(
    emit,
    'drill',
    `drill instance-terminated from the admin host inside the VPC (NLB check every ${plan.loadBalancerCheck.intervalMs / 1000} s, fall ${plan.loadBalancerCheck.fall}, rise ${plan.loadBalancerCheck.rise})`,
    async () => {
      // `ip netns exec`, not nsenter: it also binds the VPC's resolv.conf (/etc/netns/<ns>), so the NLB's name
      // is asked of the rehearsal's resolver and never of the host's.
      const child = spawn(
        'ip',
        ['netns', 'exec', options.namespace, process.execPath, insideScript(), options.layout.workDir],
        {
          env: { ...options.env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => options.onStderr(d.toString()));
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c) => resolve(c ?? 1));
      });
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        return JSON.parse(last) as InsideDrillOutput;
      } catch {
        throw new RehearsalError(
          'PROCESS_DIED',
          `the drill inside the VPC exited ${code} without its report`,
        );
      }
    },
    (o) => (o.ok ? 'every required check passed' : 'FAILED'),
  );
  const ids = output.terminated
    .map((name) => options.instances.find((i) => i.name === name)?.instanceId)
    .filter((id): id is string => id !== undefined);
  if (ids.length > 0) {
    await step(emit, 'drill-terminate', `mark ${ids.join(', ')} terminated in the emulator`, () =>
      options.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })),
    );
  }
  return output;
}
