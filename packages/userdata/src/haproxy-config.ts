import type { Cluster } from './cluster.js';
import { type Problem, UserdataError } from './errors.js';
import { checkBarePath } from './private/checks.js';
import { hostPort, isIpAddress, isPort } from './private/net.js';

/** HTTP method HAProxy's health check sends to Patroni's REST API. */
export type HealthCheckMethod = 'GET' | 'OPTIONS' | 'HEAD';

/** One listening socket. */
export interface Bind {
  /** IP address to bind, e.g. `127.0.30.1`. */
  readonly address: string;
  readonly port: number;
}

export interface HaproxyHealthCheck {
  /**
   * `GET` is what an AWS NLB sends; Patroni 3.0.2 logs a traceback for every GET from HAProxy, `OPTIONS`
   * avoids that and answers with the same status codes.
   * @default 'GET'
   */
  readonly method?: HealthCheckMethod;
  /** Time between checks of a server that is up and steady. @default 1000 */
  readonly intervalMs?: number;
  /**
   * Time between checks while a server is changing state (after its first failed check, until `fall`
   * failures mark it down; after its first pass until `rise`). Shorter than `intervalMs`, it takes a
   * demoted primary out of the primary's backend sooner (HAProxy `fastinter`). An NLB has no such knob.
   * @default - `intervalMs`
   */
  readonly fastIntervalMs?: number;
  /**
   * Time between checks of a server that is down (HAProxy `downinter`). Shorter than `intervalMs`, a newly
   * promoted primary (down in the primary's backend until then) is found sooner. Each backend keeps all but
   * one of its servers down, so this sets most of the check traffic. @default - `intervalMs`
   */
  readonly downIntervalMs?: number;
  /** Consecutive passes to mark a server up (an NLB's healthy threshold). @default 2 */
  readonly rise?: number;
  /** Consecutive failures to mark a server down (an NLB's unhealthy threshold). @default 2 */
  readonly fall?: number;
  /** @default 2000 */
  readonly timeoutMs?: number;
}

/** Inputs of {@link renderHaproxyConfig}. Paths are absolute and written unquoted. */
export interface HaproxyOptions {
  /** Socket that reaches the primary only (checked with `/primary`). */
  readonly primary: Bind;
  /** Socket that reaches the replicas only (checked with `/replica`). */
  readonly replicas: Bind;
  /** CA bundle that signed the Patroni REST API certificates: checks run over TLS with `verify required`. */
  readonly caFile: string;
  readonly healthCheck?: HaproxyHealthCheck;
  /** @default - no pidfile */
  readonly pidFile?: string;
  /** Admin socket (`stats socket <path> mode 600 level admin`). @default - none */
  readonly statsSocket?: string;
  /** Where HAProxy logs. @default 'stderr' */
  readonly log?: 'stdout' | 'stderr' | 'none';
  /** @default 1000 */
  readonly maxConnections?: number;
  /**
   * How long HAProxy waits for a server's TCP connect. It also caps the pause before HAProxy retries a
   * refused connection on the same server (at most 1 s), which is what a client waits through while a
   * demoted primary is still in the primary's backend: on loopback, a few hundred ms is plenty.
   * @default 4000
   */
  readonly connectTimeoutMs?: number;
  /** Idle client/server timeout. @default 1800 (30 minutes: long-lived database sessions) */
  readonly idleTimeoutSeconds?: number;
}

/**
 * HAProxy 2.6+ configuration for the local load balancer: `mode tcp` frontends on the primary and replica
 * sockets, servers checked through Patroni's REST API (`/primary`, `/replica`) over TLS verified against the
 * cluster CA, sessions cut when a server goes down (`on-marked-down shutdown-sessions`).
 *
 * The certificate chain is verified (`verify required ca-file`); the host name is not (`verifyhost` matches
 * DNS names only and the local certificates carry IP SANs). The CA signs only this cluster's certificates.
 * @throws UserdataError `INVALID_OPTIONS`
 */
export function renderHaproxyConfig(cluster: Cluster, options: HaproxyOptions): string {
  const problems: Problem[] = [];
  for (const key of ['primary', 'replicas'] as const) {
    const bind: unknown = options?.[key];
    const b = (typeof bind === 'object' && bind !== null ? bind : {}) as Partial<Bind>;
    if (typeof b.address !== 'string' || !isIpAddress(b.address)) {
      problems.push({
        path: `options.${key}.address`,
        value: b.address,
        message: 'give an IP address to bind (e.g. "127.0.30.1")',
      });
    }
    if (!isPort(b.port)) {
      problems.push({
        path: `options.${key}.port`,
        value: b.port,
        message: 'give a TCP port number from 1 to 65535',
      });
    }
  }
  if (
    options?.primary?.address === options?.replicas?.address &&
    options?.primary?.port === options?.replicas?.port
  ) {
    problems.push({
      path: 'options.replicas',
      value: options.replicas,
      message: 'must differ from options.primary',
    });
  }
  checkBarePath(options?.caFile, 'options.caFile', problems);
  if (options?.pidFile !== undefined) checkBarePath(options.pidFile, 'options.pidFile', problems);
  if (options?.statsSocket !== undefined) checkBarePath(options.statsSocket, 'options.statsSocket', problems);
  const hc = options?.healthCheck ?? {};
  const method = hc.method ?? 'GET';
  if (!['GET', 'OPTIONS', 'HEAD'].includes(method)) {
    problems.push({
      path: 'options.healthCheck.method',
      value: method,
      message: 'use "GET", "OPTIONS" or "HEAD"',
    });
  }
  const int = (value: unknown, fallback: number, path: string, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({ path, value, message: `give a whole number from ${min} to ${max}` });
      return fallback;
    }
    return value;
  };
  const interval = int(hc.intervalMs, 1000, 'options.healthCheck.intervalMs', 100, 300000);
  const optionalInt = (value: unknown, path: string): number | undefined =>
    value === undefined ? undefined : int(value, interval, path, 100, 300000);
  const fastInterval = optionalInt(hc.fastIntervalMs, 'options.healthCheck.fastIntervalMs');
  const downInterval = optionalInt(hc.downIntervalMs, 'options.healthCheck.downIntervalMs');
  const rise = int(hc.rise, 2, 'options.healthCheck.rise', 1, 10);
  const fall = int(hc.fall, 2, 'options.healthCheck.fall', 1, 10);
  const timeout = int(hc.timeoutMs, 2000, 'options.healthCheck.timeoutMs', 100, 120000);
  const connectTimeout = int(options?.connectTimeoutMs, 4000, 'options.connectTimeoutMs', 100, 120000);
  const maxconn = int(options?.maxConnections, 1000, 'options.maxConnections', 1, 1000000);
  const idle = int(options?.idleTimeoutSeconds, 1800, 'options.idleTimeoutSeconds', 1, 86400);
  const log = options?.log ?? 'stderr';
  if (!['stdout', 'stderr', 'none'].includes(log)) {
    problems.push({ path: 'options.log', value: log, message: 'use "stdout", "stderr" or "none"' });
  }
  if (problems.length > 0) {
    throw UserdataError.fromProblems('INVALID_OPTIONS', 'cannot render the HAProxy config', problems);
  }

  const p = cluster.patroni;
  const timing = [
    ...(fastInterval === undefined ? [] : [` fastinter ${fastInterval}ms`]),
    ...(downInterval === undefined ? [] : [` downinter ${downInterval}ms`]),
  ].join('');
  const global = [
    'global',
    `    maxconn ${maxconn}`,
    ...(log === 'none' ? [] : [`    log ${log} format raw local0 info`]),
    ...(options.pidFile === undefined ? [] : [`    pidfile ${options.pidFile}`]),
    ...(options.statsSocket === undefined
      ? []
      : [`    stats socket ${options.statsSocket} mode 600 level admin`]),
  ];
  const defaults = [
    'defaults',
    '    mode tcp',
    ...(log === 'none' ? [] : ['    log global', '    option tcplog']),
    '    retries 2',
    // A retry may go to another server that is up (the replicas' backend has several).
    '    option redispatch',
    `    timeout connect ${connectTimeout}ms`,
    `    timeout client ${idle}s`,
    `    timeout server ${idle}s`,
    `    timeout check ${timeout}ms`,
  ];
  const section = (name: string, bind: Bind, path: string) => [
    `frontend ${name}`,
    `    bind ${hostPort(bind.address, bind.port)}`,
    `    default_backend ${name}`,
    '',
    `backend ${name}`,
    '    option httpchk',
    `    http-check send meth ${method} uri ${path}`,
    '    http-check expect status 200',
    `    default-server inter ${interval}ms${timing} rise ${rise} fall ${fall} on-marked-down shutdown-sessions check port ${p.restPort} check-ssl verify required ca-file ${options.caFile}`,
    ...p.nodes.map((n) => `    server ${n.name} ${hostPort(n.host, p.postgresPort)}`),
  ];
  return `${[
    `# HAProxy for cluster ${cluster.name}; generated by @pgha/userdata`,
    ...global,
    '',
    ...defaults,
    '',
    ...section(`${cluster.name}_primary`, options.primary, '/primary'),
    '',
    ...section(`${cluster.name}_replicas`, options.replicas, '/replica'),
  ].join('\n')}\n`;
}
