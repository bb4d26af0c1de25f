import type { PrivateKey } from './private-key.js';

/**
 * A certificate and its private key. `JSON.stringify` and `console.log` show the certificate and a redacted key.
 */
export interface Credential {
  /** The certificate, PEM. */
  readonly certPem: string;
  /** The private key; `key.toPem()` gives the PEM text. */
  readonly key: PrivateKey;
}

/** Extended key usages this package issues. */
export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';
