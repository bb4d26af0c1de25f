import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { localPatroniPaths } from '../test/fixtures.js';
import { postgresBinDir } from '../test/postgres.js';
import { run, tempDir } from '../test/tools.js';
import { defineCluster } from './cluster.js';
import { renderPatroniConfig } from './patroni-config.js';
import { patroniEnvironment } from './patroni-environment.js';

// Patroni's own validator (`patroni --validate-config`) checks the rendered file. It dials every etcd host, so
// small TCP listeners stand in for etcd on loopback addresses no other test uses.
const etcdHosts = [1, 2, 3].map((i) => `127.0.73.${i}`);
const servers: Server[] = [];

const secrets = {
  superuserPassword: 'su-pass',
  replicationPassword: 'repl-pass',
  rewindPassword: 'rewind-pass',
  restApiPassword: 'rest-pass',
};

function validate(file: string) {
  // A clean environment: only PATH and the secrets, as the local target starts Patroni.
  return run('/usr/bin/patroni', ['--validate-config', file], {
    env: { PATH: '/usr/bin:/bin', ...patroniEnvironment(secrets) },
  });
}

/** The Patroni that is installed (the component policy's), so the timings are the ones valid for it. */
const installed = /patroni (\S+)/.exec(run('/usr/bin/patroni', ['--version']).stdout)?.[1] ?? 'unknown';

function clusterFor(version: string) {
  return defineCluster({
    name: 'vcheck',
    etcd: { members: etcdHosts.map((host, i) => ({ name: `etcd-${i + 1}`, host })), clientPort: 23791 },
    patroni: {
      version,
      nodes: [1, 2, 3].map((i) => ({ name: `pg-${i}`, host: `127.0.74.${i}` })),
      timing: 'fast',
      allowedCidrs: ['127.0.0.0/8'],
    },
  });
}

beforeAll(async () => {
  for (const host of etcdHosts) {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(23791, host, resolve);
    });
    servers.push(server);
  }
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('patroni --validate-config accepts the rendered configuration', () => {
  const dir = tempDir('patroni');

  test('every node of a local cluster', () => {
    const cluster = clusterFor(installed);
    for (const node of cluster.patroni.nodes) {
      const file = join(dir, `${node.name}.yml`);
      writeFileSync(
        file,
        renderPatroniConfig(cluster, node.name, localPatroniPaths(node.name, dir, postgresBinDir())),
      );
      const r = validate(file);
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    }
  });

  test('and it is a real check: an unreachable etcd host and a missing bin_dir are reported', () => {
    const cluster = clusterFor(installed);
    const broken = {
      ...cluster,
      etcd: { ...cluster.etcd, clientPort: 23799 },
    };
    const file = join(dir, 'broken.yml');
    writeFileSync(
      file,
      renderPatroniConfig(broken, 'pg-1', localPatroniPaths('pg-1', dir, join(dir, 'no-such-bin'))),
    );
    const r = validate(file);
    expect(r.status).not.toBe(0);
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toMatch(
      /etcd3\.hosts\.0 127\.0\.73\.1:23799 didn't pass validation: '?127\.0\.73\.1:23799 is not reachable'?/,
    );
    expect(out).toMatch(/postgresql\.bin_dir/);
  });
});
