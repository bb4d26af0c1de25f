import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { procStat } from '@pgha/local-cluster';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, traversableTempDir } from './helpers.js';

// Ctrl-C during a deploy on 127.62.x.y: the bin turns SIGINT into io.signal; here the test fires it.
const base = '127.62';
let root: string;
let args: string[];

beforeAll(async () => {
  root = await traversableTempDir('pgha-intr-');
  args = ['--cluster', 'itest-intr', '--state-dir', join(root, 'state'), '--nodes-dir', join(root, 'nodes')];
});
afterAll(async () => {
  await cli(['destroy', '--purge', ...args]);
  await rm(root, { recursive: true, force: true });
});

test('Ctrl-C during deploy: exit 130 with the same "left running" account as any failure', async () => {
  const controller = new AbortController();
  // Interrupted once etcd runs: HAProxy and Patroni are not started any more.
  const result = await cli(
    ['deploy', ...args, '--address-base', base, '--no-install'],
    {},
    {
      signal: controller.signal,
      onStderr: (text) => {
        if (!controller.signal.aborted && /ok {2}etcd: 3 members/.test(text)) controller.abort('SIGINT');
      },
    },
  );
  expect(result.code, result.stderr).toBe(130);
  expect(result.stderr).toContain('error: deploy interrupted (SIGINT)');
  const left = /left running: (.*) \(/.exec(result.stderr)?.[1] ?? '';
  const pids = [...left.matchAll(/(etcd-\d) \(PID (\d+)\)/g)].map((m) => ({ name: m[1], pid: Number(m[2]) }));
  expect(pids.map((p) => p.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
  expect(left).not.toMatch(/haproxy|pg-/);
  for (const { pid } of pids) expect((await procStat(pid))?.state).toMatch(/[RS]/);
  // The way out names this deployment, not the default one.
  expect(result.stderr).toContain(
    `pnpm run destroy -- --cluster itest-intr --state-dir ${join(root, 'state')}`,
  );

  const status = await cli(['status', ...args]);
  expect(status.stdout).toMatch(/etcd-1 .* running/);
  const destroy = await cli(['destroy', ...args]);
  expect(destroy.code, destroy.stderr).toBe(0);
  for (const { pid } of pids) expect((await procStat(pid))?.state ?? 'gone').toMatch(/gone|Z/);
});
