import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, loopbackBundles } from '../test/fixtures.js';
import {
  etcdHealthy,
  etcdIsLeader,
  etcdVersion,
  isClientError,
  parseEtcdMemberList,
  parseEtcdStatus,
  type RestTls,
  rest,
} from './index.js';

// A real single-member etcd on 127.0.0.1 (free ports), client TLS with client-certificate auth, certificates from
// @pgha/pki; etcdctl cross-checks what the client reads.

let dir: string;
let etcd: ChildProcess | undefined;
let endpoint: string;
let tls: RestTls;
let files: { ca: string; cert: string; key: string };

const etcdctl = (...args: string[]) =>
  execFileSync(
    'etcdctl',
    ['--endpoints', endpoint, '--cacert', files.ca, '--cert', files.cert, '--key', files.key, ...args],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ETCDCTL_API: '3' } },
  ).toString();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgha-clients-etcd-'));
  const { bundle } = await loopbackBundles();
  const server = bundle.etcd['etcd-1'];
  const client = bundle.clients.verify;
  if (!server || !client) throw new Error('bundle without etcd-1 or verify');
  files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'verify.crt'), key: join(dir, 'verify.key') };
  await writeFile(files.ca, bundle.ca.certPem);
  await writeFile(files.cert, client.certPem);
  await writeFile(files.key, client.key.toPem(), { mode: 0o600 });
  await writeFile(join(dir, 'etcd.crt'), server.certPem);
  await writeFile(join(dir, 'etcd.key'), server.key.toPem(), { mode: 0o600 });
  tls = { ca: bundle.ca.certPem, cert: client.certPem, key: client.key.toPem() };

  const [clientPort, peerPort] = [await freePort(), await freePort()];
  endpoint = `https://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  etcd = spawn(
    'etcd',
    [
      '--name=etcd-1',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=etcd-1=${peer}`,
      `--cert-file=${join(dir, 'etcd.crt')}`,
      `--key-file=${join(dir, 'etcd.key')}`,
      `--trusted-ca-file=${files.ca}`,
      '--client-cert-auth',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await etcdHealthy(endpoint, tls, 1000).catch(() => false)) break;
    if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} not healthy within 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  if (etcd?.pid !== undefined && etcd.exitCode === null) {
    const exited = new Promise((r) => etcd?.once('exit', r));
    etcd.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('etcdHealthy: true for a healthy member', async () => {
  expect(await etcdHealthy(endpoint, tls, 2000)).toBe(true);
});

test('etcdIsLeader: a single member leads, as etcdctl endpoint status says', async () => {
  expect(etcdctl('endpoint', 'status', '-w', 'simple').split(', ')[4]).toBe('true');
  expect(await etcdIsLeader(endpoint, tls, 2000)).toBe(true);
});

test('etcdVersion: the version `etcd --version` prints', async () => {
  const fromEtcdctl = /etcd Version: (\S+)/.exec(execFileSync('etcd', ['--version']).toString())?.[1];
  expect(await etcdVersion(endpoint, tls, 2000)).toBe(fromEtcdctl);
});

test('without the client certificate the TLS handshake is refused: the call rejects', async () => {
  await expect(etcdHealthy(endpoint, { ca: tls.ca }, 2000)).rejects.toThrow();
});

test('a path etcd does not serve: etcdVersion throws HTTP_STATUS naming the URL', async () => {
  const error = await etcdVersion(`${endpoint}/nope`, tls, 2000).catch((e: unknown) => e);
  expect(isClientError(error) && error.code).toBe('HTTP_STATUS');
  expect((error as Error).message).toBe(`${endpoint}/nope/version answered HTTP 404`);
});

test('parseEtcdStatus and parseEtcdMemberList read what etcdctl reads', async () => {
  const call = async (path: string) =>
    JSON.parse((await rest(`${endpoint}${path}`, tls, { method: 'POST', body: {}, timeoutMs: 2000 })).body);
  const status = parseEtcdStatus(await call('/v3/maintenance/status'));
  const list = parseEtcdMemberList(await call('/v3/cluster/member/list'));
  // etcdctl writes the uint64 ids as JSON numbers, which JSON.parse may round: compare with their digits.
  const ctlText = etcdctl('endpoint', 'status', '-w', 'json');
  const ctlId = /"member_id":(\d+)/.exec(ctlText)?.[1];
  const ctlVersion = (JSON.parse(ctlText) as { Status: { version: string } }[])[0]?.Status.version;
  expect(status.memberId).toBe(ctlId);
  expect(status.leader).toBe(status.memberId);
  expect(status.version).toBe(ctlVersion);
  expect(status.isLearner).toBe(false);
  expect(list.memberId).toBe(status.memberId);
  expect(list.members).toEqual([
    {
      id: status.memberId,
      name: 'etcd-1',
      peerUrls: [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)],
      clientUrls: [endpoint],
      isLearner: false,
    },
  ]);
});
