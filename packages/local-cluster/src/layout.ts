import { join, resolve } from 'node:path';
import { CLUSTER_NAME_RULE, isClusterName } from '@pgha/userdata';
import { LocalClusterError } from './errors.js';
import { type HintNames, type HintOperation, hintNamesOf } from './hint-names.js';

/**
 * Where a local deployment keeps its files.
 *
 * `stateDir` (default `.pgha/<cluster>`) holds what the operator owns: the manifest, the PKI master copy,
 * the secrets and the records of the processes started. `nodesDir` holds what the services use: data
 * directories, configuration, per-node key copies, sockets and logs. Run as root, the services run as
 * `postgres`, which cannot reach a checkout under /root, so `nodesDir` then defaults to
 * `/var/lib/pgha/<cluster>`.
 */
export interface Layout {
  readonly cluster: string;
  readonly stateDir: string;
  readonly nodesDir: string;
  readonly manifestFile: string;
  readonly clusterFile: string;
  readonly pkiDir: string;
  readonly secretsDir: string;
  readonly runDir: string;
  /** Held by the deploy or destroy that runs on the deployment now (see lock.ts). */
  readonly lockFile: string;
  /** How hints name what to do next. @default LIBRARY_HINT_NAMES - this package's functions and options */
  readonly hintNames?: HintNames | undefined;
}

export interface NodeLayout {
  readonly dir: string;
  readonly configFile: string;
  readonly tlsDir: string;
  readonly logFile: string;
  readonly dataDir: string;
  readonly recordFile: string;
}

export interface PatroniNodeLayout extends NodeLayout {
  readonly socketDir: string;
  readonly pgpassFile: string;
  /** Holds the sitecustomize.py Patroni starts with (PYTHONPATH), see renderPatroniPythonShim. */
  readonly pythonDir: string;
}

export function layoutFor(options: {
  readonly cluster: string;
  readonly stateRoot: string;
  readonly nodesRoot?: string | undefined;
  readonly asRoot: boolean;
  /** How the errors' and warnings' hints name what to do next. @default LIBRARY_HINT_NAMES */
  readonly hintNames?: HintNames | undefined;
}): Layout {
  // The name becomes a path segment under both roots: one that is not a cluster name ("../x") never resolves.
  if (!isClusterName(options.cluster)) {
    throw new LocalClusterError('USAGE', `${JSON.stringify(options.cluster)} is not a cluster name`, {
      hint: `use ${CLUSTER_NAME_RULE}`,
    });
  }
  const stateDir = resolve(options.stateRoot, options.cluster);
  const nodesDir = options.nodesRoot
    ? resolve(options.nodesRoot, options.cluster)
    : options.asRoot
      ? join('/var/lib/pgha', options.cluster)
      : join(stateDir, 'nodes');
  return {
    cluster: options.cluster,
    stateDir,
    nodesDir,
    manifestFile: join(stateDir, 'manifest.json'),
    clusterFile: join(stateDir, 'cluster.json'),
    pkiDir: join(stateDir, 'pki'),
    secretsDir: join(stateDir, 'secrets'),
    runDir: join(stateDir, 'run'),
    lockFile: join(stateDir, 'operation.lock'),
    ...(options.hintNames === undefined ? {} : { hintNames: options.hintNames }),
  };
}

export function etcdLayout(layout: Layout, name: string): NodeLayout {
  const dir = join(layout.nodesDir, name);
  return {
    dir,
    configFile: join(dir, 'etcd.yaml'),
    tlsDir: join(dir, 'tls'),
    logFile: join(dir, 'etcd.log'),
    dataDir: join(dir, 'data'),
    recordFile: join(layout.runDir, `${name}.json`),
  };
}

export function patroniLayout(layout: Layout, name: string): PatroniNodeLayout {
  const dir = join(layout.nodesDir, name);
  return {
    dir,
    configFile: join(dir, 'patroni.yaml'),
    tlsDir: join(dir, 'tls'),
    logFile: join(dir, 'patroni.log'),
    dataDir: join(dir, 'data'),
    recordFile: join(layout.runDir, `${name}.json`),
    socketDir: join(dir, 'socket'),
    pgpassFile: join(dir, 'pgpass'),
    pythonDir: join(dir, 'python'),
  };
}

export function haproxyLayout(layout: Layout): NodeLayout {
  const dir = join(layout.nodesDir, 'haproxy');
  return {
    dir,
    configFile: join(dir, 'haproxy.cfg'),
    tlsDir: join(dir, 'tls'),
    logFile: join(dir, 'haproxy.log'),
    dataDir: dir,
    recordFile: join(layout.runDir, 'haproxy.json'),
  };
}

export type ComponentKind = 'etcd' | 'patroni' | 'haproxy';

/** A component's kind from its name: etcd-N, haproxy, or a Patroni node. */
export function kindOf(name: string): ComponentKind {
  return name === 'haproxy' ? 'haproxy' : name.startsWith('etcd-') ? 'etcd' : 'patroni';
}

/**
 * An operation on this deployment as its hints name it (see {@link HintNames}): it keeps the cluster and the
 * state dir, so it acts on this deployment and not on the default one.
 */
export function operationHint(
  layout: Pick<Layout, 'cluster' | 'stateDir' | 'hintNames'>,
  operation: HintOperation,
): string {
  return hintNamesOf(layout).operation(operation, layout);
}

/** The layout of any component, by its kind and name. */
export function componentLayout(layout: Layout, kind: ComponentKind, name: string): NodeLayout {
  if (kind === 'etcd') return etcdLayout(layout, name);
  if (kind === 'patroni') return patroniLayout(layout, name);
  return haproxyLayout(layout);
}
