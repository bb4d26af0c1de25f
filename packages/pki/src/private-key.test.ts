import { generateKeyPairSync } from 'node:crypto';
import { format, inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { isPkiError, PrivateKey } from './index.js';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ecPkcs8Pem = p256.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecSec1Pem = p256.export({ type: 'sec1', format: 'pem' }).toString();
const body = (pem: string) => pem.split('\n')[1] ?? 'missing';

describe('PrivateKey', () => {
  test.each([
    ['RSA', rsaPem],
    ['ECDSA P-256', ecPkcs8Pem],
  ])('%s: never shows its material in inspect, JSON, String, template literals or format', (_, pem) => {
    const key = PrivateKey.fromPem(pem);
    const wrapped = { key, nested: [key] };
    for (const text of [
      inspect(key),
      inspect(wrapped, { depth: 10, showHidden: true }),
      JSON.stringify(wrapped),
      String(key),
      `${key}`,
      format('%o %O %s %j', key, key, key, wrapped),
      Object.keys(key).join(','),
    ]) {
      expect(text).not.toContain(body(pem));
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(JSON.stringify(wrapped)).toBe(
      '{"key":"[PrivateKey: redacted]","nested":["[PrivateKey: redacted]"]}',
    );
  });

  test.each([
    ['RSA PKCS#1', rsaPem, /^-----BEGIN RSA PRIVATE KEY-----\n/, 'rsa', 2048],
    ['ECDSA P-256 PKCS#8', ecPkcs8Pem, /^-----BEGIN PRIVATE KEY-----\n/, 'ecdsa-p256', 256],
    ['ECDSA P-256 SEC1', ecSec1Pem, /^-----BEGIN EC PRIVATE KEY-----\n/, 'ecdsa-p256', 256],
  ])(
    '%s is accepted; toPem gives it back as it was; algorithm and bits are reported',
    (_, pem, header, algorithm, bits) => {
      const key = PrivateKey.fromPem(pem);
      expect(key.toPem()).toBe(pem);
      expect(key.toPem()).toMatch(header);
      expect(key.algorithm).toBe(algorithm);
      expect(key.bits).toBe(bits);
    },
  );

  test('another curve, another key type or garbage is KEY_UNREADABLE naming the item and the type, not the content', () => {
    const pkcs8 = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
      key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const refused = (type: string) =>
      `/etc/x.key: is a ${type} key; @pgha/pki signs and issues RSA and ECDSA P-256 (prime256v1) keys only. ` +
      'Use such a key, or delete the file so a new key is issued.';
    for (const [pem, message] of [
      [pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), refused('ecdsa-p384')],
      [pkcs8(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey), refused('ec-secp256k1')],
      [pkcs8(generateKeyPairSync('ed25519').privateKey), refused('ed25519')],
      [
        rsaPem.replace(body(rsaPem), body(rsaPem).split('').reverse().join('')),
        /^\/etc\/x\.key: not a readable unencrypted PEM private key \(.+\)\. Provide an unencrypted RSA or ECDSA P-256 key/,
      ],
      ['not a key', /^\/etc\/x\.key: not a readable unencrypted PEM/],
    ] as const) {
      try {
        PrivateKey.fromPem(pem, '/etc/x.key');
        expect.unreachable('accepted');
      } catch (error) {
        expect(isPkiError(error) && error.code).toBe('KEY_UNREADABLE');
        if (typeof message === 'string') expect((error as Error).message).toBe(message);
        else expect((error as Error).message).toMatch(message);
        expect((error as Error).message).not.toContain(body(pem));
      }
    }
  });
});
