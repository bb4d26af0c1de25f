import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const exec = promisify(execFile);
const asRoot = process.getuid?.() === 0;
const APP = join(import.meta.dirname, '..');
const DRILLS = join(APP, '..', '..', 'packages', 'drills');

interface Check {
  readonly id: string;
  readonly ok: boolean;
  readonly required: boolean;
  readonly detail: string;
}
interface Run {
  readonly scenario: string;
  readonly ok: boolean;
  readonly synchronousMode: boolean;
  readonly leaderChanged: boolean;
  readonly writes: {
    readonly acknowledged: number;
    readonly lost: number;
    readonly acknowledgedAfterPromotion: number;
  };
  readonly doublePrimarySamples: number;
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}

async function drillNamespaces(): Promise<string[]> {
  const { stdout } = await exec('/usr/sbin/ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('pgha-drill-'));
}

/** `pnpm run drill -- --network netns --scenario NAME --json` (sync, 1 trial), as its own process. */
async function drill(
  scenario: string,
  extra: readonly string[] = [],
): Promise<{ code: number; run: Run; stderr: string }> {
  const args = [join(APP, 'dist/bin.js'), 'drill', '--network', 'netns', '--scenario', scenario, ...extra];
  const result = await exec(
    process.execPath,
    [...args, '--address-base', '127.55', '--no-install', '--json'],
    {
      timeout: 480_000,
    },
  ).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
  const doc = JSON.parse(result.stdout) as {
    version: number;
    runs: Run[];
    errors: string[];
    diagnostics: { run: string; lines: string[] }[];
  };
  // A drill that gave up says what the cluster looked like (roles, etcd health, log tails): shown on failure.
  expect(doc.errors, doc.diagnostics.flatMap((d) => [d.run, ...d.lines]).join('\n')).toEqual([]);
  expect(doc.runs).toHaveLength(1);
  const run = doc.runs[0] as Run;
  expect(run.scenario).toBe(scenario);
  expect(run.synchronousMode).toBe(true);
  // What every partition drill must show, in synchronous mode: nothing acknowledged is lost, nothing is
  // acknowledged by a node after another one was promoted, never two primaries, converged after the heal.
  const details = JSON.stringify({ checks: run.checks, notes: run.notes }, null, 1);
  expect(run.writes.acknowledged, details).toBeGreaterThan(100);
  expect(run.writes.lost, details).toBe(0);
  expect(run.writes.acknowledgedAfterPromotion, details).toBe(0);
  expect(run.doublePrimarySamples, details).toBe(0);
  expect(check(run, 'converged-after-heal')?.ok, details).toBe(true);
  // The run removed the hosts it made.
  expect(await drillNamespaces()).toEqual([]);
  return { code: result.code, run, stderr: result.stderr };
}

const check = (run: Run, id: string) => run.checks.find((c) => c.id === id);

// CI's partition drills (issue 15): a real cluster, each node its own network namespace, links cut with nftables.
describe.skipIf(!asRoot)('partition drills on the netns target (sync, 1 trial each)', () => {
  test('the drill runs the built CLI, which pnpm test builds first', async () => {
    const built = (await stat(join(APP, 'dist/bin.js'))).mtimeMs;
    for (const file of await readdir(join(DRILLS, 'src'), { recursive: true })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      expect((await stat(join(DRILLS, 'src', file))).mtimeMs, `${file}: run pnpm build`).toBeLessThanOrEqual(
        (await stat(join(DRILLS, 'dist/index.js'))).mtimeMs,
      );
    }
    expect(built).toBeGreaterThan(0);
  });

  test('isolate-primary: a replica is promoted, the cut-off primary acknowledges nothing after the ttl; every check passes', async () => {
    const { code, run } = await drill('isolate-primary');
    const details = JSON.stringify(run.checks, null, 1);
    expect(run.leaderChanged, details).toBe(true);
    expect(check(run, 'no-ack-after-leader-key-expiry'), details).toMatchObject({ ok: true, required: true });
    expect(check(run, 'old-primary-rejoined')?.ok, details).toBe(true);
    expect(run.checks.filter((c) => c.required && !c.ok)).toEqual([]);
    expect(run.ok).toBe(true);
    expect(code).toBe(0);
  }, 500_000);

  test('primary-etcd-split, failsafe_mode off (the default): the primary demotes itself within the ttl; every check passes', async () => {
    const { code, run } = await drill('primary-etcd-split');
    const details = JSON.stringify(run.checks, null, 1);
    expect(check(run, 'no-ack-after-leader-key-expiry'), details).toMatchObject({ ok: true, required: true });
    expect(run.checks.filter((c) => c.required && !c.ok)).toEqual([]);
    expect(code).toBe(0);
  }, 500_000);

  test(
    'primary-etcd-split, failsafe_mode on: it stays primary past its leader key, by design; the drill says so and fails',
    async () => {
      const { code, run } = await drill('primary-etcd-split', ['--failsafe', 'on']);
      // Patroni's failsafe keeps a primary that reaches every member (ha.py _handle_dcs_error): no promotion,
      // so no split brain, but writes acknowledged after the key expired (docs/failure-drills.md).
      expect(run.leaderChanged).toBe(false);
      expect(run.checks.filter((c) => c.required && !c.ok).map((c) => c.id)).toEqual([
        'no-ack-after-leader-key-expiry',
      ]);
      expect(run.ok).toBe(false);
      expect(code).toBe(1);
      // One retry, for the Patroni 4.0.7 defect this test found (about 1 CI run in 4; docs/failure-drills.md,
      // "failsafe_mode on Patroni 4.0.7"): the old primary's HA loop can hang for good in check_failsafe_topology's
      // ThreadPool.join(), so the drill cannot read its table back. It is why pgha's default is failsafe off; this
      // test is about the drill reporting failsafe's acknowledgements after the key expired. The diagnosis,
      // with the stuck Patroni's thread stacks, is printed when it happens; twice in a row fails the test.
    },
    { timeout: 500_000, retry: 1 },
  );
});
