import { join } from 'node:path';
import { type BundleSpec, ensureBundle, inspectCertificate, isPkiError, verifyChain } from '@pgha/pki';

/** Makes (or brings up to date) the TLS material of a local 3 + 3 cluster under `stateDir/pki`. */
export async function preparePki(stateDir: string) {
  const spec: BundleSpec = {
    clusterName: 'main',
    caValidityDays: 3650,
    validityDays: 825,
    renewWithinDays: 30,
    etcdMembers: [1, 2, 3].map((i) => ({
      name: `etcd-${i}`,
      ipAddresses: [`127.0.10.${i}`, '127.0.0.1'], // loopback peers dial from 127.0.0.1
    })),
    patroniNodes: [1, 2, 3].map((i) => ({ name: `pg-${i}`, ipAddresses: [`127.0.20.${i}`] })),
    postgresServiceAddresses: { ipAddresses: ['127.0.30.1'] }, // HAProxy: verify-full works through it
    clients: [{ name: 'verify' }, { name: 'operator' }],
  };

  try {
    const { bundle, changes } = await ensureBundle(join(stateDir, 'pki'), spec);
    for (const change of changes.filter((c) => c.action !== 'kept')) {
      console.log(`${change.id}: ${change.action} (${change.reason}) ${change.detail}`);
    }

    // Paths for the etcd-1 configuration and for Patroni on pg-1.
    const etcd1 = bundle.paths.etcd['etcd-1'];
    const pg1 = bundle.paths.patroni['pg-1'];
    if (!etcd1 || !pg1) throw new Error('spec and bundle disagree');
    const etcdConfig = {
      'trusted-ca-file': bundle.paths.ca.cert,
      'cert-file': etcd1.cert,
      'key-file': etcd1.key,
      'peer-trusted-ca-file': bundle.paths.ca.cert,
      'peer-cert-file': etcd1.cert,
      'peer-key-file': etcd1.key,
      'client-cert-auth': true,
      'peer-client-cert-auth': true,
    };
    const patroniEtcd3 = { cacert: bundle.paths.ca.cert, cert: pg1.etcdClient.cert, key: pg1.etcdClient.key };

    // Inspection: what a smoke test's tls.expiry check needs.
    const info = inspectCertificate(bundle.etcd['etcd-1']?.certPem ?? '');
    console.log(`${info.subject}: ${info.ipAddresses.join(', ')}; ${info.daysLeft} days left`);
    console.log(verifyChain(bundle.clients.verify?.certPem ?? '', bundle.ca.certPem)); // { valid: true, problems: [] }

    return { etcdConfig, patroniEtcd3, bundle };
  } catch (error) {
    // A typed error with a stable code, naming the file or field and the fix; never key material.
    if (isPkiError(error)) console.error(`pki: ${error.code}: ${error.message}`);
    throw error;
  }
}
