import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AWS_EXAMPLE, isolatedEnv, terraformMissing } from './aws-support.js';
import { cli, traversableTempDir } from './helpers.js';

// Bad input stops a rehearsal before it writes or starts anything: exit 2, one error, the state dir untouched.
let root: string;
let state: string;
beforeAll(async () => {
  root = await traversableTempDir('pgha-rehearse-bad-');
  state = join(root, 'state');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const rehearse = (args: readonly string[], env: Record<string, string> = {}) =>
  cli(['rehearse', '--state-dir', state, ...args], { ...isolatedEnv(root), ...env });

describe('refused before anything is written or started', () => {
  test('no moto_server on PATH: the exact install command', async () => {
    const r = await rehearse(['--config', AWS_EXAMPLE], { PATH: join(root, 'empty-bin') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('moto_server (the AWS emulator) was not found on PATH');
    expect(r.stderr).toContain('python3 -m pip install "moto[server]==5.2.1"');
    expect(existsSync(state)).toBe(false);
  });

  test('PGHA_MOTO_SERVER naming nothing', async () => {
    const r = await rehearse(['--config', AWS_EXAMPLE, '--json'], {
      PGHA_MOTO_SERVER: join(root, 'nothing'),
    });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, error: { code: 'BINARY_MISSING' } });
    expect(out.error.message).toContain(
      `PGHA_MOTO_SERVER=${join(root, 'nothing')} is not an executable file`,
    );
    expect(existsSync(state)).toBe(false);
  });

  // Terraform is looked for before the mirror and the work dir.
  const noTerraform = terraformMissing()?.startsWith('terraform') === true;

  test.skipIf(noTerraform || process.getuid?.() !== 0)(
    'no mmdebstrap, systemd-nspawn, HAProxy ...: the one apt-get command that installs them',
    async () => {
      const r = await rehearse(['--config', AWS_EXAMPLE], {
        PATH: join(root, 'empty-bin'),
        PGHA_MOTO_SERVER: '/bin/true',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('booting the rehearsal instances needs mmdebstrap, systemd-nspawn, haproxy');
      expect(r.stderr).toContain('apt-get install -y mmdebstrap systemd-container haproxy iproute2');
      expect(existsSync(state)).toBe(false);
    },
  );

  test.skipIf(noTerraform)('no provider mirror', async () => {
    const r = await rehearse(['--config', AWS_EXAMPLE], {
      PGHA_MOTO_SERVER: '/bin/true',
      PGHA_TF_PLUGIN_DIR: join(root, 'no-mirror'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no hashicorp/aws provider in the offline mirror ${join(root, 'no-mirror')}`);
    expect(existsSync(state)).toBe(false);
  });

  test('a config the stack refuses: the same answer as deploy --target aws', async () => {
    const example = JSON.parse(await readFile(AWS_EXAMPLE, 'utf8'));
    const file = join(root, 'bad.json');
    await writeFile(file, JSON.stringify({ ...example, amiId: 'ami-42', etcd: { memberCount: 4 } }));
    const r = await rehearse(['--config', file], { PGHA_MOTO_SERVER: '/bin/true' });
    const plan = await cli(['plan', '--offline', '--config', file, '--state-dir', state], isolatedEnv(root));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('amiId: "ami-42" is not valid');
    expect(r.stderr).toContain('etcd.memberCount: 4 is not valid; use 3 or 5');
    expect(r.stderr).toBe(plan.stderr);
    expect(existsSync(state)).toBe(false);
  });

  test('no --config', async () => {
    const r = await rehearse([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rehearse needs --config FILE');
  });

  test.skipIf(noTerraform)(
    'a work dir that holds something else is not used, and not removed by --destroy',
    async () => {
      const workDir = join(root, 'someone-elses');
      await mkdir(workDir, { recursive: true });
      await writeFile(join(workDir, 'keep.txt'), 'mine\n');
      const r = await rehearse(['--config', AWS_EXAMPLE, '--work-dir', workDir], {
        PGHA_MOTO_SERVER: '/bin/true',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${workDir} holds files but no rehearsal.json`);
      // The library names its options (workDir); the CLI words the hint with its flags.
      expect(r.stderr).toContain('give an empty or new directory with --work-dir');
      const d = await rehearse(['--config', AWS_EXAMPLE, '--work-dir', workDir, '--destroy']);
      expect(d.code).toBe(2);
      expect(d.stderr).toContain('holds no rehearsal.json: not removed');
      expect(d.stderr).toContain('check --work-dir, --state-dir and --cluster');
      expect(await readdir(workDir)).toEqual(['keep.txt']);
    },
  );
});

test('--destroy with nothing left says so and exits 0', async () => {
  const r = await rehearse(['--cluster', 'gone', '--destroy', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, cluster: 'gone', found: false, stopped: [] });
  const human = await rehearse(['--config', AWS_EXAMPLE, '--destroy']);
  expect(human.stdout).toBe(
    `no rehearsal of cluster "main" in ${join(state, 'main', 'rehearsal')}: nothing to remove\n`,
  );
});
