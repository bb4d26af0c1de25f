import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { must, smallSpec } from '../test/fixtures.js';
import {
  type Bundle,
  type Credential,
  createBundle,
  inspectCertificate,
  type KeyAlgorithm,
  keyMatchesCertificate,
} from './index.js';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-06-01T12:00:00Z');

function leaves(b: Bundle): [string, Credential][] {
  return [
    ...Object.entries(b.etcd).map(([n, c]) => [`etcd.${n}`, c] as [string, Credential]),
    ...Object.entries(b.patroni).flatMap(([n, p]) =>
      Object.entries(p).map(([r, c]) => [`patroni.${n}.${r}`, c] as [string, Credential]),
    ),
    ...Object.entries(b.clients).map(([n, c]) => [`clients.${n}`, c] as [string, Credential]),
  ];
}

/** SANs as node:crypto prints them, e.g. `IP Address:127.0.0.1, DNS:x`, split and sorted. */
function nodeSans(pem: string): string[] {
  return (new X509Certificate(pem).subjectAltName ?? '')
    .split(', ')
    .filter((s) => s !== '')
    .sort();
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const kinds: { keyAlgorithm: KeyAlgorithm; keyType: string; keyBits: number; leafKeyUsage: string[] }[] = [
  {
    keyAlgorithm: 'rsa',
    keyType: 'rsa-2048',
    keyBits: 2048,
    leafKeyUsage: ['digitalSignature', 'keyEncipherment'],
  },
  // RFC 5480: no keyEncipherment for an EC key.
  { keyAlgorithm: 'ecdsa-p256', keyType: 'ecdsa-p256', keyBits: 256, leafKeyUsage: ['digitalSignature'] },
];

describe.each(kinds)('createBundle, keyAlgorithm $keyAlgorithm', (kind) => {
  let bundle: Bundle;
  beforeAll(async () => {
    bundle = await createBundle(smallSpec({ keyAlgorithm: kind.keyAlgorithm }), { now });
  });

  test('has one entry per member, per Patroni node and role, per client', () => {
    expect(Object.keys(bundle.etcd)).toEqual(['etcd-1', 'etcd-2']);
    expect(Object.keys(bundle.patroni)).toEqual(['pg-1', 'pg-2']);
    expect(Object.keys(must(bundle.patroni['pg-1'], 'pg-1')).sort()).toEqual([
      'etcdClient',
      'postgres',
      'rest',
    ]);
    expect(Object.keys(bundle.clients)).toEqual(['verify']);
  });

  test('the CA is a CA for node:crypto, self-issued, with keyCertSign + cRLSign', () => {
    const ca = new X509Certificate(bundle.ca.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.subject.split('\n')).toEqual(['CN=pgha main CA', 'O=pgha', 'OU=main']);
    const info = inspectCertificate(bundle.ca.certPem, { now });
    expect(info.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(info.authorityKeyId).toBe(info.subjectKeyId);
    expect(info.keyAlgorithm).toBe(kind.keyAlgorithm);
    expect(bundle.ca.key.algorithm).toBe(kind.keyAlgorithm);
  });

  test.each([
    ['etcd.etcd-1', [SERVER_AUTH, CLIENT_AUTH], ['IP Address:127.0.0.1', 'IP Address:127.0.10.1']],
    ['etcd.etcd-2', [SERVER_AUTH, CLIENT_AUTH], ['IP Address:127.0.0.1', 'IP Address:127.0.10.2']],
    ['patroni.pg-1.etcdClient', [CLIENT_AUTH], []],
    ['patroni.pg-1.postgres', [SERVER_AUTH], ['IP Address:127.0.20.1', 'IP Address:127.0.30.1']],
    ['patroni.pg-1.rest', [SERVER_AUTH, CLIENT_AUTH], ['IP Address:127.0.20.1']],
    [
      'patroni.pg-2.postgres',
      [SERVER_AUTH],
      ['DNS:pg-2.db.internal', 'IP Address:127.0.20.2', 'IP Address:127.0.30.1'],
    ],
    ['patroni.pg-2.rest', [SERVER_AUTH, CLIENT_AUTH], ['DNS:pg-2.db.internal', 'IP Address:127.0.20.2']],
    ['clients.verify', [CLIENT_AUTH], []],
  ])('%s: node:crypto sees EKU %j and SANs %j, issued by the CA', (id, eku, sans) => {
    const credential = must(
      leaves(bundle).find(([i]) => i === id),
      id,
    )[1];
    const cert = new X509Certificate(credential.certPem);
    const ca = new X509Certificate(bundle.ca.certPem);
    expect([...(cert.keyUsage ?? [])].sort()).toEqual([...eku].sort());
    expect(nodeSans(credential.certPem)).toEqual(sans);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(credential.key.toKeyObject())).toBe(true);
  });

  test('every leaf has its own key, a distinct positive serial, the CA key id, backdated validity of validityDays', () => {
    const ca = inspectCertificate(bundle.ca.certPem, { now });
    const all = leaves(bundle);
    expect(all).toHaveLength(2 + 2 * 3 + 1);
    const keys = new Set(all.map(([, c]) => c.key.toPem()));
    expect(keys.size).toBe(all.length);
    const serials = new Set<string>();
    for (const [id, c] of all) {
      const info = inspectCertificate(c.certPem, { now });
      expect(info.authorityKeyId, id).toBe(ca.subjectKeyId);
      expect(info.keyBits).toBe(kind.keyBits);
      expect(info.keyType).toBe(kind.keyType);
      expect(info.keyAlgorithm).toBe(kind.keyAlgorithm);
      expect(c.key.algorithm).toBe(kind.keyAlgorithm);
      expect(info.subject).toMatch(/^CN=[a-z0-9-]+, O=pgha, OU=main$/);
      expect(info.keyUsage).toEqual(kind.leafKeyUsage);
      // node:crypto prints the serial in hex; a positive INTEGER has its top bit clear.
      const serial = new X509Certificate(c.certPem).serialNumber;
      expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
      expect(serial.length).toBeGreaterThanOrEqual(30);
      serials.add(serial);
      expect(now.getTime() - info.notBefore.getTime()).toBe(60 * 60 * 1000);
      expect(info.notAfter.getTime() - now.getTime()).toBe(825 * DAY);
      expect(keyMatchesCertificate(c.key, c.certPem)).toBe(true);
    }
    expect(serials.size).toBe(all.length);
  });

  test('private keys appear nowhere in JSON, inspect or string output', () => {
    const json = JSON.stringify(bundle);
    const shown = inspect(bundle, { depth: 10 });
    for (const text of [json, shown, String(bundle.ca.key), `${must(bundle.etcd['etcd-1'], 'etcd-1').key}`]) {
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(json).toContain('BEGIN CERTIFICATE');
    expect(bundle.ca.key.toPem()).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });
});
