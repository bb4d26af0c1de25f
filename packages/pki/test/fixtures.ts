import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleSpec, ensureBundle, type KeyAlgorithm, type StoredBundle } from '../src/index.js';

/** A small cluster on the local address plan: 2 etcd members, 2 Patroni nodes, 1 client (10 keys). */
export function smallSpec(overrides: Partial<BundleSpec> = {}): BundleSpec {
  return {
    clusterName: 'main',
    caValidityDays: 3650,
    validityDays: 825,
    renewWithinDays: 30,
    etcdMembers: [
      { name: 'etcd-1', ipAddresses: ['127.0.10.1', '127.0.0.1'], dnsNames: [] },
      { name: 'etcd-2', ipAddresses: ['127.0.10.2', '127.0.0.1'] },
    ],
    patroniNodes: [
      { name: 'pg-1', ipAddresses: ['127.0.20.1'] },
      { name: 'pg-2', ipAddresses: ['127.0.20.2'], dnsNames: ['pg-2.db.internal'] },
    ],
    postgresServiceAddresses: { ipAddresses: ['127.0.30.1'] },
    clients: [{ name: 'verify' }],
    ...overrides,
  };
}

/**
 * `smallSpec`'s bundle in `dir`, its CA made with `ca` keys and its leaves then added with `leaves` keys: what a
 * bundle looks like after its spec's keyAlgorithm changed (existing keys are kept, new ones get the new kind).
 */
export async function bundleWithKeys(
  dir: string,
  ca: KeyAlgorithm,
  leaves: KeyAlgorithm,
): Promise<StoredBundle> {
  if (ca !== leaves) {
    await ensureBundle(dir, smallSpec({ keyAlgorithm: ca, etcdMembers: [], patroniNodes: [], clients: [] }));
  }
  return (await ensureBundle(dir, smallSpec({ keyAlgorithm: leaves }))).bundle;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'pgha-pki-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`test fixture: ${what} is missing`);
  return value;
}
