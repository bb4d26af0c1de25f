import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../test/fixtures.js';
import { openssl, textSection } from '../test/openssl.js';
import { ensureBundle } from './index.js';

// The bench compares @pgha/pki with bench/openssl-bundle.sh; this checks that the script is sound shell and
// makes the same set of certificates (same files, same extensions and SANs) as the bench's spec.

const run = promisify(execFile);
const script = fileURLToPath(new URL('../bench/openssl-bundle.sh', import.meta.url));
let work: { dir: string; cleanup: () => Promise<void> };

const benchSpec = {
  clusterName: 'bench',
  etcdMembers: [1, 2, 3, 4, 5].map((i) => ({
    name: `etcd-${i}`,
    ipAddresses: [`127.0.10.${i}`, '127.0.0.1'],
  })),
  patroniNodes: [1, 2, 3].map((i) => ({ name: `pg-${i}`, ipAddresses: [`127.0.20.${i}`] })),
  postgresServiceAddresses: { ipAddresses: ['127.0.30.1'] },
  clients: [{ name: 'verify' }, { name: 'operator' }],
};

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

  test('makes the same certificate set as ensureBundle with the bench spec', async () => {
    const ours = join(work.dir, 'pgha');
    const theirs = join(work.dir, 'openssl');
    await ensureBundle(ours, benchSpec);
    await run('bash', [script, theirs, '2']);
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
      const verified = await openssl(['verify', '-CAfile', join(theirs, 'ca.crt'), join(theirs, file)]);
      expect(verified.code, file).toBe(0);
    }
  });
});
