// Test fixtures: TLS material from @pgha/pki for servers on 127.0.0.1, and free loopback ports.
import { createServer } from 'node:net';
import { type Bundle, createBundle } from '@pgha/pki';

/**
 * Two unrelated bundles for 127.0.0.1 (`pg-1` as a Patroni node, `etcd-1` as an etcd member, a `verify` client
 * certificate): `bundle` signs the servers, `other` is a CA they must refuse.
 */
export async function loopbackBundles(): Promise<{ bundle: Bundle; other: Bundle }> {
  const spec = {
    clusterName: 'clients-test',
    keyAlgorithm: 'ecdsa-p256' as const,
    etcdMembers: [{ name: 'etcd-1', ipAddresses: ['127.0.0.1'] }],
    patroniNodes: [{ name: 'pg-1', ipAddresses: ['127.0.0.1'] }],
    clients: [{ name: 'verify' }],
  };
  const [bundle, other] = await Promise.all([createBundle(spec), createBundle(spec)]);
  return { bundle, other };
}

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
