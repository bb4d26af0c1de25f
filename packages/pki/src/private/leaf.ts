import type forge from 'node-forge';
import type { Credential, ExtendedKeyUsage } from '../credential.js';
import { PkiError, type PkiProblem } from '../errors.js';
import type { IssueCertificateOptions } from '../issue-certificate-options.js';
import type { PrivateKey } from '../private-key.js';
import { checkDays, classifySubjectAltName, type SubjectAltName, show } from './names.js';
import { checkDate, checkDnValue, checkGivenKey, checkKeySpec, type KeySpec } from './options.js';
import {
  BACKDATE_MS,
  buildCertificate,
  certificateSpki,
  DAY_MS,
  keySpki,
  type NameAttribute,
  parseCertificate,
  sanExtension,
} from './x509.js';

export interface ValidLeaf {
  readonly subject: NameAttribute[];
  readonly sans: SubjectAltName[];
  readonly extendedKeyUsage: ExtendedKeyUsage[];
  readonly days: number;
  /** What a new key for this leaf should be (unused when the caller brings the key). */
  readonly key: KeySpec;
  readonly now: Date;
}

/** Validates `IssueCertificateOptions`; throws one error listing every broken rule. */
export function validateLeafOptions(options: IssueCertificateOptions, prefix = ''): ValidLeaf {
  const issues: PkiProblem[] = [];
  const p = (name: string) => `${prefix}${name}`;
  const cn = checkDnValue(options.commonName, p('commonName'), issues);
  const o = checkDnValue(options.organization ?? 'pgha', p('organization'), issues);
  const ou =
    options.organizationalUnit === undefined
      ? undefined
      : checkDnValue(options.organizationalUnit, p('organizationalUnit'), issues);
  const eku = Array.isArray(options.extendedKeyUsage) ? options.extendedKeyUsage : [];
  if (eku.length === 0 || eku.some((u) => u !== 'serverAuth' && u !== 'clientAuth')) {
    issues.push({
      code: 'INVALID_VALUE',
      path: p('extendedKeyUsage'),
      value: options.extendedKeyUsage,
      message: `${show(options.extendedKeyUsage)} is not a list of extended key usages; use ["serverAuth"], ["clientAuth"] or both`,
    });
  }
  const sans: SubjectAltName[] = [];
  for (const [i, value] of (options.subjectAltNames ?? []).entries()) {
    const san = classifySubjectAltName(value, p(`subjectAltNames[${i}]`), issues);
    if (san && !sans.some((s) => s.type === san.type && s.value === san.value)) sans.push(san);
  }
  const days = checkDays(options.validityDays, p('validityDays'), issues);
  const key = checkKeySpec(options.keyAlgorithm, options.keyBits, prefix, issues);
  checkGivenKey(options.key, options.keyAlgorithm, prefix, issues);
  const now = checkDate(options.now, p('now'), issues);
  if (issues.length > 0 || !cn || !o || !days || !key || !now) {
    throw PkiError.fromProblems('certificate options', issues);
  }
  const subject: NameAttribute[] = [
    { shortName: 'CN', value: cn },
    { shortName: 'O', value: o },
  ];
  if (ou) subject.push({ shortName: 'OU', value: ou });
  return { subject, sans, extendedKeyUsage: [...new Set(eku)], days, key, now };
}

/** A CA checked and parsed once, for signing many leaves. */
export interface PreparedCa {
  readonly credential: Credential;
  readonly subject: forge.pki.CertificateField[];
  readonly keyIdBinary: string;
  readonly notAfter: Date;
}

/** Parses the CA once and checks that its key belongs to its certificate. */
export function prepareCa(ca: Credential): PreparedCa {
  const caCert = parseCertificate(ca.certPem, 'CA certificate');
  if (!keySpki(ca.key).equals(certificateSpki(ca.certPem, 'CA certificate'))) {
    throw new PkiError(
      'KEY_CERT_MISMATCH',
      'CA key does not belong to the CA certificate; pass the key the CA certificate was made for.',
      { item: 'CA' },
    );
  }
  return {
    credential: ca,
    subject: caCert.forge.subject.attributes,
    keyIdBinary: Buffer.from(caCert.subjectKeyId, 'hex').toString('binary'),
    notAfter: caCert.forge.validity.notAfter,
  };
}

/** Signs an already validated leaf for `key`. */
export function signLeaf(ca: Credential | PreparedCa, leaf: ValidLeaf, key: PrivateKey): Credential {
  const prepared = 'keyIdBinary' in ca ? ca : prepareCa(ca);
  const notBefore = new Date(leaf.now.getTime() - BACKDATE_MS);
  const wanted = leaf.now.getTime() + leaf.days * DAY_MS;
  const notAfter = new Date(Math.min(wanted, prepared.notAfter.getTime()));
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    // RSA keys also encipher (TLS 1.2 RSA key exchange); RFC 5480 forbids keyEncipherment for EC keys.
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: key.algorithm === 'rsa', critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: leaf.extendedKeyUsage.includes('serverAuth'),
      clientAuth: leaf.extendedKeyUsage.includes('clientAuth'),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: prepared.keyIdBinary },
  ];
  if (leaf.sans.length > 0) extensions.push(sanExtension(leaf.sans));
  const certPem = buildCertificate({
    subject: leaf.subject,
    issuer: prepared.subject,
    subjectKey: key,
    notBefore,
    notAfter,
    extensions,
    signingKey: prepared.credential.key,
  });
  return { certPem, key };
}
