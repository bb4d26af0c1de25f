import { secretVariableName } from '@pgha/aws-stack';
import { Secret } from '@pgha/clients';
import type { Secrets } from '@pgha/local-cluster';
import type { StoredBundle } from '@pgha/pki';
import { type Cluster, patroniEnvironment } from '@pgha/userdata';

/**
 * One Secrets Manager secret the deploy fills, and the Terraform input variable that carries its value into
 * the write-only `secret_string_wo` attribute. The value is wrapped: it never shows in logs or JSON.
 */
export interface AwsSecretInput {
  /** The secret's name, as the constructs create it: `pgha/<cluster>/etcd/<member>/tls`, ... */
  readonly secretName: string;
  /** The Terraform variable (ephemeral, sensitive); Terraform reads it from `TF_VAR_<variable>`. */
  readonly variable: string;
  readonly value: Secret;
}

/** The names the constructs give their secrets (`EtcdClusterMember.tlsSecretName`, ...). */
export const awsSecretNames = {
  etcdTls: (cluster: string, member: string) => `pgha/${cluster}/etcd/${member}/tls`,
  patroniTls: (cluster: string, node: string) => `pgha/${cluster}/patroni/${node}/tls`,
  passwords: (cluster: string) => `pgha/${cluster}/patroni/passwords`,
} as const;

const tlsJson = (cert: string, key: string, ca: string): Secret =>
  new Secret(JSON.stringify({ cert, key, ca }));

/**
 * Every secret value of the cluster, in the JSON shapes the boot script's `write-secret` reads: per etcd
 * member and per Patroni node `{"cert", "key", "ca"}` (a node's one certificate is its REST certificate,
 * see `ensureAwsPki`), and the passwords as `{"superuserPassword", "replicationPassword", "rewindPassword",
 * "restApiUsername", "restApiPassword"}`.
 */
export function awsSecretInputs(cluster: Cluster, bundle: StoredBundle, secrets: Secrets): AwsSecretInput[] {
  const name = cluster.name;
  const ca = bundle.ca.certPem;
  const input = (secretName: string, value: Secret): AwsSecretInput => ({
    secretName,
    variable: secretVariableName(name, secretName),
    value,
  });
  const missing = (what: string): never => {
    throw new Error(`the PKI bundle has no certificate for ${what} (a bug in pgha)`);
  };
  const out: AwsSecretInput[] = [];
  for (const m of cluster.etcd.members) {
    const c = bundle.etcd[m.name] ?? missing(`etcd member ${m.name}`);
    out.push(input(awsSecretNames.etcdTls(name, m.name), tlsJson(c.certPem, c.key.toPem(), ca)));
  }
  for (const n of cluster.patroni.nodes) {
    const c = bundle.patroni[n.name]?.rest ?? missing(`Patroni node ${n.name}`);
    out.push(input(awsSecretNames.patroniTls(name, n.name), tlsJson(c.certPem, c.key.toPem(), ca)));
  }
  // patroniEnvironment checks the passwords the way the node will (printable ASCII, non-empty).
  const env = patroniEnvironment({
    superuserPassword: secrets.superuser.reveal(),
    replicationPassword: secrets.replication.reveal(),
    rewindPassword: secrets.rewind.reveal(),
    restApiPassword: secrets.restapi.reveal(),
  });
  const passwords = new Secret(
    JSON.stringify({
      superuserPassword: env.PATRONI_SUPERUSER_PASSWORD,
      replicationPassword: env.PATRONI_REPLICATION_PASSWORD,
      rewindPassword: env.PATRONI_REWIND_PASSWORD,
      restApiUsername: env.PATRONI_RESTAPI_USERNAME,
      restApiPassword: env.PATRONI_RESTAPI_PASSWORD,
    }),
  );
  out.push(input(awsSecretNames.passwords(name), passwords));
  return out;
}
