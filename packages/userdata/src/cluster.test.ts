import { describe, expect, test } from 'vitest';
import { localInput } from '../test/fixtures.js';
import { type ClusterInput, defineCluster, validateCluster } from './cluster.js';
import { isUserdataError, UserdataError } from './errors.js';

/** Deep-replace one field of the local input (path like `etcd.members.1.host`). */
function withField(path: string, value: unknown): unknown {
  const copy = structuredClone(localInput) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

describe('defineCluster', () => {
  test('applies every default to the local address plan', () => {
    expect(defineCluster(localInput)).toEqual({
      name: 'main',
      etcd: {
        members: [
          { name: 'etcd-1', host: '127.0.10.1', listenAddress: '127.0.10.1' },
          { name: 'etcd-2', host: '127.0.10.2', listenAddress: '127.0.10.2' },
          { name: 'etcd-3', host: '127.0.10.3', listenAddress: '127.0.10.3' },
        ],
        version: '3.4',
        clientPort: 2379,
        peerPort: 2380,
        heartbeatIntervalMs: 100,
        electionTimeoutMs: 1000,
        quotaBackendBytes: 2147483648,
        initialClusterToken: 'main-etcd',
        initialClusterState: 'new',
      },
      patroni: {
        nodes: [
          { name: 'pg-1', host: '127.0.20.1', listenAddress: '127.0.20.1' },
          { name: 'pg-2', host: '127.0.20.2', listenAddress: '127.0.20.2' },
          { name: 'pg-3', host: '127.0.20.3', listenAddress: '127.0.20.3' },
        ],
        version: '3.0.2',
        postgresVersion: 15,
        postgresPort: 5432,
        restPort: 8008,
        timing: { name: 'fast', ttl: 10, loopWait: 2, retryTimeout: 4 },
        maximumLagOnFailoverBytes: 1048576,
        synchronousMode: true,
        failsafeMode: false,
        allowedCidrs: ['127.0.0.0/8'],
        replicationCidrs: ['127.0.0.0/8'],
        users: { superuser: 'postgres', replication: 'replicator', rewind: 'rewind_user' },
        parameters: {},
      },
    });
  });

  test('a DNS host listens on 0.0.0.0 unless told otherwise', () => {
    const c = defineCluster({
      ...localInput,
      etcd: {
        members: [
          { name: 'etcd-1', host: 'etcd-1.main.internal' },
          { name: 'etcd-2', host: 'etcd-2.main.internal', listenAddress: '10.0.2.5' },
          { name: 'etcd-3', host: 'etcd-3.main.internal' },
        ],
      },
    });
    expect(c.etcd.members.map((m) => m.listenAddress)).toEqual(['0.0.0.0', '10.0.2.5', '0.0.0.0']);
  });

  test('five etcd members, two Patroni nodes and custom timings are accepted', () => {
    const input: ClusterInput = {
      name: 'big',
      etcd: { members: [1, 2, 3, 4, 5].map((i) => ({ name: `etcd-${i}`, host: `10.0.${i}.4` })) },
      patroni: {
        nodes: [1, 2].map((i) => ({ name: `pg-${i}`, host: `10.0.${i}.9` })),
        allowedCidrs: ['10.0.0.0/16'],
        timing: { ttl: 6, loopWait: 1, retryTimeout: 2 },
      },
    };
    expect(validateCluster(input)).toEqual([]);
    expect(defineCluster(input).patroni.timing).toEqual({
      name: 'custom',
      ttl: 6,
      loopWait: 1,
      retryTimeout: 2,
    });
  });

  test('the fast profile follows the Patroni version', () => {
    const c = defineCluster({ ...localInput, patroni: { ...localInput.patroni, version: '3.3.0' } });
    expect(c.patroni.timing).toEqual({ name: 'fast', ttl: 20, loopWait: 2, retryTimeout: 5 });
  });
});

describe('validateCluster', () => {
  test.each([
    ['name', 'Main', 'name'],
    ['name', 'a'.repeat(40), 'name'],
    ['etcd.members', localInput.etcd.members.slice(0, 2), 'etcd.members'],
    ['etcd.members', [...localInput.etcd.members, { name: 'etcd-4', host: '127.0.10.4' }], 'etcd.members'],
    ['etcd.members.1.name', 'etcd-1', 'etcd.members[1].name'],
    ['etcd.members.1.name', 'Etcd_2', 'etcd.members[1].name'],
    ['etcd.members.2.host', '127.0.10.1', 'etcd.members[2].host'],
    ['etcd.members.2.host', '300.1.1.1', 'etcd.members[2].host'],
    ['etcd.members.2.host', 'bad host', 'etcd.members[2].host'],
    ['etcd.members.0.listenAddress', 'etcd-1.local', 'etcd.members[0].listenAddress'],
    ['etcd.members.0.port', 2379, 'etcd.members[0].port'],
    ['etcd.version', '3.3.25', 'etcd.version'],
    ['etcd.version', 'latest', 'etcd.version'],
    ['etcd.clientPort', 70000, 'etcd.clientPort'],
    ['etcd.peerPort', 2379, 'etcd.peerPort'],
    ['etcd.electionTimeoutMs', 400, 'etcd.electionTimeoutMs'],
    ['etcd.quotaBackendBytes', 16 * 1024 ** 3, 'etcd.quotaBackendBytes'],
    ['etcd.initialClusterState', 'joining', 'etcd.initialClusterState'],
    ['etcd.initialClusterToken', 'a b', 'etcd.initialClusterToken'],
    ['patroni.nodes', localInput.patroni.nodes.slice(0, 1), 'patroni.nodes'],
    ['patroni.nodes.0.host', '', 'patroni.nodes[0].host'],
    ['patroni.version', '2.1.4', 'patroni.version'],
    ['patroni.postgresVersion', 9, 'patroni.postgresVersion'],
    ['patroni.restPort', 5432, 'patroni.restPort'],
    ['patroni.timing', 'fastest', 'patroni.timing'],
    ['patroni.timing', { ttl: 10, loopWait: 4, retryTimeout: 4 }, 'patroni.timing'],
    ['patroni.timing', { ttl: 10, loopWait: 0.5, retryTimeout: 4 }, 'patroni.timing.loopWait'],
    ['patroni.synchronousMode', 'yes', 'patroni.synchronousMode'],
    ['patroni.allowedCidrs', [], 'patroni.allowedCidrs'],
    ['patroni.allowedCidrs', ['127.0.0.1'], 'patroni.allowedCidrs[0]'],
    ['patroni.allowedCidrs', ['10.0.0.0/33'], 'patroni.allowedCidrs[0]'],
    ['patroni.users', { replication: 'postgres' }, 'patroni.users.replication'],
    ['patroni.users', { rewind: 'Rewind' }, 'patroni.users.rewind'],
    ['patroni.parameters', { port: 5433 }, 'patroni.parameters.port'],
    ['patroni.parameters', { work_mem: '4MB\nssl = off' }, 'patroni.parameters.work_mem'],
    ['patroni.parameters', { work_mem: null }, 'patroni.parameters.work_mem'],
  ])('%s = %j is refused at %s', (field, value, path) => {
    const problems = validateCluster(withField(field, value));
    expect(problems.map((p) => p.path)).toContain(path);
    const problem = problems.find((p) => p.path === path);
    expect(problem?.message.length).toBeGreaterThan(10);
  });

  test('timings Patroni >= 3.2 would raise are refused with the floor named', () => {
    const problems = validateCluster({
      ...localInput,
      patroni: { ...localInput.patroni, version: '3.2.0', timing: { ttl: 10, loopWait: 2, retryTimeout: 2 } },
    });
    expect(problems).toEqual([
      {
        path: 'patroni.timing.ttl',
        value: 10,
        message:
          'Patroni 3.2 raises ttl below 20 to 20 (only a warning), so the cluster would not run with this value; use at least 20',
      },
      {
        path: 'patroni.timing.retryTimeout',
        value: 2,
        message:
          'Patroni 3.2 raises retry_timeout below 3 to 3 (only a warning), so the cluster would not run with this value; use at least 3',
      },
    ]);
  });

  test('a non-object is one problem, not a crash', () => {
    expect(validateCluster(null)).toEqual([
      {
        path: '',
        value: null,
        message: 'a cluster description must be an object with name, etcd and patroni',
      },
    ]);
    expect(validateCluster({ name: 'x' }).map((p) => p.path)).toEqual([
      'etcd',
      'etcd.members',
      'patroni',
      'patroni.nodes',
      'patroni.allowedCidrs',
    ]);
  });
});

describe('defineCluster errors', () => {
  test('one error lists every problem with path, value and fix', () => {
    const bad = withField('etcd.version', '3.3') as ClusterInput;
    const input = { ...bad, name: 'Bad Name', patroni: { ...bad.patroni, restPort: 0 } };
    let caught: unknown;
    try {
      defineCluster(input);
    } catch (e) {
      caught = e;
    }
    expect(isUserdataError(caught)).toBe(true);
    const err = caught as UserdataError;
    expect(err).toBeInstanceOf(UserdataError);
    expect(err.code).toBe('INVALID_CLUSTER');
    expect(err.problems.map((p) => p.path)).toEqual(['name', 'etcd.version', 'patroni.restPort']);
    expect(err.message).toBe(
      [
        'invalid cluster description: 3 problems',
        '  - name: cluster name must start with a lower-case letter, then lower-case letters, digits or "-", at most 32 characters, not ending in "-" (e.g. "main") (given: "Bad Name")',
        '  - etcd.version: etcd version must be 3.4 or later in 3.x, as major.minor[.patch] (e.g. "3.4.23") (given: "3.3")',
        '  - patroni.restPort: give a TCP port number from 1 to 65535 (given: 0)',
      ].join('\n'),
    );
  });

  test('the guard rejects look-alikes and accepts errors from another copy of the package', () => {
    expect(isUserdataError(new Error('x'))).toBe(false);
    expect(isUserdataError({ code: 'INVALID_CLUSTER' })).toBe(false);
    const foreign = Object.assign(new Error('x'), { code: 'INVALID_CLUSTER' });
    Object.defineProperty(foreign, Symbol.for('pgha.error'), { value: 'userdata' });
    expect(isUserdataError(foreign)).toBe(true);
  });
});
