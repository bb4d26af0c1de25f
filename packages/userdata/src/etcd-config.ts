import type { Cluster, EtcdMember } from './cluster.js';
import { type Problem, UserdataError } from './errors.js';
import { checkPath } from './private/checks.js';
import { hostPort } from './private/net.js';
import { atLeast, parseVersion } from './private/version.js';
import { toYaml } from './private/yaml.js';

/** Certificate, key and CA bundle files (PEM). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** Where one etcd member keeps its data and finds its certificates (absolute paths). */
export interface EtcdPaths {
  readonly dataDir: string;
  /** Server certificate for client traffic; also its client certificate. */
  readonly tls: TlsFiles;
  /** @default tls */
  readonly peerTls?: TlsFiles;
  /**
   * etcd `log-outputs`: `stderr`, `stdout`, `default` or file paths.
   * @default ['stderr']
   */
  readonly logOutputs?: readonly string[];
}

/** Lookup a member by name. @throws UserdataError `UNKNOWN_MEMBER` */
export function etcdMember(cluster: Cluster, memberName: string): EtcdMember {
  const member = cluster.etcd.members.find((m) => m.name === memberName);
  if (member === undefined) {
    throw new UserdataError(
      'UNKNOWN_MEMBER',
      `etcd member "${memberName}" is not in cluster "${cluster.name}"; members: ${cluster.etcd.members.map((m) => m.name).join(', ')}`,
    );
  }
  return member;
}

/** `https://host:port` client URLs of every member, in member order (for etcdctl and the manifest). */
export function etcdClientUrls(cluster: Cluster): string[] {
  return cluster.etcd.members.map((m) => `https://${hostPort(m.host, cluster.etcd.clientPort)}`);
}

/** TLS 1.2 suites etcd 3.5 members accept: ECDHE key exchange and AEAD ciphers only. */
export const ETCD_CIPHER_SUITES: readonly string[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
];

/**
 * The YAML configuration file (`etcd --config-file`) of one member: https client and peer URLs, the initial
 * cluster, client certificates required on both client and peer traffic (no auto-tls), zap logging.
 * Valid for etcd 3.4 and 3.5+; on 3.5+ also a TLS 1.2 floor and {@link ETCD_CIPHER_SUITES}.
 * @throws UserdataError `UNKNOWN_MEMBER` or `INVALID_OPTIONS`
 */
export function renderEtcdConfig(cluster: Cluster, memberName: string, paths: EtcdPaths): string {
  const member = etcdMember(cluster, memberName);
  const problems: Problem[] = [];
  checkPath(paths.dataDir, 'paths.dataDir', problems);
  const peerTls = paths.peerTls ?? paths.tls;
  for (const [key, tls] of [
    ['tls', paths.tls],
    ['peerTls', peerTls],
  ] as const) {
    checkPath(tls?.certFile, `paths.${key}.certFile`, problems);
    checkPath(tls?.keyFile, `paths.${key}.keyFile`, problems);
    checkPath(tls?.caFile, `paths.${key}.caFile`, problems);
  }
  const logOutputs = paths.logOutputs ?? ['stderr'];
  if (!Array.isArray(logOutputs) || logOutputs.length === 0) {
    problems.push({
      path: 'paths.logOutputs',
      value: logOutputs,
      message: 'give at least one output, e.g. ["stderr"]',
    });
  } else {
    logOutputs.forEach((o: unknown, i) => {
      if (o !== 'stderr' && o !== 'stdout' && o !== 'default')
        checkPath(o, `paths.logOutputs[${i}]`, problems);
    });
  }
  if (problems.length > 0) {
    throw UserdataError.fromProblems(
      'INVALID_OPTIONS',
      `cannot render etcd config for "${memberName}"`,
      problems,
    );
  }

  const { clientPort, peerPort } = cluster.etcd;
  const version = parseVersion(cluster.etcd.version);
  // etcd 3.5 takes a TLS floor and a cipher list from the config file: TLS 1.2 or later, AEAD suites with
  // forward secrecy only (for ECDSA and RSA certificates; TLS 1.3 suites are not configurable and all fine).
  const tlsPolicy =
    version !== undefined && atLeast(version, 3, 5)
      ? { 'tls-min-version': 'TLS1.2', 'cipher-suites': [...ETCD_CIPHER_SUITES] }
      : {};
  const transport = (tls: TlsFiles) => ({
    'cert-file': tls.certFile,
    'key-file': tls.keyFile,
    'trusted-ca-file': tls.caFile,
    'client-cert-auth': true,
    'auto-tls': false,
  });
  const config = {
    name: member.name,
    'data-dir': paths.dataDir,
    'listen-peer-urls': `https://${hostPort(member.listenAddress, peerPort)}`,
    'listen-client-urls': `https://${hostPort(member.listenAddress, clientPort)}`,
    'initial-advertise-peer-urls': `https://${hostPort(member.host, peerPort)}`,
    'advertise-client-urls': `https://${hostPort(member.host, clientPort)}`,
    'initial-cluster': cluster.etcd.members
      .map((m) => `${m.name}=https://${hostPort(m.host, peerPort)}`)
      .join(','),
    'initial-cluster-state': cluster.etcd.initialClusterState,
    'initial-cluster-token': cluster.etcd.initialClusterToken,
    'heartbeat-interval': cluster.etcd.heartbeatIntervalMs,
    'election-timeout': cluster.etcd.electionTimeoutMs,
    'quota-backend-bytes': cluster.etcd.quotaBackendBytes,
    'auto-compaction-mode': 'periodic',
    'auto-compaction-retention': '1h',
    // Patroni's etcd3 client speaks the v3 JSON gateway. The flag defaults to on, but a config file leaves
    // unset fields at their zero value on etcd 3.4, so without this the gateway answers 404.
    'enable-grpc-gateway': true,
    'client-transport-security': transport(paths.tls),
    'peer-transport-security': transport(peerTls),
    logger: 'zap',
    'log-level': 'info',
    'log-outputs': [...logOutputs],
    ...tlsPolicy,
  };
  return `# etcd member ${member.name} of cluster ${cluster.name}; generated by @pgha/userdata\n${toYaml(config)}`;
}
