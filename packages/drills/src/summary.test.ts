import { describe, expect, test } from 'vitest';
import type { DrillResult } from './result.js';
import { formatStat, formatTable, stat, summarize } from './summary.js';

describe('stat', () => {
  test.each([
    [[3000, 1000, 2000], { n: 3, median: 2000, min: 1000, max: 3000 }],
    [[4000, 1000, 2000, 3000], { n: 4, median: 2500, min: 1000, max: 4000 }],
    [[undefined, 5000], { n: 1, median: 5000, min: 5000, max: 5000 }],
    [[], { n: 0, median: undefined, min: undefined, max: undefined }],
  ])('%j', (values, expected) => {
    expect(stat(values)).toEqual(expected);
  });

  test('formatStat prints seconds, the range only when the trials differ', () => {
    expect(formatStat(stat([9500, 10100, 11200]))).toBe('10.1 (9.5-11.2)');
    expect(formatStat(stat([2000, 2000]))).toBe('2.0');
    expect(formatStat(stat([]))).toBe('-');
  });
});

function result(over: Partial<DrillResult>): DrillResult {
  return {
    scenario: 'host-crash',
    profile: 'fast',
    synchronousMode: true,
    failsafe: true,
    clients: 4,
    ok: true,
    timing: {
      ttl: 10,
      loopWait: 2,
      retryTimeout: 4,
      maximumLagOnFailover: 1048576,
      haproxy: { intervalMs: 1000, rise: 1, fall: 2 },
    },
    oldPrimary: 'pg-1',
    newPrimary: 'pg-2',
    leaderChanged: true,
    promotedAtMs: 9000,
    writeGapMs: 10_000,
    writeGap: { fromMs: 0, toMs: 10_000 },
    rejoined: true,
    rejoinedAtMs: 30_000,
    writes: {
      attempted: 100,
      acknowledged: 99,
      lost: 0,
      lostIds: [],
      presentUnacknowledged: 0,
      inDoubt: 1,
      refused: 0,
      acknowledgedAfterPromotion: 0,
      duplicateIds: 0,
      foreignTimelineRows: 0,
    },
    rowsByServer: [],
    timelineHistory: { current: 2, ancestors: [{ timeline: 1, endLsn: '0/3000148' }] },
    primarySamples: 300,
    doublePrimarySamples: 0,
    firstDoublePrimary: undefined,
    oldPrimaryDirectWrites: {
      attempted: 0,
      acknowledged: 0,
      acknowledgedAfterPromotion: 0,
      lastAcknowledgedAtMs: undefined,
    },
    clientErrors: [],
    checks: [],
    notes: [],
    durationMs: 60_000,
    ...over,
  };
}

describe('summarize', () => {
  test('groups trials by scenario, profile, mode and failsafe; sums losses; names failed checks', () => {
    const rows = summarize([
      result({ writeGapMs: 9000 }),
      result({
        writeGapMs: 12_000,
        ok: false,
        writes: { ...result({}).writes, lost: 3, acknowledgedAfterPromotion: 2, duplicateIds: 1 },
        checks: [{ id: 'no-acknowledged-write-lost', ok: false, required: true, detail: '3 missing' }],
      }),
      result({ profile: 'guide', writeGapMs: 60_000 }),
    ]);
    expect(rows).toHaveLength(2);
    const fast = rows.find((r) => r.profile === 'fast');
    expect(fast).toMatchObject({
      trials: 2,
      passed: 1,
      lostWrites: { total: 3, max: 3 },
      acknowledgedAfterPromotion: { total: 2 },
      duplicateIds: { total: 1 },
      foreignTimelineRows: { total: 0 },
      failedChecks: ['no-acknowledged-write-lost'],
      writeGapMs: { n: 2, median: 10_500, min: 9000, max: 12_000 },
    });
    const table = formatTable(rows).split('\n');
    expect(table[0]).toMatch(/^SCENARIO\s+PROFILE\s+MODE\s+PASS\s+WRITE GAP s/);
    expect(table[0]).toMatch(/LEADER MOVED\s+LATE ACKS\s+DUP IDS\s+FOREIGN TL$/);
    expect(table[1]).toMatch(/^host-crash\s+fast\s+sync\s+1\/2\s+10\.5 \(9\.0-12\.0\)/);
    expect(table[1]).toMatch(/\s2\/2\s+2\s+1\s+0$/);
    expect(table[2]).toMatch(/^host-crash\s+guide\s+sync\s+1\/1\s+60\.0\s/);
  });
});
