import type { PatroniNodeUserDataContext } from '../user-data.js';

/** Fallback user-data until the `@pgha/userdata` renderer is wired in: a valid cloud-config, kept tiny. */
export function defaultPatroniUserData(ctx: PatroniNodeUserDataContext): string {
  return [
    '#cloud-config',
    'write_files:',
    '  - path: /etc/pgha/node.env',
    "    permissions: '0644'",
    '    content: |',
    `      PGHA_CLUSTER=${ctx.clusterName}`,
    `      PGHA_NODE=${ctx.nodeName}`,
    `      PGHA_TLS_SECRET=${ctx.tlsSecretName}`,
    `      PGHA_PASSWORDS_SECRET=${ctx.passwordsSecretName}`,
    '',
  ].join('\n');
}
