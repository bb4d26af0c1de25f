import { readFile } from 'node:fs/promises';
import { describe, expect, test, vi } from 'vitest';
import { hostCrashTable } from '../test/readme-example.js';
import { isDrillError } from './errors.js';
import type { DrillEvent } from './events.js';
import { DRILL_PROFILES } from './profiles.js';
import { SCENARIO_NAMES, scenarioNamed } from './registry.js';
import { assertTargetCan, runDrill } from './run-drill.js';
import { defineScenario } from './scenario.js';
import type { DrillTarget, NetworkFaults } from './target.js';

// The engine against a target whose deploy fails: what it promises before and around the real work (the
// real work, on a real cluster, is apps/deploy's drill.integ.test.ts).
function failingTarget(over: Partial<DrillTarget> = {}) {
  const calls: string[] = [];
  const target: DrillTarget = {
    description: 'on nowhere',
    deploy: vi.fn(async () => {
      calls.push('deploy');
      throw new Error('etcd did not start');
    }),
    restart: async () => {},
    destroy: vi.fn(async () => {
      calls.push('destroy');
    }),
    restApiCredentials: async () => 'patroni:x',
    processes: async () => [],
    signal: async () => {},
    waitExited: async () => true,
    ...over,
  };
  return { target, calls };
}

const request = { scenario: 'host-crash', profile: 'fast', synchronousMode: true } as const;

describe('runDrill', () => {
  test('a failed deploy is reported as a failed step, and the cluster is destroyed all the same', async () => {
    const { target, calls } = failingTarget();
    const events: DrillEvent[] = [];
    await expect(runDrill(request, target, { onEvent: (e) => events.push(e) })).rejects.toThrow(
      'etcd did not start',
    );
    expect(calls).toEqual(['deploy', 'destroy']);
    expect(events.map((e) => `${e.type} ${'step' in e ? e.step : ''}`)).toEqual([
      'step-start drill-deploy',
      'step-failed drill-deploy',
      'step-start drill-destroy',
      'step-done drill-destroy',
    ]);
    expect(events[0]).toMatchObject({
      title: `deploy throwaway cluster on nowhere (fast: ${DRILL_PROFILES.fast.description}; sync)`,
    });
    expect(vi.mocked(target.deploy).mock.calls[0]?.[0]).toEqual({
      profile: DRILL_PROFILES.fast,
      synchronousMode: true,
    });
  });

  test.each([
    [{ ...request, scenario: 'meteor' }, /scenario "meteor" is not a drill/],
    [{ ...request, profile: 'turbo' }, /profile "turbo" is not a drill profile/],
    [{ ...request, clients: 0 }, /clients 0 is not valid: give a whole number from 1 to 64/],
    [{ ...request, clients: 2.5 }, /clients 2.5 is not valid/],
  ])('%j is refused before anything is deployed', async (bad, message) => {
    const { target, calls } = failingTarget();
    const error = await runDrill(bad as never, target).catch((e: unknown) => e);
    expect(isDrillError(error) && error.code).toBe('OPTION_INVALID');
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
  });

  test('an aborted signal ends the drill before it deploys', async () => {
    const { target, calls } = failingTarget();
    const abort = new AbortController();
    abort.abort();
    const error = await runDrill(request, target, { signal: abort.signal }).catch((e: unknown) => e);
    expect(isDrillError(error) && error.code).toBe('ABORTED');
    expect(calls).toEqual([]);
  });

  test('the registry keeps the order --all runs in', () => {
    expect(SCENARIO_NAMES).toEqual([
      'switchover',
      'host-crash',
      'postgres-crash',
      'patroni-crash',
      'freeze',
      'etcd-member',
      'etcd-quorum',
      'lagging-replica',
      'isolate-primary',
      'primary-etcd-split',
      'sync-standby-split',
      'etcd-leader-isolated',
      'asymmetric-primary',
      'asymmetric-primary-reverse',
      'lossy-primary',
      'instance-terminated',
    ]);
  });
});

describe('target capabilities', () => {
  const cut = defineScenario({
    name: 'isolate-something',
    fault: 'cut every link of something',
    expectsRejoin: true,
    expectsSameLeader: false,
    requires: ['network'],
    inject: async () => {},
  });

  test('a scenario that cuts links is refused on a target without network faults, naming both', () => {
    const { target } = failingTarget();
    let error: unknown;
    try {
      assertTargetCan(cut, target);
    } catch (e) {
      error = e;
    }
    expect(isDrillError(error) && error.code).toBe('TARGET_UNSUPPORTED');
    expect((error as Error).message).toMatch(
      /scenario isolate-something cuts or degrades links, and the target \(on nowhere\) cannot: .*target\.network.*network "netns"/,
    );
  });

  test('and accepted on one that has them', () => {
    const network: NetworkFaults = {
      hostOf: (member) => ({ id: member }),
      cut: async () => async () => {},
      degrade: async () => async () => {},
    };
    const { target } = failingTarget({ network });
    expect(() => assertTargetCan(cut, target)).not.toThrow();
  });

  test('instance-terminated needs a target that terminates instances: refused naming the rehearsal, else accepted', () => {
    const scenario = scenarioNamed('instance-terminated');
    expect(() => assertTargetCan(scenario, failingTarget().target)).toThrow(
      /scenario instance-terminated terminates an instance, and the target \(on nowhere\) cannot: .*target\.terminateInstance.*the AWS rehearsal's/,
    );
    const { target } = failingTarget({ terminateInstance: async () => {} });
    expect(() => assertTargetCan(scenario, target)).not.toThrow();
  });
});

describe('the processes capability', () => {
  // A target that cannot signal a node's processes (the AWS rehearsal's: its nodes are instances).
  const withoutProcesses = () => {
    const { processes: _p, signal: _s, waitExited: _w, ...rest } = failingTarget().target;
    return rest as DrillTarget;
  };

  test.each([
    'host-crash',
    'patroni-crash',
    'postgres-crash',
    'freeze',
    'lagging-replica',
    'etcd-member',
    'etcd-quorum',
  ] as const)(
    '%s signals processes: refused on a target without them, before anything is deployed',
    async (name) => {
      const target = withoutProcesses();
      await expect(runDrill({ ...request, scenario: name }, target)).rejects.toThrow(
        new RegExp(
          `scenario ${name} signals a node's processes, and the target \\(on nowhere\\) cannot: it has no processes capability`,
        ),
      );
      expect(vi.mocked(target.deploy)).not.toHaveBeenCalled();
    },
  );

  test('the scenarios that only call Patroni, cut links or terminate instances need no processes', () => {
    const need = SCENARIO_NAMES.filter((n) => scenarioNamed(n).requires?.includes('processes'));
    expect(need.sort()).toEqual(
      [
        'etcd-member',
        'etcd-quorum',
        'freeze',
        'host-crash',
        'lagging-replica',
        'patroni-crash',
        'postgres-crash',
      ].sort(),
    );
    expect(() => assertTargetCan(scenarioNamed('switchover'), withoutProcesses())).not.toThrow();
  });
});

describe('README usage example', () => {
  test('the README shows test/readme-example.ts verbatim', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../test/readme-example.ts', import.meta.url), 'utf8');
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  test('runs: three trials, each deploy failing, leave an empty table and three destroyed clusters', async () => {
    const { target, calls } = failingTarget();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const table = await hostCrashTable(target);
      expect(table.split('\n')[0]).toMatch(/^SCENARIO\s+PROFILE\s+MODE\s+PASS/);
      expect(table.trim().split('\n')).toHaveLength(1);
      expect(calls).toEqual(['deploy', 'destroy', 'deploy', 'destroy', 'deploy', 'destroy']);
      expect(errors.mock.calls.map((c) => c[0])).toEqual([
        'trial 1 failed: etcd did not start',
        'trial 2 failed: etcd did not start',
        'trial 3 failed: etcd did not start',
      ]);
    } finally {
      errors.mockRestore();
    }
  });
});
