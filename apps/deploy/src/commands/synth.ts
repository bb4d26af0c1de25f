import { type SynthAwsResult, synthAws } from '@pgha/aws-deploy';
import type { CommandFlags, FlagTable } from '../command.js';
import { awsConfigFromFlags } from '../options.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { stateRoot } from './context.js';

export const FLAGS = {
  config: { type: 'string' },
  out: { type: 'string' },
} as const satisfies FlagTable;

/** `synth`: the AWS stack as Terraform JSON, with the PKI and passwords made once in the state dir. */
export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  const config = await awsConfigFromFlags(flags.config, flags.cluster);
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const started = performance.now();
  const result = await synthAws({ config, stateRoot: stateRoot(flags, io), outDir: flags.out }, (event) =>
    reporter.event(event),
  );
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: 1, target: 'aws', ...synthJson(result), seconds })}\n`,
    );
    return 0;
  }
  io.stdout.write(
    [
      `synthesized the AWS stack of cluster "${result.cluster}" for ${config.region} (${seconds}s)`,
      '',
      ...synthLines(result),
      '',
      'no private key and no password is in the stack: Terraform gets them at plan, apply and destroy as ephemeral',
      'variables (TF_VAR_secret_*) for write-only secret versions, never in the stack, plan file or state',
      `next: pnpm run plan -- --config ${String(flags.config)}${typeof flags.cluster === 'string' ? ` --cluster ${flags.cluster}` : ''} [--offline]`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The part of `--json` output synth and plan share. */
export function synthJson(r: SynthAwsResult): Record<string, unknown> {
  return {
    cluster: r.cluster,
    stackDir: r.stackDir,
    stackFile: r.stackFile,
    resources: r.resources,
    outputs: r.outputs,
    backend: r.backend,
    pkiDir: r.pkiDir,
    secretsDir: r.secretsDir,
    pki: r.pki,
    secretsCreated: r.secretsCreated,
    secretVersionsFile: r.secretVersionsFile,
    secretsChanged: r.secretsChanged,
  };
}

export function synthLines(r: SynthAwsResult): string[] {
  const types = Object.entries(r.resources.byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, n]) => `${t.replace(/^aws_/, '')} ${n}`)
    .join(', ');
  const backend =
    r.backend.type === 'local'
      ? `local, ${r.backend.path} (relative to the stack directory)`
      : `s3://${r.backend.bucket}/${r.backend.key} (${r.backend.region}, ${r.backend.lock})`;
  return [
    `stack JSON:   ${r.stackFile}`,
    `resources:    ${r.resources.total} (${types})`,
    `outputs:      ${r.outputs.join(', ')}`,
    `state:        ${backend}`,
    `PKI:          ${r.pkiDir} (${r.pki})`,
    `passwords:    ${r.secretsDir} (${r.secretsCreated.length > 0 ? `${r.secretsCreated.length} generated` : 'kept'})`,
  ];
}
