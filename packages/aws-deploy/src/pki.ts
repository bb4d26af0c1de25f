import { DEPLOY_KEY_ALGORITHM, summarizeBundleChanges } from '@pgha/local-cluster';
import { type BundleChange, ensureBundle, type StoredBundle } from '@pgha/pki';
import type { Cluster } from '@pgha/userdata';

/** Client identities issued with the cluster: `deploy` (its own checks) and `verify`, as on the local target. */
export const AWS_PKI_CLIENTS = ['deploy', 'verify'] as const;

/**
 * The AWS cluster's PKI, made once in `pkiDir` and kept: a later run issues only what is missing or changed
 * (never a silent re-key). Members and nodes are dialled by DNS name, so the certificates carry DNS SANs
 * only (their IPs are not known before boot).
 *
 * A Patroni node on EC2 has one certificate (`/etc/pgha/tls/node.crt`) for PostgreSQL, the REST API and its
 * etcd client connections: the node's REST certificate (serverAuth + clientAuth), which is uploaded as the
 * node's TLS secret. So each node's names include the load balancer's (`db.<cluster>.<zone>`), and
 * `sslmode=verify-full` works through it.
 */
export async function ensureAwsPki(
  pkiDir: string,
  cluster: Cluster,
  loadBalancerName: string,
): Promise<{ summary: string; changes: readonly BundleChange[]; bundle: StoredBundle }> {
  const { bundle, changes } = await ensureBundle(pkiDir, {
    clusterName: cluster.name,
    keyAlgorithm: DEPLOY_KEY_ALGORITHM,
    etcdMembers: cluster.etcd.members.map((m) => ({ name: m.name, dnsNames: [m.host] })),
    patroniNodes: cluster.patroni.nodes.map((n) => ({ name: n.name, dnsNames: [n.host, loadBalancerName] })),
    postgresServiceAddresses: { dnsNames: [loadBalancerName] },
    clients: AWS_PKI_CLIENTS.map((name) => ({ name })),
  });
  const summary = summarizeBundleChanges(changes);
  return { summary, changes, bundle };
}
