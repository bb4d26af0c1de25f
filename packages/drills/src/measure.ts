import type { DrillCheck, DrillResult } from './result.js';
import { currentPrimary, firstSoleAnswer, type PrimarySample } from './sampler.js';
import { onHistory, type TimelineHistory } from './timeline.js';
import type { AckedWrite, ClientError, WorkloadLog } from './workload.js';

/** A row of the drill table as read back through the load balancer at the end. */
export interface StoredRow {
  readonly id: number;
  /** The address of the server that took the write. */
  readonly server: string;
  readonly timeline: number;
  readonly lsn: string;
}

/** Everything a drill saw, in epoch ms: the input of {@link measure}. */
export interface DrillObservations {
  readonly synchronousMode: boolean;
  /** The old primary is expected to end up a streaming replica of the new one. */
  readonly expectsRejoin: boolean;
  /** The leader is expected to stay where it is. */
  readonly expectsSameLeader: boolean;
  /** The fault. */
  readonly t0: number;
  /** When the workload was stopped. */
  readonly stoppedAt: number;
  readonly oldPrimary: string;
  readonly members: readonly { readonly name: string; readonly host: string; readonly address?: string }[];
  readonly samples: readonly PrimarySample[];
  /** The promotion as the scenario saw it, when it waited for one. @default - from the samples */
  readonly promotedAt?: number | undefined;
  readonly rejoinedAt?: number | undefined;
  /** When the fault was undone (a frozen node resumed, a cut link healed), if the scenario undoes it. */
  readonly healedAt?: number | undefined;
  readonly restartError?: string | undefined;
  readonly workload: WorkloadLog;
  readonly rows: readonly StoredRow[];
  readonly history: TimelineHistory | undefined;
  /** Writes sent straight to the old primary, when the scenario ran that probe: their ack times. */
  readonly direct?: { readonly attempted: number; readonly acks: readonly number[] } | undefined;
  /** Checks the scenario made while it ran (e.g. which replica was promoted). */
  readonly checks?: readonly DrillCheck[] | undefined;
}

/** The measured part of a {@link DrillResult}. */
export type Measurement = Pick<
  DrillResult,
  | 'ok'
  | 'newPrimary'
  | 'leaderChanged'
  | 'promotedAtMs'
  | 'writeGapMs'
  | 'writeGap'
  | 'rejoined'
  | 'rejoinedAtMs'
  | 'writes'
  | 'rowsByServer'
  | 'timelineHistory'
  | 'primarySamples'
  | 'doublePrimarySamples'
  | 'firstDoublePrimary'
  | 'oldPrimaryDirectWrites'
  | 'clientErrors'
  | 'checks'
>;

/** Fold consecutive identical client errors into one line with a count and a time range. */
export function foldErrors(
  errors: readonly ClientError[],
  t0: number,
): { fromMs: number; toMs: number; count: number; message: string }[] {
  const out: { fromMs: number; toMs: number; count: number; message: string }[] = [];
  for (const e of errors) {
    const message = `${e.phase}: ${e.message.split('\n')[0]}`;
    const last = out.at(-1);
    if (last && last.message === message) {
      last.toMs = e.at - t0;
      last.count++;
    } else out.push({ fromMs: e.at - t0, toMs: e.at - t0, count: 1, message });
  }
  return out;
}

const secs = (ms: number) => (ms / 1000).toFixed(1);

/**
 * The verdict of one drill from what it saw: the write gap, lost and duplicate writes, rows off the final
 * primary's timeline history, writes acknowledged by a node after another one was promoted, two-primary
 * samples, the rejoin. Pure: no I/O, no clock.
 *
 * `extra` adds checks of the scenario's own (computed from the same observations and this measurement).
 */
export function measure(
  o: DrillObservations,
  extra?: (o: DrillObservations, m: Omit<Measurement, 'ok'>) => readonly DrillCheck[],
): Measurement {
  const { t0, stoppedAt, oldPrimary } = o;
  const nameOf = (addr: string) => o.members.find((m) => (m.address ?? m.host) === addr)?.name ?? addr;
  const acked = [...o.workload.acked].sort((a, b) => a.at - b.at);
  const ackedIds = new Set(acked.map((a) => a.id));

  // Read back: lost, present without acknowledgement, duplicates, rows off the history.
  const count = new Map<number, number>();
  for (const r of o.rows) count.set(r.id, (count.get(r.id) ?? 0) + 1);
  const lostIds = [...ackedIds].filter((id) => !count.has(id)).sort((a, b) => a - b);
  const presentUnacknowledged = [...count.keys()].filter((id) => !ackedIds.has(id)).length;
  const duplicateIds = [...count.values()].filter((n) => n > 1).length;
  const history = o.history;
  const foreign = history ? o.rows.filter((r) => !onHistory(history, r.timeline, r.lsn)) : [];
  const byServer = new Map<string, { member: string; timeline: number; rows: number }>();
  for (const r of o.rows) {
    const key = `${r.server}/${r.timeline}`;
    const entry = byServer.get(key) ?? { member: nameOf(r.server), timeline: r.timeline, rows: 0 };
    entry.rows++;
    byServer.set(key, entry);
  }

  // The write gap: the longest pause between acknowledgements from the last one before the fault on.
  const acks = acked.map((a) => a.at);
  let from = acks.filter((t) => t <= t0).at(-1) ?? t0;
  let gap: { fromMs: number; toMs: number } | undefined;
  for (const t of acks) {
    if (t <= from) continue;
    if (!gap || t - from > gap.toMs - gap.fromMs) gap = { fromMs: from - t0, toMs: t - t0 };
    from = t;
  }
  // Writes that never came back show as a pause running to the end of the drill.
  const resumed = (acks.at(-1) ?? 0) > Math.max(t0, stoppedAt - 1500);
  if (!resumed)
    gap = { fromMs: (acks.filter((t) => t <= stoppedAt).at(-1) ?? t0) - t0, toMs: stoppedAt - t0 };

  // Leadership, from the /primary samples.
  const newPrimary = currentPrimary(o.samples, t0);
  const leaderChanged = o.samples.some((s) => s.at >= t0 && s.primaries.some((p) => p !== oldPrimary));
  const doubles = o.samples.filter((s) => s.primaries.length > 1).sort((a, b) => a.at - b.at);
  const firstDouble = doubles[0];
  const promotion =
    o.promotedAt ??
    (newPrimary && newPrimary !== oldPrimary ? firstSoleAnswer(o.samples, newPrimary, t0)?.at : undefined);
  const promoted = promotion === undefined ? undefined : newPrimary;

  // Acknowledged after another node was promoted: through the load balancer by any node but the promoted
  // one, and straight to the old primary. "After" means after the promotion was certain: when the answers of
  // the first sample that showed the new primary alone were in. The sample's send time (the PROMOTED figure)
  // is earlier by its round trip, and an acknowledgement received in that window can be of a commit the new
  // primary's WAL receiver confirmed before it was promoted (one such write failed a patroni-crash run).
  const promotionSample = promoted === undefined ? undefined : firstSoleAnswer(o.samples, promoted, t0);
  const certain =
    promotion === undefined
      ? undefined
      : promotionSample !== undefined && promotionSample.at === promotion
        ? (promotionSample.answeredAt ?? promotion)
        : promotion;
  const directAcks = o.direct?.acks ?? [];
  const directAfter = certain === undefined ? [] : directAcks.filter((t) => t > certain);
  // A write the new primary has in its history before its own timeline began (an ancestor timeline, before
  // the switch point) was committed before the promotion in WAL order, whenever its acknowledgement arrived:
  // Patroni answers /primary once it holds the leader key, while PostgreSQL may still be finishing its
  // promotion with the WAL receiver confirming the old primary's commits (seen with the guide profile, whose
  // load balancer kept sending writes to the crashed node's orphaned PostgreSQL for 30 s).
  const beforeSwitch = (a: AckedWrite) =>
    history !== undefined && a.timeline !== history.current && onHistory(history, a.timeline, a.lsn);
  const lateAcks =
    certain === undefined || promoted === undefined
      ? []
      : acked.filter((a) => a.at > certain && nameOf(a.server) !== promoted && !beforeSwitch(a));
  const lateBy = new Map<string, number>();
  for (const a of lateAcks) lateBy.set(nameOf(a.server), (lateBy.get(nameOf(a.server)) ?? 0) + 1);
  const acknowledgedAfterPromotion = lateAcks.length + directAfter.length;

  const checks: DrillCheck[] = [
    {
      id: 'no-acknowledged-write-lost',
      ok: lostIds.length === 0,
      required: o.synchronousMode,
      detail: `${lostIds.length} of ${ackedIds.size} acknowledged writes missing${o.synchronousMode ? '' : ' (asynchronous replication: loss is possible)'}`,
    },
    {
      id: 'no-id-read-twice',
      ok: duplicateIds === 0,
      required: true,
      detail: `${duplicateIds} ids read back more than once among ${o.rows.length} rows`,
    },
    {
      id: 'rows-on-final-history',
      ok: history !== undefined && foreign.length === 0,
      required: true,
      detail:
        history === undefined
          ? 'the final primary timeline history could not be read'
          : foreign.length === 0
            ? `all ${o.rows.length} rows on timeline ${history.current}'s history (${[...history.ancestors.map((a) => `${a.timeline} until ${a.endLsn}`), `${history.current}`].join(', ')})`
            : `${foreign.length} rows off timeline ${history.current}'s history, e.g. id ${foreign[0]?.id} on timeline ${foreign[0]?.timeline} at ${foreign[0]?.lsn}`,
    },
    {
      id: 'no-write-acknowledged-after-promotion',
      ok: acknowledgedAfterPromotion === 0,
      required: o.synchronousMode,
      detail:
        promotion === undefined
          ? 'no promotion: nothing to compare with'
          : `${acknowledgedAfterPromotion} writes acknowledged by a node other than ${promoted} after its promotion at +${secs(promotion - t0)} s` +
            (lateBy.size > 0 ? ` (${[...lateBy].map(([m, n]) => `${m}: ${n}`).join(', ')})` : '') +
            (directAfter.length > 0 ? ` (${directAfter.length} sent straight to ${oldPrimary})` : ''),
    },
    {
      id: 'one-primary-at-a-time',
      ok: doubles.length === 0,
      required: true,
      detail:
        doubles.length === 0
          ? `never two members answering /primary in ${o.samples.length} samples`
          : `${doubles.length} samples with two primaries, first at ${((firstDouble?.at ?? t0) - t0) / 1000} s: ${firstDouble?.primaries.join(', ')}`,
    },
    {
      id: 'writes-resumed',
      ok: resumed,
      required: true,
      detail: resumed
        ? `writes acknowledged until the end (longest pause ended at +${secs(gap?.toMs ?? 0)} s)`
        : `no write acknowledged in the last ${secs(stoppedAt - (acks.at(-1) ?? t0))} s of the drill`,
    },
    ...(o.checks ?? []),
  ];
  if (o.expectsRejoin && leaderChanged) {
    checks.push({
      id: 'old-primary-rejoined',
      ok: o.rejoinedAt !== undefined,
      required: true,
      detail:
        o.rejoinedAt !== undefined
          ? `${oldPrimary} streaming from ${newPrimary} at +${secs(o.rejoinedAt - t0)} s`
          : `${oldPrimary} not streaming${o.restartError ? ` (restart failed: ${o.restartError})` : ''}`,
    });
  }
  if (o.expectsSameLeader) {
    checks.push({
      id: 'leader-unchanged',
      ok: !leaderChanged,
      required: true,
      detail: leaderChanged ? `leader moved to ${newPrimary}` : `${oldPrimary} stayed the primary`,
    });
  }

  const measured: Omit<Measurement, 'ok'> = {
    newPrimary,
    leaderChanged,
    promotedAtMs: promotion === undefined ? undefined : promotion - t0,
    writeGapMs: gap ? gap.toMs - gap.fromMs : undefined,
    writeGap: gap,
    rejoined: o.expectsRejoin && leaderChanged ? o.rejoinedAt !== undefined : undefined,
    rejoinedAtMs: o.rejoinedAt === undefined ? undefined : o.rejoinedAt - t0,
    writes: {
      attempted: o.workload.attempted,
      acknowledged: ackedIds.size,
      lost: lostIds.length,
      lostIds: lostIds.slice(0, 20),
      presentUnacknowledged,
      inDoubt: o.workload.inDoubt.size,
      refused: o.workload.refused.size,
      acknowledgedAfterPromotion,
      duplicateIds,
      foreignTimelineRows: foreign.length,
    },
    rowsByServer: [...byServer.values()].sort(
      (a, b) => a.timeline - b.timeline || a.member.localeCompare(b.member),
    ),
    timelineHistory: history,
    primarySamples: o.samples.length,
    doublePrimarySamples: doubles.length,
    firstDoublePrimary: firstDouble
      ? { atMs: firstDouble.at - t0, members: firstDouble.primaries }
      : undefined,
    oldPrimaryDirectWrites: {
      attempted: o.direct?.attempted ?? 0,
      acknowledged: directAcks.length,
      acknowledgedAfterPromotion: directAfter.length,
      lastAcknowledgedAtMs: directAcks.length > 0 ? (directAcks.at(-1) as number) - t0 : undefined,
    },
    clientErrors: foldErrors(o.workload.errors, t0),
    checks,
  };
  const all = [...checks, ...(extra?.(o, measured) ?? [])];
  return { ...measured, checks: all, ok: all.every((c) => c.ok || !c.required) };
}
