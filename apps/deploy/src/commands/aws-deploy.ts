import { dirname } from 'node:path';
import { deployAws } from '@pgha/aws-deploy';
import { connectionInfo } from '@pgha/local-cluster';
import { parseManifest } from '@pgha/verify';
import type { CommandFlags } from '../command.js';
import { confirmByTyping, requireConfirmable } from '../confirm.js';
import { DeployError } from '../errors.js';
import { awsConfigFromFlags } from '../options.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import { type AWS_TARGET_FLAGS, awsTerraformOptions, connectionLines } from './context.js';

/** `deploy --target aws`: plan, confirm (or --yes), apply that plan, write the manifest. */
export async function run(
  flags: CommandFlags<typeof AWS_TARGET_FLAGS & { readonly offline: { readonly type: 'boolean' } }>,
  io: Io,
): Promise<number> {
  if (flags.offline === true) {
    throw new DeployError('USAGE', 'deploy --target aws cannot run --offline', {
      hint: "an offline plan has dummy credentials and skips the provider's checks, so it can never be applied; see one with pnpm run plan -- --config FILE --offline, and deploy with AWS credentials",
    });
  }
  const config = await awsConfigFromFlags(flags.config, flags.cluster);
  const yes = flags.yes === true;
  requireConfirmable(io, yes, `deploy --target aws (terraform apply in ${config.region})`);
  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const started = performance.now();
  const result = await deployAws(
    {
      ...awsTerraformOptions(flags, io, config),
      confirm: async (c) =>
        yes ||
        confirmByTyping(
          io,
          `apply ${c.add} to add, ${c.change} to change, ${c.destroy} to destroy to cluster "${config.clusterName}" in ${config.region}? type yes: `,
          'yes',
        ),
    },
    (event) => reporter.event(event),
  );
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const plan = { file: result.planFile, add: result.add, change: result.change, destroy: result.destroy };
  if (result.cancelled || result.manifest === undefined || result.manifestFile === undefined) {
    if (json)
      io.stdout.write(
        `${JSON.stringify({ ok: false, version: 1, target: 'aws', cluster: result.cluster, applied: false, plan, seconds })}\n`,
      );
    io.stderr.write(`not applied: nothing was changed in AWS (the plan is kept in ${result.planFile})\n`);
    return 1;
  }
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: 1, target: 'aws', cluster: result.cluster, applied: result.applied, plan, secretsChanged: result.secretsChanged, manifest: result.manifestFile, seconds })}\n`,
    );
    return 0;
  }
  // The manifest's paths are relative to it; verify's parser resolves them, as verify will.
  const manifest = parseManifest(result.manifest, {
    baseDir: dirname(result.manifestFile),
    source: result.manifestFile,
  });
  const c = connectionInfo(manifest, manifest.postgres.sslRootCert ?? manifest.etcd.tls.ca);
  const done = result.applied
    ? `cluster "${result.cluster}" applied in ${config.region} (${seconds}s): ${result.add} added, ${result.change} changed, ${result.destroy} destroyed`
    : `cluster "${result.cluster}" in ${config.region}: nothing to change (${seconds}s)`;
  io.stdout.write(
    [
      done,
      ...(result.secretsChanged.length > 0
        ? [`secret values written: ${result.secretsChanged.join(', ')}`]
        : []),
      '',
      ...connectionLines(c, result.manifestFile),
      '',
      'The instances fetch their certificates and the passwords from Secrets Manager at boot; the cluster is',
      'ready a few minutes after the apply. The endpoints are private: verify from a host inside the VPC, with',
      `a copy of ${dirname(result.manifestFile)} (manifest paths are relative to it): pnpm verify --manifest <copy>/manifest.json`,
      '',
    ].join('\n'),
  );
  return 0;
}
