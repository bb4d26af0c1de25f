import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run } from '../src/cli.js';
import { AWS_EXAMPLE, filesUnder, isolatedEnv, terraformForTests } from './aws-support.js';
import { cli, traversableTempDir } from './helpers.js';

let root: string;
beforeAll(async () => {
  root = await traversableTempDir('pgha-aws-deploy-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// No test here reaches AWS: every path stops before Terraform would (nothing may leave 127.0.0.0/8).
const missing = terraformForTests(
  'deploy and destroy --target aws tests (the preflight looks for terraform)',
);
describe.skipIf(missing !== undefined)('deploy --target aws: refused before anything is created', () => {
  test('no AWS credentials: exit 2 naming the fix; no state dir, nothing written', async () => {
    const state = join(root, 'no-credentials');
    const result = await cli(
      ['deploy', '--target', 'aws', '--config', AWS_EXAMPLE, '--state-dir', state, '--yes'],
      isolatedEnv(root),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no AWS credentials');
    expect(result.stderr).toContain('hint: sign in (aws configure / aws sso login, or export AWS_PROFILE)');
    expect(result.stdout).toBe('');
    expect(existsSync(state)).toBe(false);
  });

  test('--offline: exit 2, an offline plan can never be applied; nothing written', async () => {
    const state = join(root, 'offline');
    const result = await cli(
      ['deploy', '--target', 'aws', '--offline', '--config', AWS_EXAMPLE, '--state-dir', state, '--yes'],
      isolatedEnv(root),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: deploy --target aws cannot run --offline');
    expect(result.stderr).toContain('can never be applied');
    expect(existsSync(state)).toBe(false);
  });

  test('no terminal and no --yes: exit 2 saying to pass --yes, even with credentials; nothing written', async () => {
    const state = join(root, 'no-yes');
    const result = await cli(['deploy', '--target', 'aws', '--config', AWS_EXAMPLE, '--state-dir', state], {
      ...isolatedEnv(root),
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'deploy --target aws (terraform apply in eu-west-1) needs a confirmation',
    );
    expect(result.stderr).toContain('hint: pass --yes');
    expect(existsSync(state)).toBe(false);
  });

  test('another target: exit 2 naming both', async () => {
    const result = await cli(['deploy', '--target', 'gcp'], isolatedEnv(root));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target "gcp" is not a target');
    expect(result.stderr).toContain('--target local (the default) or --target aws');
  });
});

describe.skipIf(missing !== undefined)('destroy --target aws: asks first', () => {
  let state: string;
  let before: Map<string, Buffer>;

  beforeAll(async () => {
    state = join(root, 'deployed');
    // A state dir as deploy leaves it (synth makes the same PKI, passwords, versions and aws.json).
    const synth = await cli(['synth', '--config', AWS_EXAMPLE, '--state-dir', state], isolatedEnv(root));
    expect(synth.code).toBe(0);
    before = await filesUnder(state);
  }, 120_000);

  const unchanged = async () => {
    const after = await filesUnder(state);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, bytes] of before) expect(after.get(file)?.equals(bytes), file).toBe(true);
  };

  test('no terminal and no --yes: exit 2 saying to pass --yes; nothing touched', async () => {
    const result = await cli(
      ['destroy', '--target', 'aws', '--config', AWS_EXAMPLE, '--state-dir', state],
      isolatedEnv(root),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'destroy --target aws (terraform destroy of cluster "main") needs a confirmation',
    );
    expect(result.stderr).toContain('hint: pass --yes to confirm in advance');
    await unchanged();
  });

  test('on a terminal, an answer other than the cluster name: exit 1, nothing destroyed or touched', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let err = '';
    stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    stdout.resume();
    stdin.end('mian\n');
    const code = await run(['destroy', '--target', 'aws', '--config', AWS_EXAMPLE, '--state-dir', state], {
      stdin,
      stdout,
      stderr,
      // Credentials that would pass the preflight; the answer stops it before Terraform runs.
      env: { ...isolatedEnv(root), AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' },
    });
    expect(code).toBe(1);
    expect(err).toContain('This destroys every AWS resource of cluster "main" in eu-west-1');
    expect(err).toContain('Type the cluster name to confirm: ');
    expect(err).toContain('not destroyed: the answer was not "main"; nothing was changed');
    await unchanged();
  });

  test('--yes without credentials: exit 2 naming the fix, before Terraform runs', async () => {
    const result = await cli(
      ['destroy', '--target', 'aws', '--config', AWS_EXAMPLE, '--state-dir', state, '--yes', '--purge'],
      isolatedEnv(root),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no AWS credentials');
    await unchanged();
  });

  test('a state dir with no AWS deployment of the cluster: exit 2, NOT_DEPLOYED, nothing created', async () => {
    const empty = join(root, 'empty');
    const result = await cli(
      ['destroy', '--target', 'aws', '--config', AWS_EXAMPLE, '--state-dir', empty, '--yes', '--json'],
      isolatedEnv(root),
    );
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'NOT_DEPLOYED' } });
    expect(existsSync(empty)).toBe(false);
  });
});
