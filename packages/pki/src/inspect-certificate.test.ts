import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type Credential,
  createCa,
  inspectCertificate,
  isPkiError,
  issueCertificate,
  keyMatchesCertificate,
  verifyChain,
} from './index.js';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2027-01-15T08:00:00Z');
let ca: Credential;
let leaf: Credential;
/** A P-256 CA, a P-256 leaf it signed, and a P-256 leaf the RSA CA signed. */
let ecCa: Credential;
let ecLeaf: Credential;
let ecLeafOfRsaCa: Credential;

beforeAll(async () => {
  ca = await createCa({ commonName: 'Test CA', organizationalUnit: 'ops', validityDays: 365, now });
  leaf = await issueCertificate(ca, {
    commonName: 'db_1 émigré', // outside PrintableString: encoded as UTF8String
    extendedKeyUsage: ['serverAuth'],
    subjectAltNames: ['db.example.com', '10.0.0.5', '2001:db8:0:0:0:0:0:1', '*.db.example.com'],
    validityDays: 90,
    now,
  });
  ecCa = await createCa({ commonName: 'EC CA', validityDays: 365, keyAlgorithm: 'ecdsa-p256', now });
  ecLeaf = await issueCertificate(ecCa, {
    commonName: 'pg-1',
    extendedKeyUsage: ['serverAuth', 'clientAuth'],
    subjectAltNames: ['127.0.20.1', 'pg-1.example'],
    validityDays: 90,
    keyAlgorithm: 'ecdsa-p256',
    now,
  });
  ecLeafOfRsaCa = await issueCertificate(ca, {
    commonName: 'pg-2',
    extendedKeyUsage: ['clientAuth'],
    validityDays: 90,
    keyAlgorithm: 'ecdsa-p256',
    now,
  });
});

describe('inspectCertificate', () => {
  test('reports subject, issuer, SANs, validity, usages; node:crypto agrees', () => {
    const info = inspectCertificate(leaf.certPem, { now: new Date(now.getTime() + 10 * DAY) });
    const x = new X509Certificate(leaf.certPem);
    expect(info.subject).toBe('CN=db_1 émigré, O=pgha');
    expect(x.subject).toBe('CN=db_1 émigré\nO=pgha');
    expect(info.issuer).toBe('CN=Test CA, O=pgha, OU=ops');
    expect(x.issuer.split('\n').join(', ')).toBe(info.issuer);
    expect(info.dnsNames).toEqual(['db.example.com', '*.db.example.com']);
    expect(info.ipAddresses).toEqual(['10.0.0.5', '2001:db8::1']);
    expect(x.subjectAltName).toBe(
      'DNS:db.example.com, IP Address:10.0.0.5, IP Address:2001:DB8:0:0:0:0:0:1, DNS:*.db.example.com',
    );
    expect(info.notBefore.getTime()).toBe(Date.parse(x.validFrom));
    expect(info.notAfter.getTime()).toBe(Date.parse(x.validTo));
    expect(info.daysLeft).toBe(80);
    expect(info.expired).toBe(false);
    expect(info.isCa).toBe(false);
    expect(info.keyUsage).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(info.extendedKeyUsage).toEqual(['serverAuth']);
    expect(info.serialNumber.toUpperCase()).toBe(x.serialNumber);
    expect(info.fingerprintSha256).toBe(x.fingerprint256);
    expect(info.keyBits).toBe(2048);
    expect(info.keyType).toBe('rsa-2048');
    expect(info.keyAlgorithm).toBe('rsa');
  });

  test('an ECDSA P-256 certificate: key, usages, SANs and key ids; node:crypto agrees', () => {
    const info = inspectCertificate(ecLeaf.certPem, { now });
    const x = new X509Certificate(ecLeaf.certPem);
    expect(x.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(info).toMatchObject({
      subject: 'CN=pg-1, O=pgha',
      issuer: 'CN=EC CA, O=pgha',
      keyAlgorithm: 'ecdsa-p256',
      keyType: 'ecdsa-p256',
      keyBits: 256,
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      ipAddresses: ['127.0.20.1'],
      dnsNames: ['pg-1.example'],
      isCa: false,
      daysLeft: 90,
      authorityKeyId: inspectCertificate(ecCa.certPem).subjectKeyId,
      fingerprintSha256: x.fingerprint256,
      notAfter: new Date(x.validTo),
    });
    expect(info.serialNumber.toUpperCase()).toBe(x.serialNumber);
    expect(info.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(info.subjectKeyId).not.toBe(info.authorityKeyId);
    expect(inspectCertificate(ecCa.certPem)).toMatchObject({
      isCa: true,
      keyAlgorithm: 'ecdsa-p256',
      keyUsage: ['keyCertSign', 'cRLSign'],
    });
  });

  test('after notAfter: expired and negative days left', () => {
    const info = inspectCertificate(leaf.certPem, { now: new Date(now.getTime() + 100 * DAY) });
    expect(info.expired).toBe(true);
    expect(info.daysLeft).toBe(-10);
  });

  test('garbage is CERT_UNREADABLE', () => {
    try {
      inspectCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      expect.unreachable('garbage was parsed');
    } catch (error) {
      expect(isPkiError(error) && error.code).toBe('CERT_UNREADABLE');
    }
  });
});

describe('verifyChain', () => {
  test('valid for a certificate the CA issued, within its validity', () => {
    expect(verifyChain(leaf.certPem, ca.certPem, { now })).toEqual({ valid: true, problems: [] });
  });

  test('invalid against another CA with the same name (signature) and with another name (issuer)', async () => {
    const twin = await createCa({ commonName: 'Test CA', organizationalUnit: 'ops', validityDays: 365, now });
    const twinResult = verifyChain(leaf.certPem, twin.certPem, { now });
    expect(twinResult.valid).toBe(false);
    expect(twinResult.problems).toContain('the signature does not verify with the CA public key');
    const other = await createCa({ commonName: 'Other CA', validityDays: 365, key: twin.key, now });
    expect(verifyChain(leaf.certPem, other.certPem, { now }).problems[0]).toMatch(/^the issuer \(CN=Test CA/);
  });

  test('invalid before notBefore and after notAfter; a leaf is no CA', () => {
    expect(
      verifyChain(leaf.certPem, ca.certPem, { now: new Date(now.getTime() - 2 * 60 * 60 * 1000) }).problems,
    ).toEqual([
      expect.stringMatching(/^the certificate is not valid before /),
      expect.stringMatching(/^the CA certificate is not valid before /),
    ]);
    expect(
      verifyChain(leaf.certPem, ca.certPem, { now: new Date(now.getTime() + 91 * DAY) }).problems,
    ).toEqual([expect.stringMatching(/^the certificate expired on /)]);
    expect(verifyChain(leaf.certPem, leaf.certPem, { now }).problems).toContain(
      'the CA certificate is not a CA (basicConstraints CA:true missing)',
    );
  });
});

describe('verifyChain across key kinds', () => {
  test('P-256 leaves verify against their CA, RSA or P-256; not against the other CA', () => {
    const ok = { valid: true, problems: [] };
    expect(verifyChain(ecLeaf.certPem, ecCa.certPem, { now })).toEqual(ok);
    expect(verifyChain(ecLeafOfRsaCa.certPem, ca.certPem, { now })).toEqual(ok);
    const wrong = verifyChain(ecLeafOfRsaCa.certPem, ecCa.certPem, { now });
    expect(wrong.valid).toBe(false);
    expect(wrong.problems).toContain('the signature does not verify with the CA public key');
    expect(verifyChain(ecLeaf.certPem, ca.certPem, { now }).valid).toBe(false);
  });

  test('node:crypto agrees: checkIssued and verify with the CA public key', () => {
    for (const [certPem, caPem] of [
      [ecLeaf.certPem, ecCa.certPem],
      [ecLeafOfRsaCa.certPem, ca.certPem],
    ] as const) {
      const cert = new X509Certificate(certPem);
      const issuer = new X509Certificate(caPem);
      expect(cert.checkIssued(issuer)).toBe(true);
      expect(cert.verify(issuer.publicKey)).toBe(true);
    }
  });
});

describe('keyMatchesCertificate', () => {
  test('across key kinds: true only for the pair', () => {
    expect(keyMatchesCertificate(ecLeaf.key, ecLeaf.certPem)).toBe(true);
    expect(keyMatchesCertificate(ecLeaf.key.toPem(), ecLeaf.certPem)).toBe(true);
    expect(keyMatchesCertificate(ecLeafOfRsaCa.key, ecLeafOfRsaCa.certPem)).toBe(true);
    expect(keyMatchesCertificate(ecCa.key, ecLeaf.certPem)).toBe(false); // both P-256
    expect(keyMatchesCertificate(ecLeaf.key, leaf.certPem)).toBe(false); // P-256 key, RSA certificate
    expect(keyMatchesCertificate(leaf.key, ecLeaf.certPem)).toBe(false); // RSA key, P-256 certificate
  });

  test('true for the pair, false for another key; accepts PEM text too', () => {
    expect(keyMatchesCertificate(leaf.key, leaf.certPem)).toBe(true);
    expect(keyMatchesCertificate(leaf.key.toPem(), leaf.certPem)).toBe(true);
    expect(keyMatchesCertificate(ca.key, leaf.certPem)).toBe(false);
  });

  test('an unreadable key is KEY_UNREADABLE, and the message holds no key material', () => {
    const broken = leaf.key.toPem().replace(/[A-Za-z]{10}/, 'xxxxxxxxxx');
    try {
      keyMatchesCertificate(broken, leaf.certPem);
      expect.unreachable('a broken key was parsed');
    } catch (error) {
      expect(isPkiError(error) && error.code).toBe('KEY_UNREADABLE');
      const body = broken.split('\n')[2] ?? 'missing';
      expect(String(error)).not.toContain(body);
      expect(String((error as Error).cause)).not.toContain(body);
    }
  });
});

describe('issueCertificate', () => {
  test('reuses a given key (renewal) and caps notAfter at the CA notAfter', async () => {
    const renewed = await issueCertificate(ca, {
      commonName: 'x',
      extendedKeyUsage: ['clientAuth'],
      validityDays: 1000,
      key: leaf.key,
      now,
    });
    expect(renewed.key).toBe(leaf.key);
    expect(keyMatchesCertificate(leaf.key, renewed.certPem)).toBe(true);
    expect(inspectCertificate(renewed.certPem).notAfter).toEqual(inspectCertificate(ca.certPem).notAfter);
  });

  test('refuses a CA whose key is not the CA certificate key', async () => {
    await expect(
      issueCertificate(
        { certPem: ca.certPem, key: leaf.key },
        { commonName: 'x', extendedKeyUsage: ['clientAuth'], validityDays: 1 },
      ),
    ).rejects.toMatchObject({ code: 'KEY_CERT_MISMATCH' });
  });
});
