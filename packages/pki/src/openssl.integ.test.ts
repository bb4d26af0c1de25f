import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleWithKeys, must, tempDir } from '../test/fixtures.js';
import { openssl, textSection } from '../test/openssl.js';
import {
  type CredentialPaths,
  createCa,
  inspectCertificate,
  type KeyAlgorithm,
  type StoredBundle,
} from './index.js';

// Cross-checks with the openssl CLI (an independent implementation) what ensureBundle wrote to disk: RSA, ECDSA
// P-256, and bundles whose CA key is of the other kind than the leaves' keys (a bundle whose keyAlgorithm changed).

interface Expected {
  readonly id: string;
  readonly paths: (bundle: StoredBundle) => CredentialPaths;
  readonly eku: string;
  readonly sans: string | undefined;
  readonly purposes: { readonly sslserver: boolean; readonly sslclient: boolean };
}

const SERVER = 'TLS Web Server Authentication';
const CLIENT = 'TLS Web Client Authentication';
const expected: Expected[] = [
  {
    id: 'etcd.etcd-1',
    paths: (b) => must(b.paths.etcd['etcd-1'], 'etcd-1'),
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.10.1, IP Address:127.0.0.1',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'etcd.etcd-2',
    paths: (b) => must(b.paths.etcd['etcd-2'], 'etcd-2'),
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.10.2, IP Address:127.0.0.1',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'patroni.pg-1.etcdClient',
    paths: (b) => must(b.paths.patroni['pg-1'], 'pg-1').etcdClient,
    eku: CLIENT,
    sans: undefined,
    purposes: { sslserver: false, sslclient: true },
  },
  {
    id: 'patroni.pg-1.postgres',
    paths: (b) => must(b.paths.patroni['pg-1'], 'pg-1').postgres,
    eku: SERVER,
    sans: 'IP Address:127.0.20.1, IP Address:127.0.30.1',
    purposes: { sslserver: true, sslclient: false },
  },
  {
    id: 'patroni.pg-1.rest',
    paths: (b) => must(b.paths.patroni['pg-1'], 'pg-1').rest,
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.20.1',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'patroni.pg-2.etcdClient',
    paths: (b) => must(b.paths.patroni['pg-2'], 'pg-2').etcdClient,
    eku: CLIENT,
    sans: undefined,
    purposes: { sslserver: false, sslclient: true },
  },
  {
    id: 'patroni.pg-2.postgres',
    paths: (b) => must(b.paths.patroni['pg-2'], 'pg-2').postgres,
    eku: SERVER,
    sans: 'IP Address:127.0.20.2, DNS:pg-2.db.internal, IP Address:127.0.30.1',
    purposes: { sslserver: true, sslclient: false },
  },
  {
    id: 'patroni.pg-2.rest',
    paths: (b) => must(b.paths.patroni['pg-2'], 'pg-2').rest,
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.20.2, DNS:pg-2.db.internal',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'clients.verify',
    paths: (b) => must(b.paths.clients.verify, 'verify'),
    eku: CLIENT,
    sans: undefined,
    purposes: { sslserver: false, sslclient: true },
  },
];

/** How openssl names what a key of each kind puts into a certificate. */
const OPENSSL_NAMES: Readonly<
  Record<KeyAlgorithm, { publicKey: string; curve: string | undefined; signature: string; leafUsage: string }>
> = {
  rsa: {
    publicKey: 'rsaEncryption',
    curve: undefined,
    signature: 'sha256WithRSAEncryption',
    leafUsage: 'Digital Signature, Key Encipherment',
  },
  'ecdsa-p256': {
    publicKey: 'id-ecPublicKey',
    curve: 'prime256v1',
    signature: 'ecdsa-with-SHA256',
    leafUsage: 'Digital Signature',
  },
};

const variants: { name: string; ca: KeyAlgorithm; leaves: KeyAlgorithm }[] = [
  { name: 'RSA', ca: 'rsa', leaves: 'rsa' },
  { name: 'ECDSA P-256', ca: 'ecdsa-p256', leaves: 'ecdsa-p256' },
  { name: 'ECDSA P-256 leaves under an RSA CA', ca: 'rsa', leaves: 'ecdsa-p256' },
  { name: 'RSA leaves under an ECDSA P-256 CA', ca: 'ecdsa-p256', leaves: 'rsa' },
];

/** What `openssl x509 -text` says about the key and the signature of a certificate. */
function keyAndSignature(text: string) {
  return {
    publicKey: /Public Key Algorithm: (\S+)/.exec(text)?.[1],
    curve: /ASN1 OID: (\S+)/.exec(text)?.[1],
    // Printed twice: the TBSCertificate's signature field and the outer signatureAlgorithm.
    signatures: [...text.matchAll(/Signature Algorithm: (\S+)/g)].map((m) => m[1]),
  };
}

/**
 * The signature AlgorithmIdentifiers in `openssl asn1parse` output: per occurrence, the algorithm and whether
 * NULL parameters follow it (RFC 4055 wants them for RSA, RFC 5758 forbids them for ECDSA).
 */
function signatureAlgorithmIds(asn1parse: string): { name: string; nullParameters: boolean }[] {
  const lines = asn1parse.split('\n');
  const out: { name: string; nullParameters: boolean }[] = [];
  for (const [i, line] of lines.entries()) {
    const name = /prim:\s+OBJECT\s+:(sha256WithRSAEncryption|ecdsa-with-SHA256)$/.exec(line.trim())?.[1];
    const depth = /d=(\d+)/.exec(line)?.[1];
    if (!name || !depth) continue;
    const next = lines[i + 1] ?? '';
    out.push({ name, nullParameters: next.includes(`d=${depth} `) && /prim:\s+NULL/.test(next) });
  }
  return out;
}

for (const variant of variants) {
  const names = { ca: OPENSSL_NAMES[variant.ca], leaf: OPENSSL_NAMES[variant.leaves] };
  describe(`openssl cross-check: ${variant.name}`, () => {
    let bundle: StoredBundle;
    let otherCa: string;
    let work: string;
    let cleanup: () => Promise<void>;
    const p = () => bundle.paths;

    /** The subject key id openssl computes (`subjectKeyIdentifier=hash`) for a certificate of this key. */
    async function opensslKeyId(keyFile: string): Promise<string | undefined> {
      const out = join(work, `ski-${Math.random().toString(36).slice(2)}.crt`);
      const made = await openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile,
        '-subj',
        '/CN=ski',
        '-days',
        '1',
        '-out',
        out,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const { stdout } = await openssl(['x509', '-in', out, '-noout', '-text']);
      return textSection(stdout, 'X509v3 Subject Key Identifier')?.value;
    }

    /** Key, curve and signature algorithm as `openssl x509 -text` and `asn1parse` show them. */
    async function expectKeyAndSignature(cert: string, key: (typeof names)['ca']): Promise<string> {
      const { stdout: text } = await openssl(['x509', '-in', cert, '-noout', '-text']);
      expect(keyAndSignature(text)).toEqual({
        publicKey: key.publicKey,
        curve: key.curve,
        signatures: [names.ca.signature, names.ca.signature],
      });
      const parsed = await openssl(['asn1parse', '-in', cert, '-i']);
      const nullParameters = names.ca.signature === 'sha256WithRSAEncryption';
      expect(signatureAlgorithmIds(parsed.stdout)).toEqual([
        { name: names.ca.signature, nullParameters },
        { name: names.ca.signature, nullParameters },
      ]);
      return text;
    }

    beforeAll(async () => {
      const tmp = await tempDir();
      cleanup = tmp.cleanup;
      work = tmp.dir;
      bundle = await bundleWithKeys(join(tmp.dir, 'pki'), variant.ca, variant.leaves);
      otherCa = join(tmp.dir, 'other-ca.crt');
      const other = await createCa({
        commonName: 'pgha main CA',
        validityDays: 10,
        keyAlgorithm: variant.ca,
      });
      await writeFile(otherCa, other.certPem);
    });
    afterAll(async () => {
      await cleanup();
    });

    test('the CA: CA:TRUE critical, Certificate Sign + CRL Sign critical, key ids, self-signed', async () => {
      const { stdout, code } = await openssl(['x509', '-in', p().ca.cert, '-noout', '-text']);
      expect(code).toBe(0);
      expect(textSection(stdout, 'X509v3 Basic Constraints')).toEqual({
        critical: true,
        value: 'CA:TRUE, pathlen:0',
      });
      expect(textSection(stdout, 'X509v3 Key Usage')).toEqual({
        critical: true,
        value: 'Certificate Sign, CRL Sign',
      });
      expect(textSection(stdout, 'X509v3 Subject Key Identifier')?.value).toMatch(
        /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/,
      );
      const selfVerify = await openssl(['verify', '-CAfile', p().ca.cert, p().ca.cert]);
      expect(selfVerify.stdout.trim()).toBe(`${p().ca.cert}: OK`);
      await expectKeyAndSignature(p().ca.cert, names.ca);
      const ski = textSection(stdout, 'X509v3 Subject Key Identifier')?.value;
      expect(ski).toBe(await opensslKeyId(p().ca.key));
      expect(textSection(stdout, 'X509v3 Authority Key Identifier')?.value).toBe(ski);
    });

    test.each(expected.map((e) => [e.id, e] as const))(
      '%s: openssl verify -CAfile accepts it; -text shows its SANs and EKUs; node:crypto and inspection agree',
      async (_, e) => {
        const { cert, key } = e.paths(bundle);
        const verified = await openssl(['verify', '-CAfile', p().ca.cert, cert]);
        expect(verified.stdout.trim(), verified.stderr).toBe(`${cert}: OK`);

        const text = await expectKeyAndSignature(cert, names.leaf);
        expect(textSection(text, 'X509v3 Extended Key Usage')?.value).toBe(e.eku);
        expect(textSection(text, 'X509v3 Subject Alternative Name')?.value).toBe(e.sans);
        expect(textSection(text, 'X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:FALSE' });
        expect(textSection(text, 'X509v3 Key Usage')).toEqual({
          critical: true,
          value: names.leaf.leafUsage,
        });
        const ca = await openssl(['x509', '-in', p().ca.cert, '-noout', '-text']);
        const caSki = textSection(ca.stdout, 'X509v3 Subject Key Identifier')?.value;
        expect(textSection(text, 'X509v3 Authority Key Identifier')?.value).toBe(caSki);
        expect(textSection(text, 'X509v3 Subject Key Identifier')?.value).toBe(await opensslKeyId(key));

        // node:crypto reads the same SANs and checks issuer and signature; our inspection agrees on the rest.
        const pem = await readFile(cert, 'utf8');
        const x509 = new X509Certificate(pem);
        const caX509 = new X509Certificate(bundle.ca.certPem);
        expect(x509.subjectAltName).toBe(e.sans);
        expect(x509.checkIssued(caX509)).toBe(true);
        expect(x509.verify(caX509.publicKey)).toBe(true);
        const info = inspectCertificate(pem);
        expect(info.keyAlgorithm).toBe(variant.leaves);
        expect(info.keyType).toBe(variant.leaves === 'rsa' ? 'rsa-2048' : 'ecdsa-p256');
        const fp = await openssl(['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
        expect(fp.stdout.trim()).toBe(`sha256 Fingerprint=${info.fingerprintSha256}`);

        // The key is a valid key of the expected kind, mode 0600, and belongs to the certificate.
        const check = await openssl(['pkey', '-in', key, '-check', '-noout']);
        expect(check.stdout.trim()).toBe('Key is valid');
        expect((await stat(key)).mode & 0o777).toBe(0o600);
        const keyText = await openssl(['pkey', '-in', key, '-noout', '-text']);
        expect(keyText.stdout.split('\n')[0]).toBe(
          variant.leaves === 'rsa' ? 'Private-Key: (2048 bit, 2 primes)' : 'Private-Key: (256 bit)',
        );
        const fromKey = await openssl(['pkey', '-in', key, '-pubout']);
        const fromCert = await openssl(['x509', '-in', cert, '-noout', '-pubkey']);
        expect(fromKey.stdout).toBe(fromCert.stdout);
      },
    );

    test.each(expected.map((e) => [e.id, e] as const))(
      '%s: openssl verify -purpose sslserver/sslclient matches its role',
      async (_, e) => {
        const { cert } = e.paths(bundle);
        for (const purpose of ['sslserver', 'sslclient'] as const) {
          const result = await openssl(['verify', '-purpose', purpose, '-CAfile', p().ca.cert, cert]);
          expect(result.code === 0, `${purpose}: ${result.stdout}${result.stderr}`).toBe(e.purposes[purpose]);
        }
      },
    );

    test('openssl verify rejects every leaf against another CA with the same name', async () => {
      for (const e of expected) {
        const result = await openssl(['verify', '-CAfile', otherCa, e.paths(bundle).cert]);
        expect(result.code, e.id).not.toBe(0);
        expect(result.stdout + result.stderr).toMatch(
          /certificate signature failure|unable to get local issuer/,
        );
      }
    });
  });
}

describe('inspectCertificate reads certificates with keys @pgha/pki does not make (made by openssl)', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(async () => {
    await work.cleanup();
  });

  test.each([
    ['P-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'ecdsa-p384', 384],
    ['Ed25519', ['-newkey', 'ed25519'], 'ed25519', 0],
  ])(
    '%s, without a subject key identifier extension: key named, key id computed as openssl does',
    async (_, newKey, keyType, keyBits) => {
      const key = join(work.dir, `${keyType}.key`);
      const bare = join(work.dir, `${keyType}-bare.crt`);
      const withIds = join(work.dir, `${keyType}-ids.crt`);
      // A config without extension sections: the certificate has no extensions at all.
      const config = join(work.dir, 'bare.cnf');
      await writeFile(config, '[req]\ndistinguished_name = dn\n[dn]\n');
      const subject = ['-subj', '/CN=foreign/O=elsewhere', '-days', '2'];
      const made = await openssl([
        'req',
        '-x509',
        ...newKey,
        '-nodes',
        '-keyout',
        key,
        ...subject,
        '-config',
        config,
        '-out',
        bare,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const withExtensions = await openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        ...subject,
        '-out',
        withIds,
      ]);
      expect(withExtensions.code, withExtensions.stderr).toBe(0);
      const { stdout: text } = await openssl(['x509', '-in', bare, '-noout', '-text']);
      expect(text).not.toContain('X509v3 Subject Key Identifier');
      const { stdout: idsText } = await openssl(['x509', '-in', withIds, '-noout', '-text']);
      const opensslKeyId = textSection(idsText, 'X509v3 Subject Key Identifier')?.value;

      const info = inspectCertificate(await readFile(bare, 'utf8'));
      expect(info).toMatchObject({
        subject: 'CN=foreign, O=elsewhere',
        keyAlgorithm: undefined,
        keyType,
        keyBits,
        isCa: false,
        keyUsage: [],
        authorityKeyId: undefined,
      });
      expect(info.subjectKeyId.toUpperCase().replace(/(..)(?!$)/g, '$1:')).toBe(opensslKeyId);
      expect(inspectCertificate(await readFile(withIds, 'utf8')).subjectKeyId).toBe(info.subjectKeyId);
    },
  );
});
