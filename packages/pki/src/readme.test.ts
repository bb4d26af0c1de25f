import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { must, tempDir } from '../test/fixtures.js';

// The README's usage example is test/readme-example.ts verbatim (typechecked with the package, run here).

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work.cleanup();
});

describe('README usage example', () => {
  test('the README shows test/readme-example.ts verbatim', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(example);
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
});
