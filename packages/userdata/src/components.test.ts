import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  assessComponents,
  componentPackages,
  componentPolicy,
  type HostOs,
  hostOsFromOsRelease,
  postgresVersionProblem,
  renderComponentInstallScript,
} from './components.js';
import { isUserdataError } from './errors.js';

const expected = (name: string) => readFileSync(new URL(`../test/expected/${name}`, import.meta.url), 'utf8');

describe('hostOsFromOsRelease', () => {
  test.each([
    [
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
      'debian-12',
    ],
    ['ID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n', 'debian-13'],
    // a testing image says only its codename
    ['ID=debian\nVERSION_CODENAME=trixie\n', 'debian-13'],
    ['ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n', undefined],
    ['ID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\n', undefined],
    ['', undefined],
  ])('%j -> %s', (text, os) => {
    expect(hostOsFromOsRelease(text)).toBe(os);
  });
});

describe('componentPolicy', () => {
  test('Debian 12 takes Patroni and etcd from trixie, pinned low; PostgreSQL 15', () => {
    const p = componentPolicy('debian-12');
    expect(p.defaultPostgresVersion).toBe(15);
    expect(p.pinnedSuite).toMatchObject({ suite: 'trixie', priority: 100 });
    expect(p.pinnedSuite?.priority).toBeLessThan(500); // below the default: nothing unnamed comes from it
    expect(p.pinnedSuite?.packages).toEqual(['patroni', 'etcd-server', 'etcd-client']);
  });

  test('Debian 13 has everything in its own suite; PostgreSQL 17', () => {
    const p = componentPolicy('debian-13');
    expect(p.defaultPostgresVersion).toBe(17);
    expect(p.postgresVersions).not.toContain(15);
    expect(p.pinnedSuite).toBeUndefined();
  });

  test('an unknown OS is refused by name', () => {
    const error = (() => {
      try {
        componentPolicy('ubuntu-24.04' as HostOs);
      } catch (e) {
        return e;
      }
    })();
    expect(isUserdataError(error)).toBe(true);
    expect((error as Error).message).toContain(
      'os: use one of "debian-12", "debian-13" (given: "ubuntu-24.04")',
    );
  });
});

describe('assessComponents', () => {
  test.each([
    ['3.0.2', 'refuse'],
    ['3.0.2-1', 'refuse'],
    ['2.1.4', 'refuse'],
    ['unknown', 'refuse'],
    ['3.0.3', undefined],
    ['3.2.2', undefined],
    ['4.0.7', undefined],
  ])('Patroni %s: %s', (version, severity) => {
    const findings = assessComponents({ patroni: version });
    expect(findings.map((f) => f.severity)).toEqual(severity ? [severity] : []);
    if (severity) expect(findings[0]?.message).toContain('patroni/patroni#2689');
  });

  test.each([
    ['3.3.25', 'refuse'],
    ['3.4.23', 'warn'],
    ['3.5.16', undefined],
    ['3.6.0', undefined],
    ['4.0.0', 'refuse'],
  ])('etcd %s: %s', (version, severity) => {
    expect(assessComponents({ etcd: version }).map((f) => f.severity)).toEqual(severity ? [severity] : []);
  });

  test('the 3.4 warning names its end of life', () => {
    expect(assessComponents({ etcd: '3.4.23' })[0]?.message).toMatch(/end of life/);
  });

  test('the default sets of both OSes pass', () => {
    for (const os of ['debian-12', 'debian-13'] as const) {
      const p = componentPolicy(os);
      expect(assessComponents({ ...p.versions, postgres: p.defaultPostgresVersion })).toEqual([]);
    }
  });
});

describe('componentPackages', () => {
  test('Debian 12: pinned packages named /trixie, python3-etcd from bookworm', () => {
    expect(
      componentPackages('debian-12', { etcd: true, patroni: true, haproxy: true, postgresVersion: 15 }),
    ).toEqual([
      'etcd-server/trixie',
      'etcd-client/trixie',
      'patroni/trixie',
      'python3-etcd',
      'postgresql-15',
      'haproxy',
    ]);
  });

  test('Debian 13: the suite own packages', () => {
    expect(
      componentPackages('debian-13', { patroni: true, postgresVersion: 17, extraPackages: ['awscli'] }),
    ).toEqual(['patroni', 'python3-etcd', 'postgresql-17', 'awscli']);
  });

  test('a PostgreSQL the suite does not ship is refused naming the version and the fix', () => {
    expect(() => componentPackages('debian-13', { postgresVersion: 15 })).toThrow(
      /postgresVersion: debian-13 ships PostgreSQL 17 only \(no postgresql-15\); use 17 or leave it out/,
    );
    expect(postgresVersionProblem('debian-12', 15, 'x')).toBeUndefined();
  });

  test('bad extra package names are refused by index', () => {
    expect(() => componentPackages('debian-12', { extraPackages: ['ok', 'rm -rf /'] })).toThrow(
      /extraPackages\[1\]: give a Debian package name/,
    );
  });
});

describe('renderComponentInstallScript', () => {
  test('Debian 12, a Patroni node: exact script', () => {
    expect(
      renderComponentInstallScript('debian-12', {
        patroni: true,
        postgresVersion: 15,
        extraPackages: ['awscli', 'curl'],
      }),
    ).toBe(expected('components-install-debian-12.sh'));
  });

  test('Debian 13, an etcd member: exact script (no second suite)', () => {
    expect(renderComponentInstallScript('debian-13', { etcd: true, extraPackages: ['awscli', 'curl'] })).toBe(
      expected('components-install-debian-13.sh'),
    );
  });

  test('Debian 12 without pinned packages writes no trixie source', () => {
    const script = renderComponentInstallScript('debian-12', { haproxy: true });
    expect(script).not.toContain('trixie');
    expect(script).not.toContain('dpkg --compare-versions'); // no Patroni, no floor check
  });

  test('no dollar-brace in any rendering: Terraform reads it as template syntax in user_data', () => {
    for (const os of ['debian-12', 'debian-13'] as const) {
      const script = renderComponentInstallScript(os, {
        etcd: true,
        patroni: true,
        haproxy: true,
        postgresVersion: componentPolicy(os).defaultPostgresVersion,
      });
      expect(script).not.toMatch(/\$\{|%\{/);
    }
  });

  test('nothing to install is refused', () => {
    expect(() => renderComponentInstallScript('debian-12', {})).toThrow(/nothing to install/);
  });
});
