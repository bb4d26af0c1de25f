import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { localEtcdAddress, PORTS } from '@pgha/defaults';
import {
  CLUSTER_NAME_RULE,
  HOST_RULE,
  isClusterName,
  isHostAddress,
  isTcpPort,
  PORT_RULE,
  type Problem,
} from '@pgha/userdata';
import { VerifyError } from './errors.js';

/** A URL's host and port for messages: the first etcd member of the default local plan. */
const EXAMPLE_HOST_PORT = `${localEtcdAddress(1)}:${PORTS.etcdClient}`;

/** The manifest format version this package reads and the one deploy writes. */
export const MANIFEST_VERSION = 1;

/** Where a deployment's targets are: this machine's loopback or AWS. */
export type ManifestTarget = 'local' | 'aws';

/** A host and TCP port, e.g. a load balancer listener. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Paths to PEM files (absolute or relative to the manifest; {@link parseManifest} makes them absolute). */
export interface ClientTls {
  /** CA certificate(s) that signed the servers' certificates. */
  readonly ca: string;
  /** Client certificate presented to the server (etcd requires one: `client-cert-auth`). */
  readonly cert: string;
  /** Private key of `cert`. */
  readonly key: string;
}

/** One Patroni node as deploy named it. Optional: lets verify name a member whose REST API does not answer. */
export interface PatroniMember {
  /** Patroni `name` (also the `application_name` of its replication connection). */
  readonly name: string;
  /** Its REST API base URL, one of `patroni.rest`. */
  readonly rest: string;
  /** Its own PostgreSQL address (not the load balancer's). */
  readonly host?: string;
  readonly port?: number;
}

/** `libpq` sslmode names; verify always encrypts. */
export type PostgresTlsMode = 'verify-full' | 'verify-ca' | 'require';

/**
 * The contract between deploy (writes it) and verify (reads it): `.pgha/<cluster>/manifest.json`.
 * Fields may be added; the ones here keep their meaning. Unknown fields are ignored.
 */
export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  readonly cluster: string;
  readonly target: ManifestTarget;
  readonly etcd: {
    /** Client URLs, `https://host:2379`. */
    readonly endpoints: readonly string[];
    /** Expected member count (3 or 5). */
    readonly members: number;
    readonly tls: ClientTls;
    /**
     * Member names, in the order of `endpoints` (lets verify name a member that does not answer).
     * @default - named by the member list, else by endpoint
     */
    readonly names?: readonly string[];
  };
  readonly patroni: {
    readonly scope: string;
    /** REST API base URLs, one per node: `https://host:8008`. */
    readonly rest: readonly string[];
    /** @default - members are named by their REST URL until Patroni names them */
    readonly members?: readonly PatroniMember[];
    /**
     * CA that signed the REST API certificates.
     * @default - etcd.tls.ca (one cluster CA)
     */
    readonly ca?: string;
    /**
     * Replica lag (bytes) still counted as healthy.
     * @default 1048576 (Patroni's `maximum_lag_on_failover` default)
     */
    readonly maxLagBytes?: number;
  };
  readonly postgres: {
    /** Load balancer listener that reaches the primary only. */
    readonly primary: HostPort;
    /** Load balancer listener that reaches the replicas only. */
    readonly replicas: HostPort;
    readonly user: string;
    /** File holding `user`'s password (first line; a trailing newline is ignored). */
    readonly passwordFile: string;
    readonly database: string;
    /**
     * CA that signed the PostgreSQL server certificates (libpq's `sslrootcert`).
     * @default - etcd.tls.ca (one cluster CA)
     */
    readonly sslRootCert?: string;
    /**
     * How the server certificate is checked (libpq's `sslmode`; verify always encrypts). `verify-full` needs
     * the load balancer's address in the server certificates' SANs.
     * @default 'verify-full'
     */
    readonly sslMode?: PostgresTlsMode;
  };
  /** Where deploy keeps the certificates (`tls.expiry` checks every `*.crt`/`*.pem` there). */
  readonly pki?: { readonly dir: string };
  /**
   * How the cluster is reached. `netns` (the local target's `--network netns`): its addresses exist only inside
   * network namespaces, and the CLI enters `namespace` (the cluster's admin host, root only) to check it.
   * @default - this machine's network (loopback, or a VPC the verify host sits in)
   */
  readonly network?: { readonly mode: 'netns'; readonly namespace: string; readonly cidr?: string };
}

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /** Directory relative paths are resolved against (the manifest's own directory). */
  readonly baseDir: string;
  /** Named in error messages. @default 'manifest' */
  readonly source?: string;
}

type Json = unknown;
type Obj = Record<string, Json>;

/**
 * Every problem found, in the one pgha shape `{path, value, message}`; printed as `path: <value> message`, so
 * a message starts with what the value must be or is ("must be a non-empty string").
 */
class Problems {
  readonly list: Problem[] = [];
  add(path: string, value: Json, message: string): undefined {
    this.list.push({ path, value, message });
    return undefined;
  }
}

const show = (v: Json): string => {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(p: Problems, v: Json, field: string, optional = false): Obj | undefined {
  if (v === undefined && optional) return undefined;
  if (isObj(v)) return v;
  return p.add(field, v, 'must be an object');
}

function str(p: Problems, v: Json, field: string, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v;
  return p.add(field, v, 'must be a non-empty string');
}

function int(
  p: Problems,
  v: Json,
  field: string,
  min: number,
  max: number,
  optional = false,
): number | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  return p.add(field, v, `must be an integer from ${min} to ${max}`);
}

/** A value checked by one of the libraries' field rules (`isClusterName`, `isTcpPort`, ...). */
function rule<T>(
  p: Problems,
  v: Json,
  field: string,
  ok: (v: unknown) => v is T,
  words: string,
  optional = false,
): T | undefined {
  if (v === undefined && optional) return undefined;
  if (ok(v)) return v;
  return p.add(field, v, `must be ${words}`);
}

function url(p: Problems, v: Json, field: string, protocols: readonly string[]): string | undefined {
  const s = str(p, v, field);
  if (s === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return p.add(field, v, `is not a URL; expected e.g. "${protocols[0]}//${EXAMPLE_HOST_PORT}"`);
  }
  if (!protocols.includes(u.protocol)) {
    return p.add(field, v, `must use ${protocols.map((x) => x.replace(':', '://')).join(' or ')}`);
  }
  if (u.pathname !== '/' || u.search !== '' || u.username !== '' || u.password !== '') {
    return p.add(field, v, 'must be a base URL (scheme, host, port) without path, query or credentials');
  }
  return s.replace(/\/+$/, '');
}

function path(p: Problems, v: Json, field: string, baseDir: string, optional = false): string | undefined {
  const s = str(p, v, field, optional);
  return s === undefined ? undefined : isAbsolute(s) ? s : resolve(baseDir, s);
}

function list(p: Problems, v: Json, field: string): Json[] | undefined {
  if (Array.isArray(v) && v.length > 0) return v;
  return p.add(field, v, 'must be a non-empty array');
}

function hostPort(p: Problems, v: Json, field: string): HostPort | undefined {
  const o = obj(p, v, field);
  if (!o) return undefined;
  const host = rule(p, o.host, `${field}.host`, isHostAddress, HOST_RULE);
  const port = rule(p, o.port, `${field}.port`, isTcpPort, PORT_RULE);
  return host === undefined || port === undefined ? undefined : { host, port };
}

const TLS_MODES: readonly PostgresTlsMode[] = ['verify-full', 'verify-ca', 'require'];

/**
 * Validates a parsed manifest (the result of `JSON.parse`) and resolves its relative paths against
 * `baseDir`. Throws one {@link VerifyError} (`MANIFEST_INVALID`) that lists every bad field.
 */
export function parseManifest(json: unknown, options: ParseManifestOptions): Manifest {
  const { baseDir } = options;
  const source = options.source ?? 'manifest';
  const p = new Problems();
  const root = obj(p, json, '(root)');
  if (!root) throw manifestError(source, p);

  if (root.version !== MANIFEST_VERSION) {
    const newer = typeof root.version === 'number' && root.version > MANIFEST_VERSION;
    p.add(
      'version',
      root.version,
      newer
        ? `is newer than this verify understands (${MANIFEST_VERSION}); upgrade @pgha/verify`
        : `must be ${MANIFEST_VERSION}`,
    );
  }
  // The cluster name, the member count, hosts and ports: @pgha/userdata's rules, as deploy's inputs ask them.
  const cluster = rule(p, root.cluster, 'cluster', isClusterName, `a cluster name: ${CLUSTER_NAME_RULE}`);
  const target = root.target;
  if (target !== 'local' && target !== 'aws') p.add('target', target, 'must be "local" or "aws"');

  // etcd
  const etcdO = obj(p, root.etcd, 'etcd');
  let etcd: Manifest['etcd'] | undefined;
  if (etcdO) {
    const endpoints = (list(p, etcdO.endpoints, 'etcd.endpoints') ?? []).map((e, i) =>
      url(p, e, `etcd.endpoints[${i}]`, ['https:']),
    );
    // Not the deploy input's 3-or-5 rule: the count describes a running cluster for verify to compare with what
    // etcd reports (tests and single-member clusters included), it never creates one.
    const members = int(p, etcdO.members, 'etcd.members', 1, 99);
    const tlsO = obj(p, etcdO.tls, 'etcd.tls');
    const tls = tlsO && {
      ca: path(p, tlsO.ca, 'etcd.tls.ca', baseDir),
      cert: path(p, tlsO.cert, 'etcd.tls.cert', baseDir),
      key: path(p, tlsO.key, 'etcd.tls.key', baseDir),
    };
    let names: string[] | undefined;
    if (etcdO.names !== undefined) {
      names = (list(p, etcdO.names, 'etcd.names') ?? []).map((n, i) => str(p, n, `etcd.names[${i}]`) ?? '');
      if (names.length !== endpoints.length) {
        p.add(
          'etcd.names',
          etcdO.names,
          `has ${names.length} names for ${endpoints.length} endpoints; give one per endpoint, in order`,
        );
      }
    }
    if (tls?.ca && tls.cert && tls.key && members !== undefined && endpoints.every((e) => e !== undefined)) {
      etcd = {
        endpoints: endpoints as string[],
        members,
        tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
        ...(names ? { names } : {}),
      };
    }
  }

  // patroni
  const patO = obj(p, root.patroni, 'patroni');
  let patroni: Manifest['patroni'] | undefined;
  if (patO) {
    const scope = str(p, patO.scope, 'patroni.scope');
    const rest = (list(p, patO.rest, 'patroni.rest') ?? []).map((e, i) =>
      url(p, e, `patroni.rest[${i}]`, ['https:', 'http:']),
    );
    let members: PatroniMember[] | undefined;
    if (patO.members !== undefined) {
      members = (list(p, patO.members, 'patroni.members') ?? []).flatMap((m, i) => {
        const f = `patroni.members[${i}]`;
        const o = obj(p, m, f);
        if (!o) return [];
        const name = str(p, o.name, `${f}.name`);
        const r = url(p, o.rest, `${f}.rest`, ['https:', 'http:']);
        if (r !== undefined && !rest.includes(r)) p.add(`${f}.rest`, o.rest, 'is not one of patroni.rest');
        const host = rule(p, o.host, `${f}.host`, isHostAddress, HOST_RULE, true);
        const port = rule(p, o.port, `${f}.port`, isTcpPort, PORT_RULE, true);
        if (name === undefined || r === undefined) return [];
        return [
          { name, rest: r, ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) },
        ];
      });
    }
    const ca = path(p, patO.ca, 'patroni.ca', baseDir, true);
    const maxLagBytes = int(p, patO.maxLagBytes, 'patroni.maxLagBytes', 0, Number.MAX_SAFE_INTEGER, true);
    if (scope !== undefined && rest.every((r) => r !== undefined)) {
      patroni = {
        scope,
        rest: rest as string[],
        ...(members ? { members } : {}),
        ...(ca ? { ca } : {}),
        ...(maxLagBytes !== undefined ? { maxLagBytes } : {}),
      };
    }
  }

  // postgres
  const pgO = obj(p, root.postgres, 'postgres');
  let postgres: Manifest['postgres'] | undefined;
  if (pgO) {
    const primary = hostPort(p, pgO.primary, 'postgres.primary');
    const replicas = hostPort(p, pgO.replicas, 'postgres.replicas');
    const user = str(p, pgO.user, 'postgres.user');
    const passwordFile = path(p, pgO.passwordFile, 'postgres.passwordFile', baseDir);
    const database = str(p, pgO.database, 'postgres.database');
    const sslRootCert = path(p, pgO.sslRootCert, 'postgres.sslRootCert', baseDir, true);
    let sslMode: PostgresTlsMode | undefined;
    if (pgO.sslMode !== undefined) {
      if (TLS_MODES.includes(pgO.sslMode as PostgresTlsMode)) sslMode = pgO.sslMode as PostgresTlsMode;
      else {
        p.add('postgres.sslMode', pgO.sslMode, `must be one of ${TLS_MODES.map((m) => `"${m}"`).join(', ')}`);
      }
    }
    if (primary && replicas && user && passwordFile && database) {
      postgres = {
        primary,
        replicas,
        user,
        passwordFile,
        database,
        ...(sslRootCert ? { sslRootCert } : {}),
        ...(sslMode ? { sslMode } : {}),
      };
    }
  }

  const pkiO = obj(p, root.pki, 'pki', true);
  const pkiDir = pkiO && path(p, pkiO.dir, 'pki.dir', baseDir);

  const networkO = obj(p, root.network, 'network', true);
  let network: Manifest['network'];
  if (networkO) {
    if (networkO.mode !== 'netns') p.add('network.mode', networkO.mode, 'must be "netns"');
    const namespace = str(p, networkO.namespace, 'network.namespace');
    if (namespace !== undefined && !/^[a-z][a-z0-9-]{0,60}$/.test(namespace))
      p.add(
        'network.namespace',
        namespace,
        'must be a network namespace name (lower-case letters, digits, "-")',
      );
    const cidr = str(p, networkO.cidr, 'network.cidr', true);
    if (networkO.mode === 'netns' && namespace !== undefined)
      network = { mode: 'netns', namespace, ...(cidr ? { cidr } : {}) };
  }

  if (p.list.length > 0 || !cluster || !etcd || !patroni || !postgres) throw manifestError(source, p);
  return {
    version: MANIFEST_VERSION,
    cluster,
    target: target as ManifestTarget,
    etcd,
    patroni,
    postgres,
    ...(pkiDir ? { pki: { dir: pkiDir } } : {}),
    ...(network ? { network } : {}),
  };
}

function manifestError(source: string, p: Problems): VerifyError {
  const lines = p.list.map((x) => `  ${x.path}: ${show(x.value)} ${x.message}`);
  const head =
    p.list.length === 1 ? `${source}: invalid field` : `${source}: ${p.list.length} invalid fields`;
  return new VerifyError('MANIFEST_INVALID', `${head}\n${lines.join('\n')}`, { problems: p.list });
}

/** Reads and validates a manifest file; relative paths in it are resolved against its directory. */
export async function readManifest(file: string): Promise<Manifest> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new VerifyError(
        'MANIFEST_NOT_FOUND',
        `no manifest at ${abs}: deploy a cluster first (pnpm run deploy) or pass --manifest PATH`,
        { cause: e },
      );
    }
    throw new VerifyError('MANIFEST_INVALID', `cannot read manifest ${abs}: ${code ?? String(e)}`, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new VerifyError('MANIFEST_INVALID', `manifest ${abs} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return parseManifest(json, { baseDir: dirname(abs), source: `manifest ${abs}` });
}
