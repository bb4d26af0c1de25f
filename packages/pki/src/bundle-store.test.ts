import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { must, smallSpec, tempDir } from '../test/fixtures.js';
import {
  type Bundle,
  type BundleChange,
  type BundleSpec,
  bundlePaths,
  createBundle,
  ensureBundle,
  inspectCertificate,
  isPkiError,
  issueCertificate,
  type KeyAlgorithm,
  type PkiError,
  readBundle,
  type StoredBundle,
  verifyChain,
  writeBundle,
} from './index.js';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let cleanup: () => Promise<void>;
let seed: Bundle;

// One in-memory bundle, written afresh into each test's directory: tests that need "an existing valid bundle"
// do not pay for 10 new RSA keys each.
beforeAll(async () => {
  seed = await createBundle(smallSpec());
});

async function seeded(): Promise<{ bundle: StoredBundle }> {
  return { bundle: await writeBundle(dir, seed) };
}

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
  test.each<KeyAlgorithm>(['rsa', 'ecdsa-p256'])(
    'first run (%s) issues everything and writes dir 0700, keys 0600, certs 0644 at the documented paths',
    async (keyAlgorithm) => {
      const { bundle, changes } = await ensureBundle(dir, smallSpec({ keyAlgorithm }));
      expect(changes).toHaveLength(1 + 2 + 6 + 1);
      expect(changes.every((c) => c.action === 'issued' && c.reason === 'new')).toBe(true);
      expect(changes.every((c) => c.keyAlgorithm === keyAlgorithm)).toBe(true);
      expect(bundle.paths.dir).toBe(dir);
      expect(bundlePaths(dir, smallSpec())).toEqual(bundle.paths); // computable before anything exists
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
        expect(await readFile(f.key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
        expect(inspectCertificate(await readFile(f.cert, 'utf8')).keyAlgorithm).toBe(keyAlgorithm);
      }
      expect((await readdir(dir)).sort()).toEqual([
        'bundle.json',
        'ca.crt',
        'ca.key',
        'clients',
        'etcd',
        'patroni',
      ]);
    },
  );

  test('a re-run keeps the CA and every certificate, byte for byte', async () => {
    const first = await seeded();
    const before = await snapshot(first.bundle);
    const second = await ensureBundle(dir, smallSpec());
    expect(byAction(second.changes)).toEqual({ kept: second.changes.map((c) => c.id) });
    expect(second.changes.every((c) => c.reason === 'valid')).toBe(true);
    expect(await snapshot(second.bundle)).toEqual(before);
    expect(second.bundle.ca.certPem).toBe(first.bundle.ca.certPem);
  });

  test('adding a SAN renews only that certificate, for the same key', async () => {
    const first = await seeded();
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

  test('an IPv6 SAN written in any form is compared canonically: no renewal loop', async () => {
    await seeded();
    const spec = smallSpec();
    const withV6 = (ip: string): BundleSpec => ({
      ...spec,
      etcdMembers: [
        { name: 'etcd-1', ipAddresses: ['127.0.10.1', '127.0.0.1', ip] },
        ...spec.etcdMembers.slice(1),
      ],
    });
    const added = await ensureBundle(dir, withV6('0:0:0:0:0:0:0:1'));
    expect(byAction(added.changes).renewed).toEqual(['etcd.etcd-1']);
    expect(
      must(
        added.changes.find((c) => c.id === 'etcd.etcd-1'),
        'c',
      ).detail,
    ).toBe('SANs changed: +IP:::1');
    const again = await ensureBundle(dir, withV6('::1'));
    expect(again.changes.every((c) => c.action === 'kept')).toBe(true);
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
    const { bundle } = await seeded();
    const key = must(bundle.paths.patroni['pg-1'], 'pg-1').rest.key;
    await chmod(key, 0o644);
    for (const attempt of [() => ensureBundle(dir, smallSpec()), () => readBundle(dir)]) {
      const error = await rejection(attempt());
      expect(error.code).toBe('KEY_FILE_PERMISSIONS');
      expect(error.item).toBe(key);
      expect(error.message).toContain(key);
      expect(error.message).toContain('mode 0644');
      expect(error.message).toContain(`chmod 600 '${key}'`);
      expect(error.message).not.toContain('PRIVATE KEY');
    }
  });

  test('readBundle returns what ensureBundle wrote', async () => {
    const { bundle } = await seeded();
    const read = await readBundle(dir);
    expect(read.paths).toEqual(bundle.paths);
    expect(read.clusterName).toBe('main');
    expect(read.ca.certPem).toBe(bundle.ca.certPem);
    expect(must(read.patroni['pg-2'], 'pg-2').postgres.key.toPem()).toBe(
      must(bundle.patroni['pg-2'], 'pg-2').postgres.key.toPem(),
    );
    expect(Object.keys(read.clients)).toEqual(['verify']);
  });
  test('a deleted key file: a new key and certificate for that entry only, reported as key-missing', async () => {
    const { bundle } = await seeded();
    const paths = must(bundle.paths.clients.verify, 'verify');
    const oldKey = await readFile(paths.key, 'utf8');
    await rm(paths.key);
    const { changes } = await ensureBundle(dir, smallSpec());
    expect(changes.filter((c) => c.action !== 'kept')).toEqual([
      expect.objectContaining({ id: 'clients.verify', action: 'issued', reason: 'key-missing' }),
    ]);
    expect(await readFile(paths.key, 'utf8')).not.toBe(oldKey);
    expect((await stat(paths.key)).mode & 0o777).toBe(0o600);
  });

  test('a deleted certificate: re-made for the existing key, reported as certificate-missing', async () => {
    const { bundle } = await seeded();
    const paths = must(bundle.paths.patroni['pg-1'], 'pg-1').postgres;
    const oldKey = await readFile(paths.key, 'utf8');
    await rm(paths.cert);
    const { changes } = await ensureBundle(dir, smallSpec());
    expect(changes.filter((c) => c.action !== 'kept')).toEqual([
      expect.objectContaining({
        id: 'patroni.pg-1.postgres',
        action: 'renewed',
        reason: 'certificate-missing',
      }),
    ]);
    expect(await readFile(paths.key, 'utf8')).toBe(oldKey);
  });

  test('a certificate from another CA is renewed for its key (issuer-changed)', async () => {
    const { bundle } = await seeded();
    const foreign = await createBundle(smallSpec({ patroniNodes: [], clients: [] }));
    const paths = must(bundle.paths.etcd['etcd-1'], 'etcd-1');
    await writeFile(paths.cert, must(foreign.etcd['etcd-1'], 'etcd-1').certPem);
    await writeFile(paths.key, must(foreign.etcd['etcd-1'], 'etcd-1').key.toPem(), { mode: 0o600 });
    const { changes } = await ensureBundle(dir, smallSpec());
    expect(changes.filter((c) => c.action !== 'kept')).toEqual([
      expect.objectContaining({ id: 'etcd.etcd-1', action: 'renewed', reason: 'issuer-changed' }),
    ]);
    expect(await readFile(paths.key, 'utf8')).toBe(must(foreign.etcd['etcd-1'], 'etcd-1').key.toPem());
    expect(verifyChain(await readFile(paths.cert, 'utf8'), bundle.ca.certPem).valid).toBe(true);
  });

  test('a certificate with the wrong usages is renewed for its key (profile-changed)', async () => {
    const { bundle } = await seeded();
    const paths = must(bundle.paths.etcd['etcd-1'], 'etcd-1');
    const existing = must(bundle.etcd['etcd-1'], 'etcd-1');
    const clientOnly = await issueCertificate(bundle.ca, {
      commonName: 'etcd-1',
      organizationalUnit: 'main',
      extendedKeyUsage: ['clientAuth'],
      subjectAltNames: ['127.0.10.1', '127.0.0.1'],
      validityDays: 100,
      key: existing.key,
    });
    await writeFile(paths.cert, clientOnly.certPem);
    const { changes } = await ensureBundle(dir, smallSpec());
    expect(changes.filter((c) => c.action !== 'kept')).toEqual([
      expect.objectContaining({
        id: 'etcd.etcd-1',
        action: 'renewed',
        reason: 'profile-changed',
        detail:
          'has CN=etcd-1, O=pgha, OU=main [clientAuth], needs CN=etcd-1, O=pgha, OU=main [clientAuth,serverAuth]',
      }),
    ]);
    expect(inspectCertificate(await readFile(paths.cert, 'utf8')).extendedKeyUsage).toEqual([
      'serverAuth',
      'clientAuth',
    ]);
  });

  test('certificates from the future (clock moved back) are renewed: not-yet-valid', async () => {
    const spec = smallSpec({ patroniNodes: [], clients: [] });
    await ensureBundle(dir, spec, { now: new Date(Date.now() + 3 * DAY) });
    const { changes } = await ensureBundle(dir, spec);
    expect(changes.map((c) => [c.id, c.action, c.reason])).toEqual([
      ['ca', 'renewed', 'not-yet-valid'],
      ['etcd.etcd-1', 'renewed', 'not-yet-valid'],
      ['etcd.etcd-2', 'renewed', 'not-yet-valid'],
    ]);
  });

  test('a node removed from the spec: its files are deleted and it is reported as removed', async () => {
    await seeded();
    const spec = smallSpec();
    const { bundle, changes } = await ensureBundle(dir, {
      ...spec,
      patroniNodes: spec.patroniNodes.slice(0, 1),
    });
    expect(byAction(changes).removed).toEqual([
      'patroni.pg-2.etcdClient',
      'patroni.pg-2.postgres',
      'patroni.pg-2.rest',
    ]);
    expect(byAction(changes).issued).toBeUndefined();
    expect(existsSync(join(dir, 'patroni', 'pg-2'))).toBe(false);
    expect(Object.keys(bundle.paths.patroni)).toEqual(['pg-1']);
    expect(Object.keys((await readBundle(dir)).patroni)).toEqual(['pg-1']);
  });

  test('a node added to the spec: only its certificates are issued', async () => {
    await seeded();
    const spec = smallSpec();
    const grown = {
      ...spec,
      etcdMembers: [...spec.etcdMembers, { name: 'etcd-3', ipAddresses: ['127.0.10.3', '127.0.0.1'] }],
    };
    const { changes } = await ensureBundle(dir, grown);
    expect(byAction(changes).issued).toEqual(['etcd.etcd-3']);
    expect(byAction(changes).kept).toHaveLength(10);
  });

  test('a CA near expiry is renewed with the same key and subject; certificates it signed still verify', async () => {
    const spec = smallSpec({ caValidityDays: 100, validityDays: 90 });
    const first = await ensureBundle(dir, spec, { now: new Date(Date.now() - 80 * DAY) });
    const oldLeaf = must(first.bundle.etcd['etcd-1'], 'etcd-1').certPem;
    const { bundle, changes } = await ensureBundle(dir, spec);
    expect(changes[0]).toMatchObject({ id: 'ca', action: 'renewed', reason: 'expiring' });
    expect(bundle.ca.key.toPem()).toBe(first.bundle.ca.key.toPem());
    const [before, after] = [first.bundle.ca.certPem, bundle.ca.certPem].map((pem) =>
      inspectCertificate(pem),
    );
    expect(after?.subject).toBe(before?.subject);
    expect(after?.subjectKeyId).toBe(before?.subjectKeyId);
    expect(after?.daysLeft).toBe(99);
    // An old certificate (not yet renewed somewhere) verifies against the renewed CA certificate.
    expect(verifyChain(oldLeaf, bundle.ca.certPem)).toEqual({ valid: true, problems: [] });
  });

  test('changed validity settings alone do not reissue anything', async () => {
    await seeded();
    const { changes } = await ensureBundle(dir, smallSpec({ validityDays: 400, caValidityDays: 1000 }));
    expect(changes.every((c) => c.action === 'kept')).toBe(true);
  });

  test('a missing CA key is an error, never a silent new CA', async () => {
    const { bundle } = await seeded();
    await rm(bundle.paths.ca.key);
    const error = await rejection(ensureBundle(dir, smallSpec()));
    expect(error.code).toBe('CA_UNUSABLE');
    expect(error.message).toContain(bundle.paths.ca.key);
    expect(error.message).toContain('Restore the CA key');
    expect(existsSync(bundle.paths.ca.key)).toBe(false);
  });

  test('a CA deleted from an existing bundle is an error, never a silent new CA', async () => {
    const { bundle } = await seeded();
    await rm(bundle.paths.ca.key);
    await rm(bundle.paths.ca.cert);
    const error = await rejection(ensureBundle(dir, smallSpec()));
    expect(error.code).toBe('CA_UNUSABLE');
    expect(error.message).toContain('delete the whole bundle directory');
  });

  test('a key that does not belong to its certificate is an error naming both files', async () => {
    const { bundle } = await seeded();
    const a = must(bundle.paths.etcd['etcd-1'], 'etcd-1');
    const b = must(bundle.paths.etcd['etcd-2'], 'etcd-2');
    await writeFile(a.key, await readFile(b.key, 'utf8'));
    for (const attempt of [() => ensureBundle(dir, smallSpec()), () => readBundle(dir)]) {
      const error = await rejection(attempt());
      expect(error.code).toBe('KEY_CERT_MISMATCH');
      expect(error.message).toContain(a.key);
      expect(error.message).toContain(a.cert);
      expect(error.message).not.toContain('PRIVATE KEY');
    }
  });

  test('an unreadable key file is an error naming the file, without its content', async () => {
    const { bundle } = await seeded();
    const key = must(bundle.paths.clients.verify, 'verify').key;
    const original = await readFile(key, 'utf8');
    const truncated = original.slice(0, 400); // a real but cut key: its base64 must not leak
    await writeFile(key, truncated);
    const error = await rejection(ensureBundle(dir, smallSpec()));
    expect(error.code).toBe('KEY_UNREADABLE');
    expect(error.message).toContain(key);
    expect(error.message).not.toContain(truncated.split('\n')[1]);
    expect(JSON.stringify(error)).not.toContain(truncated.split('\n')[1]);
  });

  test('another cluster in the same directory is refused', async () => {
    await seeded();
    const error = await rejection(ensureBundle(dir, smallSpec({ clusterName: 'other' })));
    expect(error.code).toBe('CLUSTER_MISMATCH');
    expect(error.message).toContain('"main"');
    expect(error.message).toContain('"other"');
  });
});

describe("ensureBundle with another keyAlgorithm than the bundle's keys", () => {
  const name = { rsa: 'rsa-2048', 'ecdsa-p256': 'ecdsa-p256' } as const;

  test.each<[KeyAlgorithm, KeyAlgorithm]>([
    ['rsa', 'ecdsa-p256'],
    ['ecdsa-p256', 'rsa'],
  ])('a %s bundle run with %s: keys kept and said so; only new keys get the new kind', async (from, to) => {
    const first =
      from === 'rsa' ? await seeded() : await ensureBundle(dir, smallSpec({ keyAlgorithm: from }));
    const before = await snapshot(first.bundle);

    // Same entries, other keyAlgorithm: nothing is re-keyed or re-issued; every change names the kept kind.
    const again = await ensureBundle(dir, smallSpec({ keyAlgorithm: to }));
    expect(byAction(again.changes)).toEqual({ kept: again.changes.map((c) => c.id) });
    expect(await snapshot(again.bundle)).toEqual(before);
    for (const c of again.changes) {
      expect(c.keyAlgorithm, c.id).toBe(from);
      const how = c.id === 'ca' ? 'a CA is never re-keyed' : 'delete the key file to have a new key issued';
      expect(c.detail, c.id).toMatch(
        new RegExp(
          `^valid, \\d+ days left; keeps its ${name[from]} key \\(new keys are ${name[to]}; ${how}\\)$`,
        ),
      );
    }

    // A new member, a changed SAN and a deleted key file in one run.
    const spec = smallSpec({ keyAlgorithm: to });
    const grown: BundleSpec = {
      ...spec,
      etcdMembers: [
        { name: 'etcd-1', ipAddresses: ['127.0.10.1', '127.0.0.1', '127.0.10.11'] },
        ...spec.etcdMembers.slice(1),
        { name: 'etcd-3', ipAddresses: ['127.0.10.3', '127.0.0.1'] },
      ],
    };
    await rm(must(first.bundle.paths.clients.verify, 'verify').key);
    const { bundle, changes } = await ensureBundle(dir, grown);
    const summary = changes
      .filter((c) => c.action !== 'kept')
      .map((c) => [c.id, c.action, c.reason, c.keyAlgorithm]);
    expect(summary).toEqual([
      ['etcd.etcd-1', 'renewed', 'san-changed', from],
      ['etcd.etcd-3', 'issued', 'new', to],
      ['clients.verify', 'issued', 'key-missing', to],
    ]);
    const etcd1 = must(bundle.paths.etcd['etcd-1'], 'etcd-1');
    expect(await readFile(etcd1.key, 'utf8')).toBe(before.get(etcd1.key)); // renewed, not re-keyed
    expect(
      must(
        changes.find((c) => c.id === 'etcd.etcd-1'),
        'etcd-1',
      ).detail,
    ).toMatch(/^SANs changed: \+IP:127\.0\.10\.11; keeps its /);

    // The mixed bundle reads back; every certificate verifies against the CA, whatever kind its key is.
    const read = await readBundle(dir);
    expect(read.ca.key.algorithm).toBe(from);
    expect(must(read.etcd['etcd-3'], 'etcd-3').key.algorithm).toBe(to);
    expect(must(read.clients.verify, 'verify').key.algorithm).toBe(to);
    expect(must(read.etcd['etcd-2'], 'etcd-2').key.algorithm).toBe(from);
    for (const f of allFiles(read)) {
      const pem = await readFile(f.cert, 'utf8');
      expect(verifyChain(pem, read.ca.certPem), f.cert).toEqual({ valid: true, problems: [] });
      expect((await stat(f.key)).mode & 0o777, f.key).toBe(0o600);
    }
  });
});

describe('writeBundle / readBundle', () => {
  test.each<KeyAlgorithm>(['rsa', 'ecdsa-p256'])(
    'round trip of an in-memory bundle (%s), with the documented modes',
    async (keyAlgorithm) => {
      const made = await createBundle(smallSpec({ patroniNodes: [], keyAlgorithm }));
      const written = await writeBundle(dir, made);
      expect((await stat(written.paths.ca.key)).mode & 0o777).toBe(0o600);
      expect((await stat(must(written.paths.etcd['etcd-2'], 'etcd-2').key)).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      const read = await readBundle(dir);
      expect(JSON.stringify(read)).toBe(JSON.stringify(written));
      expect(read.ca.key.toPem()).toBe(made.ca.key.toPem());
      const etcd2 = must(read.etcd['etcd-2'], 'etcd-2');
      expect(etcd2.key.toPem()).toBe(must(made.etcd['etcd-2'], 'etcd-2').key.toPem());
      expect([read.ca.key.algorithm, etcd2.key.algorithm]).toEqual([keyAlgorithm, keyAlgorithm]);
      expect(verifyChain(etcd2.certPem, read.ca.certPem)).toEqual({ valid: true, problems: [] });
    },
  );

  test('an empty directory or a missing listed file: BUNDLE_INCOMPLETE with the path and the fix', async () => {
    const empty = await rejection(readBundle(dir));
    expect(empty.code).toBe('BUNDLE_INCOMPLETE');
    expect(empty.message).toContain(join(dir, 'bundle.json'));
    const { bundle } = await seeded();
    const cert = must(bundle.paths.etcd['etcd-2'], 'etcd-2').cert;
    await rm(cert);
    const missing = await rejection(readBundle(dir));
    expect(missing.code).toBe('BUNDLE_INCOMPLETE');
    expect(missing.message).toContain(cert);
    expect(missing.message).toContain('ensureBundle');
  });
});
