import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { must, smallSpec, tempDir } from '../test/fixtures.js';

// The README's usage examples are test/readme-example.ts and test/readme-ecdsa-example.ts verbatim (typechecked
// with the package, run here).

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work.cleanup();
});

describe('README usage example', () => {
  test('the README shows test/readme-example.ts and test/readme-ecdsa-example.ts verbatim', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const examples = await Promise.all(
      ['readme-example.ts', 'readme-ecdsa-example.ts'].map((f) =>
        readFile(new URL(`../test/${f}`, import.meta.url), 'utf8'),
      ),
    );
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toEqual(examples);
  });

  test('runs: creates the bundle, then a second run keeps everything', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { preparePki } = await import('../test/readme-example.js');
      const first = await preparePki(work.dir);
      expect(first.etcdConfig['cert-file']).toBe(`${work.dir}/pki/etcd/etcd-1.crt`);
      expect(first.patroniEtcd3.key).toBe(`${work.dir}/pki/patroni/pg-1/etcd-client.key`);
      const issuedLines = log.mock.calls.filter(([line]) => String(line).includes(': issued (new)'));
      expect(issuedLines).toHaveLength(1 + 3 + 9 + 2);
      expect(must(log.mock.calls.at(-1), 'last log')[0]).toEqual({ valid: true, problems: [] });
      log.mockClear();
      await preparePki(work.dir);
      expect(log.mock.calls.filter(([line]) => String(line).includes(': issued'))).toHaveLength(0);
    } finally {
      log.mockRestore();
    }
  });

  test('the ECDSA example: P-256 keys in a new directory; an existing RSA bundle keeps its keys and says so', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { prepareFastPki } = await import('../test/readme-ecdsa-example.js');
      const { preparePki } = await import('../test/readme-example.js');
      const spec = smallSpec();
      const fresh = await prepareFastPki(join(work.dir, 'fresh'), spec);
      expect(fresh.ca.key.algorithm).toBe('ecdsa-p256');
      expect(log.mock.calls).toEqual([['CN=pgha main CA, O=pgha, OU=main: ecdsa-p256']]);

      const { bundle: rsa } = await preparePki(join(work.dir, 'existing'));
      log.mockClear();
      const kept = await prepareFastPki(join(work.dir, 'existing', 'pki'), {
        ...spec,
        etcdMembers: [1, 2, 3].map((i) => ({
          name: `etcd-${i}`,
          ipAddresses: [`127.0.10.${i}`, '127.0.0.1'],
        })),
        patroniNodes: [1, 2, 3].map((i) => ({ name: `pg-${i}`, ipAddresses: [`127.0.20.${i}`] })),
        clients: [{ name: 'verify' }, { name: 'operator' }],
      });
      expect(kept.ca.key.toPem()).toBe(rsa.ca.key.toPem());
      const lines = log.mock.calls.map(([line]) => String(line));
      expect(lines).toHaveLength(1 + 3 + 9 + 2 + 1);
      expect(lines[0]).toMatch(
        /^ca: valid, \d+ days left; keeps its rsa-2048 key \(new keys are ecdsa-p256; a CA is never re-keyed\)$/,
      );
      expect(lines.at(-1)).toBe('CN=pgha main CA, O=pgha, OU=main: rsa-2048');
    } finally {
      log.mockRestore();
    }
  });
});
