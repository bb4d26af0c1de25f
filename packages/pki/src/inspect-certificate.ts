import { createHash, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { ExtendedKeyUsage } from './credential.js';
import { PkiError } from './errors.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { keyAlgorithmOf, keyBitsOf, keyTypeOf } from './private/key-type.js';
import { canonicalIp } from './private/names.js';
import { certificateSpki, DAY_MS, keySpki, parseCertificate } from './private/x509.js';
import { PrivateKey } from './private-key.js';

/** Key usage bits (RFC 5280 names). */
export type KeyUsage =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGES: readonly KeyUsage[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

const EXTENDED_KEY_USAGES = [
  'serverAuth',
  'clientAuth',
  'codeSigning',
  'emailProtection',
  'timeStamping',
] as const;

/** What a certificate says, as plain data (safe to log and serialize; a certificate holds no secret). */
export interface CertificateInfo {
  /** Subject as `CN=etcd-1, O=pgha, OU=main`. */
  readonly subject: string;
  readonly commonName: string | undefined;
  /** Issuer, same format as `subject`. */
  readonly issuer: string;
  /** Serial number, hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Whole days until notAfter, from `now` (negative once expired). */
  readonly daysLeft: number;
  readonly expired: boolean;
  readonly dnsNames: readonly string[];
  /** IP SANs, canonical text (IPv6 compressed). */
  readonly ipAddresses: readonly string[];
  /** basicConstraints CA:true. */
  readonly isCa: boolean;
  readonly keyUsage: readonly KeyUsage[];
  /** Named extended key usages (`serverAuth`, `clientAuth`, ...); unknown ones as their OID. */
  readonly extendedKeyUsage: readonly (ExtendedKeyUsage | string)[];
  /** Subject key identifier, hex. */
  readonly subjectKeyId: string;
  /** Authority key identifier, hex, when present. */
  readonly authorityKeyId: string | undefined;
  /**
   * `rsa` or `ecdsa-p256` for the kinds of key this package makes; undefined for any other (see `keyType`).
   */
  readonly keyAlgorithm: KeyAlgorithm | undefined;
  /** The public key, named: `rsa-2048`, `rsa-4096`, `ecdsa-p256`, `ecdsa-p384`, `ed25519`, ... */
  readonly keyType: string;
  /**
   * Key size in bits: the RSA modulus length, or the size of an EC key's curve (256 for P-256, 384, 521); 0 for
   * other kinds (Ed25519, unnamed curves).
   */
  readonly keyBits: number;
  /** SHA-256 of the DER certificate, hex with colons (as `openssl x509 -fingerprint -sha256`). */
  readonly fingerprintSha256: string;
}

export interface TimeOptions {
  /**
   * The time to judge validity at.
   * @default - the current time
   */
  readonly now?: Date;
}

/**
 * Reads a PEM certificate (any key type: RSA, ECDSA, ...).
 * @throws PkiError `CERT_UNREADABLE`
 */
export function inspectCertificate(certPem: string, options: TimeOptions = {}): CertificateInfo {
  const parsed = parseCertificate(certPem, 'certificate');
  const cert = parsed.forge;
  const publicKey = parsed.x509.publicKey;
  const now = options.now ?? new Date();
  const ext = (name: string) => cert.getExtension(name) as Record<string, unknown> | null;
  const san = ext('subjectAltName') as { altNames?: { type: number; value: string; ip?: string }[] } | null;
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const alt of san?.altNames ?? []) {
    if (alt.type === 2) dnsNames.push(alt.value);
    if (alt.type === 7 && alt.ip) ipAddresses.push(canonicalIp(alt.ip) ?? alt.ip);
  }
  const ku = ext('keyUsage');
  const eku = ext('extKeyUsage');
  const extendedKeyUsage: string[] = [];
  for (const key of Object.keys(eku ?? {})) {
    if ((EXTENDED_KEY_USAGES as readonly string[]).includes(key) && eku?.[key] === true)
      extendedKeyUsage.push(key);
    else if (/^[0-9]+(\.[0-9]+)+$/.test(key) && eku?.[key] === true) extendedKeyUsage.push(key);
  }
  const bc = ext('basicConstraints');
  const notAfter = cert.validity.notAfter;
  return {
    subject: formatName(cert.subject.attributes),
    commonName: commonNameOf(cert),
    issuer: formatName(cert.issuer.attributes),
    serialNumber: cert.serialNumber,
    notBefore: cert.validity.notBefore,
    notAfter,
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    expired: notAfter.getTime() < now.getTime(),
    dnsNames,
    ipAddresses,
    isCa: bc?.cA === true,
    keyUsage: KEY_USAGES.filter((name) => ku?.[name] === true),
    extendedKeyUsage,
    subjectKeyId: parsed.subjectKeyId,
    authorityKeyId: authorityKeyIdOf(cert),
    keyAlgorithm: keyAlgorithmOf(publicKey),
    keyType: keyTypeOf(publicKey),
    keyBits: keyBitsOf(publicKey),
    fingerprintSha256: createHash('sha256')
      .update(parsed.x509.raw)
      .digest('hex')
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1:'),
  };
}

/** Result of `verifyChain`. */
export interface ChainVerification {
  readonly valid: boolean;
  /** Why it is not valid (empty when valid). */
  readonly problems: readonly string[];
}

/**
 * Checks that `certPem` was issued by the CA in `caPem`: the CA is a CA, issuer name and key identifier match,
 * the signature verifies with the CA key, and both are within their validity period at `now`.
 * @throws PkiError `CERT_UNREADABLE` when either PEM cannot be parsed.
 */
export function verifyChain(certPem: string, caPem: string, options: TimeOptions = {}): ChainVerification {
  const leaf = x509(certPem, 'certificate');
  const ca = x509(caPem, 'CA certificate');
  const now = (options.now ?? new Date()).getTime();
  const problems: string[] = [];
  if (!ca.ca) problems.push('the CA certificate is not a CA (basicConstraints CA:true missing)');
  if (!leaf.checkIssued(ca)) {
    problems.push(
      `the issuer (${oneLine(leaf.issuer)}) is not the CA (${oneLine(ca.subject)}) or key ids differ`,
    );
  }
  if (!leaf.verify(ca.publicKey)) problems.push('the signature does not verify with the CA public key');
  for (const [what, cert] of [
    ['certificate', leaf],
    ['CA certificate', ca],
  ] as const) {
    if (now < Date.parse(cert.validFrom)) problems.push(`the ${what} is not valid before ${cert.validFrom}`);
    if (now > Date.parse(cert.validTo)) problems.push(`the ${what} expired on ${cert.validTo}`);
  }
  return { valid: problems.length === 0, problems };
}

/**
 * True when the private key belongs to the certificate (same public key).
 * @throws PkiError `KEY_UNREADABLE` / `CERT_UNREADABLE`
 */
export function keyMatchesCertificate(key: PrivateKey | string, certPem: string): boolean {
  const privateKey = typeof key === 'string' ? PrivateKey.fromPem(key) : key;
  return keySpki(privateKey).equals(certificateSpki(certPem, 'certificate'));
}

function commonNameOf(cert: forge.pki.Certificate): string | undefined {
  const field = cert.subject.getField('CN') as forge.pki.CertificateField | null;
  return field ? attributeText(field) : undefined;
}

function x509(pem: string, item: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new PkiError('CERT_UNREADABLE', `${item}: not a readable PEM certificate; pass the PEM text.`, {
      item,
      cause,
    });
  }
}

function formatName(attributes: forge.pki.CertificateField[]): string {
  return attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${attributeText(a)}`).join(', ');
}

/** forge hands UTF8String values over as their UTF-8 bytes. */
function attributeText(a: forge.pki.CertificateField): string {
  const value = String(a.value);
  if ((a.valueTagClass as unknown) !== forge.asn1.Type.UTF8) return value;
  try {
    return forge.util.decodeUtf8(value);
  } catch {
    return value;
  }
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

function authorityKeyIdOf(cert: forge.pki.Certificate): string | undefined {
  const ext = cert.getExtension('authorityKeyIdentifier') as { value?: string } | null;
  if (!ext?.value) return undefined;
  const seq = forge.asn1.fromDer(ext.value);
  const parts = Array.isArray(seq.value) ? seq.value : [];
  const keyId = parts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0);
  return typeof keyId?.value === 'string' ? forge.util.bytesToHex(keyId.value) : undefined;
}
