import { mkdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createNetwork,
  isNetlabError,
  type Network,
  openNetwork,
  readNetworkRecord,
  teardownRecorded,
} from '@pgha/netlab';
import { LocalClusterError } from './errors.js';
import type { LocalClusterEventListener } from './events.js';
import { type HintNames, hintNamesOf } from './hint-names.js';
import { type Layout, layoutFor, operationHint } from './layout.js';
import { type AddressPlan, addressPlan, DEFAULTS } from './options.js';
import { findBinaries, type InstallOptions } from './preflight.js';

/**
 * The local target's `--network netns` mode, on @pgha/netlab: the cluster's hosts (every etcd member, every
 * Patroni node, HAProxy, and an `admin` host) are network namespaces `pgha-<cluster>-<host>` on the cluster's
 * own switch namespace `pgha-<cluster>-switch`, which has no route off the machine. The machine's own network
 * namespace has no address or route in the hosts' subnet, so whatever talks to the cluster (deploy's probes,
 * status, verify, the drills' clients) runs in the admin host: the CLI re-execs itself there
 * (the deploy CLI's runInAdmin) after doing, in the machine's namespace, what needs it (installing packages, making the
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

/** Refuses (USAGE) unless this process runs as root: `what` names what needs it. */
export function requireRoot(layout: Layout, what: string): void {
  if (process.getuid?.() === 0) return;
  const names = hintNamesOf(layout);
  throw new LocalClusterError(
    'USAGE',
    `cluster "${layout.cluster}" runs with ${names.option('network', 'netns')}: ${what} needs root (network namespaces)`,
    {
      hint: `run it as root; or destroy the cluster and deploy it with ${names.option('network', 'loopback')} (no root needed)`,
    },
  );
}

/** A netlab failure as the CLI reports it: bad input and missing tools exit 2, the rest 1; the message kept. */
function asLocalClusterError(error: unknown, layout: Layout): unknown {
  if (!isNetlabError(error)) return error;
  const usage = ['INVALID_SPEC', 'NOT_ROOT', 'TOOL_MISSING', 'BUSY', 'RECORD_INVALID'].includes(error.code);
  return new LocalClusterError(usage ? 'USAGE' : 'PROCESS_DIED', `network namespaces: ${error.message}`, {
    hint:
      error.code === 'TOOL_MISSING'
        ? 'install iproute2, nftables and util-linux (bash tooling/test-prereqs.sh as root does)'
        : `the namespaces of the cluster start with ${namespacePrefix(layout.cluster)} (ip netns list); ${operationHint(layout, 'destroy')} removes them`,
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
    throw asLocalClusterError(error, layout);
  }
}

/** The cluster's network as its record names it; undefined when it has none (loopback, or torn down). */
export async function openClusterNetwork(layout: Layout): Promise<Network | undefined> {
  try {
    return await openNetwork(networkFile(layout));
  } catch (error) {
    throw asLocalClusterError(error, layout);
  }
}

/** Remove the cluster's namespaces (after its processes stopped); the names removed. Nothing recorded: []. */
export async function teardownClusterNetwork(layout: Layout): Promise<string[]> {
  try {
    if ((await readNetworkRecord(networkFile(layout))) === undefined) return [];
    requireRoot(layout, 'removing its network namespaces');
    return [...(await teardownRecorded(networkFile(layout))).removed];
  } catch (error) {
    throw asLocalClusterError(error, layout);
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

/** The drills' throwaway cluster name (see drill-target.ts): its namespaces are `pgha-drill-*`. */
export const DRILL_CLUSTER = 'drill';

/**
 * Where a netns drill run records its network: outside the throwaway state dir (each drill purges that), so
 * the namespaces live across the trials of one run and the run removes them at its end.
 */
export function drillNetworkFile(tempDir: string, addressBase: string): string {
  return join(tempDir, `pgha-drill-netns-${addressBase}.json`);
}

/** What {@link prepareDrillNetwork} made: remove it with {@link teardownDrillNetwork}. */
export interface DrillNetwork {
  /** The netlab record of the hosts. */
  readonly recordFile: string;
  /** The admin host's namespace: the drill itself runs there. */
  readonly adminNamespace: string;
  readonly layout: Layout;
}

/**
 * For a drill run with `--network netns`, in this machine's namespace (root): install what is missing (that
 * needs this machine's network), then make the drill cluster's hosts, which stay for every trial of the run. A
 * network left by an interrupted run is removed first; one that processes still use (another netns drill runs
 * now) is refused.
 */
export async function prepareDrillNetwork(request: {
  readonly addressBase: string;
  readonly tempDir: string;
  readonly stateRoot: string;
  readonly install: boolean;
  readonly allowUnsafe: boolean;
  readonly emit: LocalClusterEventListener;
  readonly env?: InstallOptions['env'];
  readonly installer?: InstallOptions['installer'];
  /** How the hints name what to do next. @default LIBRARY_HINT_NAMES */
  readonly hintNames?: HintNames | undefined;
}): Promise<DrillNetwork> {
  const layout = layoutFor({
    cluster: DRILL_CLUSTER,
    stateRoot: request.stateRoot,
    asRoot: true,
    hintNames: request.hintNames,
  });
  requireRoot(layout, 'a netns drill');
  await findBinaries(
    {
      postgresVersion: undefined,
      install: request.install,
      asRoot: true,
      allowUnsafe: request.allowUnsafe,
      env: request.env,
      installer: request.installer,
      hintNames: request.hintNames,
    },
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
      throw new LocalClusterError(
        'STATE_CONFLICT',
        `the network namespace ${adminNamespace(DRILL_CLUSTER)} exists and no record of this drill names it: another netns drill (another --address-base) runs now, or one was interrupted`,
        {
          hint: `wait for it; if none runs, remove the namespaces: for n in $(ip netns list | grep -o '^${namespacePrefix(DRILL_CLUSTER)}[a-z0-9-]*'); do ip netns del $n; done`,
        },
      );
    }
    await createNetwork(spec);
  } catch (error) {
    throw asLocalClusterError(error, layout);
  }
  return { recordFile, adminNamespace: adminNamespace(DRILL_CLUSTER), layout };
}

/** Remove the hosts {@link prepareDrillNetwork} made (a netlab failure as a LocalClusterError). */
export async function teardownDrillNetwork(network: DrillNetwork): Promise<void> {
  try {
    await teardownRecorded(network.recordFile);
  } catch (error) {
    throw asLocalClusterError(error, network.layout);
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
