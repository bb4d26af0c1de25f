import {
  addressPlan,
  adminNamespace,
  assertSameOptions,
  DEFAULTS,
  deployLocal,
  ensureClusterNetwork,
  findBinaries,
  insideNamespace,
  layoutFor,
  readClusterState,
  teardownClusterNetwork,
  validateOptions,
} from '@pgha/local-cluster';
import type { CommandFlags, FlagTable } from '../command.js';
import { DeployError } from '../errors.js';
import { CLI_HINT_NAMES } from '../hints.js';
import { argvOf, runInAdmin } from '../netns.js';
import { readConfigFile } from '../options.js';
import { humanReporter, type Io, quietReporter } from '../reporter.js';
import {
  AWS_TARGET_FLAGS,
  connectionLines,
  LOCAL_CLUSTER_FLAGS,
  NODES_FLAGS,
  stateRoot,
  targetOf,
} from './context.js';

export const FLAGS = {
  ...AWS_TARGET_FLAGS,
  ...NODES_FLAGS,
  ...LOCAL_CLUSTER_FLAGS,
  'etcd-members': { type: 'string' },
  'patroni-nodes': { type: 'string' },
  'postgres-version': { type: 'string' },
  timeout: { type: 'string' },
  // deploy --target aws refuses it by name: an offline plan can never be applied.
  offline: { type: 'boolean' },
} as const satisfies FlagTable;

function intFlag(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export async function run(flags: CommandFlags<typeof FLAGS>, io: Io): Promise<number> {
  if (targetOf(flags) === 'aws') return (await import('./aws-deploy.js')).run(flags, io);
  const fromFile = typeof flags.config === 'string' ? await readConfigFile(flags.config) : {};
  const fromFlags: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) fromFlags[key] = value;
  };
  set('cluster', flags.cluster);
  set('etcdMembers', intFlag(flags['etcd-members']));
  set('patroniNodes', intFlag(flags['patroni-nodes']));
  set('postgresVersion', intFlag(flags['postgres-version']));
  set('profile', flags.profile);
  if (flags.sync === true && flags.async === true) {
    throw new DeployError('USAGE', '--sync and --async were both given', { hint: 'choose one' });
  }
  set('synchronousMode', flags.sync === true ? true : flags.async === true ? false : undefined);
  set('addressBase', flags['address-base']);
  set('network', flags.network);
  const options = validateOptions(
    { ...DEFAULTS, ...fromFile, ...fromFlags },
    typeof flags.config === 'string' ? `in ${flags.config}` : 'flags',
  );
  const timeout = intFlag(flags.timeout);
  if (timeout !== undefined && (typeof timeout !== 'number' || timeout < 5 || timeout > 3600)) {
    throw new DeployError('USAGE', `--timeout ${JSON.stringify(flags.timeout)} is not valid`, {
      hint: 'give whole seconds from 5 to 3600, e.g. --timeout 120',
    });
  }

  const asRoot = process.getuid?.() === 0;
  let layout = layoutFor({
    cluster: options.cluster,
    stateRoot: stateRoot(flags, io),
    nodesRoot: flags['nodes-dir'],
    asRoot,
    hintNames: CLI_HINT_NAMES,
  });
  // The deployed cluster keeps its nodes dir; a different --nodes-dir is refused by deployLocal.
  const existing = await readClusterState(layout);
  if (existing && flags['nodes-dir'] === undefined) layout = { ...layout, nodesDir: existing.nodesDir };

  const json = flags.json === true;
  const reporter = json ? quietReporter(io) : humanReporter(io);
  const started = performance.now();
  if (options.network === 'netns' && !(await insideNamespace(adminNamespace(options.cluster)))) {
    // What needs this machine's network happens here: installing components (from Debian's archive) and
    // making the namespaces. The deploy itself runs in the admin host, the one place that reaches the nodes.
    if (existing) assertSameOptions(existing, options, layout);
    await findBinaries(
      {
        postgresVersion: options.postgresVersion,
        install: flags['no-install'] !== true,
        asRoot,
        allowUnsafe: flags['allow-unsafe-components'] === true,
        hintNames: CLI_HINT_NAMES,
      },
      (event) => reporter.event(event),
    );
    await ensureClusterNetwork(layout, addressPlan(options));
    const code = await runInAdmin(layout, argvOf('deploy', flags), io);
    // A first deploy that failed before it recorded the cluster leaves nothing destroy could find: its
    // namespaces go now (a recorded one keeps them; destroy removes them with its processes).
    if (code !== 0 && (await readClusterState(layout)) === undefined) {
      const removed = await teardownClusterNetwork(layout);
      if (removed.length > 0)
        io.stderr.write(`removed the network namespaces again: ${removed.join(', ')}\n`);
    }
    return code;
  }
  const result = await deployLocal(
    {
      options,
      layout,
      install: flags['no-install'] !== true,
      allowUnsafeComponents: flags['allow-unsafe-components'] === true,
      phaseTimeoutMs: typeof timeout === 'number' ? timeout * 1000 : undefined,
      signal: io.signal,
    },
    (event) => reporter.event(event),
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: 1, cluster: options.cluster, target: 'local', started: result.started, manifest: result.manifestFile, seconds: Number(seconds), connection: result.connection })}\n`,
    );
    return 0;
  }
  const c = result.connection;
  const changed = result.changedFiles;
  const rewritten =
    changed.length === 0
      ? ''
      : changed.length === 1 && changed[0] === result.manifestFile
        ? '; rewrote the manifest (it was missing or out of date)'
        : `; ${changed.length} files written`;
  const summary =
    result.started.length === 0 && result.changedFiles.length === 0
      ? `cluster "${options.cluster}" is up and healthy; nothing to change (${seconds}s)`
      : `cluster "${options.cluster}" is up (${seconds}s); started: ${result.started.join(', ') || 'nothing'}${rewritten}`;
  io.stdout.write(
    [
      summary,
      '',
      ...connectionLines(c, result.manifestFile),
      '',
      '# psql environment',
      c.pgEnv,
      '',
      '# etcdctl environment',
      c.etcdctlEnv,
      '',
      'next: pnpm verify (smoke test), pnpm run status, pnpm run destroy',
      '',
    ].join('\n'),
  );
  return 0;
}
