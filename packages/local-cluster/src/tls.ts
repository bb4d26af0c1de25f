import { type BundleChange, bundlePaths, ensureBundle, type StoredBundle } from '@pgha/pki';
import type { Layout } from './layout.js';
import type { AddressPlan } from './options.js';

/** Client identities the local target issues: `deploy` (its own readiness checks) and `verify`. */
const CLIENTS = ['deploy', 'verify'] as const;

export interface CertAndKey {
  readonly cert: string;
  readonly key: string;
}

/** The bundle's files on disk (paths) and, for copying into node dirs, its PEM text. */
export interface PkiFiles {
  readonly ca: string;
  readonly deployClient: CertAndKey;
  readonly verifyClient: CertAndKey;
  readonly pem: {
    readonly ca: string;
    etcd(name: string): CertAndKey;
    patroni(name: string): {
      readonly postgres: CertAndKey;
      readonly rest: CertAndKey;
      readonly etcdClient: CertAndKey;
    };
  };
}

function pemOf(bundle: StoredBundle, group: 'etcd' | 'clients', name: string): CertAndKey {
  const credential = bundle[group][name];
  if (!credential) throw new Error(`the bundle has no ${group} certificate for ${name}`);
  return { cert: credential.certPem, key: credential.key.toPem() };
}

/**
 * The key type of every certificate deploy issues, on both targets: ECDSA P-256. A key costs 0.1 ms instead
 * of RSA-2048's 130-200 ms of CPU (15 keys: 0.1 s instead of 1.1-1.8 s of a cold deploy on 2 cores), the
 * files are smaller, and etcd, Patroni, PostgreSQL, HAProxy and libpq all take it. A bundle made with RSA
 * keys earlier keeps them (@pgha/pki never re-keys silently); new certificates get P-256 keys.
 */
export const DEPLOY_KEY_ALGORITHM = 'ecdsa-p256' as const;

/**
 * Create the cluster's PKI on first deploy; later keep what is valid and issue only what is missing or
 * changed (never a silent re-key). Certificates carry IP SANs only: when an IP check fails etcd falls back to
 * DNS SANs through the system resolver, which would send queries off this machine.
 */
export async function ensurePki(
  layout: Layout,
  plan: AddressPlan,
): Promise<{ files: PkiFiles; summary: string }> {
  const { bundle, changes } = await ensureBundle(layout.pkiDir, {
    clusterName: layout.cluster,
    keyAlgorithm: DEPLOY_KEY_ALGORITHM,
    // Outgoing loopback connections come from 127.0.0.1, and etcd checks a peer's certificate against it.
    etcdMembers: plan.etcd.map((m) => ({ name: m.name, ipAddresses: [m.host, '127.0.0.1'] })),
    patroniNodes: plan.patroni.map((n) => ({ name: n.name, ipAddresses: [n.host, '127.0.0.1'] })),
    // Clients reach PostgreSQL through HAProxy: verify-full must accept the load balancer's address.
    postgresServiceAddresses: { ipAddresses: [plan.loadBalancer] },
    clients: CLIENTS.map((name) => ({ name })),
  });
  const paths = bundle.paths;
  const files: PkiFiles = {
    ca: paths.ca.cert,
    deployClient: paths.clients.deploy as CertAndKey,
    verifyClient: paths.clients.verify as CertAndKey,
    pem: {
      ca: bundle.ca.certPem,
      etcd: (name) => pemOf(bundle, 'etcd', name),
      patroni: (name) => {
        const node = bundle.patroni[name];
        if (!node) throw new Error(`the bundle has no Patroni certificates for ${name}`);
        const pair = (c: typeof node.rest) => ({ cert: c.certPem, key: c.key.toPem() });
        return { postgres: pair(node.postgres), rest: pair(node.rest), etcdClient: pair(node.etcdClient) };
      },
    },
  };
  return { files, summary: summarizeBundleChanges(changes) };
}

/** "2 issued, 1 renewed, 12 kept": what ensureBundle did, for a step's detail. */
export function summarizeBundleChanges(changes: readonly BundleChange[]): string {
  const count = (action: BundleChange['action']) => changes.filter((c) => c.action === action).length;
  const parts = (['issued', 'renewed', 'removed'] as const)
    .filter((a) => count(a) > 0)
    .map((a) => `${count(a)} ${a}`);
  return parts.length === 0 ? `${count('kept')} kept` : `${parts.join(', ')}, ${count('kept')} kept`;
}

/** Paths of the `deploy` client identity and the CA, without reading the bundle (for status). */
export function clientFiles(layout: Layout): { ca: string; cert: string; key: string } {
  const paths = bundlePaths(layout.pkiDir, { etcdMembers: [], patroniNodes: [], clients: ['deploy'] });
  const client = paths.clients.deploy as CertAndKey;
  return { ca: paths.ca.cert, cert: client.cert, key: client.key };
}
