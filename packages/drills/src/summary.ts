import type { DrillResult } from './result.js';

/** Median and range of a set of figures (undefined ones left out). */
export interface Stat {
  readonly n: number;
  readonly median: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export function stat(values: readonly (number | undefined)[]): Stat {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, median: undefined, min: undefined, max: undefined };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  return { n: v.length, median, min: v[0], max: v.at(-1) };
}

/** One row of the drill table: the trials of one scenario with one profile, mode and failsafe setting. */
export interface SummaryRow {
  readonly scenario: string;
  readonly profile: string;
  readonly synchronousMode: boolean;
  readonly failsafe: boolean;
  readonly trials: number;
  readonly passed: number;
  readonly writeGapMs: Stat;
  readonly promotedAtMs: Stat;
  readonly rejoinedAtMs: Stat;
  readonly lostWrites: { readonly total: number; readonly max: number };
  readonly presentUnacknowledged: { readonly total: number };
  readonly doublePrimarySamples: { readonly total: number };
  /** Writes acknowledged by a node other than the promoted one after the promotion, over the trials. */
  readonly acknowledgedAfterPromotion: { readonly total: number };
  readonly duplicateIds: { readonly total: number };
  readonly foreignTimelineRows: { readonly total: number };
  readonly leaderChanges: number;
  /** How many trials had required checks fail, and which. */
  readonly failedChecks: readonly string[];
}

const sum = (rs: readonly DrillResult[], f: (r: DrillResult) => number) => rs.reduce((a, r) => a + f(r), 0);

export function summarize(results: readonly DrillResult[]): SummaryRow[] {
  const groups = new Map<string, DrillResult[]>();
  for (const r of results) {
    const key = `${r.scenario}|${r.profile}|${r.synchronousMode}|${r.failsafe}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const first = rs[0] as DrillResult;
    return {
      scenario: first.scenario,
      profile: first.profile,
      synchronousMode: first.synchronousMode,
      failsafe: first.failsafe,
      trials: rs.length,
      passed: rs.filter((r) => r.ok).length,
      writeGapMs: stat(rs.map((r) => r.writeGapMs)),
      promotedAtMs: stat(rs.map((r) => r.promotedAtMs)),
      rejoinedAtMs: stat(rs.map((r) => r.rejoinedAtMs)),
      lostWrites: {
        total: rs.reduce((a, r) => a + r.writes.lost, 0),
        max: Math.max(...rs.map((r) => r.writes.lost)),
      },
      presentUnacknowledged: { total: rs.reduce((a, r) => a + r.writes.presentUnacknowledged, 0) },
      doublePrimarySamples: { total: rs.reduce((a, r) => a + r.doublePrimarySamples, 0) },
      acknowledgedAfterPromotion: { total: sum(rs, (r) => r.writes.acknowledgedAfterPromotion) },
      duplicateIds: { total: sum(rs, (r) => r.writes.duplicateIds) },
      foreignTimelineRows: { total: sum(rs, (r) => r.writes.foreignTimelineRows) },
      leaderChanges: rs.filter((r) => r.leaderChanged).length,
      failedChecks: [
        ...new Set(rs.flatMap((r) => r.checks.filter((c) => c.required && !c.ok).map((c) => c.id))),
      ],
    };
  });
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));

/** "median (min-max)" in seconds, or just the value for one trial. */
export function formatStat(s: Stat): string {
  if (s.n === 0) return '-';
  if (s.n === 1 || s.min === s.max) return seconds(s.median);
  return `${seconds(s.median)} (${seconds(s.min)}-${seconds(s.max)})`;
}

/** A plain-text table, one row per scenario/profile, seconds as median (range). */
export function formatTable(rows: readonly SummaryRow[]): string {
  const head = [
    'SCENARIO',
    'PROFILE',
    'MODE',
    'PASS',
    'WRITE GAP s',
    'PROMOTED s',
    'REJOINED s',
    'LOST',
    'UNACKED',
    '2 PRIMARIES',
    'LEADER MOVED',
    'LATE ACKS',
    'DUP IDS',
    'FOREIGN TL',
  ];
  const body = rows.map((r) => [
    r.scenario + (r.scenario === 'etcd-quorum' ? ` (failsafe ${r.failsafe ? 'on' : 'off'})` : ''),
    r.profile,
    r.synchronousMode ? 'sync' : 'async',
    `${r.passed}/${r.trials}`,
    formatStat(r.writeGapMs),
    formatStat(r.promotedAtMs),
    formatStat(r.rejoinedAtMs),
    String(r.lostWrites.total),
    String(r.presentUnacknowledged.total),
    String(r.doublePrimarySamples.total),
    `${r.leaderChanges}/${r.trials}`,
    String(r.acknowledgedAfterPromotion.total),
    String(r.duplicateIds.total),
    String(r.foreignTimelineRows.total),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return `${all
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
