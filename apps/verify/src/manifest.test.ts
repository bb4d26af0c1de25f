// biome-ignore-all lint/suspicious/noExplicitAny: the tests mutate manifests freely to make them invalid
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isVerifyError, VerifyError } from './errors.js';
import { locateManifest } from './locate-manifest.js';
import { MANIFEST_VERSION, type Manifest, parseManifest, readManifest } from './manifest.js';

/** The DESIGN.md example, with relative paths. */
function example(): Record<string, any> {
  return {
    version: 1,
    cluster: 'main',
    target: 'local',
    etcd: {
      endpoints: ['https://127.0.10.1:2379', 'https://127.0.10.2:2379', 'https://127.0.10.3:2379'],
      members: 3,
      tls: { ca: 'pki/ca.crt', cert: 'pki/verify.crt', key: '/abs/verify.key' },
    },
    patroni: {
      scope: 'main',
      rest: ['https://127.0.20.1:8008', 'https://127.0.20.2:8008', 'https://127.0.20.3:8008'],
    },
    postgres: {
      primary: { host: '127.0.30.1', port: 5432 },
      replicas: { host: '127.0.30.1', port: 5433 },
      user: 'postgres',
      passwordFile: 'secrets/postgres',
      database: 'postgres',
    },
  };
}

function problemsOf(json: unknown): { fields: readonly string[]; message: string } {
  try {
    parseManifest(json, { baseDir: '/state/main' });
  } catch (e) {
    if (!isVerifyError(e)) throw e;
    expect(e.code).toBe('MANIFEST_INVALID');
    return { fields: e.fields, message: e.message };
  }
  throw new Error('expected the manifest to be rejected');
}

describe('parseManifest', () => {
  test('accepts the DESIGN example and resolves relative paths against baseDir', () => {
    const m = parseManifest(example(), { baseDir: '/state/main' });
    expect(m.version).toBe(MANIFEST_VERSION);
    expect(m.etcd.tls).toEqual({
      ca: '/state/main/pki/ca.crt',
      cert: '/state/main/pki/verify.crt',
      key: '/abs/verify.key',
    });
    expect(m.postgres.passwordFile).toBe('/state/main/secrets/postgres');
    expect(m.postgres.primary).toEqual({ host: '127.0.30.1', port: 5432 });
    expect(m.patroni.ca).toBeUndefined();
  });

  test('reads the optional fields deploy writes and ignores unknown ones', () => {
    const j = example();
    j.etcd.names = ['etcd-1', 'etcd-2', 'etcd-3'];
    j.patroni.members = [{ name: 'pg-1', host: '127.0.20.1', port: 5432, rest: 'https://127.0.20.1:8008' }];
    j.patroni.ca = 'pki/ca.crt';
    j.patroni.maxLagBytes = 0;
    j.postgres.sslRootCert = 'pki/ca.crt';
    j.postgres.sslMode = 'verify-ca';
    j.pki = { dir: 'pki' };
    j.somethingNew = { x: 1 };
    const m = parseManifest(j, { baseDir: '/s' });
    expect(m.etcd.names).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(m.patroni.members?.[0]).toEqual({
      name: 'pg-1',
      rest: 'https://127.0.20.1:8008',
      host: '127.0.20.1',
      port: 5432,
    });
    expect(m.patroni.ca).toBe('/s/pki/ca.crt');
    expect(m.patroni.maxLagBytes).toBe(0);
    expect(m.postgres.sslRootCert).toBe('/s/pki/ca.crt');
    expect(m.postgres.sslMode).toBe('verify-ca');
    expect(m.pki).toEqual({ dir: '/s/pki' });
  });

  test('network: the netns mode names the admin namespace verify enters; a bad one is named', () => {
    const j = example();
    j.network = { mode: 'netns', namespace: 'pgha-main-admin', cidr: '10.213.0.0/24' };
    expect(parseManifest(j, { baseDir: '/s' }).network).toEqual({
      mode: 'netns',
      namespace: 'pgha-main-admin',
      cidr: '10.213.0.0/24',
    });
    expect(parseManifest(example(), { baseDir: '/s' }).network).toBeUndefined();
    j.network = { mode: 'vpn', namespace: '../etc' };
    expect(() => parseManifest(j, { baseDir: '/s' })).toThrow(
      /network\.mode: "vpn" must be "netns"[\s\S]*network\.namespace: "\.\.\/etc" must be a network namespace name/,
    );
  });

  test('the Manifest type accepts what deploy writes (type-checked by tsc)', () => {
    const written: Manifest = {
      version: MANIFEST_VERSION,
      cluster: 'main',
      target: 'local',
      etcd: {
        endpoints: ['https://127.0.10.1:2379'],
        members: 1,
        names: ['etcd-1'],
        tls: { ca: '/s/pki/ca.crt', cert: '/s/pki/clients/verify.crt', key: '/s/pki/clients/verify.key' },
      },
      patroni: {
        scope: 'main',
        rest: ['https://127.0.20.1:8008'],
        members: [{ name: 'pg-1', host: '127.0.20.1', port: 5432, rest: 'https://127.0.20.1:8008' }],
        ca: '/s/pki/ca.crt',
      },
      postgres: {
        primary: { host: '127.0.30.1', port: 5432 },
        replicas: { host: '127.0.30.1', port: 5433 },
        user: 'postgres',
        passwordFile: '/s/secrets/postgres',
        database: 'postgres',
        sslRootCert: '/s/pki/ca.crt',
      },
      pki: { dir: '/s/pki' },
    };
    expect(parseManifest(JSON.parse(JSON.stringify(written)), { baseDir: '/' })).toEqual(written);
  });

  test.each([
    ['version missing', (j: any) => delete j.version, 'version', 'must be 1'],
    ['a newer version', (j: any) => (j.version = 2), 'version', 'upgrade @pgha/verify'],
    ['target unknown', (j: any) => (j.target = 'gcp'), 'target', '"local" or "aws"'],
    [
      'etcd endpoint over http',
      (j: any) => (j.etcd.endpoints[1] = 'http://127.0.10.2:2379'),
      'etcd.endpoints[1]',
      'https://',
    ],
    [
      'etcd endpoint not a URL',
      (j: any) => (j.etcd.endpoints[0] = '127.0.10.1:2379'),
      'etcd.endpoints[0]',
      'not a URL',
    ],
    [
      'etcd endpoint with a path',
      (j: any) => (j.etcd.endpoints[2] = 'https://h:2379/v3'),
      'etcd.endpoints[2]',
      'base URL',
    ],
    ['no etcd endpoints', (j: any) => (j.etcd.endpoints = []), 'etcd.endpoints', 'non-empty array'],
    ['etcd.members zero', (j: any) => (j.etcd.members = 0), 'etcd.members', 'integer from 1'],
    ['etcd.tls.cert missing', (j: any) => delete j.etcd.tls.cert, 'etcd.tls.cert', 'non-empty string'],
    [
      'etcd.names not one per endpoint',
      (j: any) => (j.etcd.names = ['etcd-1']),
      'etcd.names',
      'one per endpoint',
    ],
    ['patroni.rest missing', (j: any) => delete j.patroni.rest, 'patroni.rest', 'non-empty array'],
    ['patroni.ca empty', (j: any) => (j.patroni.ca = ''), 'patroni.ca', 'non-empty string'],
    [
      'port out of range',
      (j: any) => (j.postgres.replicas.port = 70000),
      'postgres.replicas.port',
      'from 1 to 65535',
    ],
    [
      'port as a string',
      (j: any) => (j.postgres.primary.port = '5432'),
      'postgres.primary.port',
      'must be a TCP port number from 1 to 65535',
    ],
    [
      'host empty',
      (j: any) => (j.postgres.primary.host = ''),
      'postgres.primary.host',
      'an IP address or a DNS name',
    ],
    [
      'host with a space',
      (j: any) => (j.postgres.replicas.host = 'db host'),
      'postgres.replicas.host',
      'a DNS name',
    ],
    ['cluster name ending in -', (j: any) => (j.cluster = 'main-'), 'cluster', 'not ending in "-"'],
    [
      'passwordFile empty',
      (j: any) => (j.postgres.passwordFile = ''),
      'postgres.passwordFile',
      'non-empty string',
    ],
    ['sslMode unknown', (j: any) => (j.postgres.sslMode = 'prefer'), 'postgres.sslMode', '"verify-full"'],
    ['pki.dir missing', (j: any) => (j.pki = {}), 'pki.dir', 'non-empty string'],
  ])('rejects %s, naming %s', (_name, mutate, field, fix) => {
    const j = example();
    mutate(j);
    const p = problemsOf(j);
    expect(p.fields).toEqual([field]);
    expect(p.message).toContain(`${field}: `);
    expect(p.message).toContain(fix);
  });

  test('lists every bad field in one error', () => {
    const j = example();
    delete j.etcd.tls.key;
    j.postgres.primary.port = -1;
    j.cluster = '';
    const p = problemsOf(j);
    expect([...p.fields].sort()).toEqual(['cluster', 'etcd.tls.key', 'postgres.primary.port']);
    expect(p.message).toMatch(/3 invalid fields/);
  });

  test('each problem is {path, value, message}: the field, the value found and what it must be', () => {
    const j = example();
    j.postgres.primary.port = 70000;
    j.cluster = 'Main';
    try {
      parseManifest(j, { baseDir: '/s' });
      expect.unreachable();
    } catch (e) {
      if (!isVerifyError(e)) throw e;
      expect(e.problems).toEqual([
        {
          path: 'cluster',
          value: 'Main',
          message: expect.stringMatching(/^must be a cluster name: a lower-case/),
        },
        { path: 'postgres.primary.port', value: 70000, message: 'must be a TCP port number from 1 to 65535' },
      ]);
      expect(e.fields).toEqual(['cluster', 'postgres.primary.port']);
      expect(e.message).toContain('  postgres.primary.port: 70000 must be a TCP port number from 1 to 65535');
    }
  });

  test('rejects a non-object', () => {
    expect(problemsOf([1, 2]).fields).toEqual(['(root)']);
  });
});

describe('readManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgha-verify-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('resolves relative paths against the manifest directory', async () => {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(example()));
    const m = await readManifest(join(dir, 'manifest.json'));
    expect(m.etcd.tls.ca).toBe(join(dir, 'pki/ca.crt'));
  });

  test('names a missing file and says what to do', async () => {
    const e = await readManifest(join(dir, 'nope.json')).catch((x) => x);
    expect(isVerifyError(e) && e.code).toBe('MANIFEST_NOT_FOUND');
    expect(e.message).toContain(join(dir, 'nope.json'));
    expect(e.message).toContain('--manifest');
  });

  test('names a file that is not JSON', async () => {
    writeFileSync(join(dir, 'bad.json'), '{ "version": 1, ');
    const e = await readManifest(join(dir, 'bad.json')).catch((x) => x);
    expect(isVerifyError(e) && e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toMatch(/bad\.json is not valid JSON/);
  });
});

describe('locateManifest', () => {
  const state = mkdtempSync(join(tmpdir(), 'pgha-verify-state-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const put = (cluster: string) => {
    mkdirSync(join(state, cluster), { recursive: true });
    writeFileSync(join(state, cluster, 'manifest.json'), '{}');
  };

  test('finds nothing in an empty state dir and says how to fix it', async () => {
    const e = await locateManifest({ stateDir: state }).catch((x) => x);
    expect(e.code).toBe('MANIFEST_NOT_FOUND');
    expect(e.message).toContain(state);
  });

  test('takes the only deployment, and asks for --cluster when there are several', async () => {
    put('main');
    mkdirSync(join(state, 'no-manifest-here'));
    expect(await locateManifest({ stateDir: state })).toBe(join(state, 'main', 'manifest.json'));
    put('other');
    const e = await locateManifest({ stateDir: state }).catch((x) => x);
    expect(e.code).toBe('MANIFEST_AMBIGUOUS');
    expect(e.message).toContain('main, other');
    expect(e.message).toContain('--cluster');
    expect(await locateManifest({ stateDir: state, cluster: 'other' })).toBe(
      join(state, 'other', 'manifest.json'),
    );
    const missing = await locateManifest({ stateDir: state, cluster: 'x' }).catch((x) => x);
    expect(missing.message).toContain('deployments there: main, other');
  });
});

test('isVerifyError recognises the brand, not just instanceof', () => {
  expect(isVerifyError(new VerifyError('OPTION_INVALID', 'x'))).toBe(true);
  const foreign = Object.assign(new Error('x'), { code: 'MANIFEST_INVALID' });
  Object.defineProperty(foreign, Symbol.for('pgha.error'), { value: true });
  expect(isVerifyError(foreign)).toBe(true);
  expect(isVerifyError(new Error('x'))).toBe(false);
  expect(isVerifyError({ code: 'MANIFEST_INVALID' })).toBe(false);
});
