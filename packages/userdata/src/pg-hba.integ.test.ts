import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { awsCluster } from '../test/fixtures.js';
import { postgresBinDir } from '../test/postgres.js';
import { run, tempDir } from '../test/tools.js';
import { pgHbaLines } from './patroni-config.js';

// The AWS pg_hba in a real PostgreSQL. Found by the rehearsal (issue 13): on every replica Patroni reads its own
// timeline with IDENTIFY_SYSTEM over a replication connection to localhost (TCP); the AWS lines admitted the
// replication role only from the VPC, so each REST status and NLB health check logged "no pg_hba.conf entry for
// replication connection from host 127.0.0.1" and a traceback.

const asRoot = process.getuid?.() === 0;
/** As root PostgreSQL runs as postgres (it refuses root); otherwise as the current user. */
const pg = (bin: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(asRoot ? 'runuser' : bin, asRoot ? ['-u', 'postgres', '--', bin, ...args] : args, {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
  });

describe("the AWS nodes' pg_hba in a real PostgreSQL", () => {
  const dir = tempDir('pg-hba');
  const data = join(dir, 'data');
  const port = 40000 + (process.pid % 20000);
  const bin = postgresBinDir();
  const password = 'rehearsal-only-password';

  beforeAll(() => {
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'pw'), `${password}\n`, { mode: 0o644 });
    const init = pg(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${join(dir, 'pw')}`,
      '-A',
      'scram-sha-256',
    ]);
    expect(init.stderr).toBe(init.status === 0 ? init.stderr : '');
    expect(init.status).toBe(0);
    // The lines an AWS node gets (superuser from the admin network only, as the stack renders them).
    const hba = pgHbaLines(awsCluster, { superuserCidrs: ['10.0.200.0/24'] });
    writeFileSync(join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`);
    const start = pg(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c password_encryption=scram-sha-256`,
      'start',
    ]);
    expect(start.status).toBe(0);
    const role = pg(
      'psql',
      [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `CREATE ROLE replicator LOGIN REPLICATION PASSWORD '${password}'`,
      ],
      { PGPASSWORD: password },
    );
    expect(role.status).toBe(0);
  }, 120_000);

  afterAll(() => {
    pg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
  });

  test("Patroni's replication connection to localhost: IDENTIFY_SYSTEM answers", () => {
    const r = pg(
      'psql',
      [
        '-X',
        '-A',
        '-t',
        `host=127.0.0.1 port=${port} user=replicator dbname=postgres replication=true`,
        '-c',
        'IDENTIFY_SYSTEM',
      ],
      { PGPASSWORD: password },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\|1\|/);
  });
});
