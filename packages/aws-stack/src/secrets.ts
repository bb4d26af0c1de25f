/** `pgha/main/etcd/etcd-1/tls` -> `secret_etcd_etcd_1_tls`: a Terraform and environment variable name. */
export function secretVariableName(clusterName: string, secretName: string): string {
  const prefix = `pgha/${clusterName}/`;
  if (!secretName.startsWith(prefix))
    throw new Error(`secret name ${secretName} is not under ${prefix} (a bug in pgha)`);
  return `secret_${secretName.slice(prefix.length).replace(/[^A-Za-z0-9]+/g, '_')}`;
}
