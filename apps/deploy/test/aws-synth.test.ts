import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AWS_EXAMPLE, filesUnder, isolatedEnv, type Json, secretHits } from './aws-support.js';
import { cli, traversableTempDir } from './helpers.js';

type Resources = Record<string, Record<string, Json>>;

let root: string;
let state: string;
let first: Json;
let doc: { resource: Resources; terraform: Json; provider: Json; output: Json };
const passwords: string[] = [];

const mode = async (path: string) => (await stat(path)).mode & 0o777;

beforeAll(async () => {
  root = await traversableTempDir('pgha-aws-synth-');
  state = join(root, 'state');
  const result = await cli(
    ['synth', '--config', AWS_EXAMPLE, '--state-dir', state, '--json'],
    isolatedEnv(root),
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  first = JSON.parse(result.stdout) as Json;
  doc = JSON.parse(await readFile(first.stackFile as string, 'utf8')) as typeof doc;
  for (const name of ['superuser', 'replication', 'rewind', 'restapi'])
    passwords.push((await readFile(join(state, 'main', 'secrets', name), 'utf8')).trim());
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pgha synth (AWS) from the example config', () => {
  test('--json reports where the stack is and counts what the stack JSON holds', () => {
    expect(first).toMatchObject({ ok: true, version: 1, target: 'aws', cluster: 'main' });
    expect(first.stackFile).toBe(join(state, 'main', 'cdktf.out', 'stacks', 'main', 'cdk.tf.json'));
    const byType = Object.fromEntries(
      Object.entries(doc.resource).map(([t, r]) => [t, Object.keys(r).length]),
    );
    expect((first.resources as Json).byType).toEqual(byType);
    expect(byType).toMatchObject({
      aws_instance: 3,
      aws_autoscaling_group: 3,
      aws_lb: 1,
      aws_lb_listener: 2,
    });
    expect(first.secretsCreated).toEqual(['superuser', 'replication', 'rewind', 'restapi']);
  });

  test('the NLB sends 5432 to the /primary target group and 5433 to /replica, health-checked over HTTPS on 8008', () => {
    const groups = doc.resource.aws_lb_target_group ?? {};
    const listeners = Object.values(doc.resource.aws_lb_listener ?? {});
    const healthPathByPort = new Map<number, unknown>();
    for (const l of listeners) {
      const action = (l.default_action as Json[])[0] as Json;
      expect(action.type).toBe('forward');
      const ref = /^\$\{aws_lb_target_group\.(.+)\.arn\}$/.exec(action.target_group_arn as string)?.[1] ?? '';
      const group = groups[ref];
      expect(group, `listener ${l.port} forwards to a synthesized target group`).toBeDefined();
      const check = group?.health_check as Json;
      expect(check).toMatchObject({ enabled: true, protocol: 'HTTPS', port: '8008', matcher: '200' });
      expect(group).toMatchObject({ protocol: 'TCP', port: 5432 });
      healthPathByPort.set(l.port as number, check.path);
    }
    expect(healthPathByPort).toEqual(
      new Map<number, unknown>([
        [5432, '/primary'],
        [5433, '/replica?lag=16777216'],
      ]),
    );
    const lb = Object.values(doc.resource.aws_lb ?? {})[0];
    expect(lb).toMatchObject({ internal: true, load_balancer_type: 'network' });
  });

  test('the real synth has no plan-only switches and keeps its state at a relative path', () => {
    const providers = (doc.provider as { aws: Json[] }).aws;
    expect(providers).toEqual([{ region: 'eu-west-1' }]);
    const backend = (doc.terraform.backend as { local: { path: string } }).local;
    expect(backend.path).toBe('../../../terraform.tfstate');
    expect(join(state, 'main', 'cdktf.out', 'stacks', 'main', backend.path)).toBe(
      join(state, 'main', 'terraform.tfstate'),
    );
  });

  test('PKI and passwords are on disk with owner-only modes; certificates carry the DNS names', async () => {
    const dir = join(state, 'main');
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(dir, 'pki'))).toBe(0o700);
    expect(await mode(join(dir, 'secrets'))).toBe(0o700);
    const keys = [...(await filesUnder(join(dir, 'pki'))).keys()].filter((f) => f.endsWith('.key'));
    expect(keys.length).toBe(1 + 3 + 3 * 3 + 2);
    for (const key of keys) expect(await mode(key), key).toBe(0o600);
    for (const name of ['superuser', 'replication', 'rewind', 'restapi'])
      expect(await mode(join(dir, 'secrets', name)), name).toBe(0o600);
    for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(24);
    expect(new Set(passwords).size).toBe(4);

    const cert = async (path: string) => new X509Certificate(await readFile(join(dir, 'pki', path)));
    expect((await cert('etcd/etcd-2.crt')).subjectAltName).toBe('DNS:etcd-2.main.pgha.internal');
    const pg = (await cert('patroni/pg-3/postgres.crt')).subjectAltName ?? '';
    expect(pg.split(', ').sort()).toEqual(['DNS:db.main.pgha.internal', 'DNS:pg-3.main.pgha.internal']);
    expect((await cert('patroni/pg-3/postgres.crt')).verify((await cert('ca.crt')).publicKey)).toBe(true);
  });

  test('no password and no private key anywhere in the out dir', async () => {
    const files = await filesUnder(join(state, 'main', 'cdktf.out'));
    expect(files.size).toBeGreaterThan(0);
    const hits = [...files].flatMap(([name, bytes]) => secretHits(name, bytes.toString('utf8'), passwords));
    expect(hits).toEqual([]);
    // The check itself finds what it looks for (it cannot pass vacuously).
    expect(
      secretHits(
        'planted',
        JSON.stringify({ a: Buffer.from(`x${passwords[0]}`).toString('base64') }),
        passwords,
      ),
    ).toEqual(['planted: secret #1']);
  });

  test('a second synth reuses the PKI and passwords byte for byte and writes identical stack JSON', async () => {
    const before = new Map([
      ...(await filesUnder(join(state, 'main', 'pki'))),
      ...(await filesUnder(join(state, 'main', 'secrets'))),
    ]);
    const stackBefore = await readFile(first.stackFile as string, 'utf8');
    const again = await cli(['synth', '--config', AWS_EXAMPLE, '--state-dir', state], isolatedEnv(root));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`stack JSON:   ${first.stackFile}`);
    expect(again.stdout).toMatch(/passwords: +\S+ \(kept\)/);
    const after = new Map([
      ...(await filesUnder(join(state, 'main', 'pki'))),
      ...(await filesUnder(join(state, 'main', 'secrets'))),
    ]);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, bytes] of before) expect(after.get(file)?.equals(bytes), file).toBe(true);
    expect(await readFile(first.stackFile as string, 'utf8')).toBe(stackBefore);
  }, 60_000);

  test('secret version numbers: 1 for each secret; a changed password bumps only the passwords secret', async () => {
    const versionsIn = async () => {
      const stack = JSON.parse(await readFile(first.stackFile as string, 'utf8')) as typeof doc;
      return Object.fromEntries(
        Object.entries(stack.resource.aws_secretsmanager_secret_version ?? {}).map(([name, r]) => [
          name,
          r.secret_string_wo_version,
        ]),
      );
    };
    const before = await versionsIn();
    expect(Object.keys(before)).toHaveLength(7);
    expect(new Set(Object.values(before))).toEqual(new Set([1]));
    const store = join(state, 'main', 'aws-secret-versions.json');
    expect(await mode(store)).toBe(0o600);

    // An operator rotates the rewind password in the state dir: the passwords secret has new content.
    await writeFile(join(state, 'main', 'secrets', 'rewind'), 'rotated-rewind-password-0123456789\n');
    const again = await cli(
      ['synth', '--config', AWS_EXAMPLE, '--state-dir', state, '--json'],
      isolatedEnv(root),
    );
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as Json).secretsChanged).toEqual(['pgha/main/patroni/passwords']);
    expect(await versionsIn()).toEqual({ ...before, secret_patroni_passwords_version: 2 });
    expect(await mode(store)).toBe(0o600);
    const text = await readFile(store, 'utf8');
    expect(text).not.toContain('rotated-rewind-password');
    for (const p of passwords) expect(text).not.toContain(p);
  }, 60_000);
});

describe('pgha synth (AWS) options', () => {
  test('an S3 backend from the config: encrypted, with S3-native locking', async () => {
    const example = JSON.parse(await readFile(AWS_EXAMPLE, 'utf8')) as Json;
    const config = join(root, 's3.json');
    await writeFile(
      config,
      JSON.stringify({
        ...example,
        clusterName: 'tfs3',
        backend: {
          type: 's3',
          bucket: 'acme-tf-state',
          key: 'pgha/tfs3.tfstate',
          region: 'eu-west-1',
          useLockfile: true,
        },
      }),
    );
    const result = await cli(
      ['synth', '--config', config, '--state-dir', state, '--json'],
      isolatedEnv(root),
    );
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as Json;
    const s3 = JSON.parse(await readFile(out.stackFile as string, 'utf8')) as {
      terraform: { backend: Json };
    };
    expect(s3.terraform.backend).toEqual({
      s3: {
        bucket: 'acme-tf-state',
        key: 'pgha/tfs3.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(out.backend).toEqual({
      type: 's3',
      bucket: 'acme-tf-state',
      key: 'pgha/tfs3.tfstate',
      region: 'eu-west-1',
      lock: 'S3 lock file',
    });
  }, 60_000);

  test('--cluster and --out: another cluster name, its own DNS names, the stack where asked', async () => {
    const out = join(root, 'elsewhere');
    const result = await cli(
      ['synth', '--config', AWS_EXAMPLE, '--state-dir', state, '--cluster', 'orders', '--out', out, '--json'],
      isolatedEnv(root),
    );
    expect(result.code).toBe(0);
    const stackFile = join(out, 'stacks', 'orders', 'cdk.tf.json');
    expect((JSON.parse(result.stdout) as Json).stackFile).toBe(stackFile);
    const orders = JSON.parse(await readFile(stackFile, 'utf8')) as typeof doc;
    const names = Object.values(orders.resource.aws_route53_record ?? {}).map((r) => r.name);
    expect(names).toContain('db.orders.pgha.internal');
    expect(names).toContain('etcd-1.orders.pgha.internal');
    const cert = new X509Certificate(await readFile(join(state, 'orders', 'pki', 'etcd', 'etcd-1.crt')));
    expect(cert.subjectAltName).toBe('DNS:etcd-1.orders.pgha.internal');
  }, 60_000);

  test('a state dir holding a local deployment of the same name is refused, exit 2, nothing issued', async () => {
    const local = join(root, 'local-state');
    await mkdir(join(local, 'main'), { recursive: true });
    await writeFile(join(local, 'main', 'cluster.json'), JSON.stringify({ version: 1, target: 'local' }));
    const result = await cli(['synth', '--config', AWS_EXAMPLE, '--state-dir', local], isolatedEnv(root));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('holds a local deployment of cluster "main"');
    expect(result.stderr).toContain('hint: give the AWS cluster another name');
    await expect(stat(join(local, 'main', 'pki'))).rejects.toThrow(/ENOENT/);
  });
});
