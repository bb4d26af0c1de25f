import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from '@pgha/clients';
import { generatePassword } from '@pgha/local-cluster';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isAwsDeployError } from './errors.js';
import { SECRET_VERSIONS_FILE, secretFingerprint, syncSecretVersions } from './secret-versions.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-secret-versions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PEM_KEY = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----\n`;

describe('syncSecretVersions: secret_string_wo_version per secret', () => {
  test('same content: same number; changed content: the number plus one; a new secret starts at 1', async () => {
    const file = join(dir, 'a', SECRET_VERSIONS_FILE);
    await rm(join(dir, 'a'), { recursive: true, force: true });
    await mkdir(join(dir, 'a'));
    const tls = JSON.stringify({ cert: 'c', key: PEM_KEY, ca: 'ca' });
    const passwords = JSON.stringify({ superuserPassword: generatePassword() });
    const inputs = [
      { secretName: 'pgha/main/etcd/etcd-1/tls', value: new Secret(tls) },
      { secretName: 'pgha/main/patroni/passwords', value: new Secret(passwords) },
    ];

    const first = await syncSecretVersions(file, inputs);
    expect(first.versions).toEqual({ 'pgha/main/etcd/etcd-1/tls': 1, 'pgha/main/patroni/passwords': 1 });
    expect(first.changed).toEqual(['pgha/main/etcd/etcd-1/tls', 'pgha/main/patroni/passwords']);
    const written = (await stat(file)).mtimeMs;

    const again = await syncSecretVersions(file, inputs);
    expect(again).toEqual({ versions: first.versions, changed: [] });
    expect((await stat(file)).mtimeMs, 'an unchanged store is not rewritten').toBe(written);

    const rotated = [
      inputs[0] as (typeof inputs)[number],
      {
        secretName: 'pgha/main/patroni/passwords',
        value: new Secret(JSON.stringify({ superuserPassword: 'x' })),
      },
      { secretName: 'pgha/main/patroni/pg-1/tls', value: new Secret(tls) },
    ];
    const third = await syncSecretVersions(file, rotated);
    expect(third.versions).toEqual({
      'pgha/main/etcd/etcd-1/tls': 1,
      'pgha/main/patroni/passwords': 2,
      'pgha/main/patroni/pg-1/tls': 1,
    });
    expect(third.changed).toEqual(['pgha/main/patroni/passwords', 'pgha/main/patroni/pg-1/tls']);

    // Back to the first passwords: content the store no longer holds is new content, so the number goes on.
    const fourth = await syncSecretVersions(file, inputs);
    expect(fourth.versions).toEqual({ 'pgha/main/etcd/etcd-1/tls': 1, 'pgha/main/patroni/passwords': 3 });
  });

  test('the store is 0600 and holds numbers and fingerprints, no secret material', async () => {
    const file = join(dir, 'b.json');
    const password = generatePassword();
    const value = new Secret(JSON.stringify({ cert: 'c', key: PEM_KEY, ca: 'ca', password }));
    await syncSecretVersions(file, [{ secretName: 'pgha/main/etcd/etcd-2/tls', value }]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toEqual({
      version: 1,
      secrets: {
        'pgha/main/etcd/etcd-2/tls': {
          version: 1,
          sha256: secretFingerprint('pgha/main/etcd/etcd-2/tls', value),
        },
      },
    });
    expect(text).not.toContain(password);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('A'.repeat(64));
  });

  test('a fingerprint is bound to the secret name: the same value under two names differs', () => {
    const value = new Secret('same');
    expect(secretFingerprint('pgha/a/x', value)).toMatch(/^[0-9a-f]{64}$/);
    expect(secretFingerprint('pgha/a/x', value)).not.toBe(secretFingerprint('pgha/a/y', value));
  });

  test('a store that is not ours: STATE_CONFLICT naming the file and what removing it does', async () => {
    const file = join(dir, 'c.json');
    for (const text of ['{"version": 1, "secrets": {"x": {"version": 0, "sha256": "zz"}}}', 'not json']) {
      await writeFile(file, text);
      const error = await syncSecretVersions(file, []).catch((e: unknown) => e);
      expect(isAwsDeployError(error) && error.code).toBe('STATE_CONFLICT');
      expect((error as Error).message).toContain(file);
      expect((error as { hint: string }).hint).toContain('the next deploy writes each secret again');
    }
  });
});
