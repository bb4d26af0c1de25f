import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { must, smallSpec, tempDir } from '../test/fixtures.js';
import { openssl, textSection } from '../test/openssl.js';
import {
  type CredentialPaths,
  createCa,
  ensureBundle,
  inspectCertificate,
  type StoredBundle,
} from './index.js';

// Cross-checks with the openssl CLI (an independent implementation) what ensureBundle wrote to disk.

let bundle: StoredBundle;
let dir: string;
let cleanup: () => Promise<void>;
let otherCa: string;

interface Expected {
  readonly id: string;
  readonly paths: () => CredentialPaths;
  readonly eku: string;
  readonly sans: string | undefined;
  readonly purposes: { readonly sslserver: boolean; readonly sslclient: boolean };
}

const SERVER = 'TLS Web Server Authentication';
const CLIENT = 'TLS Web Client Authentication';
const p = () => bundle.paths;
const expected: Expected[] = [
  {
    id: 'etcd.etcd-1',
    paths: () => must(p().etcd['etcd-1'], 'etcd-1'),
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.10.1, IP Address:127.0.0.1',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'etcd.etcd-2',
    paths: () => must(p().etcd['etcd-2'], 'etcd-2'),
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.10.2, IP Address:127.0.0.1',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'patroni.pg-1.etcdClient',
    paths: () => must(p().patroni['pg-1'], 'pg-1').etcdClient,
    eku: CLIENT,
    sans: undefined,
    purposes: { sslserver: false, sslclient: true },
  },
  {
    id: 'patroni.pg-1.postgres',
    paths: () => must(p().patroni['pg-1'], 'pg-1').postgres,
    eku: SERVER,
    sans: 'IP Address:127.0.20.1, IP Address:127.0.30.1',
    purposes: { sslserver: true, sslclient: false },
  },
  {
    id: 'patroni.pg-1.rest',
    paths: () => must(p().patroni['pg-1'], 'pg-1').rest,
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.20.1',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'patroni.pg-2.etcdClient',
    paths: () => must(p().patroni['pg-2'], 'pg-2').etcdClient,
    eku: CLIENT,
    sans: undefined,
    purposes: { sslserver: false, sslclient: true },
  },
  {
    id: 'patroni.pg-2.postgres',
    paths: () => must(p().patroni['pg-2'], 'pg-2').postgres,
    eku: SERVER,
    sans: 'IP Address:127.0.20.2, DNS:pg-2.db.internal, IP Address:127.0.30.1',
    purposes: { sslserver: true, sslclient: false },
  },
  {
    id: 'patroni.pg-2.rest',
    paths: () => must(p().patroni['pg-2'], 'pg-2').rest,
    eku: `${SERVER}, ${CLIENT}`,
    sans: 'IP Address:127.0.20.2, DNS:pg-2.db.internal',
    purposes: { sslserver: true, sslclient: true },
  },
  {
    id: 'clients.verify',
    paths: () => must(p().clients.verify, 'verify'),
    eku: CLIENT,
    sans: undefined,
    purposes: { sslserver: false, sslclient: true },
  },
];

beforeAll(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  dir = join(tmp.dir, 'pki');
  bundle = (await ensureBundle(dir, smallSpec())).bundle;
  otherCa = join(tmp.dir, 'other-ca.crt');
  await writeFile(otherCa, (await createCa({ commonName: 'pgha main CA', validityDays: 10 })).certPem);
});
afterAll(async () => {
  await cleanup();
});

describe('openssl cross-check', () => {
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
  });

  test.each(expected.map((e) => [e.id, e] as const))(
    '%s: openssl verify -CAfile accepts it; -text shows its SANs and EKUs; node:crypto and inspection agree',
    async (_, e) => {
      const { cert, key } = e.paths();
      const verified = await openssl(['verify', '-CAfile', p().ca.cert, cert]);
      expect(verified.stdout.trim(), verified.stderr).toBe(`${cert}: OK`);

      const { stdout: text } = await openssl(['x509', '-in', cert, '-noout', '-text']);
      expect(textSection(text, 'X509v3 Extended Key Usage')?.value).toBe(e.eku);
      expect(textSection(text, 'X509v3 Subject Alternative Name')?.value).toBe(e.sans);
      expect(textSection(text, 'X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:FALSE' });
      expect(textSection(text, 'X509v3 Key Usage')).toEqual({
        critical: true,
        value: 'Digital Signature, Key Encipherment',
      });
      const ca = await openssl(['x509', '-in', p().ca.cert, '-noout', '-text']);
      const caSki = textSection(ca.stdout, 'X509v3 Subject Key Identifier')?.value;
      expect(textSection(text, 'X509v3 Authority Key Identifier')?.value).toBe(caSki);

      // node:crypto reads the same SANs, and our inspection the same fingerprint.
      const pem = await readFile(cert, 'utf8');
      expect(new X509Certificate(pem).subjectAltName).toBe(e.sans);
      const fp = await openssl(['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
      expect(fp.stdout.trim()).toBe(`sha256 Fingerprint=${inspectCertificate(pem).fingerprintSha256}`);

      // The key is a valid RSA key and belongs to the certificate.
      const check = await openssl(['rsa', '-in', key, '-check', '-noout']);
      expect(check.stdout.trim()).toBe('RSA key ok');
      const fromKey = await openssl(['pkey', '-in', key, '-pubout']);
      const fromCert = await openssl(['x509', '-in', cert, '-noout', '-pubkey']);
      expect(fromKey.stdout).toBe(fromCert.stdout);
    },
  );

  test.each(expected.map((e) => [e.id, e] as const))(
    '%s: openssl verify -purpose sslserver/sslclient matches its role',
    async (_, e) => {
      const { cert } = e.paths();
      for (const purpose of ['sslserver', 'sslclient'] as const) {
        const result = await openssl(['verify', '-purpose', purpose, '-CAfile', p().ca.cert, cert]);
        expect(result.code === 0, `${purpose}: ${result.stdout}${result.stderr}`).toBe(e.purposes[purpose]);
      }
    },
  );

  test('openssl verify rejects every leaf against another CA with the same name', async () => {
    for (const e of expected) {
      const result = await openssl(['verify', '-CAfile', otherCa, e.paths().cert]);
      expect(result.code, e.id).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(
        /certificate signature failure|unable to get local issuer/,
      );
    }
  });
});
