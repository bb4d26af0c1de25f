import type { EtcdMemberUserDataContext } from '../user-data.js';

/**
 * Fallback user-data used until the `@pgha/userdata` renderer is wired in: a valid cloud-config that records
 * the member identity. Replaced by the real renderer; kept tiny on purpose.
 */
export function defaultEtcdUserData(ctx: EtcdMemberUserDataContext): string {
  return [
    '#cloud-config',
    'write_files:',
    '  - path: /etc/pgha/member.env',
    "    permissions: '0644'",
    '    content: |',
    `      PGHA_CLUSTER=${ctx.clusterName}`,
    `      PGHA_MEMBER=${ctx.memberName}`,
    `      PGHA_DNS_NAME=${ctx.memberDnsName}`,
    `      PGHA_TLS_SECRET=${ctx.tlsSecretName}`,
    '',
  ].join('\n');
}
