import { planAws } from '@pgha/aws-deploy';
import type { CommandFlags, FlagTable } from '../command.js';
import { awsConfigFromFlags } from '../options.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { awsTerraformOptions } from './context.js';
import { FLAGS as SYNTH_FLAGS, synthJson, synthLines } from './synth.js';

export const FLAGS = { ...SYNTH_FLAGS, offline: { type: 'boolean' } } as const satisfies FlagTable;

/** `plan`: synth, then terraform init and plan -out; Terraform's lines stream to stderr, prefixed. */
export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  const config = await awsConfigFromFlags(flags.config, flags.cluster);
  const json = flags.json === true;
  const offline = flags.offline === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const started = performance.now();
  const result = await planAws({ ...awsTerraformOptions(flags, io, config), offline }, (event) =>
    reporter.event(event),
  );
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const counts = { add: result.add, change: result.change, destroy: result.destroy };
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: 1, target: 'aws', offline, plan: { file: result.planFile, ...counts }, ...synthJson(result.synth), seconds })}\n`,
    );
    return 0;
  }
  io.stdout.write(
    [
      `plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy (${seconds}s)`,
      '',
      `plan file:    ${result.planFile}`,
      ...synthLines(result.synth),
      '',
      offline
        ? "offline plan: dummy credentials and the provider's skip_* switches, no refresh, a throwaway state; never apply it"
        : `apply with: pnpm run deploy -- --target aws --config ${String(flags.config)} (plans again, asks, applies; the secret inputs are ephemeral, not in the plan file)`,
      '',
    ].join('\n'),
  );
  return 0;
}
