import { generateKeyPairSync } from 'node:crypto';
import { format, inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { isPkiError, PrivateKey } from './index.js';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const body = rsaPem.split('\n')[1] ?? 'missing';

describe('PrivateKey', () => {
  test('never shows its material in inspect, JSON, String, template literals or format', () => {
    const key = PrivateKey.fromPem(rsaPem);
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
      expect(text).not.toContain(body);
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(JSON.stringify(wrapped)).toBe(
      '{"key":"[PrivateKey: redacted]","nested":["[PrivateKey: redacted]"]}',
    );
  });

  test('toPem gives the key back; PKCS#1 input is accepted; bits are reported', () => {
    const key = PrivateKey.fromPem(rsaPem);
    expect(key.toPem()).toBe(rsaPem);
    expect(key.bits).toBe(2048);
  });

  test('a non-RSA key or garbage is KEY_UNREADABLE naming the item, not the content', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const [pem, pattern] of [
      [ec, /^\/etc\/x\.key: is a ec key; @pgha\/pki signs and issues RSA keys only/],
      [
        rsaPem.replace(body, body.split('').reverse().join('')),
        /^\/etc\/x\.key: not a readable unencrypted PEM/,
      ],
      ['not a key', /^\/etc\/x\.key: not a readable unencrypted PEM/],
    ] as const) {
      try {
        PrivateKey.fromPem(pem, '/etc/x.key');
        expect.unreachable('accepted');
      } catch (error) {
        expect(isPkiError(error) && error.code).toBe('KEY_UNREADABLE');
        expect((error as Error).message).toMatch(pattern);
        expect((error as Error).message).not.toContain(pem.split('\n')[1] ?? 'none');
      }
    }
  });
});
