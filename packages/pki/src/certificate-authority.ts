import type { Credential } from './credential.js';
import { PkiError, type PkiProblem } from './errors.js';
import type { KeyAlgorithm, KeyBits } from './key-algorithm.js';
import { checkDays } from './private/names.js';
import { checkDate, checkDnValue, checkGivenKey, checkKeySpec } from './private/options.js';
import { BACKDATE_MS, buildCertificate, DAY_MS, generateKey, type NameAttribute } from './private/x509.js';
import type { PrivateKey } from './private-key.js';

export interface CreateCaOptions {
  /** Common name of the CA, e.g. `pgha main CA`. */
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
  /** Days the CA certificate is valid, from now. */
  readonly validityDays: number;
  /**
   * Key to certify. Pass the existing CA key to renew a CA certificate without re-keying: certificates it issued
   * stay valid under the new CA certificate (same subject, same key, same key identifier).
   * @default - a new key of `keyAlgorithm` is generated
   */
  readonly key?: PrivateKey;
  /**
   * Kind of a new CA key: `rsa`, or `ecdsa-p256` (the CA then signs with ecdsa-with-SHA256). A CA of either kind
   * signs leaves of either kind. When `key` is given, leave it out (or give the key's own algorithm).
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

/**
 * Creates a self-signed CA: basicConstraints CA (critical, path length 0), keyUsage keyCertSign + cRLSign
 * (critical), subject and authority key identifiers, a random positive serial.
 * @throws PkiError `INVALID_SPEC` listing every invalid option.
 */
export async function createCa(options: CreateCaOptions): Promise<Credential> {
  const issues: PkiProblem[] = [];
  const commonName = checkDnValue(options.commonName, 'commonName', issues);
  const organization = checkDnValue(options.organization ?? 'pgha', 'organization', issues);
  const ou =
    options.organizationalUnit === undefined
      ? undefined
      : checkDnValue(options.organizationalUnit, 'organizationalUnit', issues);
  const days = checkDays(options.validityDays, 'validityDays', issues);
  const keySpec = checkKeySpec(options.keyAlgorithm, options.keyBits, '', issues);
  checkGivenKey(options.key, options.keyAlgorithm, '', issues);
  const now = checkDate(options.now, 'now', issues);
  if (issues.length > 0 || !commonName || !organization || !days || !keySpec || !now) {
    throw PkiError.fromProblems('CA options', issues);
  }
  const key = options.key ?? (await generateKey(keySpec));
  const subject: NameAttribute[] = [
    { shortName: 'CN', value: commonName },
    { shortName: 'O', value: organization },
  ];
  if (ou) subject.push({ shortName: 'OU', value: ou });
  const certPem = buildCertificate({
    subject,
    issuer: subject,
    subjectKey: key,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    extensions: caExtensions(),
    signingKey: key,
  });
  return { certPem, key };
}

export function caExtensions(): object[] {
  return [
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: true },
  ];
}
