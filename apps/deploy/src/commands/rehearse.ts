import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AwsConfig } from '@pgha/aws-deploy';
import { shellWord } from '@pgha/local-cluster';
import {
  bootPrerequisites,
  destroyRehearsal,
  drillRehearsal,
  type EtcdReplacement,
  emulatorClients,
  type InsideDrillOutput,
  isRehearsalError,
  type LaunchedInstance,
  type LaunchedInstances,
  type RehearsalLayout,
  type RehearsalState,
  type RehearseResult,
  readRehearsalState,
  rehearsalLayout,
  rehearsalPrerequisites,
  rehearse,
  replaceEtcdInstance,
  vpcNamespace,
  writeRehearsalState,
} from '@pgha/rehearsal';
import type { CommandFlags, FlagTable } from '../command.js';
import { DeployError } from '../errors.js';
import { awsConfigFromFlags, clusterFlag } from '../options.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { stateRoot } from './context.js';
import { describe } from './drill.js';

export const FLAGS = {
  config: { type: 'string' },
  'work-dir': { type: 'string' },
  'apply-only': { type: 'boolean' },
  drill: { type: 'boolean' },
  destroy: { type: 'boolean' },
} as const satisfies FlagTable;

type RehearseFlags = CommandFlags<typeof FLAGS>;

/** The flags that say which rehearsal, as given, each value mapped by `value`. */
function rehearsalFlags(flags: RehearseFlags, value: (flag: string, v: string) => string): string[] {
  return (['config', 'cluster', 'state-dir', 'work-dir'] as const).flatMap((f) => {
    const v = flags[f];
    return v === undefined ? [] : [`--${f}`, value(f, v)];
  });
}

/** `pnpm run rehearse -- <flags>`, keeping the flags that say which rehearsal. */
function rehearseCommand(flags: RehearseFlags, extra: string): string {
  return `pnpm run rehearse -- ${[...rehearsalFlags(flags, (_, v) => shellWord(v)), extra].join(' ')}`;
}

/**
 * `rehearse`: stage 1 of the AWS rehearsal (the stack applied to a local emulator, the launched instances read
 * back); `--destroy` stops what it started and removes its work dir.
 */
export async function run(flags: RehearseFlags, io: Io): Promise<number> {
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const emit = (event: Parameters<typeof reporter.event>[0]) => reporter.event(event);
  const started = performance.now();
  const elapsed = () => Number(((performance.now() - started) / 1000).toFixed(1));
  const workDir = flags['work-dir'];

  if (flags.destroy === true) {
    // The cluster names the work dir; a config edited since (or refused now) need not stand in the way.
    const cluster =
      clusterFlag(flags.cluster) ?? (await awsConfigFromFlags(flags.config, undefined)).clusterName;
    const layout = rehearsalLayout({ stateRoot: stateRoot(flags, io), cluster, workDir });
    const result = await destroyRehearsal(layout, cluster, emit);
    const seconds = elapsed();
    if (json) {
      io.stdout.write(`${JSON.stringify({ ok: true, version: 1, cluster, ...result, seconds })}\n`);
      return 0;
    }
    io.stdout.write(
      result.found
        ? `rehearsal of cluster "${cluster}" removed (${seconds}s): ${result.stopped.length > 0 ? `stopped ${result.stopped.map((p) => `${p.name} PID ${p.pid}`).join(', ')}` : 'no process of it was running'}; ${result.undone.length > 0 ? `${result.undone.join('; ')}; ` : ''}${result.workDir} deleted\n`
        : `no rehearsal of cluster "${cluster}" in ${result.workDir}: nothing to remove\n`,
    );
    return 0;
  }

  if (typeof flags.config !== 'string') {
    throw new DeployError('USAGE', 'rehearse needs --config FILE (the AWS config of deploy --target aws)', {
      hint: 'pnpm run rehearse -- --config examples/aws-config.example.json',
    });
  }
  const config = await awsConfigFromFlags(flags.config, flags.cluster);
  const layout = rehearsalLayout({ stateRoot: stateRoot(flags, io), cluster: config.clusterName, workDir });
  if (flags.drill === true && flags['apply-only'] === true) {
    throw new DeployError(
      'USAGE',
      '--drill and --apply-only do not go together: the drill needs the instances booted',
      {
        hint: 'drop --apply-only',
      },
    );
  }
  const before = flags.drill === true ? await readRehearsalState(layout) : undefined;
  if (before !== undefined && before.stage !== 'verified') {
    throw new DeployError(
      'STATE_CONFLICT',
      `the rehearsal in ${layout.workDir} is at stage ${before.stage}: --drill runs on a rehearsal verified green and not drilled yet`,
      {
        hint: `remove it with ${rehearseCommand(flags, '--destroy')}, then run ${rehearseCommand(flags, '--drill')}`,
      },
    );
  }
  if (before !== undefined) {
    // A verified rehearsal is there: drill it (the instances, emulator and NLB stand-in still run).
    return drillOnly(flags, io, json, emit, elapsed, config, layout, before);
  }
  const prerequisites = rehearsalPrerequisites(io.env);
  const configFile = resolve(flags.config);
  const result = await rehearse(
    {
      config,
      configFile,
      layout,
      prerequisites,
      env: io.env,
      onTerraformLine: (line) => io.stderr.write(`  terraform| ${line}\n`),
      cleanup: rehearseCommand(flags, '--destroy'),
      signal: io.signal,
      applyOnly: flags['apply-only'] === true,
      uid: process.getuid?.() ?? -1,
    },
    emit,
  ).catch(async (error: unknown) => {
    if (!isRehearsalError(error) || error.reason !== 'work-dir-taken') throw error;
    // The library names no command: the CLI's hint names the one that removes the rehearsal in the way.
    const before = await readRehearsalState(layout).catch(() => undefined);
    throw new DeployError(error.code, error.message, {
      hint: `remove it first with pnpm run rehearse -- --config ${before?.config ?? configFile} --destroy, or give another --work-dir`,
      cause: error,
    });
  });
  if (flags.drill !== true || result.boot === undefined) {
    const seconds = elapsed();
    if (json) {
      io.stdout.write(`${JSON.stringify({ ok: true, version: 1, ...rehearseJson(result), seconds })}\n`);
      return 0;
    }
    io.stdout.write(`${rehearseLines(result, seconds, rehearseCommand(flags, '--destroy')).join('\n')}\n`);
    return 0;
  }
  if (!json)
    io.stdout.write(`${rehearseLines(result, elapsed(), rehearseCommand(flags, '--destroy')).join('\n')}\n`);
  const four = await stageFour(io, emit, config, layout, {
    endpoint: result.emulator.endpoint,
    instances: result.instances,
    namespace: result.boot.vpc.plan.namespace,
  });
  const seconds = elapsed();
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: four.ok, version: 1, ...rehearseJson(result), stage: 4, etcdReplacement: four.etcd, drill: four.drill, seconds })}\n`,
    );
  } else io.stdout.write(stageFourLines(four, rehearseCommand(flags, '--destroy')));
  return four.ok ? 0 : 1;
}

type Emitter = Parameters<typeof drillRehearsal>[0]['emit'];

/** `--drill` on a rehearsal verified earlier: stage 4 alone. */
async function drillOnly(
  flags: RehearseFlags,
  io: Io,
  json: boolean,
  emit: Emitter,
  elapsed: () => number,
  config: AwsConfig,
  layout: RehearsalLayout,
  state: RehearsalState,
): Promise<number> {
  const endpoint = state.emulator?.endpoint;
  if (endpoint === undefined || !existsSync(layout.launchedFile)) {
    throw new DeployError(
      'STATE_DAMAGED',
      `${layout.stateFile} says verified but names no emulator or launched instances`,
      {
        hint: `remove it with ${rehearseCommand(flags, '--destroy')} and rehearse again`,
      },
    );
  }
  const launched = JSON.parse(await readFile(layout.launchedFile, 'utf8')) as LaunchedInstances;
  const four = await stageFour(io, emit, config, layout, {
    endpoint,
    instances: launched.instances,
    namespace: vpcNamespace(config.clusterName),
  });
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: four.ok, version: 1, cluster: config.clusterName, workDir: layout.workDir, stage: 4, etcdReplacement: four.etcd, drill: four.drill, seconds: elapsed() })}\n`,
    );
  } else io.stdout.write(stageFourLines(four, rehearseCommand(flags, '--destroy')));
  return four.ok ? 0 : 1;
}

/** What stage 4 showed: the etcd member's instance replaced, then the primary's terminated. */
interface StageFour {
  readonly ok: boolean;
  readonly etcd: EtcdReplacement;
  readonly drill: InsideDrillOutput;
}

/** The etcd member whose instance stage 4 terminates (its Auto Scaling group replaces it). */
const ETCD_MEMBER = 'etcd-3';

/**
 * Stage 4: an etcd member's instance terminated and replaced (verify green again, the volume's data kept),
 * then the drill in the VPC on the primary's instance, the emulator told what was terminated, the state
 * marked drilled (from the first termination on: a drilled rehearsal lacks instances it had).
 */
async function stageFour(
  io: Io,
  emit: Emitter,
  config: AwsConfig,
  layout: RehearsalLayout,
  at: { endpoint: string; instances: readonly LaunchedInstance[]; namespace: string },
): Promise<StageFour> {
  const prerequisites = bootPrerequisites(io.env, process.getuid?.() ?? -1);
  const clients = emulatorClients(at.endpoint, config.region);
  try {
    const state = await readRehearsalState(layout);
    if (state !== undefined) await writeRehearsalState(layout, { ...state, stage: 'drilled' });
    const etcd = await replaceEtcdInstance({
      layout,
      config,
      clients,
      endpoint: at.endpoint,
      instances: at.instances,
      prerequisites,
      env: io.env,
      member: ETCD_MEMBER,
      emit,
    });
    const drill = await drillRehearsal({
      layout,
      config,
      endpoint: at.endpoint,
      clients,
      instances: at.instances,
      namespace: at.namespace,
      env: io.env,
      emit,
      onStderr: (text) => io.stderr.write(text.replace(/^(?=.)/gm, '  drill| ')),
    });
    return { ok: etcd.verify.ok && etcd.reusedVolume && drill.ok, etcd, drill };
  } finally {
    clients.destroy();
  }
}

function stageFourLines(four: StageFour, destroy: string): string {
  const e = four.etcd;
  const d = four.drill;
  return [
    '',
    `stage 4, ${e.member}'s instance ${e.terminated.instanceId} (${e.terminated.privateIp}) terminated:`,
    `  replacement ${e.replacement.instanceId} (${e.replacement.privateIp}) launched by its Auto Scaling group after ${e.launchedAfterSeconds} s, booted after ${e.bootedAfterSeconds} s`,
    `  ${e.volumeId}: ${e.reusedVolume ? "reattached with the member's data (not formatted)" : 'FORMATTED: the data was not kept'}`,
    `  verify from the admin host: ${e.verify.ok ? 'green' : 'NOT green'} (${e.verify.checks.filter((c) => c.ok).length}/${e.verify.checks.length}) after ${e.greenAfterSeconds} s`,
    ...e.verify.checks.filter((c) => !c.ok).map((c) => `  FAIL ${c.id}: ${c.detail}`),
    '  replacement boot timeline (seconds since its container started):',
    ...e.timeline.map((t) => `    ${t.at.toFixed(1).padStart(6)}  ${t.what}`),
    '',
    "stage 4, the primary's instance terminated, drill from the admin host inside the VPC:",
    ...d.runs.map((r) => describe(r)),
    ...d.errors.map((x) => `error: ${x}`),
    ...d.diagnostics.flatMap((x) => ['what the cluster looked like:', ...x.lines.map((l) => `  ${l}`)]),
    `stage 4: ${four.ok ? 'every required check passed' : 'FAILED'}`,
    `the instances left keep running; remove everything with: ${destroy}`,
    '',
  ].join('\n');
}

/** The `--json` document of a stage-1 rehearsal (version 1; no user-data text: its files are named). */
export function rehearseJson(r: RehearseResult): Record<string, unknown> {
  return {
    cluster: r.cluster,
    stage: r.boot === undefined ? 1 : 3,
    workDir: r.workDir,
    emulator: r.emulator,
    ids: r.seeded,
    stackDir: r.synth.stackDir,
    resources: r.synth.resources,
    endpoints: r.services,
    instances: r.instances.map(({ tags: _tags, ...i }) => i),
    launchedFile: r.launchedFile,
    ...(r.boot === undefined
      ? {}
      : {
          rootfs: r.boot.rootfs,
          vpc: {
            namespace: r.boot.vpc.plan.namespace,
            cidr: r.boot.vpc.plan.cidr,
            gateway: r.boot.vpc.plan.gateway,
            resolver: r.boot.vpc.plan.resolver,
            services: r.boot.vpc.plan.services,
            admin: r.boot.vpc.plan.admin,
            loadBalancers: r.boot.vpc.loadBalancers,
            haproxyPid: r.boot.vpc.haproxyPid,
          },
          booted: r.boot.vpc.instances,
          manifestFile: r.boot.manifestFile,
          verify: r.boot.verify,
          timelines: r.boot.timelines,
          bootToVerifySeconds: r.boot.bootToVerifySeconds,
        }),
  };
}

function rehearseLines(r: RehearseResult, seconds: number, destroy: string): string[] {
  const s = r.seeded;
  const width = Math.max(...r.instances.map((i) => i.name.length), 4);
  return [
    `rehearsal of cluster "${r.cluster}": the AWS stack applied to ${r.emulator.endpoint}${r.boot === undefined ? ' (--apply-only)' : ', every instance booted from its user-data'} (${seconds}s)`,
    '',
    `emulator:     moto_server PID ${r.emulator.pid}, log ${r.emulator.logFile}`,
    `work dir:     ${r.workDir}`,
    `VPC:          ${s.vpc.emulator} ${s.vpc.cidr} stands for ${s.vpc.configured}`,
    ...s.subnets.map(
      (x, i) =>
        `${i === 0 ? 'subnets:      ' : '              '}${x.emulator} ${x.cidr} ${x.availabilityZone} stands for ${x.configured}`,
    ),
    `AMI:          ${s.amiId} (the config's id)`,
    ...(s.hostedZone ? [`hosted zone:  ${s.hostedZone.emulator} stands for ${s.hostedZone.configured}`] : []),
    `resources:    ${r.synth.resources.total} applied; provider endpoints: ${r.services.join(', ')}`,
    '',
    `launched (${r.instances.length}):`,
    ...r.instances.map(
      (i) =>
        `  ${i.name.padEnd(width)}  ${i.role.padEnd(7)}  ${i.instanceId}  ${i.privateIp.padEnd(15)}  ${i.availabilityZone}  ${i.autoScalingGroup === undefined ? 'instance' : `ASG ${i.autoScalingGroup}`}  user-data ${i.userDataBytes} B`,
    ),
    `summary:      ${r.launchedFile}`,
    '',
    ...(r.boot === undefined
      ? [
          'not booted (--apply-only): booting these instances from their user-data (stage 2), verify from inside the VPC (3)',
          `the emulator keeps running; remove everything with: ${destroy}`,
        ]
      : bootLines(r.boot, destroy)),
  ];
}

function bootLines(b: NonNullable<RehearseResult['boot']>, destroy: string): string[] {
  const p = b.vpc.plan;
  return [
    `root filesystem: ${b.rootfs.built ? 'built' : 'cached'} ${b.rootfs.dir} (${b.rootfs.seconds}s, ${b.rootfs.debs} .debs in its repository)`,
    `VPC:          namespace ${p.namespace}, ${p.cidr}, gateway ${p.gateway}, resolver ${p.resolver}, emulator and packages ${p.services}, admin host ${p.admin}`,
    ...b.vpc.loadBalancers.map(
      (l) => `NLB:          ${l.dnsName} -> HAProxy ${l.address} ports ${l.ports.join(', ')}`,
    ),
    '',
    'boot timelines (seconds since the containers started):',
    ...b.timelines.flatMap((t) => [
      `  ${t.name}:`,
      ...t.events.map((e) => `    ${e.at.toFixed(1).padStart(6)}  ${e.what}`),
    ]),
    '',
    `verify from the admin host inside the VPC: ${b.verify.ok ? 'green' : 'NOT green'} (${b.verify.checks.filter((c) => c.ok).length}/${b.verify.checks.length} checks, ${b.verify.attempts} run(s)); boot to verify green ${b.bootToVerifySeconds}s`,
    ...b.verify.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id}: ${c.detail}`),
    `manifest:     ${b.manifestFile}`,
    '',
    `the instances keep running; remove everything with: ${destroy}`,
  ];
}
