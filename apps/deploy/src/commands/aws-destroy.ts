import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { destroyAws, preflightAws } from '@pgha/aws-deploy';
import { layoutFor } from '@pgha/local-cluster';
import type { CommandFlags } from '../command.js';
import { confirmByTyping, requireConfirmable } from '../confirm.js';
import { DeployError } from '../errors.js';
import { awsConfigFromFlags } from '../options.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { type AWS_TARGET_FLAGS, awsTerraformOptions, stateRoot } from './context.js';

/** `destroy --target aws`: type the cluster name (or --yes), then terraform destroy; --purge drops the state dir. */
export async function run(
  flags: CommandFlags<typeof AWS_TARGET_FLAGS & { readonly purge: { readonly type: 'boolean' } }>,
  io: Io,
): Promise<number> {
  const config = await awsConfigFromFlags(flags.config, flags.cluster);
  const cluster = config.clusterName;
  const yes = flags.yes === true;
  requireConfirmable(io, yes, `destroy --target aws (terraform destroy of cluster "${cluster}")`);
  const root = stateRoot(flags, io);
  const layout = layoutFor({ cluster, stateRoot: root, asRoot: false });
  if (!existsSync(join(layout.stateDir, 'aws.json'))) {
    throw new DeployError('NOT_DEPLOYED', `no AWS deployment of cluster "${cluster}" in ${layout.stateDir}`, {
      hint: 'name the state dir it was deployed from with --state-dir (it holds the PKI, the passwords and aws.json)',
    });
  }
  preflightAws({ env: io.env });
  const purge = flags.purge === true;
  if (!yes) {
    const ok = await confirmByTyping(
      io,
      `This destroys every AWS resource of cluster "${cluster}" in ${config.region}: instances, data volumes (the databases), load balancer, DNS records and secrets. ${purge ? 'Its PKI and passwords in the state dir go too. ' : ''}Type the cluster name to confirm: `,
      cluster,
    );
    if (!ok) {
      io.stderr.write(`not destroyed: the answer was not "${cluster}"; nothing was changed\n`);
      return 1;
    }
  }
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const result = await destroyAws({ ...awsTerraformOptions(flags, io, config), purge }, (event) =>
    reporter.event(event),
  );
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: 1, target: 'aws', cluster, destroyed: true, purged: result.purged })}\n`,
    );
    return 0;
  }
  io.stdout.write(
    `cluster "${cluster}": every AWS resource destroyed; ${
      result.purged
        ? `${result.stateDir} removed (PKI, passwords, secret versions)`
        : `PKI and passwords kept in ${result.stateDir} (--purge removes them)`
    }\n`,
  );
  return 0;
}
