import { expect, test } from 'vitest';
import { versionDrift } from './deploy.js';
import type { HintNames } from './hint-names.js';

const installed = { versions: { etcd: '3.5.16', patroni: '4.0.7', haproxy: '2.6.12', postgres: 15 } };
const deployment = { cluster: 'main', stateDir: '/srv/.pgha/main' };

test('a member still running the version from before an upgrade is named, with how to roll it', () => {
  const lines = versionDrift(
    new Map([
      ['etcd-1', { version: '3.4.23' }],
      ['etcd-2', { version: '3.5.16' }],
      ['pg-1', { version: '3.0.2', postgresVersion: '15.18' }],
      ['pg-2', { version: '4.0.7', postgresVersion: '15.20' }],
    ]),
    installed,
    deployment,
  );
  const roll =
    'destroyLocal() on cluster "main" of state dir /srv/.pgha/main, then deployLocal() on cluster "main" of state dir /srv/.pgha/main';
  expect(lines).toEqual([
    `etcd-1 runs etcd 3.4.23, the installed one is 3.5.16: it keeps the old version until it is restarted (${roll}: data is kept; see docs/components.md)`,
    `pg-1 runs Patroni 3.0.2, the installed one is 4.0.7: it keeps the old version until it is restarted (${roll}: data is kept; see docs/components.md)`,
  ]);
});

test("a caller's hint names (a CLI's commands) name the roll instead of this package's functions", () => {
  const cli: HintNames = {
    operation: (op, d) => `pgha ${op} --cluster ${d.cluster}`,
    deployment: (d) => `--cluster ${d.cluster}`,
    option: (name) => `--${name}`,
    install: () => 'pgha components --install',
  };
  const [line] = versionDrift(new Map([['etcd-1', { version: '3.4.23' }]]), installed, {
    ...deployment,
    hintNames: cli,
  });
  expect(line).toContain('(pgha destroy --cluster main, then pgha deploy --cluster main: data is kept;');
});

test('members on the installed versions, or that did not answer, give no warning', () => {
  expect(
    versionDrift(
      new Map([
        ['pg-3', { version: '4.0.7' }],
        ['etcd-3', {}],
      ]),
      installed,
      deployment,
    ),
  ).toEqual([]);
});
