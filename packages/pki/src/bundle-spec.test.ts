import { describe, expect, test } from 'vitest';
import { smallSpec } from '../test/fixtures.js';
import {
  type BundleSpec,
  createBundle,
  createCa,
  isPkiError,
  issueCertificate,
  type PkiError,
  type PkiProblemCode,
  resolveBundleSpec,
} from './index.js';

function specError(spec: BundleSpec): PkiError {
  try {
    resolveBundleSpec(spec);
  } catch (error) {
    if (isPkiError(error)) return error;
    throw error;
  }
  throw new Error('expected INVALID_SPEC, the spec was accepted');
}

const base = smallSpec();

describe('resolveBundleSpec', () => {
  test('applies defaults and canonical forms', () => {
    const resolved = resolveBundleSpec({
      clusterName: 'main',
      etcdMembers: [
        {
          name: 'etcd-1',
          ipAddresses: ['127.0.10.1', '127.0.10.1', '0:0:0:0:0:0:0:1'],
          dnsNames: ['E1.Example.COM'],
        },
      ],
      patroniNodes: [],
    });
    expect(resolved).toMatchObject({
      caValidityDays: 3650,
      validityDays: 825,
      renewWithinDays: 30,
      keyAlgorithm: 'rsa',
      keyBits: 2048,
      clients: [],
    });
    expect(resolved.etcdMembers[0]).toEqual({
      name: 'etcd-1',
      ipAddresses: ['127.0.10.1', '::1'],
      dnsNames: ['e1.example.com'],
    });
  });

  test.each<[string, BundleSpec, PkiProblemCode, string, unknown]>([
    [
      'invalid IPv4',
      { ...base, etcdMembers: [{ name: 'etcd-1', ipAddresses: ['127.0.10.300'] }] },
      'INVALID_IP_ADDRESS',
      'etcdMembers[0].ipAddresses[0]',
      '127.0.10.300',
    ],
    [
      'IPv6 zone id',
      { ...base, patroniNodes: [{ name: 'pg-1', ipAddresses: ['fe80::1%eth0'] }] },
      'INVALID_IP_ADDRESS',
      'patroniNodes[0].ipAddresses[0]',
      'fe80::1%eth0',
    ],
    [
      'DNS name in ipAddresses',
      { ...base, patroniNodes: [{ name: 'pg-1', ipAddresses: ['pg-1.local'] }] },
      'INVALID_IP_ADDRESS',
      'patroniNodes[0].ipAddresses[0]',
      'pg-1.local',
    ],
    [
      'underscore in DNS name',
      { ...base, etcdMembers: [{ name: 'etcd-1', dnsNames: ['etcd_1.local'] }] },
      'INVALID_DNS_NAME',
      'etcdMembers[0].dnsNames[0]',
      'etcd_1.local',
    ],
    [
      'IP in dnsNames',
      { ...base, etcdMembers: [{ name: 'etcd-1', dnsNames: ['127.0.0.1'] }] },
      'INVALID_DNS_NAME',
      'etcdMembers[0].dnsNames[0]',
      '127.0.0.1',
    ],
    [
      'label too long',
      { ...base, etcdMembers: [{ name: 'etcd-1', dnsNames: [`${'a'.repeat(64)}.local`] }] },
      'INVALID_DNS_NAME',
      'etcdMembers[0].dnsNames[0]',
      `${'a'.repeat(64)}.local`,
    ],
    [
      'hyphen at label end',
      { ...base, postgresServiceAddresses: { dnsNames: ['db-.example.com'] } },
      'INVALID_DNS_NAME',
      'postgresServiceAddresses.dnsNames[0]',
      'db-.example.com',
    ],
    [
      'duplicate etcd member',
      { ...base, etcdMembers: [{ name: 'etcd-1' }, { name: 'ETCD-1' }] },
      'DUPLICATE_NAME',
      'etcdMembers[1].name',
      'ETCD-1',
    ],
    [
      'duplicate Patroni node',
      { ...base, patroniNodes: [{ name: 'pg-1' }, { name: 'pg-2' }, { name: 'pg-1' }] },
      'DUPLICATE_NAME',
      'patroniNodes[2].name',
      'pg-1',
    ],
    [
      'duplicate client',
      { ...base, clients: [{ name: 'verify' }, { name: 'verify' }] },
      'DUPLICATE_NAME',
      'clients[1].name',
      'verify',
    ],
    [
      'name with a slash',
      { ...base, clients: [{ name: '../x' }] },
      'INVALID_NAME',
      'clients[0].name',
      '../x',
    ],
    ['empty cluster name', { ...base, clusterName: '' }, 'INVALID_NAME', 'clusterName', ''],
    ['validity 0', { ...base, validityDays: 0 }, 'INVALID_VALIDITY', 'validityDays', 0],
    ['negative CA validity', { ...base, caValidityDays: -1 }, 'INVALID_VALIDITY', 'caValidityDays', -1],
    ['fractional validity', { ...base, validityDays: 1.5 }, 'INVALID_VALIDITY', 'validityDays', 1.5],
    [
      'renew window >= validity',
      { ...base, validityDays: 30, renewWithinDays: 30 },
      'INVALID_VALIDITY',
      'renewWithinDays',
      30,
    ],
    ['unsupported key size', { ...base, keyBits: 1024 as 2048 }, 'INVALID_KEY_SIZE', 'keyBits', 1024],
    [
      'keyBits with ecdsa-p256',
      { ...base, keyAlgorithm: 'ecdsa-p256', keyBits: 4096 },
      'INVALID_KEY_SIZE',
      'keyBits',
      4096,
    ],
    [
      'unknown key algorithm',
      { ...base, keyAlgorithm: 'ecdsa-p384' as 'rsa' },
      'INVALID_KEY_ALGORITHM',
      'keyAlgorithm',
      'ecdsa-p384',
    ],
  ])('%s gives INVALID_SPEC naming the item, the value and the fix', (_, spec, code, path, value) => {
    const error = specError(spec);
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.problems).toEqual([expect.objectContaining({ code, path, value })]);
    // The message names the item and the value given, and says what is allowed.
    expect(error.message).toContain(path);
    expect(error.message).toContain(typeof value === 'string' ? `"${value}"` : String(value));
    expect(error.message).toMatch(/use|list it|give each|lower it/);
  });

  test('one error lists every broken rule', () => {
    const error = specError({
      clusterName: 'main',
      validityDays: 0,
      etcdMembers: [{ name: 'etcd-1', ipAddresses: ['1.2.3.4.5'] }, { name: 'etcd-1' }],
      patroniNodes: [{ name: 'pg 1' }],
    });
    expect(error.problems.map((i) => i.code)).toEqual([
      'INVALID_VALIDITY',
      'INVALID_IP_ADDRESS',
      'DUPLICATE_NAME',
      'INVALID_NAME',
    ]);
    expect(error.message.split('\n')).toHaveLength(5);
    expect(error.message).toMatch(/^Invalid bundle spec \(4 problems\):/);
  });

  test('createBundle rejects an invalid spec before generating anything', async () => {
    await expect(createBundle({ ...base, validityDays: -5 })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
  });

  test('issueCertificate classifies SANs by value and rejects bad ones with the same codes', async () => {
    const fakeCa = { certPem: '', key: undefined as never };
    await expect(
      issueCertificate(fakeCa, {
        commonName: 'x',
        extendedKeyUsage: ['serverAuth'],
        subjectAltNames: ['127.0.0.1', 'ok.example', '300.1.1.1', 'bad_name'],
        validityDays: 0,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      problems: [
        expect.objectContaining({
          code: 'INVALID_IP_ADDRESS',
          path: 'subjectAltNames[2]',
          value: '300.1.1.1',
        }),
        expect.objectContaining({ code: 'INVALID_DNS_NAME', path: 'subjectAltNames[3]', value: 'bad_name' }),
        expect.objectContaining({ code: 'INVALID_VALIDITY', path: 'validityDays', value: 0 }),
      ],
    });
  });

  test('keyAlgorithm ecdsa-p256 resolves without keyBits; keyBits with it names both fields and the fix', () => {
    expect(resolveBundleSpec({ ...base, keyAlgorithm: 'ecdsa-p256' })).toMatchObject({
      keyAlgorithm: 'ecdsa-p256',
    });
    expect(specError({ ...base, keyAlgorithm: 'ecdsa-p256', keyBits: 2048 }).message).toBe(
      'Invalid bundle spec (1 problem):\n' +
        '  - keyBits: 2048 applies to RSA keys only, but keyAlgorithm is "ecdsa-p256" (P-256 keys are always ' +
        '256 bits); remove keyBits, or use keyAlgorithm "rsa"',
    );
    expect(specError({ ...base, keyAlgorithm: 'dsa' as 'rsa' }).message).toBe(
      'Invalid bundle spec (1 problem):\n' +
        '  - keyAlgorithm: "dsa" is not a supported key algorithm; use "rsa" (the default) or "ecdsa-p256"',
    );
  });

  test('createCa and issueCertificate check keyAlgorithm and keyBits the same way', async () => {
    await expect(
      createCa({ commonName: 'x', validityDays: 1, keyAlgorithm: 'ecdsa-p256', keyBits: 3072 }),
    ).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      problems: [expect.objectContaining({ code: 'INVALID_KEY_SIZE', path: 'keyBits', value: 3072 })],
    });
    const fakeCa = { certPem: '', key: undefined as never };
    await expect(
      issueCertificate(fakeCa, {
        commonName: 'x',
        extendedKeyUsage: ['clientAuth'],
        validityDays: 1,
        keyAlgorithm: 'ed25519' as 'rsa',
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      problems: [
        expect.objectContaining({ code: 'INVALID_KEY_ALGORITHM', path: 'keyAlgorithm', value: 'ed25519' }),
      ],
    });
  });

  test('a key given with a keyAlgorithm it is not: INVALID_SPEC saying keyAlgorithm is for new keys', async () => {
    const ecCa = await createCa({ commonName: 'x', validityDays: 1, keyAlgorithm: 'ecdsa-p256' });
    const mismatch = {
      code: 'INVALID_SPEC',
      problems: [
        expect.objectContaining({
          code: 'INVALID_KEY_ALGORITHM',
          path: 'keyAlgorithm',
          value: 'rsa',
          message:
            '"rsa" does not match the given key, which is ecdsa-p256; keyAlgorithm applies to new keys only, ' +
            'so leave it out when passing a key',
        }),
      ],
    };
    await expect(
      createCa({ commonName: 'x', validityDays: 1, key: ecCa.key, keyAlgorithm: 'rsa' }),
    ).rejects.toMatchObject(mismatch);
    await expect(
      issueCertificate(ecCa, {
        commonName: 'y',
        extendedKeyUsage: ['clientAuth'],
        validityDays: 1,
        key: ecCa.key,
        keyAlgorithm: 'rsa',
      }),
    ).rejects.toMatchObject(mismatch);
    // The key's own algorithm is fine.
    const renewed = await createCa({
      commonName: 'x',
      validityDays: 1,
      key: ecCa.key,
      keyAlgorithm: 'ecdsa-p256',
    });
    expect(renewed.key).toBe(ecCa.key);
  });
});
