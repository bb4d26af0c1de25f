import { resolve } from 'node:path';
import { awsConfigFromFlags } from '../aws/config.js';
import type { ParsedFlags } from '../command.js';
import { DeployError } from '../errors.js';
import { shellWord } from '../local/layout.js';
import { clusterFlag } from '../options.js';
import { rehearsalLayout } from '../rehearse/layout.js';
import { rehearsalPrerequisites } from '../rehearse/prereqs.js';
import { destroyRehearsal, type RehearseResult, rehearse } from '../rehearse/rehearse.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { stateRoot } from './context.js';

/** `pnpm run rehearse -- <flags>`, keeping the flags that say which rehearsal. */
function rehearseCommand(flags: ParsedFlags, extra: string): string {
  const words = (['config', 'cluster', 'state-dir', 'work-dir'] as const).flatMap((f) =>
    typeof flags[f] === 'string' ? [`--${f}`, shellWord(flags[f] as string)] : [],
  );
  return `pnpm run rehearse -- ${[...words, extra].join(' ')}`;
}

/**
 * `rehearse`: stage 1 of the AWS rehearsal (the stack applied to a local emulator, the launched instances read
 * back); `--destroy` stops what it started and removes its work dir.
 */
export default async function rehearseMain(flags: ParsedFlags, io: Io): Promise<number> {
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const emit = (event: Parameters<typeof reporter.event>[0]) => reporter.event(event);
  const started = performance.now();
  const elapsed = () => Number(((performance.now() - started) / 1000).toFixed(1));
  const workDir = flags['work-dir'] as string | undefined;

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
        ? `rehearsal of cluster "${cluster}" removed (${seconds}s): ${result.stopped.length > 0 ? `stopped ${result.stopped.map((p) => `${p.name} PID ${p.pid}`).join(', ')}` : 'no process of it was running'}; ${result.workDir} deleted\n`
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
    stage: 1,
    workDir: r.workDir,
    emulator: r.emulator,
    ids: r.seeded,
    stackDir: r.synth.stackDir,
    resources: r.synth.resources,
    endpoints: r.services,
    instances: r.instances.map(({ tags: _tags, ...i }) => i),
    launchedFile: r.launchedFile,
  };
}

function rehearseLines(r: RehearseResult, seconds: number, destroy: string): string[] {
  const s = r.seeded;
  const width = Math.max(...r.instances.map((i) => i.name.length), 4);
  return [
    `rehearsal stage 1 of cluster "${r.cluster}": the AWS stack applied to ${r.emulator.endpoint} (${seconds}s)`,
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
    'not done yet: booting these instances from their user-data (stage 2), verify from inside the VPC (3), --drill (4)',
    `the emulator keeps running for them; remove everything with: ${destroy}`,
  ];
}
