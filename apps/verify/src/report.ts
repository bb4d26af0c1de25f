/** Version of the report's shape (the `--json` output). Bumped on an incompatible change. */
export const REPORT_VERSION = 1;

/** Stable check ids, in report order. */
export const CHECK_IDS = [
  'etcd.members',
  'etcd.health',
  'patroni.leader',
  'patroni.replicas',
  'pg.primary',
  'pg.replica',
  'pg.replication',
  'tls.expiry',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** `warn` passes (ok is true) but wants attention, e.g. a certificate expiring soon. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  readonly id: CheckId;
  readonly ok: boolean;
  readonly status: CheckStatus;
  /** One line: what was seen, or what failed, where, and what to check. */
  readonly detail: string;
  /** Wall time of the check in milliseconds. */
  readonly ms: number;
}

/** A row of the Patroni member table (like `patronictl list`). */
export interface PatroniMemberRow {
  readonly name: string;
  /** PostgreSQL `host:port` of the member as Patroni reports it, or its REST URL when unknown. */
  readonly host: string;
  /** `leader`, `replica`, `sync_standby`, `standby_leader`, or `unreachable`. */
  readonly role: string;
  /** Patroni's state; `streaming` when the leader streams to it. */
  readonly state: string;
  readonly timeline?: number;
  /** Bytes behind the leader; undefined for the leader or when unknown. */
  readonly lagBytes?: number;
}

/** A row of the etcd member table. */
export interface EtcdMemberRow {
  readonly id: string;
  readonly name: string;
  readonly clientUrls: readonly string[];
  readonly learner: boolean;
  /** From the member's own status, when it answered. */
  readonly isLeader?: boolean;
  readonly raftTerm?: string;
  readonly version?: string;
  /** Why its status could not be read. */
  readonly error?: string;
}

/** What {@link verifyCluster} returns; `--json` prints exactly this. */
export interface VerifyReport {
  readonly version: typeof REPORT_VERSION;
  /** True when every check passed (warnings included). */
  readonly ok: boolean;
  readonly cluster: string;
  readonly target: string;
  readonly checks: readonly CheckResult[];
  readonly patroni: { readonly members: readonly PatroniMemberRow[] };
  readonly etcd: { readonly members: readonly EtcdMemberRow[] };
  /** Wall time of the whole run in milliseconds. */
  readonly ms: number;
}
