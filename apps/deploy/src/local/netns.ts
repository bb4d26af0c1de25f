import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createNetwork,
  isNetlabError,
  type Network,
  openNetwork,
  readNetworkRecord,
  teardownRecorded,
} from '@pgha/netlab';
import { DeployError } from '../errors.js';
import type { Emit } from '../events.js';
import { type AddressPlan, addressPlan, DEFAULTS } from '../options.js';
import type { Io } from '../reporter.js';
import { commandFor, type Layout, layoutFor } from './layout.js';
import { findBinaries } from './preflight.js';

/**
 * The local target's `--network netns` mode, on @pgha/netlab: the cluster's hosts (every etcd member, every
 * Patroni node, HAProxy, and an `admin` host) are network namespaces `pgha-<cluster>-<host>` on the cluster's
 * own switch namespace `pgha-<cluster>-switch`, which has no route off the machine. The machine's own network
 * namespace has no address or route in the hosts' subnet, so whatever talks to the cluster (deploy's probes,
 * status, verify, the drills' clients) runs in the admin host: the CLI re-execs itself there
 * ({@link runInAdmin}) after doing, in the machine's namespace, what needs it (installing packages, making the
 * namespaces). The services are spawned through nsenter, which enters the node's namespace and execs without
 * forking: the PID the run record holds is the service's own, in the same PID namespace.
 */

/** The admin host's name: the CLI, verify and drill clients run in its namespace. */
export const ADMIN_HOST = 'admin';

/** The prefix of every namespace of a cluster: two clusters never share one. */
export function namespacePrefix(cluster: string): string {
  return `pgha-${cluster}-`;
}

/** The admin host's namespace of a cluster. */
export function adminNamespace(cluster: string): string {
  return `${namespacePrefix(cluster)}${ADMIN_HOST}`;
}

/** Where the record of the cluster's network lives: its state dir (netlab writes it before making anything). */
export function networkFile(layout: Pick<Layout, 'stateDir'>): string {
  return join(layout.stateDir, 'network.json');
}

function requireRoot(layout: Layout, what: string): void {
  if (process.getuid?.() === 0) return;
  throw new DeployError(
    'USAGE',
    `cluster "${layout.cluster}" runs with --network netns: ${what} needs root (network namespaces)`,
    { hint: 'run it as root; or destroy the cluster and deploy it with --network loopback (no root needed)' },
  );
}

/** A netlab failure as the CLI reports it: bad input and missing tools exit 2, the rest 1; the message kept. */
function asDeployError(error: unknown, layout: Layout): unknown {
  if (!isNetlabError(error)) return error;
  const usage = ['INVALID_SPEC', 'NOT_ROOT', 'TOOL_MISSING', 'BUSY', 'RECORD_INVALID'].includes(error.code);
  return new DeployError(usage ? 'USAGE' : 'PROCESS_DIED', `network namespaces: ${error.message}`, {
    hint:
      error.code === 'TOOL_MISSING'
        ? 'install iproute2, nftables and util-linux (bash tooling/test-prereqs.sh as root does)'
        : `the namespaces of the cluster start with ${namespacePrefix(layout.cluster)} (ip netns list); ${commandFor(layout, 'destroy')} removes them`,
    cause: error,
  });
}

/** The hosts and their addresses, from the address plan (its `netns` part must be there). */
export function networkSpec(layout: Layout, plan: AddressPlan) {
  if (!plan.netns) throw new Error('networkSpec: the address plan is not a netns one');
  return {
    prefix: namespacePrefix(layout.cluster),
    cidr: plan.netns.cidr,
    hosts: [
      { name: ADMIN_HOST, address: plan.netns.admin },
      ...plan.etcd.map((m) => ({ name: m.name, address: m.host })),
      ...plan.patroni.map((n) => ({ name: n.name, address: n.host })),
      { name: 'haproxy', address: plan.loadBalancer },
    ],
    recordFile: networkFile(layout),
  };
}

/** Make the cluster's network, or finish making it (idempotent). Root only. */
export async function ensureClusterNetwork(layout: Layout, plan: AddressPlan): Promise<Network> {
  requireRoot(layout, 'making its network namespaces');
  try {
    await mkdir(layout.stateDir, { recursive: true, mode: 0o700 });
    return await createNetwork(networkSpec(layout, plan));
  } catch (error) {
    throw asDeployError(error, layout);
  }
}

/** The cluster's network as its record names it; undefined when it has none (loopback, or torn down). */
export async function openClusterNetwork(layout: Layout): Promise<Network | undefined> {
  try {
    return await openNetwork(networkFile(layout));
  } catch (error) {
    throw asDeployError(error, layout);
  }
}

/** Remove the cluster's namespaces (after its processes stopped); the names removed. Nothing recorded: []. */
export async function teardownClusterNetwork(layout: Layout): Promise<string[]> {
  try {
    if ((await readNetworkRecord(networkFile(layout))) === undefined) return [];
    requireRoot(layout, 'removing its network namespaces');
    return [...(await teardownRecorded(networkFile(layout))).removed];
  } catch (error) {
    throw asDeployError(error, layout);
  }
}

/** True when this process runs in the named network namespace (same namespace inode). */
export async function insideNamespace(namespace: string): Promise<boolean> {
  const target = await stat(`/run/netns/${namespace}`).catch(() => undefined);
  if (!target) return false;
  const own = await readlink('/proc/self/ns/net').catch(() => '');
  return own === `net:[${target.ino}]`;
}

/**
 * Whether this process may send to the cluster's addresses: always in loopback mode; in netns mode only from
 * inside the admin host. This machine's own namespace has a default route: a probe of a 10.213.x.y address
 * from it would leave the machine, which nothing of ours may do.
 */
export async function mayReach(cluster: string, plan: AddressPlan): Promise<boolean> {
  return plan.netns === undefined || insideNamespace(adminNamespace(cluster));
}

/** True when the cluster's admin namespace exists (its network was made and not torn down). */
export async function adminNamespaceExists(cluster: string): Promise<boolean> {
  return stat(`/run/netns/${adminNamespace(cluster)}`).then(
    () => true,
    () => false,
  );
}

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
  // Built: dist/local/netns.js next to dist/bin.js. Run from source (the tests): the built bin of the package.
  const built = fileURLToPath(new URL('../bin.js', import.meta.url));
  const bin = existsSync(built) ? built : fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
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

/** The drills' throwaway cluster name (see drill-target.ts): its namespaces are `pgha-drill-*`. */
export const DRILL_CLUSTER = 'drill';

/**
 * Where a netns drill run records its network: outside the throwaway state dir (each drill purges that), so
 * the namespaces live across the trials of one run and the run removes them at its end.
 */
export function drillNetworkFile(tempDir: string, addressBase: string): string {
  return join(tempDir, `pgha-drill-netns-${addressBase}.json`);
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
  readonly emit: Emit;
}): Promise<number> {
  const layout = layoutFor({ cluster: DRILL_CLUSTER, stateRoot: request.stateRoot, asRoot: true });
  requireRoot(layout, 'a netns drill');
  // Installing components needs this machine's network: here, before the drill enters the admin host.
  await findBinaries(
    { postgresVersion: undefined, install: request.install, asRoot: true, allowUnsafe: request.allowUnsafe },
    request.emit,
  );
  const recordFile = drillNetworkFile(request.tempDir, request.addressBase);
  const plan = addressPlan({
    ...DEFAULTS,
    cluster: DRILL_CLUSTER,
    addressBase: request.addressBase,
    network: 'netns',
  });
  const spec = { ...networkSpec(layout, plan), recordFile };
  try {
    const previous = await openNetwork(recordFile);
    if (previous) await previous.teardown(); // BUSY (naming the PIDs) while another run uses it
    if (await adminNamespaceExists(DRILL_CLUSTER)) {
      throw new DeployError(
        'STATE_CONFLICT',
        `the network namespace ${adminNamespace(DRILL_CLUSTER)} exists and no record of this drill names it: another netns drill (another --address-base) runs now, or one was interrupted`,
        {
          hint: `wait for it; if none runs, remove the namespaces: for n in $(ip netns list | grep -o '^${namespacePrefix(DRILL_CLUSTER)}[a-z0-9-]*'); do ip netns del $n; done`,
        },
      );
    }
    await createNetwork(spec);
  } catch (error) {
    throw asDeployError(error, layout);
  }
  try {
    return await runCliIn(adminNamespace(DRILL_CLUSTER), request.argv, request.io);
  } finally {
    try {
      await teardownRecorded(recordFile);
    } catch (error) {
      request.io.stderr.write(`warning: ${(asDeployError(error, layout) as Error).message}\n`);
    }
  }
}

/** A host of the drills' network capability (`@pgha/drills` HostRef): the netlab host name. */
export interface NetnsHostRef {
  readonly id: string;
}

/**
 * The drills' network capability (`@pgha/drills` NetworkFaults) on the cluster's hosts: members by name,
 * `load-balancer` is HAProxy's host, `clients` the admin host where the drill's workload and probes run.
 * Directions are seen from `from`: `outbound` drops what it sends, `inbound` what it receives. Loss applies
 * to both directions of the host's link; delay needs the kernel's netem (netlab says UNSUPPORTED otherwise).
 * `networkOf` gives the deployed cluster's network when a fault is asked for.
 */
export function networkFaultsOf(networkOf: () => Network) {
  const hostName = (member: string) =>
    member === 'load-balancer' ? 'haproxy' : member === 'clients' ? ADMIN_HOST : member;
  return {
    hostOf(member: string): NetnsHostRef {
      networkOf().namespaceOf(hostName(member)); // UNKNOWN_HOST for a name the network does not have
      return { id: hostName(member) };
    },
    cut(from: NetnsHostRef, to: NetnsHostRef | 'all', direction: 'both' | 'outbound' | 'inbound') {
      return networkOf().cut(from.id, {
        peers: to === 'all' ? 'all' : [to.id],
        direction: direction === 'outbound' ? 'out' : direction === 'inbound' ? 'in' : 'both',
      });
    },
    degrade(host: NetnsHostRef, degradation: { readonly delayMs: number; readonly lossPct: number }) {
      return networkOf().degrade(host.id, {
        lossPercent: degradation.lossPct,
        delayMs: degradation.delayMs,
        direction: 'both',
      });
    },
  };
}
