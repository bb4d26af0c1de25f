import type { Cluster, PatroniNode } from './cluster.js';
import { type Problem, UserdataError } from './errors.js';
import type { TlsFiles } from './etcd-config.js';
import { checkPath } from './private/checks.js';
import { hostPort, isCidr } from './private/net.js';
import { atLeast, parseVersion } from './private/version.js';
import { toYaml } from './private/yaml.js';

/** Where one Patroni node keeps its data and finds its programs and certificates (absolute paths). */
export interface PatroniPaths {
  /** PostgreSQL data directory (`postgresql.data_dir`). */
  readonly dataDir: string;
  /** PostgreSQL programs (`pg_config --bindir`, e.g. `/usr/lib/postgresql/15/bin`). */
  readonly binDir: string;
  /** File Patroni writes replication credentials to (`postgresql.pgpass`); the directory must be writable. */
  readonly pgpassFile: string;
  /** This node's own `unix_socket_directories` (nodes sharing a machine need one each). */
  readonly socketDir: string;
  /** PostgreSQL server certificate/key and the CA (`ssl_*_file`); also the REST API's and etcd client's by default. */
  readonly tls: TlsFiles;
  /** @default tls */
  readonly restTls?: TlsFiles;
  /** Client certificate Patroni presents to etcd. @default tls */
  readonly etcdTls?: TlsFiles;
  /** Directory for Patroni's own log files. @default - Patroni logs to stderr */
  readonly logDir?: string;
}

export function patroniNode(cluster: Cluster, nodeName: string): PatroniNode {
  const node = cluster.patroni.nodes.find((n) => n.name === nodeName);
  if (node === undefined) {
    throw new UserdataError(
      'UNKNOWN_MEMBER',
      `Patroni node "${nodeName}" is not in cluster "${cluster.name}"; nodes: ${cluster.patroni.nodes.map((n) => n.name).join(', ')}`,
    );
  }
  return node;
}

/** `https://host:port` REST API URLs of every Patroni node, in node order. */
export function patroniRestUrls(cluster: Cluster): string[] {
  return cluster.patroni.nodes.map((n) => `https://${hostPort(n.host, cluster.patroni.restPort)}`);
}

/** Who may log in how, beyond what the cluster description says (per target: AWS names its admin hosts). */
export interface PgHbaOptions {
  /**
   * The only networks the superuser may log in from over TCP, besides loopback (Patroni's own connection):
   * given, the superuser gets a `hostssl` line for each and a `reject` line for everything else before the
   * client lines, so the clients' networks (a whole VPC) admit application roles but not the superuser.
   * Applications get their own roles (`CREATE ROLE app LOGIN ...` as the superuser from an admin host).
   * @default - the superuser logs in from the allowed networks like every other role (the local target)
   */
  readonly superuserCidrs?: readonly string[];
}

/**
 * The pg_hba lines every node gets: socket access with a password, the replication role from loopback (Patroni's
 * own replication connection), `hostssl` (scram-sha-256) for clients and for the separate replication role from
 * the allowed networks; everything else is refused. With
 * `superuserCidrs`, the superuser only from loopback and those networks.
 */
export function pgHbaLines(cluster: Cluster, options: PgHbaOptions = {}): string[] {
  const { users, allowedCidrs, replicationCidrs } = cluster.patroni;
  const superuser =
    options.superuserCidrs === undefined
      ? []
      : [
          // Patroni's own superuser connection goes to localhost over TCP when it listens on every address.
          'host all all 127.0.0.1/32 scram-sha-256',
          'host all all ::1/128 scram-sha-256',
          ...options.superuserCidrs.map((c) => `hostssl all ${users.superuser} ${c} scram-sha-256`),
          `host all ${users.superuser} all reject`,
        ];
  return [
    'local all all scram-sha-256',
    `local replication ${users.replication} scram-sha-256`,
    // Patroni on a replica reads its own timeline over a replication connection to localhost, over TCP (it
    // listens on 0.0.0.0, so IPv4): without this line that fails on every REST status and health check.
    `host replication ${users.replication} 127.0.0.1/32 scram-sha-256`,
    ...replicationCidrs.map((c) => `hostssl replication ${users.replication} ${c} scram-sha-256`),
    ...superuser,
    ...allowedCidrs.map((c) => `hostssl all all ${c} scram-sha-256`),
  ];
}

/** Cluster-wide PostgreSQL parameters pgha sets unless `patroni.parameters` gives its own value. */
export const DEFAULT_CLUSTER_PARAMETERS: Readonly<Record<string, string>> = {
  wal_retrieve_retry_interval: '1s',
};

/**
 * Patroni's YAML configuration for one node. Passwords are not in it: Patroni reads them from its
 * environment (see {@link patroniEnvironment}), so the same file serves the local target and AWS.
 * Uses the `etcd3:` section (etcd 3.4 serves no v2 API). Valid for Patroni 3.0.2 and 3.2+.
 * @throws UserdataError `UNKNOWN_MEMBER` or `INVALID_OPTIONS`
 */
export function renderPatroniConfig(
  cluster: Cluster,
  nodeName: string,
  paths: PatroniPaths,
  hba: PgHbaOptions = {},
): string {
  const node = patroniNode(cluster, nodeName);
  const problems: Problem[] = [];
  const superuserCidrs = hba.superuserCidrs;
  if (
    superuserCidrs !== undefined &&
    (!Array.isArray(superuserCidrs) || superuserCidrs.some((c) => typeof c !== 'string' || !isCidr(c)))
  ) {
    problems.push({
      path: 'hba.superuserCidrs',
      value: superuserCidrs,
      message:
        'give a list of CIDR blocks (e.g. ["10.20.200.0/24"]); an empty list admits the superuser on loopback only',
    });
  }
  for (const key of ['dataDir', 'binDir', 'pgpassFile', 'socketDir'] as const) {
    checkPath(paths[key], `paths.${key}`, problems);
  }
  if (typeof paths.socketDir === 'string' && paths.socketDir.includes(',')) {
    problems.push({
      path: 'paths.socketDir',
      value: paths.socketDir,
      message: 'PostgreSQL reads a comma as a list separator here; give one directory without ","',
    });
  }
  if (paths.logDir !== undefined) checkPath(paths.logDir, 'paths.logDir', problems);
  const restTls = paths.restTls ?? paths.tls;
  const etcdTls = paths.etcdTls ?? paths.tls;
  for (const [key, tls] of [
    ['tls', paths.tls],
    ['restTls', restTls],
    ['etcdTls', etcdTls],
  ] as const) {
    checkPath(tls?.certFile, `paths.${key}.certFile`, problems);
    checkPath(tls?.keyFile, `paths.${key}.keyFile`, problems);
    checkPath(tls?.caFile, `paths.${key}.caFile`, problems);
  }
  if (problems.length > 0) {
    throw UserdataError.fromProblems(
      'INVALID_OPTIONS',
      `cannot render Patroni config for "${nodeName}"`,
      problems,
    );
  }

  const p = cluster.patroni;
  const dcsPostgresql: Record<string, unknown> = {
    use_pg_rewind: true,
    use_slots: true,
    // A replica whose walreceiver fails (no slot yet at bootstrap, a new primary after failover) retries after
    // wal_retrieve_retry_interval: PostgreSQL's 5 s default would add up to 5 s to every start and rejoin.
    parameters: { ...DEFAULT_CLUSTER_PARAMETERS, ...p.parameters },
  };

  const hbaLines = pgHbaLines(cluster, hba);
  const version = parseVersion(p.version);
  const needsBootstrapHba = version === undefined || !atLeast(version, 3, 2);
  const config: Record<string, unknown> = {
    scope: cluster.name,
    name: node.name,
  };
  if (paths.logDir !== undefined) config.log = { dir: paths.logDir };
  Object.assign(config, {
    restapi: {
      listen: hostPort(node.listenAddress, p.restPort),
      connect_address: hostPort(node.host, p.restPort),
      certfile: restTls.certFile,
      keyfile: restTls.keyFile,
      cafile: restTls.caFile,
    },
    ctl: { cacert: restTls.caFile },
    etcd3: {
      hosts: cluster.etcd.members.map((m) => hostPort(m.host, cluster.etcd.clientPort)),
      protocol: 'https',
      cacert: etcdTls.caFile,
      cert: etcdTls.certFile,
      key: etcdTls.keyFile,
    },
    bootstrap: {
      dcs: {
        ttl: p.timing.ttl,
        loop_wait: p.timing.loopWait,
        retry_timeout: p.timing.retryTimeout,
        maximum_lag_on_failover: p.maximumLagOnFailoverBytes,
        synchronous_mode: p.synchronousMode,
        failsafe_mode: p.failsafeMode,
        postgresql: dcsPostgresql,
      },
      initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      // Patroni < 3.2's --validate-config demands bootstrap.pg_hba although postgresql.pg_hba wins.
      ...(needsBootstrapHba ? { pg_hba: hbaLines } : {}),
    },
    postgresql: {
      listen: hostPort(node.listenAddress, p.postgresPort),
      connect_address: hostPort(node.host, p.postgresPort),
      data_dir: paths.dataDir,
      bin_dir: paths.binDir,
      pgpass: paths.pgpassFile,
      authentication: {
        superuser: { username: p.users.superuser },
        replication: { username: p.users.replication },
        rewind: { username: p.users.rewind },
      },
      parameters: {
        unix_socket_directories: paths.socketDir,
        ssl: 'on',
        ssl_cert_file: paths.tls.certFile,
        ssl_key_file: paths.tls.keyFile,
        ssl_ca_file: paths.tls.caFile,
        password_encryption: 'scram-sha-256',
      },
      pg_hba: hbaLines,
      // pg_basebackup's default is a spread checkpoint: a new replica would wait for it to finish.
      basebackup: [{ checkpoint: 'fast' }],
    },
  });
  return `# Patroni node ${node.name} of cluster ${cluster.name}; generated by @pgha/userdata\n# Passwords come from the environment (PATRONI_*_PASSWORD), never from this file.\n${toYaml(config)}`;
}
