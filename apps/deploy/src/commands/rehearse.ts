import { resolve } from 'node:path';
import { shellWord } from '@pgha/local-cluster';
import { awsConfigFromFlags } from '../aws/config.js';
import type { CommandFlags, FlagTable } from '../command.js';
import { DeployError } from '../errors.js';
import { clusterFlag } from '../options.js';
import { rehearsalLayout } from '../rehearse/layout.js';
import { rehearsalPrerequisites } from '../rehearse/prereqs.js';
import { destroyRehearsal, type RehearseResult, rehearse } from '../rehearse/rehearse.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { stateRoot } from './context.js';

export const FLAGS = {
  config: { type: 'string' },
  'work-dir': { type: 'string' },
  'apply-only': { type: 'boolean' },
  destroy: { type: 'boolean' },
} as const satisfies FlagTable;

type RehearseFlags = CommandFlags<typeof FLAGS>;

/** `pnpm run rehearse -- <flags>`, keeping the flags that say which rehearsal. */
function rehearseCommand(flags: RehearseFlags, extra: string): string {
  const words = (['config', 'cluster', 'state-dir', 'work-dir'] as const).flatMap((f) => {
    const value = flags[f];
    return value === undefined ? [] : [`--${f}`, shellWord(value)];
  });
  return `pnpm run rehearse -- ${[...words, extra].join(' ')}`;
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
  const prerequisites = rehearsalPrerequisites(io.env);
  const layout = rehearsalLayout({ stateRoot: stateRoot(flags, io), cluster: config.clusterName, workDir });
  const result = await rehearse(
    {
      config,
      configFile: resolve(flags.config),
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
  );
  const seconds = elapsed();
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok: true, version: 1, ...rehearseJson(result), seconds })}\n`);
    return 0;
  }
  io.stdout.write(`${rehearseLines(result, seconds, rehearseCommand(flags, '--destroy')).join('\n')}\n`);
  return 0;
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
