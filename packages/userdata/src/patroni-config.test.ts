import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { awsCluster, localCluster, localPatroniPaths } from '../test/fixtures.js';
import { awsPatroniLayout } from './cloud-init.js';
import { isUserdataError } from './errors.js';
import { patroniRestUrls, pgHbaLines, renderPatroniConfig } from './patroni-config.js';

const expected = (name: string) => readFileSync(new URL(`../test/expected/${name}`, import.meta.url), 'utf8');

describe('renderPatroniConfig', () => {
  test('local node pg-1: exact file', () => {
    expect(renderPatroniConfig(localCluster, 'pg-1', localPatroniPaths('pg-1'))).toBe(
      expected('patroni-local-pg-1.yml'),
    );
  });

  test('AWS node on Patroni 3.2: parses back to the expected object; no bootstrap.pg_hba; no password', () => {
    const text = renderPatroniConfig(awsCluster, 'pg-2', {
      dataDir: '/var/lib/postgresql/15/main',
      binDir: '/usr/lib/postgresql/15/bin',
      pgpassFile: '/var/lib/postgresql/.pgpass_patroni',
      socketDir: '/var/run/postgresql',
      tls: {
        certFile: '/etc/patroni/tls/node.crt',
        keyFile: '/etc/patroni/tls/node.key',
        caFile: '/etc/patroni/tls/ca.crt',
      },
      etcdTls: {
        certFile: '/etc/patroni/tls/etcd-client.crt',
        keyFile: '/etc/patroni/tls/etcd-client.key',
        caFile: '/etc/patroni/tls/ca.crt',
      },
      logDir: '/var/log/patroni',
    });
    expect(text).not.toMatch(/password:/);
    expect(parse(text, { version: '1.1' })).toEqual({
      scope: 'prod',
      name: 'pg-2',
      log: { dir: '/var/log/patroni' },
      restapi: {
        listen: '10.0.2.10:8008',
        connect_address: '10.0.2.10:8008',
        certfile: '/etc/patroni/tls/node.crt',
        keyfile: '/etc/patroni/tls/node.key',
        cafile: '/etc/patroni/tls/ca.crt',
      },
      ctl: { cacert: '/etc/patroni/tls/ca.crt' },
      etcd3: {
        hosts: ['etcd-1.prod.internal:2379', 'etcd-2.prod.internal:2379', 'etcd-3.prod.internal:2379'],
        protocol: 'https',
        cacert: '/etc/patroni/tls/ca.crt',
        cert: '/etc/patroni/tls/etcd-client.crt',
        key: '/etc/patroni/tls/etcd-client.key',
      },
      bootstrap: {
        dcs: {
          ttl: 30,
          loop_wait: 10,
          retry_timeout: 10,
          maximum_lag_on_failover: 1048576,
          synchronous_mode: true,
          failsafe_mode: false,
          postgresql: {
            use_pg_rewind: true,
            use_slots: true,
            parameters: {
              wal_retrieve_retry_interval: '1s',
              max_connections: 200,
              shared_buffers: '1GB',
              log_connections: true,
            },
          },
        },
        initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      },
      postgresql: {
        listen: '10.0.2.10:5432',
        connect_address: '10.0.2.10:5432',
        data_dir: '/var/lib/postgresql/15/main',
        bin_dir: '/usr/lib/postgresql/15/bin',
        pgpass: '/var/lib/postgresql/.pgpass_patroni',
        authentication: {
          superuser: { username: 'postgres' },
          replication: { username: 'replicator' },
          rewind: { username: 'rewind_user' },
        },
        parameters: {
          unix_socket_directories: '/var/run/postgresql',
          ssl: 'on',
          ssl_cert_file: '/etc/patroni/tls/node.crt',
          ssl_key_file: '/etc/patroni/tls/node.key',
          ssl_ca_file: '/etc/patroni/tls/ca.crt',
          password_encryption: 'scram-sha-256',
        },
        pg_hba: [
          'local all all scram-sha-256',
          'local replication replicator scram-sha-256',
          'host replication replicator 127.0.0.1/32 scram-sha-256',
          'hostssl replication replicator 10.0.0.0/16 scram-sha-256',
          'hostssl all all 10.0.0.0/16 scram-sha-256',
        ],
        basebackup: [{ checkpoint: 'fast' }],
      },
    });
  });

  test('"on" stays a string for YAML 1.1 readers (PyYAML would read a bare on as true)', () => {
    const text = renderPatroniConfig(localCluster, 'pg-3', localPatroniPaths('pg-3'));
    expect(parse(text, { version: '1.1' }).postgresql.parameters.ssl).toBe('on');
  });

  test('pg_hba: separate replication role, hostssl only, one line per network', () => {
    const c = {
      ...awsCluster,
      patroni: { ...awsCluster.patroni, replicationCidrs: ['10.0.1.0/24', '10.0.2.0/24'] },
    };
    expect(pgHbaLines(c)).toEqual([
      'local all all scram-sha-256',
      'local replication replicator scram-sha-256',
      'host replication replicator 127.0.0.1/32 scram-sha-256',
      'hostssl replication replicator 10.0.1.0/24 scram-sha-256',
      'hostssl replication replicator 10.0.2.0/24 scram-sha-256',
      'hostssl all all 10.0.0.0/16 scram-sha-256',
    ]);
  });

  test('pg_hba with superuserCidrs: the superuser from loopback and the admin networks only, never the clients', () => {
    expect(pgHbaLines(awsCluster, { superuserCidrs: ['10.0.200.0/24', '192.168.7.0/24'] })).toEqual([
      'local all all scram-sha-256',
      'local replication replicator scram-sha-256',
      'host replication replicator 127.0.0.1/32 scram-sha-256',
      'hostssl replication replicator 10.0.0.0/16 scram-sha-256',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host all all ::1/128 scram-sha-256',
      'hostssl all postgres 10.0.200.0/24 scram-sha-256',
      'hostssl all postgres 192.168.7.0/24 scram-sha-256',
      'host all postgres all reject',
      'hostssl all all 10.0.0.0/16 scram-sha-256',
    ]);
    // No admin network: the superuser on the node only.
    expect(pgHbaLines(awsCluster, { superuserCidrs: [] })).toContain('host all postgres all reject');
    expect(pgHbaLines(awsCluster, { superuserCidrs: [] }).filter((l) => / postgres /.test(l))).toEqual([
      'host all postgres all reject',
    ]);
  });

  test('superuserCidrs that are not CIDRs are refused, naming the option', () => {
    expect(() =>
      renderPatroniConfig(awsCluster, 'pg-1', awsPatroniLayout(awsCluster).paths, {
        superuserCidrs: ['10.0.0.1'],
      }),
    ).toThrow(/hba\.superuserCidrs/);
  });

  test('hostile characters in paths survive into YAML unchanged', () => {
    const odd = '/srv/it\'s "odd" & #1: {{x}} ünïcode ✓';
    const text = renderPatroniConfig(localCluster, 'pg-1', { ...localPatroniPaths('pg-1'), socketDir: odd });
    expect(parse(text, { version: '1.1' }).postgresql.parameters.unix_socket_directories).toBe(odd);
  });

  test('bad paths and unknown nodes are refused', () => {
    expect(() => renderPatroniConfig(localCluster, 'pg-7', localPatroniPaths('pg-7'))).toThrow(
      'Patroni node "pg-7" is not in cluster "main"; nodes: pg-1, pg-2, pg-3',
    );
    let caught: unknown;
    try {
      renderPatroniConfig(localCluster, 'pg-1', {
        ...localPatroniPaths('pg-1'),
        binDir: 'usr/bin',
        socketDir: '/run/a,/run/b',
        logDir: '',
      });
    } catch (e) {
      caught = e;
    }
    expect(isUserdataError(caught)).toBe(true);
    expect((caught as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual([
      'paths.binDir',
      'paths.socketDir',
      'paths.logDir',
    ]);
  });

  test('REST URLs for the manifest', () => {
    expect(patroniRestUrls(localCluster)).toEqual([
      'https://127.0.20.1:8008',
      'https://127.0.20.2:8008',
      'https://127.0.20.3:8008',
    ]);
  });
});
