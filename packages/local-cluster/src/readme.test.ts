import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { planLocalCluster } from '../test/readme-example.js';

// The README's runnable example is test/readme-example.ts verbatim (typechecked with the package, run here).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-local-readme-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the README shows test/readme-example.ts verbatim as its first ts block', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const example = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
  expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
});

test('plans hosts and paths, reports NOT_DEPLOYED, and writes nothing', async () => {
  const lines = await planLocalCluster(dir, { cluster: 'demo', addressBase: '127.61', patroniNodes: 2 });
  expect(lines).toEqual([
    'etcd-1 127.61.10.1',
    'etcd-2 127.61.10.2',
    'etcd-3 127.61.10.3',
    'pg-1 127.61.20.1',
    'pg-2 127.61.20.2',
    'haproxy 127.61.30.1',
    `manifest ${join(dir, 'demo', 'manifest.json')}`,
    `status: no deployment of cluster "demo" in ${join(dir, 'demo')}`,
  ]);
  expect(await readdir(dir)).toEqual([]);
});

test('bad options: every problem, with the field, the value and the fix', async () => {
  const lines = await planLocalCluster(dir, { etcdMembers: 4, profile: 'turbo' });
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^etcdMembers: 4: use .*3 or 5/);
  expect(lines[1]).toBe('profile: "turbo": use "fast" or "safe"');
});
