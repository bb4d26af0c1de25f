import type { Credential } from './credential.js';
import type { IssueCertificateOptions } from './issue-certificate-options.js';
import { prepareCa, signLeaf, validateLeafOptions } from './private/leaf.js';
import { generateKey } from './private/x509.js';

/**
 * Issues a leaf certificate signed by `ca` (RSA or ECDSA P-256 CA; sha256WithRSAEncryption or ecdsa-with-SHA256
 * after the CA's key): keyUsage digitalSignature (critical; plus keyEncipherment for an RSA key), the given
 * extended key usages, SANs, subject and authority key identifiers, basicConstraints CA:false, a random positive
 * serial, notBefore one hour in the past.
 * @throws PkiError `INVALID_SPEC` (bad options), `KEY_CERT_MISMATCH` (the CA key is not the CA certificate's key),
 * `CERT_UNREADABLE` / `KEY_UNREADABLE` (the CA material cannot be parsed).
 */
export async function issueCertificate(
  ca: Credential,
  options: IssueCertificateOptions,
): Promise<Credential> {
  const leaf = validateLeafOptions(options);
  const prepared = prepareCa(ca); // fail on a broken CA before spending time on a key
  const key = options.key ?? (await generateKey(leaf.key));
  return signLeaf(prepared, leaf, key);
}
