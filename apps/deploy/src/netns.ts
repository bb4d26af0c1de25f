import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  adminNamespace,
  type Layout,
  type LocalClusterEventListener,
  prepareDrillNetwork,
  requireRoot,
  teardownDrillNetwork,
} from '@pgha/local-cluster';
import { CLI_HINT_NAMES } from './hints.js';
import type { Io } from './reporter.js';

/**
 * The CLI's half of the local target's `--network netns` mode (the namespaces themselves are
 * `@pgha/local-cluster`'s): the machine's own network namespace has no route to the cluster's hosts, so the
 * commands that talk to the cluster re-exec this CLI inside the cluster's admin host.
 */

/** The command line that gave `flags` to `command`, for running the same command again. */
export function argvOf(
  command: string,
  flags: Readonly<Record<string, string | boolean | undefined>>,
): string[] {
  const argv = [command];
  for (const [key, value] of Object.entries(flags)) {
    if (value === true) argv.push(`--${key}`);
    else if (typeof value === 'string') argv.push(`--${key}`, value);
  }
  return argv;
}

/** Set in the environment of the CLI re-executed in the admin namespace: a second re-exec is a bug. */
const REEXEC_MARK = 'PGHA_NETNS_REEXEC';

/**
 * Run this CLI again, with the same arguments, inside the cluster's admin namespace; its exit code. Its
 * output goes where this process's goes. Ctrl-C reaches it from the terminal (same process group); this
 * process only waits for it.
 */
export async function runInAdmin(layout: Layout, argv: readonly string[], io: Io): Promise<number> {
  requireRoot(layout, 'reaching its hosts (the CLI enters the admin host)');
  return runCliIn(adminNamespace(layout.cluster), argv, io);
}

function runCliIn(namespace: string, argv: readonly string[], io: Io): Promise<number> {
  if (io.env[REEXEC_MARK] === '1') {
    throw new Error(`runInAdmin: already re-executed, but not inside ${namespace}`);
  }
  // Built: dist/netns.js next to dist/bin.js. Run from source (the tests): the built bin of the package.
  const built = fileURLToPath(new URL('./bin.js', import.meta.url));
  const bin = existsSync(built) ? built : fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  const inherit = (io.stdout as unknown) === process.stdout && (io.stderr as unknown) === process.stderr;
  const child = spawn(
    '/usr/bin/nsenter',
    [`--net=/run/netns/${namespace}`, '--', process.execPath, bin, ...argv],
    {
      env: { ...io.env, [REEXEC_MARK]: '1' },
      stdio: inherit ? ['inherit', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => io.stdout.write(d.toString()));
  child.stderr?.on('data', (d: Buffer) => io.stderr.write(d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}

/**
 * `pgha drill --network netns`, in this machine's namespace: make the drill cluster's hosts, run the same
 * drill command in its admin host (every trial deploys and purges its cluster there; the hosts stay), then
 * remove the hosts. A network left by an interrupted run is removed first; one that processes still use
 * (another netns drill runs now) is refused.
 */
export async function runDrillInNetns(request: {
  readonly addressBase: string;
  readonly tempDir: string;
  readonly argv: readonly string[];
  readonly io: Io;
  readonly stateRoot: string;
  readonly install: boolean;
  readonly allowUnsafe: boolean;
  readonly emit: LocalClusterEventListener;
}): Promise<number> {
  // Installing components needs this machine's network: prepareDrillNetwork does it here, before the drill
  // enters the admin host.
  const network = await prepareDrillNetwork({ ...request, hintNames: CLI_HINT_NAMES });
  try {
    return await runCliIn(network.adminNamespace, request.argv, request.io);
  } finally {
    try {
      await teardownDrillNetwork(network);
    } catch (error) {
      request.io.stderr.write(`warning: ${(error as Error).message}\n`);
    }
  }
}
