import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../test/fixtures.js';
import { openssl, textSection } from '../test/openssl.js';
import { type BundleSpec, ensureBundle, type KeyAlgorithm } from './index.js';

// The bench compares @pgha/pki with bench/openssl-bundle.sh; this checks that the script is sound shell and
// makes the same set of certificates (same files, same extensions and SANs) as the bench's spec.

const run = promisify(execFile);
const script = fileURLToPath(new URL('../bench/openssl-bundle.sh', import.meta.url));
let work: { dir: string; cleanup: () => Promise<void> };

/** The bench's own spec file: the test and the bench cannot drift apart. */
const benchSpec = JSON.parse(
  await readFile(fileURLToPath(new URL('../bench/bundle-spec.json', import.meta.url)), 'utf8'),
) as BundleSpec;

async function certs(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter((f) => f.endsWith('.crt')).sort();
}

beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work.cleanup();
});

describe('bench/openssl-bundle.sh', () => {
  test('passes shellcheck', async () => {
    const { stdout } = await run('shellcheck', [script]);
    expect(stdout).toBe('');
  });

  test('refuses an unknown KEY_ALG with its usage, exit 2, before writing anything', async () => {
    const out = join(work.dir, 'refused');
    await expect(run('bash', [script, out, '1', 'dsa'])).rejects.toMatchObject({
      code: 2,
      stderr: "usage: openssl-bundle.sh OUT_DIR [JOBS] [rsa|ecdsa-p256] (KEY_ALG 'dsa' is neither)\n",
    });
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test.each<KeyAlgorithm>(['rsa', 'ecdsa-p256'])(
    'KEY_ALG %s: makes the same certificate set as ensureBundle with the bench spec',
    async (keyAlgorithm) => {
      const ours = join(work.dir, `pgha-${keyAlgorithm}`);
      const theirs = join(work.dir, `openssl-${keyAlgorithm}`);
      await ensureBundle(ours, { ...benchSpec, keyAlgorithm });
      await run('bash', [script, theirs, '2', keyAlgorithm]);
      const files = await certs(ours);
      expect(files).toHaveLength(17);
      expect(await certs(theirs)).toEqual(files);
      const sections = [
        'X509v3 Basic Constraints',
        'X509v3 Key Usage',
        'X509v3 Extended Key Usage',
        'X509v3 Subject Alternative Name',
      ];
      for (const file of files) {
        const [a, b] = await Promise.all(
          [ours, theirs].map((d) => openssl(['x509', '-in', join(d, file), '-noout', '-text'])),
        );
        for (const s of sections) {
          expect(textSection(a?.stdout ?? '', s), `${file} ${s}`).toEqual(textSection(b?.stdout ?? '', s));
        }
        // Same kind of key and signature (the value stands on the heading's line).
        const algorithms = (text: string) =>
          [...text.matchAll(/(?:Public Key|Signature) Algorithm: (\S+)/g)].map((m) => m[1]);
        expect(algorithms(a?.stdout ?? ''), file).toEqual(algorithms(b?.stdout ?? ''));
        expect(algorithms(a?.stdout ?? ''), file).toContain(
          keyAlgorithm === 'rsa' ? 'rsaEncryption' : 'id-ecPublicKey',
        );
        const verified = await openssl(['verify', '-CAfile', join(theirs, 'ca.crt'), join(theirs, file)]);
        expect(verified.code, file).toBe(0);
      }
    },
  );
});
