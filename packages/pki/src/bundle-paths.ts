import { resolve } from 'node:path';
import type { PatroniRole } from './bundle.js';

/** Absolute paths of one certificate and its key. */
export interface CredentialPaths {
  /** PEM certificate, mode 0644. */
  readonly cert: string;
  /** PEM private key (PKCS#8), mode 0600. */
  readonly key: string;
}

/** Absolute paths of every file of a bundle directory. */
export interface BundlePaths {
  /** The bundle directory (mode 0700). */
  readonly dir: string;
  /** The bundle index `bundle.json` (names only, no key material). */
  readonly index: string;
  /** The CA. Give `ca.cert` to everything that verifies peers (etcd `trusted-ca-file`, PostgreSQL `ssl_ca_file`). */
  readonly ca: CredentialPaths;
  /** `etcd/<name>.crt|key` per etcd member. */
  readonly etcd: Readonly<Record<string, CredentialPaths>>;
  /** `patroni/<name>/{etcd-client,postgres,rest}.crt|key` per Patroni node. */
  readonly patroni: Readonly<Record<string, Readonly<Record<PatroniRole, CredentialPaths>>>>;
  /** `clients/<name>.crt|key` per client identity. */
  readonly clients: Readonly<Record<string, CredentialPaths>>;
}

/** Names of the entries of a bundle. */
export interface BundleNames {
  readonly etcdMembers: readonly string[];
  readonly patroniNodes: readonly string[];
  readonly clients: readonly string[];
}

/** Anything with the entry names: a `BundleNames` or a `BundleSpec` (its `name`s). */
export interface BundleNameSource {
  readonly etcdMembers: readonly (string | { readonly name: string })[];
  readonly patroniNodes: readonly (string | { readonly name: string })[];
  readonly clients?: readonly (string | { readonly name: string })[];
}

const nameOf = (entry: string | { readonly name: string }): string =>
  typeof entry === 'string' ? entry : entry.name;

const ROLE_FILES: Readonly<Record<PatroniRole, string>> = {
  etcdClient: 'etcd-client',
  postgres: 'postgres',
  rest: 'rest',
};

/**
 * The file layout of a bundle directory, without touching the disk (pass the `BundleSpec` or just the names;
 * the names are not validated here, `ensureBundle` does that):
 * ```
 * <dir>/bundle.json  ca.crt  ca.key
 * <dir>/etcd/<member>.crt|key
 * <dir>/patroni/<node>/etcd-client.crt|key  postgres.crt|key  rest.crt|key
 * <dir>/clients/<name>.crt|key
 * ```
 */
export function bundlePaths(dir: string, source: BundleNameSource): BundlePaths {
  const names: BundleNames = {
    etcdMembers: source.etcdMembers.map(nameOf),
    patroniNodes: source.patroniNodes.map(nameOf),
    clients: (source.clients ?? []).map(nameOf),
  };
  const root = resolve(dir);
  const pair = (...parts: string[]): CredentialPaths => {
    const base = resolve(root, ...parts);
    return { cert: `${base}.crt`, key: `${base}.key` };
  };
  return {
    dir: root,
    index: resolve(root, 'bundle.json'),
    ca: pair('ca'),
    etcd: Object.fromEntries(names.etcdMembers.map((n) => [n, pair('etcd', n)])),
    patroni: Object.fromEntries(
      names.patroniNodes.map((n) => [
        n,
        {
          etcdClient: pair('patroni', n, ROLE_FILES.etcdClient),
          postgres: pair('patroni', n, ROLE_FILES.postgres),
          rest: pair('patroni', n, ROLE_FILES.rest),
        },
      ]),
    ),
    clients: Object.fromEntries(names.clients.map((n) => [n, pair('clients', n)])),
  };
}

/** The paths of one entry id (`ca`, `etcd.<n>`, `patroni.<n>.<role>`, `clients.<n>`). */
export function entryPaths(paths: BundlePaths, id: string): CredentialPaths | undefined {
  const [group, name, role] = id.split('.');
  if (group === 'ca') return paths.ca;
  if (name === undefined) return undefined;
  if (group === 'etcd') return paths.etcd[name];
  if (group === 'clients') return paths.clients[name];
  if (group === 'patroni' && (role === 'etcdClient' || role === 'postgres' || role === 'rest')) {
    return paths.patroni[name]?.[role];
  }
  return undefined;
}
