import { expect, test } from 'vitest';
import { isLocalClusterError } from './errors.js';
import { findBinaries, installedPostgresVersions } from './preflight.js';

test('finds the Debian binaries and their versions', async () => {
  const binaries = await findBinaries({ install: false, asRoot: false }, () => {});
  expect(binaries.patroni).toBe('/usr/bin/patroni');
  expect(binaries.versions.postgres).toBe((await installedPostgresVersions())[0]);
  expect(binaries.postgresBinDir).toBe(`/usr/lib/postgresql/${binaries.versions.postgres}/bin`);
  expect(binaries.versions.etcd).toMatch(/^3\.\d+\.\d+$/);
  expect(binaries.versions.patroni).toMatch(/^\d+\.\d+\.\d+$/);
});

test('a missing PostgreSQL version without root gives the exact apt-get command, exit 2', async () => {
  const events: unknown[] = [];
  const error = await findBinaries({ postgresVersion: 29, install: true, asRoot: false }, (e) =>
    events.push(e),
  ).catch((e: unknown) => e);
  expect(isLocalClusterError(error)).toBe(true);
  expect((error as Error).message).toBe('not installed: PostgreSQL 29 server');
  expect((error as { hint: string }).hint).toBe('install them with: sudo apt-get install -y postgresql-29');
  expect((error as { kind: string }).kind).toBe('usage');
  expect(events).toEqual([]); // nothing was attempted without root
});
