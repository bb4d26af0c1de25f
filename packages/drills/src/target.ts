import type { DrillProfile, LoadBalancerCheck } from './profiles.js';

/** What a throwaway cluster is deployed with. */
export interface DrillClusterSpec {
  readonly profile: DrillProfile;
  readonly synchronousMode: boolean;
}

/** What {@link DrillTarget.deploy} hands back. */
export interface DeployedDrillCluster {
  /** The deployment's manifest (`@pgha/verify`'s format); read with verify's parser. */
  readonly manifestFile: string;
  /** The load balancer check timing the cluster really got (reported with the figures). */
  readonly loadBalancerCheck: LoadBalancerCheck;
}

/**
 * The processes of a node the drills signal. `postgres-child` is any process whose parent is the postmaster
 * (backends, the WAL writer, the WAL receiver: `command` tells which).
 */
export type ProcessRole = 'patroni' | 'postmaster' | 'postgres-child' | 'etcd';

export interface NodeProcess {
  /** The member it belongs to: a Patroni member name (`pg-1`) or an etcd member name (`etcd-1`). */
  readonly member: string;
  readonly role: ProcessRole;
  readonly pid: number;
  /** Its command line, for messages and to tell PostgreSQL's children apart. */
  readonly command: string;
}

/** The signals the drills send. */
export type DrillSignal = 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGINT' | 'SIGTERM';

/**
 * One host of a network-aware target: what a link fault acts on. Opaque to the drills; the target names and
 * resolves its own hosts (a network namespace, an EC2 instance).
 */
export interface HostRef {
  readonly id: string;
}

/**
 * Which packets a cut drops, seen from `from`: `both` (no traffic either way), `outbound` (`from` can
 * receive but not send to `to`), `inbound` (`from` can send but not receive).
 */
export type LinkDirection = 'both' | 'outbound' | 'inbound';

/** Undoes one link fault. Idempotent: calling it twice heals once. */
export type Heal = () => Promise<void>;

/** A link's degradation (tc netem on the local netns target). */
export interface LinkDegradation {
  readonly delayMs: number;
  /** 0..100 */
  readonly lossPct: number;
}

/**
 * Link faults, for a target whose nodes are hosts of their own (the local target's `--network netns` mode).
 * A scenario that lists `network` in its `requires` is refused with `TARGET_UNSUPPORTED` on a target
 * without it. Every fault returns its {@link Heal}; the drill heals whatever is still cut when it ends.
 */
export interface NetworkFaults {
  /**
   * The host a member runs on: a Patroni member (`pg-1`), an etcd member (`etcd-1`), `load-balancer`, or
   * `clients` (where the drill's own workload and probes run).
   */
  hostOf(member: string): HostRef;
  /** Drop traffic between `from` and `to` (or every other host) in the given direction. */
  cut(from: HostRef, to: HostRef | 'all', direction: LinkDirection): Promise<Heal>;
  /** Delay and drop a share of the packets on every link of `host`. */
  degrade(host: HostRef, degradation: LinkDegradation): Promise<Heal>;
}

/**
 * Where drills run: everything node-specific the engine needs, implemented by the runtime that owns the
 * nodes (`LocalDrillTarget` of `@pgha/local-cluster`, or a network-aware one). Each drill deploys a fresh
 * throwaway cluster with {@link deploy} and always ends with {@link destroy}.
 *
 * Addresses (etcd, Patroni REST, PostgreSQL, the load balancer) come from the manifest `deploy` returns.
 */
export interface DrillTarget {
  /** Where the throwaway cluster lives, for messages ("on 127.53.x.y"). */
  readonly description: string;
  /** Deploy a fresh throwaway cluster; resolves once the load balancer serves the primary. */
  deploy(spec: DrillClusterSpec, signal?: AbortSignal): Promise<DeployedDrillCluster>;
  /**
   * Start whatever of the cluster is not running, the way a deploy does (a killed node comes back with its
   * data). Rejects when the restart fails; the drill records that and goes on measuring.
   */
  restart(signal?: AbortSignal): Promise<void>;
  /** Stop every process at once (no chain of promotions) and remove all the cluster's state. Idempotent. */
  destroy(): Promise<void>;
  /** `user:password` for Patroni's unsafe REST methods (switchover, PATCH /config). Never logged. */
  restApiCredentials(): Promise<string>;
  /**
   * The running processes of a member (empty when none run). With {@link signal} and {@link waitExited}, the
   * `processes` capability: a target without all three refuses the scenarios that crash, freeze or stall a
   * process (`TARGET_UNSUPPORTED`).
   */
  processes?(member: string): Promise<readonly NodeProcess[]>;
  /** Send a signal to one process; one that is already gone is not an error. */
  signal?(process: NodeProcess, signal: DrillSignal): Promise<void>;
  /** Wait until none of the processes is alive (a zombie counts as gone); false when time ran out. */
  waitExited?(processes: readonly NodeProcess[], timeoutMs: number): Promise<boolean>;
  /** Link faults, when the nodes are hosts of their own. */
  readonly network?: NetworkFaults;
  /**
   * The last `lines` lines of a member's service log (a Patroni member or an etcd member), for the diagnosis
   * an error carries when the cluster did not come back; undefined when there is none.
   */
  logTail?(member: string, lines: number): Promise<string | undefined>;
  /**
   * Every thread's stack of a Patroni member's process, as Python's `faulthandler` prints it (file, line and
   * function names, no values), for the diagnosis of a member that stopped reaching etcd or answering;
   * undefined when the member has no running Patroni or the target cannot ask for one.
   */
  threadDump?(member: string): Promise<string | undefined>;
  /**
   * Terminate the machine a Patroni member runs on, the way EC2 terminates an instance: every process on it
   * ends at once and nothing brings it back (the `instances` capability; the AWS rehearsal's target). Resolves
   * once nothing of it runs.
   */
  terminateInstance?(member: string): Promise<void>;
}

/** The capabilities a scenario can require of its target. */
export type TargetCapability = 'processes' | 'network' | 'instances';

/** A target's `processes` capability: all three of its methods. */
export type ProcessFaults = Required<Pick<DrillTarget, 'processes' | 'signal' | 'waitExited'>>;

/** Whether the target has the `processes` capability (`processes`, `signal` and `waitExited`, all three). */
export function hasProcessFaults(target: DrillTarget): target is DrillTarget & ProcessFaults {
  return target.processes !== undefined && target.signal !== undefined && target.waitExited !== undefined;
}
