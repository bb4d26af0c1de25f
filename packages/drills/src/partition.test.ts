import { describe, expect, test } from 'vitest';
import { SCENARIO_NAMES, SCENARIOS } from './registry.js';

describe('partition scenarios (issue 15)', () => {
  test('exactly the partition scenarios need a network-aware target; they come last, so --all runs them last', () => {
    const partitions = SCENARIO_NAMES.slice(
      SCENARIO_NAMES.indexOf('isolate-primary'),
      SCENARIO_NAMES.indexOf('lossy-primary') + 1,
    );
    expect(partitions).toHaveLength(7);
    expect(SCENARIOS.filter((s) => s.requires?.includes('network')).map((s) => s.name)).toEqual(partitions);
    // After them the one that needs instances to terminate (the AWS rehearsal's --drill).
    expect(SCENARIOS.filter((s) => s.requires?.includes('instances')).map((s) => s.name)).toEqual([
      'instance-terminated',
    ]);
  });

  test('the ones that cut the primary off expect a promotion and the rejoin; the others keep the leader', () => {
    const by = Object.fromEntries(SCENARIOS.map((s) => [s.name, s]));
    for (const name of ['isolate-primary', 'asymmetric-primary', 'asymmetric-primary-reverse'])
      expect([by[name]?.expectsRejoin, by[name]?.expectsSameLeader], name).toEqual([true, false]);
    for (const name of ['sync-standby-split', 'etcd-leader-isolated'])
      expect(by[name]?.expectsSameLeader, name).toBe(true);
  });
});
