import type { Scenario } from './scenario.js';
import { asymmetricPrimary } from './scenarios/asymmetric-primary.js';
import { asymmetricPrimaryReverse } from './scenarios/asymmetric-primary-reverse.js';
import { etcdLeaderIsolated } from './scenarios/etcd-leader-isolated.js';
import { etcdMember } from './scenarios/etcd-member.js';
import { etcdQuorum } from './scenarios/etcd-quorum.js';
import { freeze } from './scenarios/freeze.js';
import { hostCrash } from './scenarios/host-crash.js';
import { instanceTerminated } from './scenarios/instance-terminated.js';
import { isolatePrimary } from './scenarios/isolate-primary.js';
import { laggingReplica } from './scenarios/lagging-replica.js';
import { lossyPrimary } from './scenarios/lossy-primary.js';
import { patroniCrash } from './scenarios/patroni-crash.js';
import { postgresCrash } from './scenarios/postgres-crash.js';
import { primaryEtcdSplit } from './scenarios/primary-etcd-split.js';
import { switchover } from './scenarios/switchover.js';
import { syncStandbySplit } from './scenarios/sync-standby-split.js';

/**
 * Every scenario, in the order `--all` runs them. A new scenario is a module under `scenarios/` plus its import
 * above and one line here.
 */
export const SCENARIOS = [
  switchover,
  hostCrash,
  postgresCrash,
  patroniCrash,
  freeze,
  etcdMember,
  etcdQuorum,
  laggingReplica,
  isolatePrimary,
  primaryEtcdSplit,
  syncStandbySplit,
  etcdLeaderIsolated,
  asymmetricPrimary,
  asymmetricPrimaryReverse,
  lossyPrimary,
  instanceTerminated,
] as const satisfies readonly Scenario[];

export type ScenarioName = (typeof SCENARIOS)[number]['name'];

export const SCENARIO_NAMES: readonly ScenarioName[] = SCENARIOS.map((s) => s.name);

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIO_NAMES as readonly string[]).includes(value);
}

export function scenarioNamed(name: ScenarioName): Scenario<ScenarioName> {
  return SCENARIOS.find((s) => s.name === name) as Scenario<ScenarioName>;
}
