// End to end: the local runtime (@pgha/local-cluster, what pnpm run deploy runs) brings up a real local cluster
// (3 etcd with TLS and client-cert-auth, 3 Patroni + PostgreSQL nodes, HAProxy) on 127.47.x.y;
// verify checks it through its manifest only, then we break it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULTS,
  deployLocal,
  destroyLocal,
  type Layout,
  layoutFor,
  statusLocal,
} from '@pgha/local-cluster';
import { CHECK_IDS, EXIT_CHECK_FAILED, EXIT_OK, run, type VerifyReport } from '@pgha/verify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asRoot, captureIo, foreignClientCertificate, traversableTempDir } from './support.js';

const BASE = '127.47';
const CLUSTER = 'vtest';
const TIMEOUT_MS = 5000;

let root: string;
let layout: Layout;
let manifestFile: string;

async function verifyJson(args: string[] = []): Promise<{ code: number; report: VerifyReport; ms: number }> {
  const c = captureIo({ cwd: root, env: { PGHA_STATE_DIR: 'state' } });
  const t0 = performance.now();
  const code = await run(['--json', '--timeout', `${TIMEOUT_MS}ms`, ...args], c.io);
  const ms = performance.now() - t0;
  expect(c.stderr()).toBe('');
  return { code, report: JSON.parse(c.stdout()) as VerifyReport, ms };
}

const check = (r: VerifyReport, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no ${id}`);
  return c;
};

async function pidOf(name: string): Promise<number> {
  const s = await statusLocal(layout);
  const pid = s.components.find((c) => c.name === name)?.pid;
  if (!pid) throw new Error(`${name} is not running`);
  return pid;
}

beforeAll(async () => {
  root = traversableTempDir('pgha-verify-e2e-');
  layout = layoutFor({
    cluster: CLUSTER,
    stateRoot: join(root, 'state'),
    nodesRoot: join(root, 'nodes'),
    asRoot,
  });
  const result = await deployLocal(
    { options: { ...DEFAULTS, cluster: CLUSTER, addressBase: BASE }, layout, install: false },
    () => {},
  );
  manifestFile = result.manifestFile;
}, 240_000);

afterAll(async () => {
  if (layout) await destroyLocal(layout, true, () => {});
  if (root) rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('a cluster deployed by pnpm run deploy', () => {
  test('every check passes from the manifest alone, exit 0', async () => {
    // Deploy returns once routing is right; on a busy machine HAProxy's health checks can still flap for a
    // moment (a replica marked down when Patroni's REST API answers late), so allow up to 30 s to converge.
    let { code, report } = await verifyJson();
    for (let i = 0; i < 30 && code !== EXIT_OK; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      ({ code, report } = await verifyJson());
    }
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(code).toBe(EXIT_OK);
    expect(report.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(report.cluster).toBe(CLUSTER);
    // The member tables: three Patroni members, one leader, two streaming; three etcd members, one leader.
    expect(report.patroni.members.map((m) => m.name)).toEqual(['pg-1', 'pg-2', 'pg-3']);
    expect(report.patroni.members.filter((m) => m.role === 'leader')).toHaveLength(1);
    expect(report.patroni.members.filter((m) => m.state === 'streaming')).toHaveLength(2);
    expect(report.etcd.members.map((m) => m.name).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(report.etcd.members.filter((m) => m.isLeader)).toHaveLength(1);
    // The leader verify names is the one deploy's status names.
    const status = await statusLocal(layout);
    const leader = status.components.find((c) => c.role === 'leader')?.name;
    expect(check(report, 'patroni.leader').detail).toContain(`${leader} leads scope "${CLUSTER}"`);
    expect(check(report, 'pg.primary').detail).toContain(`${BASE}.20.${leader?.slice(3)}:5432 is primary`);
  });

  test('the human report lists the members like patronictl list and ends with the verdict', async () => {
    const c = captureIo({ cwd: root, env: { PGHA_STATE_DIR: 'state' } });
    // Checks that do not go through HAProxy, whose health checks may flap on a busy machine.
    const checks = ['etcd.members', 'etcd.health', 'patroni.leader', 'patroni.replicas', 'tls.expiry'];
    expect(
      await run(
        checks.flatMap((id) => ['--check', id]),
        c.io,
      ),
    ).toBe(EXIT_OK);
    const text = c.stdout();
    expect(text).toMatch(/^\| Member \| Host +\| Role +\| State +\| TL \| Lag in MB \|$/m);
    expect(text).toMatch(new RegExp(`^\\| pg-1 +\\| ${BASE.replace('.', '\\.')}\\.20\\.1:5432 \\|`, 'm'));
    expect(text).toMatch(/^5 passed, 0 failed in \d+ ms: cluster vtest is healthy$/m);
  });

  test('a client certificate from another CA: the etcd checks fail with a clear TLS error', async () => {
    const dir = traversableTempDir('pgha-verify-foreign-');
    const foreign = await foreignClientCertificate(dir);
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    m.etcd.tls.cert = foreign.crt;
    m.etcd.tls.key = foreign.key;
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(m));
    const c = captureIo();
    const t0 = performance.now();
    const args = ['--manifest', file, '--json', '--timeout', `${TIMEOUT_MS}ms`];
    const checks = ['--check', 'etcd.members', '--check', 'etcd.health', '--check', 'patroni.leader'];
    expect(await run([...args, ...checks], c.io)).toBe(EXIT_CHECK_FAILED);
    expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS + 3000);
    const report = JSON.parse(c.stdout()) as VerifyReport;
    for (const id of ['etcd.members', 'etcd.health']) {
      expect(check(report, id).ok).toBe(false);
      expect(check(report, id).detail).toContain(`the server rejected etcd.tls.cert (${foreign.crt})`);
    }
    // Only etcd uses that certificate: Patroni's REST API still answers.
    expect(check(report, 'patroni.leader').ok).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('breaking the deployed cluster', () => {
  test('one etcd member stopped: exit 1 and the etcd check names it, within the timeout', async () => {
    process.kill(await pidOf('etcd-3'), 'SIGKILL');
    const { code, report, ms } = await verifyJson();
    expect(code).toBe(EXIT_CHECK_FAILED);
    expect(ms).toBeLessThan(TIMEOUT_MS + 3000);
    const health = check(report, 'etcd.health');
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(
      new RegExp(
        `etcd-3 \\(https://${BASE.replace('.', '\\.')}\\.10\\.3:2379\\) does not answer: connection re(fused|set)`,
      ),
    );
    expect(health.detail).not.toContain('etcd-1 (');
    expect(report.etcd.members.find((m) => m.name === 'etcd-3')?.error).toMatch(/connection re(fused|set)/);
    // Two of three members keep quorum: Patroni keeps its leader.
    expect(check(report, 'patroni.leader').ok).toBe(true);
  });

  test("one replica's Patroni and PostgreSQL stopped: exit 1 and patroni.replicas names that member", async () => {
    const status = await statusLocal(layout);
    // Prefer the asynchronous replica: killing the sync standby also stalls writes until Patroni picks another.
    const victim =
      status.components.find((c) => c.kind === 'patroni' && c.role === 'replica') ??
      status.components.find((c) => c.kind === 'patroni' && c.role === 'sync_standby');
    if (!victim?.pid) throw new Error('no running replica');
    const dataDir = join(layout.nodesDir, victim.name, 'data');
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(victim.pid, 'SIGKILL');
    process.kill(postmaster, 'SIGKILL');
    const { code, report, ms } = await verifyJson([
      '--check',
      'patroni.leader',
      '--check',
      'patroni.replicas',
    ]);
    expect(code).toBe(EXIT_CHECK_FAILED);
    expect(ms).toBeLessThan(TIMEOUT_MS + 3000);
    expect(check(report, 'patroni.leader').ok).toBe(true);
    const replicas = check(report, 'patroni.replicas');
    expect(replicas.ok).toBe(false);
    // Refused, or reset while the killed process's listener is torn down.
    expect(replicas.detail).toMatch(
      new RegExp(
        `${victim.name} \\(https://${victim.host.replaceAll('.', '\\.')}:8008\\) does not answer: connection re(fused|set)`,
      ),
    );
    const others = ['pg-1', 'pg-2', 'pg-3'].filter((n) => n !== victim.name);
    for (const n of others) expect(replicas.detail).not.toContain(`${n} (`);
  });
});
