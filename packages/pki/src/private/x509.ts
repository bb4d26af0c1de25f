import { createPublicKey, generateKeyPair, randomBytes, sign, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { PkiError } from '../errors.js';
import { PrivateKey } from '../private-key.js';
import type { SubjectAltName } from './names.js';

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
  readonly publicKeyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly object[];
  readonly signingKey: PrivateKey;
}

interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** Generates an RSA key with Node's native (OpenSSL) generator on the libuv thread pool. */
export function generateRsaKey(bits: number): Promise<PrivateKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: bits,
        publicExponent: 0x10001,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, _publicKey, privateKey) => {
        if (error)
          reject(new PkiError('IO_ERROR', `RSA key generation failed: ${error.message}`, { cause: error }));
        else resolve(PrivateKey.fromTrustedPem(privateKey));
      },
    );
  });
}

/** A random positive 127-bit serial number (hex), its DER encoding minimal (first byte 0x40..0x7f). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/**
 * Builds a certificate with node-forge and signs its TBSCertificate with Node's native RSA (sha256WithRSAEncryption):
 * the same bytes forge's own `cert.sign` would produce, at native speed.
 */
export function buildCertificate(spec: BuildCertificate): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject.map(toForgeAttribute));
  cert.setIssuer(spec.issuer.map(toForgeAttribute));
  cert.setExtensions(spec.extensions.map((e) => ({ ...e })));
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  if (oid === undefined) throw new Error('node-forge lacks the sha256WithRSAEncryption OID');
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // getTBSCertificate is public API of forge's x509 module but missing from @types/node-forge.
  const tbs = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, spec.signingKey.toKeyObject());
  // forge's certificateToAsn1 reuses cert.tbsCertificate when set; the typings omit both fields.
  Object.assign(cert, { tbsCertificate: tbs, signature: signature.toString('binary') });
  // forge writes CRLF line ends; every consumer accepts LF, and LF is what openssl and Node write.
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
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

/** The subject key identifier of a certificate (hex, lower case), from its extension or computed like forge does. */
export function subjectKeyIdOf(cert: forge.pki.Certificate): string {
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  if (ext?.subjectKeyIdentifier) return ext.subjectKeyIdentifier.toLowerCase();
  return cert.generateSubjectKeyIdentifier().toHex();
}

/** Parses a PEM certificate with forge; `item` names it in the error. */
export function parseCertificate(pem: string, item: string): forge.pki.Certificate {
  try {
    return forge.pki.certificateFromPem(pem);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : 'unknown error';
    throw new PkiError(
      'CERT_UNREADABLE',
      `${item}: not a readable PEM RSA certificate (${reason}). Provide a PEM certificate with an RSA key, ` +
        'or delete the file so it is issued again.',
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
