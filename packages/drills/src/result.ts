import type { DrillProfileName, LoadBalancerCheck } from './profiles.js';
import type { TimelineHistory } from './timeline.js';

export interface DrillCheck {
  readonly id: string;
  readonly ok: boolean;
  /** A required check that fails makes the drill fail; the others are observations. */
  readonly required: boolean;
  readonly detail: string;
}

/** The writes of a drill: what the clients were told, and what the final primary holds. */
export interface WriteFigures {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly lost: number;
  readonly lostIds: readonly number[];
  /** Rows in the table whose insert was never acknowledged (their outcome was in doubt). */
  readonly presentUnacknowledged: number;
  readonly inDoubt: number;
  readonly refused: number;
  /**
   * Writes acknowledged by a node other than the promoted one after the promotion (the first sample in which
   * only the new primary answered /primary): through the load balancer and straight to the old primary.
   */
  readonly acknowledgedAfterPromotion: number;
  /** Ids read back more than once (the table has no unique constraint, so a double apply shows). */
  readonly duplicateIds: number;
  /**
   * Rows whose timeline and WAL position are not on the final primary's timeline history (written on a
   * branch it never replayed).
   */
  readonly foreignTimelineRows: number;
}

/** What one drill measured. Times are milliseconds relative to the fault (negative: before it). */
export interface DrillResult {
  readonly scenario: string;
  readonly profile: DrillProfileName;
  readonly synchronousMode: boolean;
  readonly failsafe: boolean;
  /** Writing clients, each on its own connection through the load balancer. */
  readonly clients: number;
  readonly ok: boolean;
  readonly timing: {
    readonly ttl: number;
    readonly loopWait: number;
    readonly retryTimeout: number;
    readonly maximumLagOnFailover: number;
    readonly haproxy: LoadBalancerCheck;
  };
  readonly oldPrimary: string;
  /** The primary at the end of the drill. */
  readonly newPrimary: string | undefined;
  readonly leaderChanged: boolean;
  /** First 100 ms sample in which only the new primary answered /primary. */
  readonly promotedAtMs: number | undefined;
  /** Longest time between two acknowledged writes, from the last one before the fault on. */
  readonly writeGapMs: number | undefined;
  readonly writeGap: { readonly fromMs: number; readonly toMs: number } | undefined;
  readonly rejoined: boolean | undefined;
  readonly rejoinedAtMs: number | undefined;
  readonly writes: WriteFigures;
  /** Rows per server and timeline, as the rows themselves say (inet_server_addr, WAL timeline). */
  readonly rowsByServer: readonly {
    readonly member: string;
    readonly timeline: number;
    readonly rows: number;
  }[];
  /** The final primary's timeline history the rows were checked against. */
  readonly timelineHistory: TimelineHistory | undefined;
  readonly primarySamples: number;
  /** 100 ms samples in which two or more members answered /primary. */
  readonly doublePrimarySamples: number;
  readonly firstDoublePrimary: { readonly atMs: number; readonly members: readonly string[] } | undefined;
  /** Writes sent straight to the old primary (bypassing the load balancer) that it acknowledged, by phase. */
  readonly oldPrimaryDirectWrites: {
    readonly attempted: number;
    readonly acknowledged: number;
    readonly acknowledgedAfterPromotion: number;
    readonly lastAcknowledgedAtMs: number | undefined;
  };
  /** What the writing clients saw: errors in order (ms from the fault), repeated ones folded. */
  readonly clientErrors: readonly {
    readonly fromMs: number;
    readonly toMs: number;
    readonly count: number;
    readonly message: string;
  }[];
  readonly checks: readonly DrillCheck[];
  readonly notes: readonly string[];
  readonly durationMs: number;
}
