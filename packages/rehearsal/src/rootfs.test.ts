import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderComponentInstallScript } from '@pgha/userdata';
import { describe, expect, test } from 'vitest';
import { installedPackages, ROOTFS_INCLUDE, rootfsKey, writePackagesIndex } from './rootfs.js';

const exec = promisify(execFile);

describe('the rehearsal root filesystem cache', () => {
  test('the key follows the package set, not its order or repeats', () => {
    const a = rootfsKey(['patroni', 'etcd-server', 'curl']);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(rootfsKey(['curl', 'patroni', 'etcd-server', 'curl'])).toBe(a);
    expect(rootfsKey(['patroni', 'etcd-server'])).not.toBe(a);
    expect(ROOTFS_INCLUDE).toEqual(expect.arrayContaining(['systemd', 'cloud-init', 'awscli', 'e2fsprogs']));
  });

  test('reads the packages the component script installs, as cloud-init carries it (indented)', () => {
    const script = renderComponentInstallScript('debian-13', {
      patroni: true,
      postgresVersion: 17,
      extraPackages: ['awscli', 'curl'],
    });
    const inUserData = `write_files:\n- path: /usr/local/sbin/pgha-install-components\n  content: |\n${script
      .split('\n')
      .map((l) => (l === '' ? '' : `    ${l}`))
      .join('\n')}`;
    const expected = ['patroni', 'python3-etcd', 'postgresql-17', 'awscli', 'curl'];
    expect(installedPackages(script)).toEqual(expected);
    expect(installedPackages(inUserData)).toEqual(expected);
    expect(installedPackages('#cloud-config\nruncmd: []\n')).toEqual([]);
  });

  test('the flat repository index lists each .deb with its control fields, path, size and SHA256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgha-r-repo-'));
    try {
      // A real .deb, built by dpkg-deb, read back the way apt reads the index.
      const pkg = join(dir, 'src');
      await mkdir(join(pkg, 'DEBIAN'), { recursive: true });
      await writeFile(
        join(pkg, 'DEBIAN', 'control'),
        'Package: pgha-r-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: pgha <pgha@example.invalid>\nDescription: probe\n',
      );
      const repo = join(dir, 'repo');
      await mkdir(repo);
      await exec('dpkg-deb', ['--build', pkg, join(repo, 'pgha-r-probe_1.0_all.deb')]);
      expect(await writePackagesIndex(repo)).toBe(1);
      const index = await readFile(join(repo, 'Packages'), 'utf8');
      const bytes = await readFile(join(repo, 'pgha-r-probe_1.0_all.deb'));
      const { createHash } = await import('node:crypto');
      expect(index).toContain('Package: pgha-r-probe\n');
      expect(index).toContain('Filename: ./pgha-r-probe_1.0_all.deb\n');
      expect(index).toContain(`Size: ${bytes.length}\n`);
      expect(index).toContain(`SHA256: ${createHash('sha256').update(bytes).digest('hex')}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
