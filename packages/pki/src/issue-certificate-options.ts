import type { ExtendedKeyUsage } from './credential.js';
import type { KeyAlgorithm, KeyBits } from './key-algorithm.js';
import type { PrivateKey } from './private-key.js';

/** What `issueCertificate` should make: the leaf's subject, usages, names, validity and key. */
export interface IssueCertificateOptions {
  /** Common name (CN) of the subject, e.g. the node name `etcd-1`. */
  readonly commonName: string;
  /**
   * Organization (O) in the subject.
   * @default 'pgha'
   */
  readonly organization?: string;
  /**
   * Organizational unit (OU) in the subject, e.g. the cluster name.
   * @default - no OU
   */
  readonly organizationalUnit?: string;
  /** Extended key usages, at least one: `serverAuth`, `clientAuth` or both. */
  readonly extendedKeyUsage: readonly ExtendedKeyUsage[];
  /**
   * Subject alternative names. The type comes from the value: a literal IPv4/IPv6 address becomes an IP SAN,
   * anything else must be a valid DNS name (a leftmost `*.` wildcard label is allowed).
   * @default - no SANs (fine for client certificates)
   */
  readonly subjectAltNames?: readonly string[];
  /** Days the certificate is valid, from now (capped at the CA certificate's notAfter). */
  readonly validityDays: number;
  /**
   * Key to certify (RSA or ECDSA P-256); pass the current key to renew without re-keying.
   * @default - a new key of `keyAlgorithm` is generated
   */
  readonly key?: PrivateKey;
  /**
   * Kind of a new key: `rsa`, or `ecdsa-p256` (ECDSA on P-256, generated in well under a millisecond). The
   * certificate's signature algorithm follows the CA's key, not this. When `key` is given, leave it out (or
   * give the key's own algorithm).
   * @default 'rsa'
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * RSA key size for a new RSA key. Only with `keyAlgorithm` `rsa`: given with `ecdsa-p256` it is an error.
   * @default 2048
   */
  readonly keyBits?: KeyBits;
  /**
   * The time "now" (validity starts one hour before it, for clock skew).
   * @default - the current time
   */
  readonly now?: Date;
}
