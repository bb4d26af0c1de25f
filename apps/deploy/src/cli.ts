import { parseArgs } from 'node:util';
import { shellWord } from '@pgha/local-cluster';
import {
  COMMON_FLAGS,
  type CommandFlags,
  type CommandModule,
  type FlagTable,
  type ParseConfig,
} from './command.js';
import { DeployError, isDeployError, isPghaError } from './errors.js';
import { cliHint } from './hints.js';
import { clusterFlag } from './options.js';
import type { Io } from './reporter.js';

export type { Io } from './reporter.js';

/**
 * The commands by name, each loaded only when run. Every module's `run` takes `CommandFlags<typeof FLAGS>`
 * of its own table (test/command-flags.test.ts pins it); seen here as `CommandModule<FlagTable>`, one
 * `dispatch` serves them all, and it parses with the module's own `FLAGS`, so each gets what its type says.
 */
const COMMANDS = {
  deploy: () => import('./commands/deploy.js'),
  destroy: () => import('./commands/destroy.js'),
  status: () => import('./commands/status.js'),
  synth: () => import('./commands/synth.js'),
  plan: () => import('./commands/plan.js'),
  drill: () => import('./commands/drill.js'),
  components: () => import('./commands/components.js'),
  rehearse: () => import('./commands/rehearse.js'),
} as const satisfies Record<string, () => Promise<CommandModule<FlagTable>>>;
type CommandName = keyof typeof COMMANDS;

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** The flags the error report reads: which deployment, for the commands it suggests. */
type Which = Pick<CommandFlags<FlagTable>, 'cluster' | 'state-dir'>;

export const USAGE = `usage: pgha <command> [options]

commands:
  deploy    bring the cluster up (target local: this machine, idempotent; target aws: terraform apply)
  destroy   local: stop every process the deployment started; aws: terraform destroy (asks first);
            --purge also removes its data (local) or its PKI and passwords (aws)
  status    members, roles, PIDs and ports
  synth     AWS: the Terraform JSON of the stack (PKI and passwords made once in the state dir)
  plan      AWS: synth, then terraform init and plan (--offline: no network, dummy credentials)
  drill     inject a fault into a throwaway cluster under a write workload; measure (docs/failure-drills.md)
  components  the component policy for this OS, the installed etcd/Patroni/PostgreSQL/HAProxy and their
            verdicts; --install (root) installs the policy's set (docs/components.md)
  rehearse  AWS without an account: the stack applied to a local AWS emulator (moto_server), every instance
            booted from its user-data in a VPC namespace (root), verify from inside it

common options:
  --cluster NAME        cluster name (default: main)
  --state-dir DIR       where deployments keep state (default: .pgha, or $PGHA_STATE_DIR)
  --json                machine-readable output on stdout, nothing else
  -h, --help            this text

deploy options:
  --target local|aws    where to deploy (default local; aws: see "deploy and destroy options (AWS)")
  --config FILE         JSON file with any of: cluster, etcdMembers, patroniNodes, postgresVersion,
                        profile, synchronousMode, addressBase (flags override it)
  --etcd-members N      3 or 5 (default 3)
  --patroni-nodes N     2 to 5 (default 3)
  --postgres-version N  PostgreSQL major version (default: the newest installed)
  --profile NAME        fast | safe timings (default fast; see README)
  --sync / --async      synchronous replication (default: no acknowledged write lost on failover)
                        or asynchronous (faster commits; a failover can lose the last writes)
  --address-base 127.N  loopback plan: etcd 127.N.10.x, Patroni 127.N.20.x, HAProxy 127.N.30.1 (default 127.0)
  --network MODE        loopback (default) | netns: every node its own network namespace on an isolated
                        bridge, 10.213.N.0/24 (N from --address-base; root only); status, verify and destroy
                        follow the mode the cluster was deployed with
  --nodes-dir DIR       where node data lives (default: <state-dir>/<cluster>/nodes; as root /var/lib/pgha);
                        fixed at the first deploy, and owned by its state dir: others are refused
  --no-install          never install missing or refused components (as root deploy installs them the
                        component policy's way: on Debian 12 Patroni and etcd from a pinned trixie source)
  --allow-unsafe-components
                        run a set the policy refuses (a Patroni without patroni/patroni#2689), with a warning
  --timeout SECONDS     how long each start phase may take (default 90)

destroy options:
  --purge               also delete data, keys and secrets (only a nodes dir this deployment marked as its own)

synth and plan options (AWS):
  --config FILE         the AWS config (required; see examples/aws-config.example.json)
  --cluster NAME        overrides the config's clusterName
  --out DIR             where the stack JSON goes (default: <state-dir>/<cluster>/cdktf.out)
  --offline             plan only: provider from /opt/tf-plugins (or $PGHA_TF_PLUGIN_DIR), dummy
                        credentials, the provider's skip_* checks, in <out>.offline; never applied
deploy and destroy options (AWS: --target aws --config FILE, and --cluster, --out as for plan):
  --yes, -y             confirm in advance; without it deploy asks "type yes" after the plan and
                        destroy asks for the cluster name, on a terminal (no terminal: refused, exit 2)
  --purge               destroy: also delete the state dir (PKI, passwords, secret version counters)

rehearse options (the AWS config of deploy --target aws; nothing is sent off this machine):
  --config FILE         the AWS config (required unless --destroy is given --cluster)
  --work-dir DIR        where the rehearsal keeps everything (default: <state-dir>/<cluster>/rehearsal);
                        your own PKI, passwords, Terraform state, backend and credentials are never used
  --apply-only          stop after the apply and read-back: nothing booted (no root needed)
  --drill               stage 4: terminate the primary's instance under a write workload from inside the VPC
                        (failover through the NLB stand-in); on a rehearsal verified earlier, or after stage 3
  --destroy             stop the containers, services and emulator the rehearsal started (by recorded PID),
                        remove its mounts, loop devices and network namespaces, then the work dir

drill options (each drill deploys and purges its own cluster; your clusters are left alone):
  --scenario NAME       switchover | host-crash | postgres-crash | patroni-crash | freeze | etcd-member |
                        etcd-quorum | lagging-replica; with --network netns also isolate-primary |
                        primary-etcd-split | sync-standby-split | etcd-leader-isolated | asymmetric-primary |
                        asymmetric-primary-reverse | lossy-primary (links cut or degraded with nftables)
  --all                 every scenario x every profile (or the --profile given); prints a table
  --profile NAME        fast | safe | guide (30/10/10, HAProxy inter 10s fall 3 rise 3) (default fast)
  --sync / --async      replication mode of the drill cluster (default sync)
  --failsafe on|off     Patroni failsafe_mode (default off, as deployed; --all runs etcd-quorum both ways)
  --trials N            repeat each drill N times; the table shows median (min-max) (default 1)
  --clients N           writing clients, each on its own connection through the load balancer (default 4)
  --address-base 127.N  loopback plan of the drill cluster (default 127.50; never 127.0)
  --network MODE        loopback (default) | netns: every node its own host on 10.213.N.0/24 (root); the
                        partition scenarios need it, and --all --network netns adds them to the matrix
`;

/**
 * Run the CLI; returns the exit code: 0 ok, 1 an external failure, 2 usage, 130 interrupted (io.signal),
 * 70 internal error.
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let json = false;
  let given: Which = {};
  try {
    const args = [...argv];
    const first = args[0];
    if (first === undefined || first.startsWith('-')) {
      // No command is no deploy: a deploy as root may install packages, never on a bare `pgha`.
      if (args.includes('-h') || args.includes('--help')) {
        io.stdout.write(USAGE);
        return 0;
      }
      io.stderr.write(USAGE);
      throw new DeployError(
        'USAGE',
        first === undefined ? 'no command given' : `no command given before ${first}`,
        {
          hint: `name one first, e.g. pgha deploy${first === undefined ? '' : ` ${argv.join(' ')}`}`,
        },
      );
    }
    if (!isCommandName(first)) {
      throw new DeployError('USAGE', `unknown command "${first}"`, {
        hint: `commands: ${Object.keys(COMMANDS).join(', ')}; pgha --help`,
      });
    }
    args.shift();
    // `pnpm run synth -- --config f` hands the script a literal `--` before the options.
    if (args[0] === '--') args.shift();
    return await dispatch(first, await COMMANDS[first](), args, io, (flags) => {
      json = flags.json === true;
      given = flags;
    });
  } catch (error) {
    return report(error, io, json, given);
  }
}

/**
 * Parse `args` with the command's flag table plus the common flags and run it. A flag the command does not
 * take is refused by name. `parsed` sees the flags for the error report: first `--json` alone (a usage error
 * of a `--json` run is a JSON document too), then all of them once they parsed.
 */
async function dispatch(
  name: CommandName,
  command: CommandModule<FlagTable>,
  args: string[],
  io: Io,
  parsed: (flags: CommandFlags<FlagTable>) => void,
): Promise<number> {
  const options = { ...COMMON_FLAGS, ...command.FLAGS };
  const given = flagsGiven(options, args);
  parsed({ json: given.some((f) => f.name === 'json') });
  refuseUnknown(name, options, given);
  let flags: CommandFlags<FlagTable>;
  try {
    ({ values: flags } = parseArgs<ParseConfig<FlagTable>>({
      args,
      options,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new DeployError('USAGE', (error as Error).message, { hint: 'pgha --help lists the options' });
  }
  parsed(flags);
  if (flags.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // The name becomes a path under the state dir: checked once, here, for every command.
  clusterFlag(flags.cluster);
  return await command.run(flags, io);
}

/** The flags on the command line as given (`-y`, `--json`), with the long name parseArgs knows each by. */
function flagsGiven(options: FlagTable, args: string[]): { name: string; rawName: string }[] {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  return tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, rawName: t.rawName }] : []));
}

/** The first flag given that `options` does not name: a usage error naming it, the command and its flags. */
function refuseUnknown(
  name: CommandName,
  options: FlagTable,
  given: readonly { name: string; rawName: string }[],
): void {
  const unknown = given.find((f) => !Object.hasOwn(options, f.name));
  if (unknown === undefined) return;
  throw new DeployError('USAGE', `Unknown option '${unknown.rawName}' for pgha ${name}`, {
    hint: `${name} takes ${Object.keys(options)
      .map((f) => `--${f}`)
      .join(', ')}; pgha --help lists the options`,
  });
}

const EXIT: Record<string, number> = { usage: 2, external: 1, interrupted: 130 };

/** `pnpm run <command>` for the deployment the user named: their own --cluster and --state-dir kept. */
function again(command: string, flags: Which): string {
  const words = (['cluster', 'state-dir'] as const).flatMap((f) => {
    const value = flags[f];
    return value === undefined ? [] : [`--${f}`, shellWord(value)];
  });
  return words.length > 0 ? `pnpm run ${command} -- ${words.join(' ')}` : `pnpm run ${command}`;
}

function report(error: unknown, io: Io, json: boolean, flags: Which): number {
  if (isDeployError(error)) {
    const exit = EXIT[error.kind] ?? 1;
    const hint = cliHint(error, io.env);
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ ok: false, version: 1, error: { code: error.code, message: error.message, hint, leftBehind: error.leftBehind, cleanup: error.cleanup } })}\n`,
      );
    }
    io.stderr.write(`error: ${error.message}\n`);
    if (hint) io.stderr.write(`hint: ${hint}\n`);
    if (error.leftBehind.length > 0 && error.cleanup !== undefined) {
      io.stderr.write(`left behind: ${error.leftBehind.join(', ')} (${error.cleanup} removes it)\n`);
    } else if (error.leftBehind.length > 0) {
      io.stderr.write(
        `left running: ${error.leftBehind.join(', ')} (${again('status', flags)} shows them; ${again('destroy', flags)} stops them)\n`,
      );
    }
    return exit;
  }
  if (isPghaError(error)) {
    // A library refused what we gave it (a key file readable by others, a PKI of another cluster, ...).
    if (json)
      io.stdout.write(
        `${JSON.stringify({ ok: false, version: 1, error: { code: error.code, message: error.message } })}\n`,
      );
    io.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (json)
    io.stdout.write(
      `${JSON.stringify({ ok: false, version: 1, error: { code: 'INTERNAL', message: String(error) } })}\n`,
    );
  io.stderr.write(
    `internal error (a bug in pgha; please report it with this text):\n${(error as Error)?.stack ?? String(error)}\n`,
  );
  return 70;
}
