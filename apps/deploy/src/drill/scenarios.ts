/** The faults a drill can inject, one per drill. */
export type ScenarioName =
  | 'switchover'
  | 'host-crash'
  | 'postgres-crash'
  | 'patroni-crash'
  | 'freeze'
  | 'etcd-member'
  | 'etcd-quorum'
  | 'lagging-replica';

export interface Scenario {
  readonly name: ScenarioName;
  readonly fault: string;
  /** The old primary is expected to end up a streaming replica of the new one. */
  readonly expectsRejoin: boolean;
  /** The leader is expected to stay where it is. */
  readonly expectsSameLeader: boolean;
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  switchover: {
    name: 'switchover',
    fault: 'POST /switchover to a replica (the sync standby in synchronous mode)',
    expectsRejoin: true,
    expectsSameLeader: false,
  },
  'host-crash': {
    name: 'host-crash',
    fault: "SIGKILL the primary's Patroni and postmaster; restart its Patroni once a replica is promoted",
    expectsRejoin: true,
    expectsSameLeader: false,
  },
  'postgres-crash': {
    name: 'postgres-crash',
    fault: "SIGKILL the primary's postmaster only (Patroni restarts it or fails over)",
    expectsRejoin: false,
    expectsSameLeader: false,
  },
  'patroni-crash': {
    name: 'patroni-crash',
    fault: "SIGKILL the primary's Patroni only; its PostgreSQL is orphaned",
    expectsRejoin: true,
    expectsSameLeader: false,
  },
  freeze: {
    name: 'freeze',
    fault:
      "SIGSTOP the primary's Patroni and PostgreSQL until a replica is promoted (past the ttl), then SIGCONT",
    expectsRejoin: true,
    expectsSameLeader: false,
  },
  'etcd-member': {
    name: 'etcd-member',
    fault: 'SIGKILL the etcd raft leader (one of 3 members); restart it later',
    expectsRejoin: false,
    expectsSameLeader: true,
  },
  'etcd-quorum': {
    name: 'etcd-quorum',
    fault: 'SIGKILL 2 of 3 etcd members for 2 x ttl + 10 s; restart them',
    expectsRejoin: false,
    expectsSameLeader: false,
  },
  'lagging-replica': {
    name: 'lagging-replica',
    fault:
      'stop WAL receipt and replay on one replica until it lags beyond maximum_lag_on_failover, then crash the primary host',
    expectsRejoin: true,
    expectsSameLeader: false,
  },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && value in SCENARIOS;
}
