import { dirname } from 'node:path';
import type { Bundle, BundleChange } from './bundle.js';
import type { BundlePaths, CredentialPaths } from './bundle-paths.js';
import { bundlePaths, entryPaths } from './bundle-paths.js';
import { type BundleSpec, resolveBundleSpec } from './bundle-spec.js';
import type { CreateBundleOptions } from './create-bundle.js';
import type { Credential } from './credential.js';
import { PkiError } from './errors.js';
import { keyMatchesCertificate } from './inspect-certificate.js';
import {
  CERT_MODE,
  ensureDir,
  KEY_MODE,
  readKeyOptional,
  readOptional,
  removeEmptyDir,
  removeFile,
  writeAtomic,
} from './private/fs.js';
import { type CurrentEntry, desiredLeaves, PATRONI_ROLES, planBundle } from './private/plan.js';
import type { PrivateKey } from './private-key.js';

/** A bundle together with the absolute paths of its files. */
export interface StoredBundle extends Bundle {
  readonly paths: BundlePaths;
}

/** Result of `ensureBundle`. */
export interface EnsureBundleResult {
  readonly bundle: StoredBundle;
  /** One entry per certificate (and per removed entry): issued, renewed, kept or removed, and why. */
  readonly changes: readonly BundleChange[];
}

interface BundleIndex {
  readonly version: 1;
  readonly clusterName: string;
  readonly etcdMembers: readonly string[];
  readonly patroniNodes: readonly string[];
  readonly clients: readonly string[];
}

function namesOf(bundle: Bundle) {
  return {
    etcdMembers: Object.keys(bundle.etcd),
    patroniNodes: Object.keys(bundle.patroni),
    clients: Object.keys(bundle.clients),
  };
}

function credentialsOf(bundle: Bundle): [string, Credential][] {
  const out: [string, Credential][] = [['ca', bundle.ca]];
  for (const [name, c] of Object.entries(bundle.etcd)) out.push([`etcd.${name}`, c]);
  for (const [name, node] of Object.entries(bundle.patroni)) {
    for (const role of PATRONI_ROLES) out.push([`patroni.${name}.${role}`, node[role]]);
  }
  for (const [name, c] of Object.entries(bundle.clients)) out.push([`clients.${name}`, c]);
  return out;
}

function indexOf(bundle: Bundle): string {
  const index: BundleIndex = { version: 1, clusterName: bundle.clusterName, ...namesOf(bundle) };
  return `${JSON.stringify(index, null, 2)}\n`;
}

async function writeEntry(paths: CredentialPaths, credential: Credential, withKey: boolean): Promise<void> {
  await ensureDir(dirname(paths.cert));
  // Key first: a crash in between leaves a key without a (new) certificate, which the next run re-certifies.
  if (withKey) await writeAtomic(paths.key, credential.key.toPem(), KEY_MODE);
  await writeAtomic(paths.cert, credential.certPem, CERT_MODE);
}

/**
 * Writes a whole bundle to `dir` (created with mode 0700; keys 0600, certificates 0644, atomically per file),
 * replacing files of the same names. Prefer `ensureBundle` for a directory that may already hold a bundle.
 * @throws PkiError `IO_ERROR`
 */
export async function writeBundle(dir: string, bundle: Bundle): Promise<StoredBundle> {
  const paths = bundlePaths(dir, namesOf(bundle));
  await ensureDir(paths.dir);
  for (const [id, credential] of credentialsOf(bundle)) {
    const p = entryPaths(paths, id);
    if (p) await writeEntry(p, credential, true);
  }
  await writeAtomic(paths.index, indexOf(bundle), CERT_MODE);
  return { ...bundle, paths };
}

async function readIndex(path: string): Promise<BundleIndex | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  let index: Partial<BundleIndex>;
  try {
    index = JSON.parse(text) as Partial<BundleIndex>;
  } catch (cause) {
    throw new PkiError(
      'BUNDLE_INCOMPLETE',
      `${path}: not valid JSON; restore it or delete it (ensureBundle rewrites it).`,
      {
        item: path,
        cause,
      },
    );
  }
  const ok = (v: unknown) =>
    Array.isArray(v) && v.every((s) => typeof s === 'string' && /^[a-z0-9-]+$/i.test(s));
  if (
    index.version !== 1 ||
    typeof index.clusterName !== 'string' ||
    !ok(index.etcdMembers) ||
    !ok(index.patroniNodes) ||
    !ok(index.clients)
  ) {
    throw new PkiError(
      'BUNDLE_INCOMPLETE',
      `${path}: not a version 1 bundle index (version, clusterName, etcdMembers, patroniNodes, clients); ` +
        'restore it or delete it (ensureBundle rewrites it).',
      { item: path },
    );
  }
  return index as BundleIndex;
}

/**
 * Reads a bundle that `writeBundle` or `ensureBundle` wrote.
 * @throws PkiError `BUNDLE_INCOMPLETE` (no index, or a listed file missing), `KEY_FILE_PERMISSIONS` (a key readable by
 * group/others), `KEY_UNREADABLE`, `CERT_UNREADABLE`, `KEY_CERT_MISMATCH`, `IO_ERROR`.
 */
export async function readBundle(dir: string): Promise<StoredBundle> {
  const indexPath = bundlePaths(dir, { etcdMembers: [], patroniNodes: [], clients: [] }).index;
  const index = await readIndex(indexPath);
  if (!index) {
    throw new PkiError(
      'BUNDLE_INCOMPLETE',
      `${indexPath} not found: ${dir} holds no pgha bundle. Create one with ensureBundle(dir, spec).`,
      { item: indexPath },
    );
  }
  const paths = bundlePaths(dir, index);
  const read = async (id: string): Promise<Credential> => {
    const p = entryPaths(paths, id);
    if (!p) throw new Error(`internal: no paths for ${id}`);
    const [certPem, key] = await Promise.all([readOptional(p.cert), readKeyOptional(p.key)]);
    for (const [value, file] of [
      [certPem, p.cert],
      [key, p.key],
    ] as const) {
      if (value === undefined) {
        throw new PkiError(
          'BUNDLE_INCOMPLETE',
          `${file} is missing (listed in ${paths.index}); run ensureBundle(dir, spec) to issue it again.`,
          { item: file },
        );
      }
    }
    if (!certPem || !key) throw new Error('unreachable');
    if (!keyMatchesCertificate(key, certPem)) {
      throw new PkiError(
        'KEY_CERT_MISMATCH',
        `${p.key} does not belong to ${p.cert}. Restore the matching pair, or delete the certificate (re-issued for ` +
          'this key) or both files (new key) and run ensureBundle.',
        { item: p.key },
      );
    }
    return { certPem, key };
  };
  const ca = await read('ca');
  const byId = async (ids: string[]) => Promise.all(ids.map(async (id) => [id, await read(id)] as const));
  const etcd = Object.fromEntries(
    (await byId(index.etcdMembers.map((n) => `etcd.${n}`))).map(([id, c]) => [id.slice(5), c]),
  );
  const patroni = Object.fromEntries(
    await Promise.all(
      index.patroniNodes.map(async (n) => {
        const [etcdClient, postgres, rest] = await Promise.all(
          PATRONI_ROLES.map((r) => read(`patroni.${n}.${r}`)),
        );
        return [n, { etcdClient, postgres, rest }] as const;
      }),
    ),
  );
  const clients = Object.fromEntries(
    (await byId(index.clients.map((n) => `clients.${n}`))).map(([id, c]) => [id.slice(8), c]),
  );
  return { clusterName: index.clusterName, ca, etcd, patroni, clients, paths } as StoredBundle;
}

/**
 * Creates or updates the bundle in `dir` to match `spec`, and says what it did. Safe to call on every deploy:
 * - the CA is kept (renewed with the same key and subject when it nears expiry; never re-keyed);
 * - a valid certificate that matches the spec is kept (no key generation: fast when nothing changed);
 * - a certificate whose SANs or profile changed, that is within `renewWithinDays` of expiry, or that the CA did not
 *   issue is renewed for its existing key;
 * - a new key is generated only where there is no key (a new entry, or a deleted key file);
 * - entries no longer in the spec have their files deleted (reported as `removed`).
 * Only changed files are written (atomically). Not safe to run concurrently on the same directory.
 * @throws PkiError `INVALID_SPEC`, `CLUSTER_MISMATCH`, `CA_UNUSABLE`, `KEY_FILE_PERMISSIONS`, `KEY_UNREADABLE`,
 * `CERT_UNREADABLE`, `KEY_CERT_MISMATCH`, `BUNDLE_INCOMPLETE` (unreadable index), `IO_ERROR`.
 */
export async function ensureBundle(
  dir: string,
  spec: BundleSpec,
  options: CreateBundleOptions = {},
): Promise<EnsureBundleResult> {
  const resolved = resolveBundleSpec(spec);
  const names = {
    etcdMembers: resolved.etcdMembers.map((m) => m.name),
    patroniNodes: resolved.patroniNodes.map((n) => n.name),
    clients: resolved.clients.map((c) => c.name),
  };
  const paths = bundlePaths(dir, names);
  const index = await readIndex(paths.index);
  if (index && index.clusterName !== resolved.clusterName) {
    throw new PkiError(
      'CLUSTER_MISMATCH',
      `${paths.dir} holds the bundle of cluster "${index.clusterName}", but the spec's clusterName is ` +
        `"${resolved.clusterName}". Use a separate directory per cluster, or the same clusterName.`,
      { item: paths.index },
    );
  }
  const previousPaths = index ? bundlePaths(dir, index) : undefined;
  const previousIds = previousPaths ? ['ca', ...idsOf(index)] : [];

  const readEntry = async (p: CredentialPaths): Promise<CurrentEntry> => {
    const [certPem, key] = await Promise.all([readOptional(p.cert), readKeyOptional(p.key)]);
    return { ...(certPem === undefined ? {} : { certPem }), ...(key === undefined ? {} : { key }) } as {
      certPem?: string;
      key?: PrivateKey;
    };
  };
  const ca = await readEntry(paths.ca);
  const leafIds = desiredLeaves(resolved).map((l) => l.id);
  const leaves = new Map(
    await Promise.all(
      leafIds.map(async (id) => {
        const p = entryPaths(paths, id);
        if (!p) throw new Error(`internal: no paths for ${id}`);
        return [id, await readEntry(p)] as const;
      }),
    ),
  );

  const locate = (id: string, kind: 'certificate' | 'key') => {
    const p = entryPaths(paths, id);
    return p ? (kind === 'key' ? p.key : p.cert) : id;
  };
  const { bundle, changes } = await planBundle(
    resolved,
    { ca, leaves, previousIds },
    { now: options.now ?? new Date(), locate },
  );

  await ensureDir(paths.dir);
  for (const change of changes) {
    if (change.action === 'issued' || change.action === 'renewed') {
      const p = entryPaths(paths, change.id);
      const credential = credentialsOf(bundle).find(([id]) => id === change.id)?.[1];
      if (p && credential) await writeEntry(p, credential, change.action === 'issued');
    } else if (change.action === 'removed' && previousPaths) {
      const p = entryPaths(previousPaths, change.id);
      if (p) {
        await removeFile(p.cert);
        await removeFile(p.key);
        await removeEmptyDir(p.cert, paths.dir);
      }
    }
  }
  const newIndex = indexOf(bundle);
  if ((await readOptional(paths.index)) !== newIndex) await writeAtomic(paths.index, newIndex, CERT_MODE);
  return { bundle: { ...bundle, paths }, changes };
}

function idsOf(index: BundleIndex | undefined): string[] {
  if (!index) return [];
  return [
    ...index.etcdMembers.map((n) => `etcd.${n}`),
    ...index.patroniNodes.flatMap((n) => PATRONI_ROLES.map((r) => `patroni.${n}.${r}`)),
    ...index.clients.map((n) => `clients.${n}`),
  ];
}
