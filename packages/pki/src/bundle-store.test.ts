import { chmod, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { must, smallSpec, tempDir } from '../test/fixtures.js';
import {
  type BundleChange,
  type BundleSpec,
  ensureBundle,
  inspectCertificate,
  isPkiError,
  type PkiError,
  readBundle,
  type StoredBundle,
  verifyChain,
} from './index.js';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  dir = join(dir, 'pki'); // ensureBundle creates it
});
afterEach(async () => {
  await cleanup();
});

function byAction(changes: readonly BundleChange[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of changes) out[c.action] = [...(out[c.action] ?? []), c.id];
  return out;
}

function allFiles(bundle: StoredBundle): { cert: string; key: string }[] {
  const p = bundle.paths;
  return [
    p.ca,
    ...Object.values(p.etcd),
    ...Object.values(p.patroni).flatMap((n) => Object.values(n)),
    ...Object.values(p.clients),
  ];
}

async function snapshot(bundle: StoredBundle): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of allFiles(bundle)) {
    out.set(f.cert, await readFile(f.cert, 'utf8'));
    out.set(f.key, await readFile(f.key, 'utf8'));
  }
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<PkiError> {
  try {
    await promise;
  } catch (error) {
    if (isPkiError(error)) return error;
    throw error;
  }
  throw new Error('expected a PkiError, got success');
}

describe('ensureBundle', () => {
  test('first run issues everything and writes dir 0700, keys 0600, certs 0644 at the documented paths', async () => {
    const { bundle, changes } = await ensureBundle(dir, smallSpec());
    expect(changes).toHaveLength(1 + 2 + 6 + 1);
    expect(changes.every((c) => c.action === 'issued' && c.reason === 'new')).toBe(true);
    expect(bundle.paths.dir).toBe(dir);
    expect(bundle.paths.ca.cert).toBe(join(dir, 'ca.crt'));
    expect(must(bundle.paths.etcd['etcd-1'], 'etcd-1').key).toBe(join(dir, 'etcd', 'etcd-1.key'));
    expect(must(bundle.paths.patroni['pg-2'], 'pg-2').etcdClient.cert).toBe(
      join(dir, 'patroni', 'pg-2', 'etcd-client.crt'),
    );
    expect(must(bundle.paths.clients.verify, 'verify').cert).toBe(join(dir, 'clients', 'verify.crt'));

    const mode = async (p: string) => (await stat(p)).mode & 0o777;
    for (const d of [
      dir,
      join(dir, 'etcd'),
      join(dir, 'patroni'),
      join(dir, 'patroni', 'pg-1'),
      join(dir, 'clients'),
    ]) {
      expect(await mode(d), d).toBe(0o700);
    }
    for (const f of allFiles(bundle)) {
      expect(await mode(f.key), f.key).toBe(0o600);
      expect(await mode(f.cert), f.cert).toBe(0o644);
      expect(await readFile(f.cert, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    }
    expect((await readdir(dir)).sort()).toEqual([
      'bundle.json',
      'ca.crt',
      'ca.key',
      'clients',
      'etcd',
      'patroni',
    ]);
  });

  test('a re-run keeps the CA and every certificate, byte for byte', async () => {
    const first = await ensureBundle(dir, smallSpec());
    const before = await snapshot(first.bundle);
    const second = await ensureBundle(dir, smallSpec());
    expect(byAction(second.changes)).toEqual({ kept: second.changes.map((c) => c.id) });
    expect(second.changes.every((c) => c.reason === 'valid')).toBe(true);
    expect(await snapshot(second.bundle)).toEqual(before);
    expect(second.bundle.ca.certPem).toBe(first.bundle.ca.certPem);
  });

  test('adding a SAN renews only that certificate, for the same key', async () => {
    const first = await ensureBundle(dir, smallSpec());
    const before = await snapshot(first.bundle);
    const spec = smallSpec();
    const changed: BundleSpec = {
      ...spec,
      etcdMembers: [
        { name: 'etcd-1', ipAddresses: ['127.0.10.1', '127.0.0.1', '127.0.10.11'] },
        ...spec.etcdMembers.slice(1),
      ],
    };
    const { bundle, changes } = await ensureBundle(dir, changed);
    expect(byAction(changes).renewed).toEqual(['etcd.etcd-1']);
    const renewed = must(
      changes.find((c) => c.id === 'etcd.etcd-1'),
      'change',
    );
    expect(renewed.reason).toBe('san-changed');
    expect(renewed.detail).toContain('+IP:127.0.10.11');
    const paths = must(bundle.paths.etcd['etcd-1'], 'etcd-1');
    expect(inspectCertificate(await readFile(paths.cert, 'utf8')).ipAddresses).toEqual([
      '127.0.10.1',
      '127.0.0.1',
      '127.0.10.11',
    ]);
    const after = await snapshot(bundle);
    for (const [file, content] of before) {
      if (file === paths.cert) expect(after.get(file)).not.toBe(content);
      else expect(after.get(file), file).toBe(content); // including etcd-1's key: renewed, not re-keyed
    }
  });

  test('certificates near expiry are renewed with the same key; the CA (far from expiry) is kept', async () => {
    const longAgo = new Date(Date.now() - 800 * DAY); // 825-day certificates with 25 days left
    const first = await ensureBundle(dir, smallSpec(), { now: longAgo });
    const before = await snapshot(first.bundle);
    const { bundle, changes } = await ensureBundle(dir, smallSpec());
    expect(byAction(changes)).toEqual({ kept: ['ca'], renewed: changes.slice(1).map((c) => c.id) });
    for (const c of changes.slice(1)) {
      expect(c.reason).toBe('expiring');
      expect(c.detail).toMatch(/^2[45] days left/);
    }
    for (const f of allFiles(bundle)) {
      expect(await readFile(f.key, 'utf8')).toBe(before.get(f.key));
      const info = inspectCertificate(await readFile(f.cert, 'utf8'));
      if (f.cert !== bundle.paths.ca.cert) expect(info.daysLeft).toBeGreaterThanOrEqual(824);
      expect(verifyChain(await readFile(f.cert, 'utf8'), bundle.ca.certPem).valid).toBe(true);
    }
  });

  test('a key file with mode 0644 is refused with a clear error naming the file and the fix', async () => {
    const { bundle } = await ensureBundle(dir, smallSpec());
    const key = must(bundle.paths.patroni['pg-1'], 'pg-1').rest.key;
    await chmod(key, 0o644);
    for (const attempt of [ensureBundle(dir, smallSpec()), readBundle(dir)]) {
      const error = await rejection(attempt);
      expect(error.code).toBe('KEY_FILE_PERMISSIONS');
      expect(error.item).toBe(key);
      expect(error.message).toContain(key);
      expect(error.message).toContain('mode 0644');
      expect(error.message).toContain(`chmod 600 '${key}'`);
      expect(error.message).not.toContain('PRIVATE KEY');
    }
  });

  test('readBundle returns what ensureBundle wrote', async () => {
    const { bundle } = await ensureBundle(dir, smallSpec());
    const read = await readBundle(dir);
    expect(read.paths).toEqual(bundle.paths);
    expect(read.clusterName).toBe('main');
    expect(read.ca.certPem).toBe(bundle.ca.certPem);
    expect(must(read.patroni['pg-2'], 'pg-2').postgres.key.toPem()).toBe(
      must(bundle.patroni['pg-2'], 'pg-2').postgres.key.toPem(),
    );
    expect(Object.keys(read.clients)).toEqual(['verify']);
  });
});
