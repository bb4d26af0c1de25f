import { PORTS, POSTGRES } from '@pgha/defaults';
import { componentPolicy, HOST_OSES, type HostOs, postgresVersionProblem } from './components.js';
import { type Problem, UserdataError } from './errors.js';
import { isCidr, isHost, isIpAddress, isPort } from './private/net.js';
import { atLeast, parseVersion } from './private/version.js';
import { checkTiming, type PatroniTiming, type TimingProfileName, timingProfile } from './timing.js';

/** One etcd member as given. */
export interface EtcdMemberInput {
  /** Member name (`name` in etcd's config, `initial-cluster` key), e.g. `etcd-1`: lower-case letters, digits, `-`. */
  readonly name: string;
  /** Address the member is dialled by (IP or DNS name): advertise URLs and `initial-cluster` use it. */
  readonly host: string;
  /**
   * IP address the member listens on.
   * @default `host` when it is an IP address, otherwise `0.0.0.0`
   */
  readonly listenAddress?: string;
}

/** The etcd part of a cluster as given. */
export interface EtcdInput {
  /** 3 or 5 members. */
  readonly members: readonly EtcdMemberInput[];
  /**
   * etcd version the members run (major.minor[.patch]); 3.4 or later.
   * @default - the component policy's for `hostOs` (3.5.16), else '3.4'
   */
  readonly version?: string;
  /** @default 2379 */
  readonly clientPort?: number;
  /** @default 2380 */
  readonly peerPort?: number;
  /** @default 100 */
  readonly heartbeatIntervalMs?: number;
  /**
   * At least 5 times the heartbeat interval (etcd refuses less), at most 50000.
   * @default 1000
   */
  readonly electionTimeoutMs?: number;
  /**
   * Backend size quota in bytes, at most 8 GiB.
   * @default 2147483648 (2 GiB, etcd's own default)
   */
  readonly quotaBackendBytes?: number;
  /** @default `<cluster name>-etcd` */
  readonly initialClusterToken?: string;
  /**
   * `new` when the members bootstrap together; `existing` when a member joins a running cluster.
   * @default 'new'
   */
  readonly initialClusterState?: 'new' | 'existing';
}

/** One Patroni (+ PostgreSQL) node as given. */
export interface PatroniNodeInput {
  /** Patroni member name, e.g. `pg-1`: lower-case letters, digits, `-`. */
  readonly name: string;
  /** Address the node is dialled by (IP or DNS name): `connect_address` of PostgreSQL and the REST API. */
  readonly host: string;
  /**
   * IP address PostgreSQL and the REST API listen on.
   * @default `host` when it is an IP address, otherwise `0.0.0.0`
   */
  readonly listenAddress?: string;
}

/** PostgreSQL role names Patroni uses (passwords are never part of the description). */
export interface PostgresUsersInput {
  /** @default 'postgres' */
  readonly superuser?: string;
  /** @default 'replicator' */
  readonly replication?: string;
  /** @default 'rewind_user' */
  readonly rewind?: string;
}

export type PostgresParameterValue = string | number | boolean;

/** The Patroni part of a cluster as given. */
export interface PatroniInput {
  /** 2 to 5 nodes. */
  readonly nodes: readonly PatroniNodeInput[];
  /**
   * Patroni version the nodes run (major.minor[.patch]); 3.0 or later.
   * @default - the component policy's for `hostOs` (4.0.7), else '3.0.2'
   */
  readonly version?: string;
  /**
   * PostgreSQL major version.
   * @default - the suite's for `hostOs` (Debian 12: 15, Debian 13: 17), else 15
   */
  readonly postgresVersion?: number;
  /** @default 5432 */
  readonly postgresPort?: number;
  /** @default 8008 */
  readonly restPort?: number;
  /**
   * A profile name (resolved for `version` with {@link timingProfile}) or explicit timings.
   * @default 'safe'
   */
  readonly timing?: TimingProfileName | PatroniTiming;
  /** @default 1048576 (1 MiB) */
  readonly maximumLagOnFailoverBytes?: number;
  /**
   * Patroni `synchronous_mode`: a commit waits for one replica, so a failover loses no acknowledged write.
   * @default true
   */
  readonly synchronousMode?: boolean;
  /**
   * Patroni `failsafe_mode`: the primary keeps running while it reaches every member though etcd is lost, and
   * acknowledges writes after its leader key expired. Off by default, as in Patroni: on Patroni 4.0 (Debian 13's
   * 4.0.7) a primary cut off from etcd with it on can hang its HA loop for good (the failsafe check's
   * `multiprocessing` ThreadPool never joins; docs/failure-drills.md), so it stays primary, writes stall in
   * synchronous mode and no replica is promoted.
   * @default false
   */
  readonly failsafeMode?: boolean;
  /**
   * Networks clients connect from (`hostssl all all <cidr> scram-sha-256`). Local: `127.0.0.0/8`; AWS: the VPC CIDR.
   */
  readonly allowedCidrs: readonly string[];
  /**
   * Networks replicas and `pg_rewind` connect from.
   * @default allowedCidrs
   */
  readonly replicationCidrs?: readonly string[];
  readonly users?: PostgresUsersInput;
  /** Extra PostgreSQL parameters for the whole cluster (`bootstrap.dcs.postgresql.parameters`). */
  readonly parameters?: Readonly<Record<string, PostgresParameterValue>>;
}

/** A cluster as given: what {@link defineCluster} takes. */
export interface ClusterInput {
  /** Cluster name, also Patroni's `scope`: lower-case letter first, then letters, digits, `-`; at most 32. */
  readonly name: string;
  /**
   * The OS the nodes run (on AWS: the AMI's). Given, the etcd, Patroni and PostgreSQL versions default to
   * what the component policy installs there ({@link componentPolicy}), a `patroni.postgresVersion` its suite
   * does not ship is refused, and the cloud-init renderers can install the policy's set.
   * @default - none: the versions describe what is installed (the local target); cloud-init needs it
   */
  readonly hostOs?: HostOs;
  readonly etcd: EtcdInput;
  readonly patroni: PatroniInput;
}

export interface EtcdMember {
  readonly name: string;
  readonly host: string;
  readonly listenAddress: string;
}

export interface PatroniNode {
  readonly name: string;
  readonly host: string;
  readonly listenAddress: string;
}

/** Resolved timings: a profile's or the caller's own (`name: 'custom'`). */
export interface ClusterTiming extends PatroniTiming {
  readonly name: TimingProfileName | 'custom';
}

/** A validated cluster with every default applied: what the renderers take. */
export interface Cluster {
  readonly name: string;
  readonly hostOs: HostOs | undefined;
  readonly etcd: {
    readonly members: readonly EtcdMember[];
    readonly version: string;
    readonly clientPort: number;
    readonly peerPort: number;
    readonly heartbeatIntervalMs: number;
    readonly electionTimeoutMs: number;
    readonly quotaBackendBytes: number;
    readonly initialClusterToken: string;
    readonly initialClusterState: 'new' | 'existing';
  };
  readonly patroni: {
    readonly nodes: readonly PatroniNode[];
    readonly version: string;
    readonly postgresVersion: number;
    readonly postgresPort: number;
    readonly restPort: number;
    readonly timing: ClusterTiming;
    readonly maximumLagOnFailoverBytes: number;
    readonly synchronousMode: boolean;
    readonly failsafeMode: boolean;
    readonly allowedCidrs: readonly string[];
    readonly replicationCidrs: readonly string[];
    readonly users: { readonly superuser: string; readonly replication: string; readonly rewind: string };
    readonly parameters: Readonly<Record<string, PostgresParameterValue>>;
  };
}

export const ETCD_MEMBER_COUNTS: readonly number[] = [3, 5];
export const PATRONI_MIN_NODES = 2;
export const PATRONI_MAX_NODES = 5;
export const POSTGRES_MIN_VERSION = 13;
export const POSTGRES_MAX_VERSION = 99;

function isWholeNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** What {@link isEtcdMemberCount} accepts, in words: the one etcd member-count rule of every entry point. */
export const ETCD_MEMBER_COUNT_RULE =
  '3 or 5 members (3 tolerates one failed member, 5 tolerates two: an even count adds no fault tolerance)';

/** The one etcd member-count rule: cluster descriptions, the constructs, the local options and the AWS config ask it. */
export function isEtcdMemberCount(value: unknown): value is number {
  return typeof value === 'number' && ETCD_MEMBER_COUNTS.includes(value);
}

/** What {@link isPatroniNodeCount} accepts, in words. */
export const PATRONI_NODE_COUNT_RULE = `${PATRONI_MIN_NODES} to ${PATRONI_MAX_NODES} nodes (one primary, the others replicas)`;

/** The one Patroni node-count rule: cluster descriptions, the constructs, the local options and the AWS config ask it. */
export function isPatroniNodeCount(value: unknown): value is number {
  return isWholeNumberIn(value, PATRONI_MIN_NODES, PATRONI_MAX_NODES);
}

/**
 * What {@link isPostgresVersion} accepts, in words. With a host OS the version must also be one its suite ships
 * (`postgresVersionProblem`).
 */
export const POSTGRES_VERSION_RULE = `a PostgreSQL major version, a whole number from ${POSTGRES_MIN_VERSION} to ${POSTGRES_MAX_VERSION}`;

/** The one PostgreSQL major-version rule (before the host OS's suite narrows it). */
export function isPostgresVersion(value: unknown): value is number {
  return isWholeNumberIn(value, POSTGRES_MIN_VERSION, POSTGRES_MAX_VERSION);
}

/**
 * Parameters the renderers set themselves (per node or from the description); giving them in
 * `patroni.parameters` is refused rather than silently overridden.
 */
export const MANAGED_POSTGRES_PARAMETERS: readonly string[] = [
  'listen_addresses',
  'port',
  'unix_socket_directories',
  'ssl',
  'ssl_cert_file',
  'ssl_key_file',
  'ssl_ca_file',
  'password_encryption',
  'hba_file',
  'ident_file',
  'data_directory',
];

const MEMBER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CLUSTER_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** What {@link isClusterName} accepts, in words, for messages that name the value and the fix. */
export const CLUSTER_NAME_RULE =
  'a lower-case letter, then lower-case letters, digits or "-", at most 32 characters, not ending in "-" (e.g. "main")';

/**
 * The one cluster-name rule: cluster descriptions, the local deploy's options and its state files ask it. A name
 * that passes is also a safe path segment (no `/`, no `..`).
 */
export function isClusterName(value: unknown): value is string {
  return typeof value === 'string' && CLUSTER_NAME.test(value);
}
/** What {@link isTcpPort} accepts, in words: the one port rule (cluster descriptions, verify's manifest). */
export const PORT_RULE = 'a TCP port number from 1 to 65535';

/** The one TCP port rule. */
export function isTcpPort(value: unknown): value is number {
  return isPort(value);
}

/** What {@link isHostAddress} accepts, in words: the one rule for an address a node is dialled by. */
export const HOST_RULE = 'an IP address or a DNS name (e.g. "127.0.10.1" or "etcd-1.main.internal")';

/** The one host rule: an IPv4/IPv6 literal or an RFC 1123 host name without a trailing dot. */
export function isHostAddress(value: unknown): value is string {
  return typeof value === 'string' && isHost(value);
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const PARAMETER_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
const TOKEN = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_QUOTA = 8 * 1024 * 1024 * 1024;

/**
 * Check a cluster description (for example parsed from `cluster.json`) and return every problem found, each
 * naming the field path, the value given and the fix. An empty list means {@link defineCluster} accepts it.
 */
export function validateCluster(input: unknown): readonly Problem[] {
  return resolve(input).problems;
}

/**
 * Apply the defaults to a cluster description and validate it.
 * @throws UserdataError `INVALID_CLUSTER`, listing every problem (see `error.problems`).
 */
export function defineCluster(input: ClusterInput): Cluster {
  const { cluster, problems } = resolve(input);
  if (problems.length > 0 || cluster === undefined) {
    throw UserdataError.fromProblems('INVALID_CLUSTER', 'invalid cluster description', problems);
  }
  return cluster;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolve(input: unknown): { cluster?: Cluster; problems: Problem[] } {
  const problems: Problem[] = [];
  const add = (path: string, value: unknown, message: string) => problems.push({ path, value, message });

  if (!isObject(input)) {
    add('', input, 'a cluster description must be an object with name, etcd and patroni');
    return { problems };
  }
  unknownKeys(input, ['name', 'hostOs', 'etcd', 'patroni'], '', add);
  const hostOs = input.hostOs as HostOs | undefined;
  if (hostOs !== undefined && !HOST_OSES.includes(hostOs)) {
    add('hostOs', hostOs, `use one of ${HOST_OSES.map((o) => `"${o}"`).join(', ')}, or leave it out`);
  }
  const policy = hostOs !== undefined && HOST_OSES.includes(hostOs) ? componentPolicy(hostOs) : undefined;

  const name = input.name;
  if (!isClusterName(name)) add('name', name, `cluster name must start with ${CLUSTER_NAME_RULE}`);

  // etcd
  const etcdIn = input.etcd;
  if (!isObject(etcdIn)) add('etcd', etcdIn, 'give an object with members (3 or 5)');
  const e: Obj = isObject(etcdIn) ? etcdIn : {};
  if (isObject(etcdIn)) {
    unknownKeys(
      e,
      [
        'members',
        'version',
        'clientPort',
        'peerPort',
        'heartbeatIntervalMs',
        'electionTimeoutMs',
        'quotaBackendBytes',
        'initialClusterToken',
        'initialClusterState',
      ],
      'etcd',
      add,
    );
  }
  const members = nodeList(e.members, 'etcd.members', 'etcd member', add);
  if (Array.isArray(e.members) && !isEtcdMemberCount(e.members.length)) {
    add('etcd.members', `${e.members.length} members`, `etcd needs ${ETCD_MEMBER_COUNT_RULE}`);
  }
  const etcdVersion = e.version ?? policy?.versions.etcd ?? '3.4';
  const ev = parseVersion(etcdVersion);
  if (ev === undefined || ev.major !== 3 || ev.minor < 4) {
    add(
      'etcd.version',
      etcdVersion,
      'etcd version must be 3.4 or later in 3.x, as major.minor[.patch] (e.g. "3.4.23")',
    );
  }
  const clientPort = port(e.clientPort, PORTS.etcdClient, 'etcd.clientPort', add);
  const peerPort = port(e.peerPort, PORTS.etcdPeer, 'etcd.peerPort', add);
  if (clientPort === peerPort) add('etcd.peerPort', peerPort, 'peer port must differ from the client port');
  const heartbeat = int(e.heartbeatIntervalMs, 100, 'etcd.heartbeatIntervalMs', 10, 10000, add);
  const election = int(e.electionTimeoutMs, 1000, 'etcd.electionTimeoutMs', 50, 50000, add);
  if (heartbeat * 5 > election) {
    add(
      'etcd.electionTimeoutMs',
      election,
      `etcd requires the election timeout to be at least 5 times the heartbeat interval (${heartbeat * 5} ms)`,
    );
  }
  const quota = int(e.quotaBackendBytes, 2 * 1024 * 1024 * 1024, 'etcd.quotaBackendBytes', 1, MAX_QUOTA, add);
  const token = e.initialClusterToken ?? `${typeof name === 'string' ? name : 'pgha'}-etcd`;
  // A token derived from a bad cluster name is not a second problem: the name is reported already.
  if (e.initialClusterToken !== undefined && (typeof token !== 'string' || !TOKEN.test(token))) {
    add('etcd.initialClusterToken', token, 'use 1 to 64 letters, digits, ".", "_" or "-"');
  }
  const state = e.initialClusterState ?? 'new';
  if (state !== 'new' && state !== 'existing') {
    add('etcd.initialClusterState', state, 'use "new" (members bootstrap together) or "existing" (joining)');
  }

  // patroni
  const patroniIn = input.patroni;
  if (!isObject(patroniIn)) add('patroni', patroniIn, 'give an object with nodes (2..5) and allowedCidrs');
  const p: Obj = isObject(patroniIn) ? patroniIn : {};
  if (isObject(patroniIn)) {
    unknownKeys(
      p,
      [
        'nodes',
        'version',
        'postgresVersion',
        'postgresPort',
        'restPort',
        'timing',
        'maximumLagOnFailoverBytes',
        'synchronousMode',
        'failsafeMode',
        'allowedCidrs',
        'replicationCidrs',
        'users',
        'parameters',
      ],
      'patroni',
      add,
    );
  }
  const nodes = nodeList(p.nodes, 'patroni.nodes', 'Patroni node', add);
  if (Array.isArray(p.nodes) && !isPatroniNodeCount(p.nodes.length)) {
    add('patroni.nodes', `${p.nodes.length} nodes`, `give ${PATRONI_NODE_COUNT_RULE}`);
  }
  const patroniVersion = p.version ?? policy?.versions.patroni ?? '3.0.2';
  const pv = parseVersion(patroniVersion);
  if (pv === undefined || !atLeast(pv, 3, 0)) {
    add(
      'patroni.version',
      patroniVersion,
      'Patroni version must be 3.0 or later (etcd3 with failsafe_mode), as major.minor[.patch] (e.g. "3.0.2")',
    );
  }
  let postgresVersion = policy?.defaultPostgresVersion ?? 15;
  if (p.postgresVersion !== undefined) {
    if (isPostgresVersion(p.postgresVersion)) postgresVersion = p.postgresVersion;
    else add('patroni.postgresVersion', p.postgresVersion, `give ${POSTGRES_VERSION_RULE}`);
  }
  const suite = policy && postgresVersionProblem(policy.os, postgresVersion, 'patroni.postgresVersion');
  if (suite && p.postgresVersion !== undefined) problems.push(suite);
  const postgresPort = port(p.postgresPort, PORTS.postgres, 'patroni.postgresPort', add);
  const restPort = port(p.restPort, PORTS.patroniRest, 'patroni.restPort', add);
  if (postgresPort === restPort) {
    add('patroni.restPort', restPort, 'the REST API port must differ from the PostgreSQL port');
  }

  let timing: ClusterTiming | undefined;
  const timingIn = p.timing ?? 'safe';
  if (typeof timingIn === 'string') {
    if (timingIn === 'safe' || timingIn === 'fast') {
      if (pv !== undefined) {
        const t = timingProfile(timingIn, `${pv.major}.${pv.minor}.${pv.patch}`);
        timing = { name: timingIn, ttl: t.ttl, loopWait: t.loopWait, retryTimeout: t.retryTimeout };
      }
    } else {
      add('patroni.timing', timingIn, 'use "safe", "fast" or { ttl, loopWait, retryTimeout } in seconds');
    }
  } else if (isObject(timingIn)) {
    unknownKeys(timingIn, ['ttl', 'loopWait', 'retryTimeout'], 'patroni.timing', add);
    const t = timingIn as unknown as PatroniTiming;
    const found = checkTiming(t, pv, 'patroni.timing');
    problems.push(...found);
    if (found.length === 0)
      timing = { name: 'custom', ttl: t.ttl, loopWait: t.loopWait, retryTimeout: t.retryTimeout };
  } else {
    add('patroni.timing', timingIn, 'use "safe", "fast" or { ttl, loopWait, retryTimeout } in seconds');
  }

  const maxLag = int(
    p.maximumLagOnFailoverBytes,
    1048576,
    'patroni.maximumLagOnFailoverBytes',
    0,
    Number.MAX_SAFE_INTEGER,
    add,
  );
  const synchronousMode = bool(p.synchronousMode, true, 'patroni.synchronousMode', add);
  const failsafeMode = bool(p.failsafeMode, false, 'patroni.failsafeMode', add);
  const allowedCidrs = cidrs(p.allowedCidrs, 'patroni.allowedCidrs', add);
  const replicationCidrs =
    p.replicationCidrs === undefined
      ? allowedCidrs
      : cidrs(p.replicationCidrs, 'patroni.replicationCidrs', add);

  const usersIn = p.users ?? {};
  const users = { superuser: POSTGRES.superuser, replication: 'replicator', rewind: 'rewind_user' };
  if (!isObject(usersIn)) {
    add('patroni.users', usersIn, 'give an object { superuser?, replication?, rewind? } of role names');
  } else {
    unknownKeys(usersIn, ['superuser', 'replication', 'rewind'], 'patroni.users', add);
    for (const key of ['superuser', 'replication', 'rewind'] as const) {
      const v = usersIn[key];
      if (v === undefined) continue;
      if (typeof v !== 'string' || !ROLE_NAME.test(v)) {
        add(
          `patroni.users.${key}`,
          v,
          'role names are lower-case letters, digits and "_", not starting with a digit, at most 63',
        );
      } else {
        users[key] = v;
      }
    }
    const seen = new Map<string, string>();
    for (const key of ['superuser', 'replication', 'rewind'] as const) {
      const other = seen.get(users[key]);
      if (other !== undefined) {
        add(
          `patroni.users.${key}`,
          users[key],
          `must differ from patroni.users.${other}: each role has its own job`,
        );
      }
      seen.set(users[key], key);
    }
  }

  const parametersIn = p.parameters ?? {};
  const parameters: Record<string, PostgresParameterValue> = {};
  if (!isObject(parametersIn)) {
    add('patroni.parameters', parametersIn, 'give an object of PostgreSQL parameter names to values');
  } else {
    for (const [key, v] of Object.entries(parametersIn)) {
      const path = `patroni.parameters.${key}`;
      if (!PARAMETER_NAME.test(key)) {
        add(path, key, 'not a PostgreSQL parameter name (lower-case letters, digits, "_", one optional ".")');
      } else if (MANAGED_POSTGRES_PARAMETERS.includes(key)) {
        add(path, v, 'set by the renderers from the description and paths; remove it');
      } else if (
        typeof v === 'string' ? /[\0\n\r]/.test(v) : typeof v !== 'number' && typeof v !== 'boolean'
      ) {
        add(path, v, 'give a string (no line breaks), a number or a boolean');
      } else if (typeof v === 'number' && !Number.isFinite(v)) {
        add(path, v, 'give a finite number');
      } else {
        parameters[key] = v as PostgresParameterValue;
      }
    }
  }

  if (problems.length > 0 || timing === undefined) return { problems };
  return {
    problems,
    cluster: {
      name: name as string,
      hostOs: policy?.os,
      etcd: {
        members,
        version: etcdVersion as string,
        clientPort,
        peerPort,
        heartbeatIntervalMs: heartbeat,
        electionTimeoutMs: election,
        quotaBackendBytes: quota,
        initialClusterToken: token as string,
        initialClusterState: state as 'new' | 'existing',
      },
      patroni: {
        nodes,
        version: patroniVersion as string,
        postgresVersion,
        postgresPort,
        restPort,
        timing,
        maximumLagOnFailoverBytes: maxLag,
        synchronousMode,
        failsafeMode,
        allowedCidrs,
        replicationCidrs,
        users,
        parameters,
      },
    },
  };
}

type Add = (path: string, value: unknown, message: string) => void;

function unknownKeys(obj: Obj, known: readonly string[], path: string, add: Add): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      add(path ? `${path}.${key}` : key, obj[key], `unknown field; known fields here: ${known.join(', ')}`);
    }
  }
}

function nodeList(
  value: unknown,
  path: string,
  what: string,
  add: Add,
): { name: string; host: string; listenAddress: string }[] {
  if (!Array.isArray(value)) {
    add(path, value, `give a list of ${what}s, each { name, host, listenAddress? }`);
    return [];
  }
  const out: { name: string; host: string; listenAddress: string }[] = [];
  const names = new Map<string, number>();
  const hosts = new Map<string, number>();
  value.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(item)) {
      add(at, item, `give { name, host, listenAddress? } for each ${what}`);
      return;
    }
    unknownKeys(item, ['name', 'host', 'listenAddress'], at, add);
    const { name, host, listenAddress } = item;
    let ok = true;
    if (typeof name !== 'string' || !MEMBER_NAME.test(name)) {
      add(
        `${at}.name`,
        name,
        'names are lower-case letters, digits and "-", 1 to 63, not starting or ending with "-" (e.g. "etcd-1", "pg-1")',
      );
      ok = false;
    } else if (names.has(name)) {
      add(
        `${at}.name`,
        name,
        `duplicate of ${path}[${names.get(name)}].name; every ${what} needs its own name`,
      );
      ok = false;
    } else {
      names.set(name, i);
    }
    if (!isHostAddress(host)) {
      add(`${at}.host`, host, `give ${HOST_RULE}`);
      ok = false;
    } else if (hosts.has(host.toLowerCase())) {
      add(
        `${at}.host`,
        host,
        `duplicate of ${path}[${hosts.get(host.toLowerCase())}].host; every ${what} needs its own address`,
      );
      ok = false;
    } else {
      hosts.set(host.toLowerCase(), i);
    }
    if (listenAddress !== undefined && (typeof listenAddress !== 'string' || !isIpAddress(listenAddress))) {
      add(
        `${at}.listenAddress`,
        listenAddress,
        'give an IP address to listen on (e.g. "0.0.0.0" or the node\'s own IP), or leave it out',
      );
      ok = false;
    }
    if (ok) {
      const h = host as string;
      out.push({
        name: name as string,
        host: h,
        listenAddress: (listenAddress as string | undefined) ?? (isIpAddress(h) ? h : '0.0.0.0'),
      });
    }
  });
  return out;
}

function port(value: unknown, fallback: number, path: string, add: Add): number {
  if (value === undefined) return fallback;
  if (!isTcpPort(value)) {
    add(path, value, `give ${PORT_RULE}`);
    return fallback;
  }
  return value;
}

function int(value: unknown, fallback: number, path: string, min: number, max: number, add: Add): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    add(path, value, `give a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function bool(value: unknown, fallback: boolean, path: string, add: Add): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    add(path, value, 'give true or false');
    return fallback;
  }
  return value;
}

function cidrs(value: unknown, path: string, add: Add): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    add(path, value, 'give at least one network in CIDR form (local: ["127.0.0.0/8"]; AWS: the VPC CIDR)');
    return [];
  }
  const out: string[] = [];
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string' || !isCidr(v)) {
      add(`${path}[${i}]`, v, 'give a network in CIDR form, e.g. "10.0.0.0/16" or "127.0.0.0/8"');
    } else {
      out.push(v);
    }
  });
  return out;
}
