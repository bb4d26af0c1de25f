import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { awsCluster, loadBalancerName, synthAwsStack } from '@pgha/aws-stack';
import { ensureSecrets } from '@pgha/local-cluster';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { AWS_EXAMPLE, exec, type Json, traversableTempDir } from '../test/support.js';
import { validateAwsConfig } from './config.js';
import { ensureAwsPki } from './pki.js';
import { type AwsSecretInput, awsSecretInputs } from './secret-values.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let root: string;
let inputs: AwsSecretInput[];
let writeSecret: string;
const config = validateAwsConfig(JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')), AWS_EXAMPLE);

/** Runs the boot script's own `write-secret`, taken from the synthesized user-data, with `value` on stdin. */
async function runWriteSecret(kind: 'tls' | 'env', dest: string, value: string): Promise<void> {
  const child = exec('/usr/bin/python3', [writeSecret, kind, dest, userInfo().username]);
  child.child.stdin?.end(value);
  await child;
}

beforeAll(async () => {
  root = await traversableTempDir('pgha-aws-secret-values-');
  const cluster = awsCluster(config);
  const { bundle } = await ensureAwsPki(join(root, 'pki'), cluster, loadBalancerName(config));
  const { secrets } = await ensureSecrets(join(root, 'secrets'));
  inputs = awsSecretInputs(cluster, bundle, secrets);

  // What ships: the write-secret helper inside a Patroni node's cloud-config in the synthesized stack.
  const versions = Object.fromEntries(inputs.map((i) => [i.secretName, 1]));
  const stackDir = synthAwsStack(join(root, 'out'), config, {
    backend: { type: 'local', path: 'terraform.tfstate' },
    secretVersions: versions,
  });
  const doc = JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')) as { locals: Json };
  const userData = Object.entries(doc.locals).find(([k]) => k.startsWith('patroni_node-1_user-data'))?.[1];
  const files = (parse(userData as string) as { write_files: { path: string; content: string }[] })
    .write_files;
  const script = files.find((f) => f.path === '/usr/local/lib/pgha/write-secret');
  if (!script) throw new Error('no write-secret in the Patroni user-data');
  writeSecret = join(root, 'write-secret');
  await writeFile(writeSecret, script.content, { mode: 0o755 });
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the secret values deploy hands Terraform, as the instances will read them', () => {
  test('one per secret the constructs create, each with its own Terraform variable', () => {
    expect(inputs.map((i) => [i.secretName, i.variable])).toEqual([
      ['pgha/main/etcd/etcd-1/tls', 'secret_etcd_etcd_1_tls'],
      ['pgha/main/etcd/etcd-2/tls', 'secret_etcd_etcd_2_tls'],
      ['pgha/main/etcd/etcd-3/tls', 'secret_etcd_etcd_3_tls'],
      ['pgha/main/patroni/pg-1/tls', 'secret_patroni_pg_1_tls'],
      ['pgha/main/patroni/pg-2/tls', 'secret_patroni_pg_2_tls'],
      ['pgha/main/patroni/pg-3/tls', 'secret_patroni_pg_3_tls'],
      ['pgha/main/patroni/passwords', 'secret_patroni_passwords'],
    ]);
    expect(JSON.stringify(inputs)).not.toContain('PRIVATE KEY');
  });

  test("a Patroni node's TLS secret, through the real write-secret: one certificate for PostgreSQL behind the NLB, REST and etcd", async () => {
    const dir = join(root, 'pg-2-tls');
    await mkdir(dir);
    const input = inputs.find((i) => i.secretName === 'pgha/main/patroni/pg-2/tls');
    await runWriteSecret('tls', dir, input?.value.reveal() ?? '');
    const cert = new X509Certificate(await readFile(join(dir, 'node.crt')));
    const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(join(dir, 'node.key'))))).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName?.split(', ').sort()).toEqual([
      'DNS:db.main.pgha.internal',
      'DNS:pg-2.main.pgha.internal',
    ]);
    expect(cert.keyUsage?.sort()).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(await readFile(join(dir, 'ca.crt'), 'utf8')).toBe(
      await readFile(join(root, 'pki', 'ca.crt'), 'utf8'),
    );
  });

  test("an etcd member's TLS secret: its own certificate and key, and the CA", async () => {
    const dir = join(root, 'etcd-3-tls');
    await mkdir(dir);
    const input = inputs.find((i) => i.secretName === 'pgha/main/etcd/etcd-3/tls');
    await runWriteSecret('tls', dir, input?.value.reveal() ?? '');
    expect(await readFile(join(dir, 'node.crt'), 'utf8')).toBe(
      await readFile(join(root, 'pki', 'etcd', 'etcd-3.crt'), 'utf8'),
    );
    expect(await readFile(join(dir, 'node.key'), 'utf8')).toBe(
      await readFile(join(root, 'pki', 'etcd', 'etcd-3.key'), 'utf8'),
    );
  });

  test("the passwords secret, through the real write-secret: Patroni's environment file with the kept passwords", async () => {
    const file = join(root, 'patroni.env');
    const input = inputs.find((i) => i.secretName === 'pgha/main/patroni/passwords');
    await runWriteSecret('env', file, input?.value.reveal() ?? '');
    const password = async (n: string) => (await readFile(join(root, 'secrets', n), 'utf8')).trim();
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      `PATRONI_SUPERUSER_PASSWORD="${await password('superuser')}"`,
      `PATRONI_REPLICATION_PASSWORD="${await password('replication')}"`,
      `PATRONI_REWIND_PASSWORD="${await password('rewind')}"`,
      'PATRONI_RESTAPI_USERNAME="patroni"',
      `PATRONI_RESTAPI_PASSWORD="${await password('restapi')}"`,
      '',
    ]);
  });
});
