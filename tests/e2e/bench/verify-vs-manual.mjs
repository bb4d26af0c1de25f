// Bench: wall time of `pgha-verify` on a healthy cluster next to the guide's manual checks, scripted, in the
// same run: etcdctl member list + patronictl list + psql to the primary port + psql to the replica port.
// Deploys its own cluster on 127.44.x.y with @pgha/local-cluster, and destroys it at the end.
// Usage: node bench/verify-vs-manual.mjs [rounds]   (default 5)
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execRaw = promisify(execFile);
// Every command runs under /usr/bin/time so its CPU time (user + system) adds to `cpu`: unlike wall time,
// that figure does not depend on how busy the shared machine is.
const TIME = '/usr/bin/time';
let cpu = 0;
const exec = async (cmd, args, opts) => {
  if (!existsSync(TIME)) return execRaw(cmd, args, opts);
  const out = join(tmpdir(), `pgha-verify-bench-time-${process.pid}`);
  const r = await execRaw(TIME, ['-f', '%U %S', '-o', out, cmd, ...args], opts);
  const [u, s] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  cpu += (u + s) * 1000;
  return r;
};
const require = createRequire(import.meta.url);
const verifyBin = join(dirname(require.resolve('@pgha/verify/package.json')), 'bin', 'pgha-verify.js');
const rounds = Number(process.argv[2] ?? 5);
const BASE = '127.44';
const CLUSTER = 'vbench';

const deploy = await import('@pgha/local-cluster');
const { verifyCluster, readManifest } = await import('@pgha/verify');

const root = mkdtempSync(join(tmpdir(), 'pgha-verify-bench-'));
chmodSync(root, 0o755);
const layout = deploy.layoutFor({
  cluster: CLUSTER,
  stateRoot: join(root, 'state'),
  nodesRoot: join(root, 'nodes'),
  asRoot: process.getuid?.() === 0,
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (xs) =>
  `median ${median(xs).toFixed(0).padStart(5)} ms   min ${Math.min(...xs)
    .toFixed(0)
    .padStart(5)}   max ${Math.max(...xs)
    .toFixed(0)
    .padStart(5)}`;
const timed = async (fn, cpuTimes) => {
  const t0 = performance.now();
  cpu = 0;
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  cpuTimes.push(cpu + (c.user + c.system) / 1000);
  return performance.now() - t0;
};

try {
  process.stdout.write(`deploying a bench cluster on ${BASE}.x.y ... `);
  const t0 = performance.now();
  const result = await deploy.deployLocal(
    { options: { ...deploy.DEFAULTS, cluster: CLUSTER, addressBase: BASE }, layout, install: false },
    () => {},
  );
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const manifestFile = result.manifestFile;
  const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const password = readFileSync(m.postgres.passwordFile, 'utf8').split('\n')[0];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const patroniConfig = join(layout.nodesDir, 'pg-1', 'patroni.yaml');

  // The guide's steps, as a script would run them (sequentially, each a fresh process).
  const manual = async () => {
    await exec(
      'etcdctl',
      [
        `--endpoints=${m.etcd.endpoints.join(',')}`,
        `--cacert=${m.etcd.tls.ca}`,
        `--cert=${m.etcd.tls.cert}`,
        `--key=${m.etcd.tls.key}`,
        'member',
        'list',
      ],
      { env: { ...env, ETCDCTL_API: '3' } },
    );
    await exec('/usr/bin/patronictl', ['-c', patroniConfig, 'list'], { env });
    for (const ep of [m.postgres.primary, m.postgres.replicas]) {
      await exec('psql', ['-X', '-At', '-c', 'SELECT pg_is_in_recovery()'], {
        env: {
          ...env,
          PGHOST: ep.host,
          PGPORT: String(ep.port),
          PGUSER: m.postgres.user,
          PGDATABASE: m.postgres.database,
          PGPASSWORD: password,
          PGSSLMODE: 'verify-full',
          PGSSLROOTCERT: m.postgres.sslRootCert ?? m.etcd.tls.ca,
        },
      });
    }
  };
  // The CLI as a user runs it: a fresh node process, all 8 checks.
  const cli = async () => {
    const { stdout } = await exec(process.execPath, [verifyBin, '--manifest', manifestFile, '--json'], {
      env,
    });
    const report = JSON.parse(stdout);
    if (!report.ok) throw new Error(`verify failed on the bench cluster: ${stdout}`);
  };
  // For scale: a node process that does nothing.
  const nodeOnly = async () => {
    await exec(process.execPath, ['-e', ''], { env });
  };
  const manifest = await readManifest(manifestFile);
  const library = async () => {
    const r = await verifyCluster(manifest);
    if (!r.ok) throw new Error('verify (library) failed on the bench cluster');
  };

  // Warm-up (page cache, first TLS session of each server), then alternate so both see the same load.
  await manual();
  await cli();
  await library();
  const times = { cli: [], manual: [], library: [], node: [] };
  const cpus = { cli: [], manual: [], library: [], node: [] };
  for (let i = 0; i < rounds; i++) {
    times.node.push(await timed(nodeOnly, cpus.node));
    times.manual.push(await timed(manual, cpus.manual));
    times.cli.push(await timed(cli, cpus.cli));
    times.library.push(await timed(library, cpus.library));
  }
  console.log(`\n${rounds} rounds on a healthy 3 etcd + 3 Patroni/PostgreSQL + HAProxy cluster (wall time):`);
  console.log(`  pgha-verify (CLI, new node process, 8 checks)    ${fmt(times.cli)}`);
  console.log(`  verifyCluster() in-process (8 checks)            ${fmt(times.library)}`);
  console.log(`  manual: etcdctl member list + patronictl list + 2x psql   ${fmt(times.manual)}`);
  console.log(`  for scale: node -e '' (an empty node process)    ${fmt(times.node)}`);
  console.log('CPU time (user + system of every process involved; independent of the machine load):');
  console.log(`  pgha-verify (CLI)                                ${fmt(cpus.cli)}`);
  console.log(`  verifyCluster() in-process                       ${fmt(cpus.library)}`);
  console.log(`  manual: etcdctl member list + patronictl list + 2x psql   ${fmt(cpus.manual)}`);
  console.log(`  for scale: node -e ''                            ${fmt(cpus.node)}`);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average during the run: ${load} (2 cores shared with other work)`);
  const ratio = median(times.cli) / median(times.manual);
  console.log(
    `  verify CLI / manual: ${ratio.toFixed(2)}  (target: verify <= 1000 ms and no slower than manual: ${
      median(times.cli) <= 1000 && ratio <= 1 ? 'met' : 'NOT met'
    })`,
  );
} finally {
  await deploy
    .destroyLocal(layout, true, () => {})
    .catch((e) => console.error(`destroy failed: ${e.message}`));
  rmSync(root, { recursive: true, force: true });
  rmSync(join(tmpdir(), `pgha-verify-bench-time-${process.pid}`), { force: true });
}
