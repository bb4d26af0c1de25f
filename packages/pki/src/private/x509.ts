import {
  createHash,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import forge from 'node-forge';
import { PkiError } from '../errors.js';
import { PrivateKey } from '../private-key.js';
import type { SubjectAltName } from './names.js';
import type { KeySpec } from './options.js';

/** How far notBefore is set in the past, so a peer whose clock runs behind still accepts a fresh certificate. */
export const BACKDATE_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface NameAttribute {
  readonly shortName: 'CN' | 'O' | 'OU';
  readonly value: string;
}

export interface BuildCertificate {
  readonly subject: readonly NameAttribute[] | forge.pki.CertificateField[];
  readonly issuer: readonly NameAttribute[] | forge.pki.CertificateField[];
  /** The key the certificate is for (its public half goes into the certificate). */
  readonly subjectKey: PrivateKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /**
   * forge extension objects. `{ name: 'subjectKeyIdentifier' }` gets the subject key id, and
   * `{ name: 'authorityKeyIdentifier', keyIdentifier: true }` the same id (self-signed), computed here.
   */
  readonly extensions: readonly object[];
  readonly signingKey: PrivateKey;
}

interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** Generates a key with Node's native (OpenSSL) generator on the libuv thread pool. */
export function generateKey(spec: KeySpec): Promise<PrivateKey> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: string, privateKey: string) => {
      if (error) {
        reject(
          new PkiError('IO_ERROR', `${spec.algorithm} key generation failed: ${error.message}`, {
            cause: error,
          }),
        );
      } else resolve(PrivateKey.fromTrustedPem(privateKey));
    };
    const encoding = {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    } as const;
    if (spec.algorithm === 'rsa') {
      generateKeyPair('rsa', { modulusLength: spec.bits, publicExponent: 0x10001, ...encoding }, done);
    } else {
      generateKeyPair('ec', { namedCurve: 'P-256', ...encoding }, done);
    }
  });
}

/** A random positive 127-bit serial number (hex), its DER encoding minimal (first byte 0x40..0x7f). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

const { asn1 } = forge;
const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** Index of `signature` and `subjectPublicKeyInfo` in a v3 TBSCertificate (version [0] present). */
const TBS_SIGNATURE = 2;
const TBS_SPKI = 6;

/**
 * The AlgorithmIdentifier of the signature the key makes: sha256WithRSAEncryption with NULL parameters
 * (RFC 4055), or ecdsa-with-SHA256 with the parameters absent (RFC 5758 section 3.2).
 */
function signatureAlgorithm(key: PrivateKey): forge.asn1.Asn1 {
  const rsa = key.algorithm === 'rsa';
  const oid = asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.OID,
    false,
    asn1.oidToDer(rsa ? OID_SHA256_WITH_RSA : OID_ECDSA_WITH_SHA256).getBytes(),
  );
  const parts = rsa ? [oid, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')] : [oid];
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, parts);
}

/**
 * forge encodes and parses RSA SubjectPublicKeyInfos only. It gets this stand-in (an RSA key of no use to
 * anyone), and the real SubjectPublicKeyInfo is put in its place in the ASN.1 (when building) or kept aside
 * (when parsing). Nothing reads the stand-in's value.
 */
function standInPublicKey(): forge.pki.rsa.PublicKey {
  const { BigInteger } = forge.jsbn;
  return forge.pki.setRsaPublicKey(new BigInteger('3'), new BigInteger('3'));
}

function toBinary(der: Buffer): string {
  return der.toString('binary');
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value (without the unused-bits byte). */
function subjectKeyIdOfSpki(spki: forge.asn1.Asn1): Buffer {
  const bitString = Array.isArray(spki.value) ? spki.value[1] : undefined;
  const contents = (bitString as { bitStringContents?: string } | undefined)?.bitStringContents;
  if (bitString?.type !== asn1.Type.BITSTRING || contents === undefined) {
    throw new Error('internal: SubjectPublicKeyInfo without a subjectPublicKey BIT STRING');
  }
  return createHash('sha1')
    .update(Buffer.from(contents.slice(1), 'binary'))
    .digest();
}

/**
 * Builds a certificate with node-forge and signs its TBSCertificate natively with `node:crypto` `sign`. The issuer's
 * key decides the signature: sha256WithRSAEncryption (the same PKCS#1 v1.5 bytes forge's `cert.sign` would make)
 * or ecdsa-with-SHA256 (DER ECDSA-Sig-Value). The subject's key may be RSA or P-256 either way.
 */
export function buildCertificate(spec: BuildCertificate): string {
  const spki = asn1.fromDer(
    toBinary(createPublicKey(spec.subjectKey.toKeyObject()).export({ type: 'spki', format: 'der' })),
  );
  const keyId = toBinary(subjectKeyIdOfSpki(spki));
  const cert = forge.pki.createCertificate();
  cert.publicKey = standInPublicKey();
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject.map(toForgeAttribute));
  cert.setIssuer(spec.issuer.map(toForgeAttribute));
  cert.setExtensions(
    spec.extensions.map((e) => {
      const ext = e as { name?: string; keyIdentifier?: unknown };
      if (ext.name === 'subjectKeyIdentifier') {
        return {
          name: ext.name,
          value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, keyId),
        };
      }
      if (ext.name === 'authorityKeyIdentifier' && ext.keyIdentifier === true)
        return { ...e, keyIdentifier: keyId };
      return { ...e };
    }),
  );
  // getTBSCertificate is public API of forge's x509 module but missing from @types/node-forge. It writes the
  // stand-in key and a sha256WithRSAEncryption AlgorithmIdentifier; both are replaced by the real ones.
  cert.siginfo.algorithmOid = OID_SHA256_WITH_RSA;
  const tbs = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  if (!Array.isArray(tbs.value) || tbs.value.length <= TBS_SPKI) throw new Error('internal: unexpected TBS');
  tbs.value[TBS_SIGNATURE] = signatureAlgorithm(spec.signingKey);
  tbs.value[TBS_SPKI] = spki;
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, spec.signingKey.toKeyObject());
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    signatureAlgorithm(spec.signingKey),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${toBinary(signature)}`),
  ]);
  const pem = forge.pem.encode({ type: 'CERTIFICATE', body: asn1.toDer(certificate).getBytes() });
  // forge writes CRLF line ends; every consumer accepts LF, and LF is what openssl and Node write.
  return pem.replace(/\r\n/g, '\n');
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * Copies an attribute for forge to encode. Values outside PrintableString's alphabet become UTF8String. forge
 * UTF-8-encodes UTF8String values when writing but hands them back undecoded when parsing, so parsed values
 * (an issuer copied from the CA certificate) are decoded first to keep the issuer bytes equal to the CA subject.
 */
function toForgeAttribute(a: NameAttribute | forge.pki.CertificateField): forge.pki.CertificateField {
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  if ('valueTagClass' in a && a.valueTagClass !== undefined) {
    return a.valueTagClass === utf8 ? { ...a, value: forge.util.decodeUtf8(String(a.value)) } : { ...a };
  }
  return PRINTABLE.test(String(a.value)) ? { ...a } : { ...a, valueTagClass: utf8 };
}

export function sanExtension(sans: readonly SubjectAltName[]): object {
  return {
    name: 'subjectAltName',
    altNames: sans.map((san) =>
      san.type === 'ip' ? { type: 7, ip: san.value } : { type: 2, value: san.value },
    ),
  };
}

/** A certificate read by forge (names, extensions) and by node:crypto (key, signature, fingerprint). */
export interface ParsedCertificate {
  /**
   * forge's view of names, validity and extensions. Its `publicKey` is a stand-in: never read it; the key is
   * `x509.publicKey`.
   */
  readonly forge: forge.pki.Certificate;
  readonly x509: X509Certificate;
  /** Subject key identifier, hex (lower case): from the extension, or computed by RFC 5280 method 1. */
  readonly subjectKeyId: string;
}

/**
 * Parses a PEM certificate with any public key type. node:crypto checks it and reads the key; forge reads the
 * rest, given a stand-in SubjectPublicKeyInfo because it parses RSA ones only. `item` names it in the error.
 */
export function parseCertificate(pem: string, item: string): ParsedCertificate {
  try {
    const x509 = new X509Certificate(pem);
    const root = asn1.fromDer(toBinary(x509.raw));
    const tbs = Array.isArray(root.value) ? root.value[0] : undefined;
    const hasVersion = Array.isArray(tbs?.value) && tbs.value[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC;
    const at = hasVersion ? TBS_SPKI : TBS_SPKI - 1;
    const spki = Array.isArray(tbs?.value) ? tbs.value[at] : undefined;
    if (!Array.isArray(tbs?.value) || spki === undefined) throw new Error('no SubjectPublicKeyInfo');
    tbs.value[at] = forge.pki.publicKeyToAsn1(standInPublicKey());
    const cert = forge.pki.certificateFromAsn1(root);
    const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
    const subjectKeyId = ext?.subjectKeyIdentifier?.toLowerCase() ?? subjectKeyIdOfSpki(spki).toString('hex');
    return { forge: cert, x509, subjectKeyId };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : 'unknown error';
    throw new PkiError(
      'CERT_UNREADABLE',
      `${item}: not a readable PEM X.509 certificate (${reason}). Provide a PEM certificate, or delete the file ` +
        'so it is issued again.',
      { item, cause },
    );
  }
}

/** SPKI DER of the certificate's public key (via node:crypto), for key matching. */
export function certificateSpki(pem: string, item: string): Buffer {
  try {
    return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  } catch (cause) {
    throw new PkiError(
      'CERT_UNREADABLE',
      `${item}: not a readable PEM certificate. Provide a PEM certificate, or delete the file so it is issued again.`,
      { item, cause },
    );
  }
}

export function keySpki(key: PrivateKey): Buffer {
  return createPublicKey(key.toKeyObject()).export({ type: 'spki', format: 'der' });
}
