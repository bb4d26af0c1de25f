import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tempDir } from '../test/tools.js';
import { renderComponentInstallScript } from './components.js';

const scripts = {
  'Debian 12, everything': renderComponentInstallScript('debian-12', {
    etcd: true,
    patroni: true,
    haproxy: true,
    postgresVersion: 15,
  }),
  'Debian 13, a Patroni node': renderComponentInstallScript('debian-13', {
    patroni: true,
    postgresVersion: 17,
    extraPackages: ['awscli', 'curl'],
  }),
};

test.each(Object.entries(scripts))('%s: the install script passes shellcheck', (name, text) => {
  const file = join(tempDir('components'), `${name.replace(/\W+/g, '-')}.sh`);
  writeFileSync(file, text);
  const r = run('shellcheck', ['--shell=bash', '--severity=style', file]);
  expect(r.stdout).toBe('');
  expect(r.status).toBe(0);
});

// Bookworm's deb822 file as Debian's cloud images write it: the main suite from a mirror list, security apart.
const DEBIAN_SOURCES = `Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian.list
Suites: bookworm bookworm-updates bookworm-backports
Components: main

Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian-security.list
Suites: bookworm-security
Components: main
`;

/**
 * Run the Debian 12 script for real, with /etc/apt replaced (a private mount namespace, root only) and apt-get
 * and dpkg-query replaced by recorders: what it writes, what it asks apt for, and what it refuses.
 */
function runDebian12(patroniVersion: string) {
  const dir = tempDir('apt');
  const etcApt = join(dir, 'etc-apt');
  mkdirSync(join(etcApt, 'sources.list.d'), { recursive: true });
  mkdirSync(join(etcApt, 'preferences.d'));
  writeFileSync(join(etcApt, 'sources.list.d', 'debian.sources'), DEBIAN_SOURCES);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls');
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >>${calls}\n`);
  writeFileSync(
    join(bin, 'dpkg-query'),
    `#!/bin/sh\nfor last; do :; done\nif [ "$last" = patroni ]; then v=${patroniVersion}; else v=1.0; fi\nprintf '%s\\t%s\\n' "$last" "$v"\n`,
  );
  chmodSync(join(bin, 'apt-get'), 0o755);
  chmodSync(join(bin, 'dpkg-query'), 0o755);
  const script = join(dir, 'install.sh');
  writeFileSync(script, scripts['Debian 12, everything']);
  const once = () =>
    run('unshare', [
      '--mount',
      'bash',
      '-c',
      `mount --bind ${etcApt} /etc/apt && PATH=${bin}:$PATH exec bash ${script}`,
    ]);
  return { etcApt, calls, once };
}

describe.skipIf(process.getuid?.() !== 0)(
  'the Debian 12 install script, run (root: a private mount namespace)',
  () => {
    test('writes the trixie source from the host mirror and the pin, then asks apt for the pinned packages', () => {
      const { etcApt, calls, once } = runDebian12('4.0.7-3~deb13u1');
      const first = once();
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(readFileSync(join(etcApt, 'sources.list.d', 'pgha-trixie.sources'), 'utf8')).toBe(
        'Types: deb\nURIs: mirror+file:///etc/apt/mirrors/debian.list\nSuites: trixie\nComponents: main\n' +
          'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
      );
      expect(readFileSync(join(etcApt, 'preferences.d', 'pgha-trixie.pref'), 'utf8')).toBe(
        'Package: *\nPin: release n=trixie\nPin-Priority: 100\n',
      );
      expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
        'apt-get update -q',
        'apt-get install -y -q -o Dpkg::Options::=--force-confold etcd-server/trixie etcd-client/trixie patroni/trixie python3-etcd postgresql-15 haproxy',
      ]);
      expect(first.stdout).toContain('wrote /etc/apt/sources.list.d/pgha-trixie.sources');

      // Idempotent: the second run writes nothing and says nothing about the files.
      const second = once();
      expect(second.status).toBe(0);
      expect(second.stdout).not.toContain('wrote');
      expect(readdirSync(join(etcApt, 'sources.list.d')).sort()).toEqual([
        'debian.sources',
        'pgha-trixie.sources',
      ]);
    });

    test('refuses, exit 1, when what got installed is a Patroni without #2689', () => {
      const { once } = runDebian12('3.0.2-1');
      const r = once();
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(
        'patroni 3.0.2-1 is older than 3.0.3 (lacks patroni/patroni#2689): refusing',
      );
      expect(r.stdout).not.toContain('done:');
    });
  },
);
