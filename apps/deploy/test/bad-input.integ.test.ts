import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ensureBundle } from '@pgha/pki';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, traversableTempDir } from './helpers.js';

let root: string;
let server: Server;
beforeAll(async () => {
  root = await traversableTempDir('pgha-bad-');
  server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.43.10.2', port: 2379 }, resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

test('an occupied port stops deploy before anything starts, naming the address and the process', async () => {
  const args = [
    '--state-dir',
    join(root, 'state'),
    '--nodes-dir',
    join(root, 'nodes'),
    '--address-base',
    '127.43',
  ];
  const result = await cli(['deploy', ...args, '--no-install']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`127.43.10.2:2379 (etcd-2) is in use by PID ${process.pid}`);
  expect(result.stderr).toContain('--address-base');
  // Nothing was started, so nothing is reported as left running.
  expect(result.stderr).not.toContain('left running');
});

test('usage errors exit 2 with one line and a hint', async () => {
  const unknown = await cli(['deploy', '--etcd-members', 'four']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('etcdMembers: "four" is not valid; use 3 or 5');
  const flag = await cli(['deploy', '--frobnicate']);
  expect(flag.code).toBe(2);
  expect(flag.stderr).toContain("Unknown option '--frobnicate'");
  const command = await cli(['launch']);
  expect(command.code).toBe(2);
  expect(command.stderr).toContain('unknown command "launch"');
  const aws = await cli(['deploy', '--target', 'gcp']);
  expect(aws.code).toBe(2);
});

test('destroy and status of a cluster that was never deployed say so and exit 2', async () => {
  const result = await cli(['status', '--state-dir', join(root, 'none'), '--cluster', 'ghost']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('no deployment of cluster "ghost"');
});

test('a PKI dir that belongs to another cluster is refused by name, exit 2, and nothing starts', async () => {
  const state = join(root, 'foreign');
  await ensureBundle(join(state, 'main', 'pki'), {
    clusterName: 'other',
    etcdMembers: [{ name: 'etcd-1', ipAddresses: ['127.46.10.1'] }],
    patroniNodes: [{ name: 'pg-1', ipAddresses: ['127.46.20.1'] }],
  });
  const result = await cli([
    'deploy',
    '--state-dir',
    state,
    '--nodes-dir',
    join(root, 'nodes'),
    '--address-base',
    '127.46',
    '--no-install',
  ]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('"other"');
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toContain('left running');
});
