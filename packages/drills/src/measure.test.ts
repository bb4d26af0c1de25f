import { describe, expect, test } from 'vitest';
import { type DrillObservations, measure, type StoredRow } from './measure.js';
import type { PrimarySample } from './sampler.js';
import { freeze } from './scenarios/freeze.js';
import type { AckedWrite, WorkloadLog } from './workload.js';

const T0 = 1_000_000;
const members = [
  { name: 'pg-1', host: '127.53.20.1' },
  { name: 'pg-2', host: '127.53.20.2' },
  { name: 'pg-3', host: '127.53.20.3' },
];
const hostOf = (name: string) => members.find((m) => m.name === name)?.host ?? '';

/** Samples every 100 ms from -2 s to +30 s: pg-1 until +5 s, nobody until +9 s, pg-2 after. */
function samples(extra: (at: number) => string[] = () => []): PrimarySample[] {
  const out: PrimarySample[] = [];
  for (let at = T0 - 2000; at <= T0 + 30_000; at += 100) {
    const rel = at - T0;
    const primaries = rel < 5000 ? ['pg-1'] : rel < 9000 ? [] : ['pg-2'];
    out.push({ at, primaries: [...primaries, ...extra(at)] });
  }
  return out;
}

/** Acks every 50 ms: by pg-1 on timeline 1 until +0.2 s, by pg-2 on timeline 2 from +9.5 s to +30 s. */
function acks(): AckedWrite[] {
  const out: AckedWrite[] = [];
  let id = 1;
  let lsn = 0x3000000;
  const add = (at: number, server: string, timeline: number) => {
    lsn += 0x100;
    out.push({
      id: id++,
      at,
      client: (id % 4) + 1,
      server: hostOf(server),
      timeline,
      lsn: `0/${lsn.toString(16)}`,
    });
  };
  for (let at = T0 - 2000; at <= T0 + 200; at += 50) add(at, 'pg-1', 1);
  lsn = 0x5000000; // the new timeline starts after the switchpoint
  for (let at = T0 + 9500; at <= T0 + 30_000; at += 50) add(at, 'pg-2', 2);
  return out;
}

function workload(acked: readonly AckedWrite[], inDoubt: number[] = []): WorkloadLog {
  return {
    clients: 4,
    attempted: acked.length + inDoubt.length,
    acked,
    inDoubt: new Set(inDoubt),
    refused: new Set(),
    errors: [],
  };
}

const rowsOf = (acked: readonly AckedWrite[]): StoredRow[] =>
  acked.map((a) => ({ id: a.id, server: a.server, timeline: a.timeline, lsn: a.lsn }));

function observations(over: Partial<DrillObservations> = {}): DrillObservations {
  const acked = acks();
  return {
    synchronousMode: true,
    expectsRejoin: true,
    expectsSameLeader: false,
    t0: T0,
    stoppedAt: T0 + 30_100,
    oldPrimary: 'pg-1',
    members,
    samples: samples(),
    rejoinedAt: T0 + 20_000,
    workload: workload(acked),
    rows: rowsOf(acked),
    history: { current: 2, ancestors: [{ timeline: 1, endLsn: '0/4000000' }] },
    ...over,
  };
}

const failed = (m: ReturnType<typeof measure>) => m.checks.filter((c) => !c.ok).map((c) => c.id);

describe('measure', () => {
  test('a clean failover: every check passes, the figures come from the samples and the acks', () => {
    const m = measure(observations());
    expect(failed(m)).toEqual([]);
    expect(m.ok).toBe(true);
    expect(m).toMatchObject({
      newPrimary: 'pg-2',
      leaderChanged: true,
      promotedAtMs: 9000,
      writeGapMs: 9300,
      writeGap: { fromMs: 200, toMs: 9500 },
      rejoined: true,
      rejoinedAtMs: 20_000,
      doublePrimarySamples: 0,
    });
    expect(m.writes).toMatchObject({
      lost: 0,
      presentUnacknowledged: 0,
      acknowledgedAfterPromotion: 0,
      duplicateIds: 0,
      foreignTimelineRows: 0,
    });
    expect(m.rowsByServer).toEqual([
      { member: 'pg-1', timeline: 1, rows: 45 },
      { member: 'pg-2', timeline: 2, rows: 411 },
    ]);
  });

  test('members named by DNS (the AWS manifest) are matched by the address their PostgreSQL reports', () => {
    const named = members.map((m) => ({
      name: m.name,
      host: `${m.name}.main.pgha.internal`,
      address: m.host,
    }));
    const m = measure(observations({ members: named }));
    expect(failed(m)).toEqual([]);
    expect(m.writes.acknowledgedAfterPromotion).toBe(0);
    expect(m.rowsByServer.map((r) => r.member)).toEqual(['pg-1', 'pg-2']);
    // Without the address nothing matches: the acknowledgements by pg-2's IP count as another node's.
    const unresolved = measure(observations({ members: named.map(({ address: _, ...rest }) => rest) }));
    expect(unresolved.writes.acknowledgedAfterPromotion).toBeGreaterThan(0);
  });

  test('a split brain: the old primary acknowledges on its old timeline after the promotion, and loses it', () => {
    const base = acks();
    // pg-1 still answers /primary and takes a write at +12 s, past the end of timeline 1 in the new history.
    const late: AckedWrite = {
      id: 9999,
      at: T0 + 12_000,
      client: 2,
      server: hostOf('pg-1'),
      timeline: 1,
      lsn: '0/4100000',
    };
    const foreignRow: StoredRow = { id: 9998, server: hostOf('pg-1'), timeline: 1, lsn: '0/4200000' };
    const first = base[0] as AckedWrite;
    const m = measure(
      observations({
        samples: samples((at) => (at >= T0 + 11_000 && at < T0 + 12_500 ? ['pg-1'] : [])),
        workload: workload([...base, late], [9998]),
        rows: [
          ...rowsOf(base),
          foreignRow,
          { id: first.id, server: first.server, timeline: 1, lsn: first.lsn },
        ],
      }),
    );
    expect(m.ok).toBe(false);
    expect(failed(m)).toEqual([
      'no-acknowledged-write-lost',
      'no-id-read-twice',
      'rows-on-final-history',
      'no-write-acknowledged-after-promotion',
      'one-primary-at-a-time',
    ]);
    expect(m.writes).toMatchObject({
      lost: 1,
      lostIds: [9999],
      presentUnacknowledged: 1,
      acknowledgedAfterPromotion: 1,
      duplicateIds: 1,
      foreignTimelineRows: 1,
    });
    expect(m.doublePrimarySamples).toBe(15);
    expect(m.firstDoublePrimary).toEqual({ atMs: 11_000, members: ['pg-2', 'pg-1'] });
    expect(m.checks.find((c) => c.id === 'no-write-acknowledged-after-promotion')?.detail).toMatch(
      /1 writes acknowledged by a node other than pg-2 after its promotion at \+9\.0 s \(pg-1: 1\)/,
    );
  });

  test('asynchronous mode: a lost write is reported, not required', () => {
    const acked = acks();
    const m = measure(observations({ synchronousMode: false, rows: rowsOf(acked.slice(1)) }));
    expect(m.writes.lost).toBe(1);
    const lost = m.checks.find((c) => c.id === 'no-acknowledged-write-lost');
    expect(lost).toMatchObject({ ok: false, required: false });
    expect(m.ok).toBe(true);
  });

  test('writes that never resume: a pause to the end of the drill, and a failed check', () => {
    const acked = acks().filter((a) => a.at <= T0 + 200);
    const m = measure(observations({ workload: workload(acked), rows: rowsOf(acked) }));
    expect(failed(m)).toEqual(['writes-resumed']);
    expect(m.writeGap).toEqual({ fromMs: 200, toMs: 30_100 });
  });

  test('without the final timeline history the rows cannot be vouched for', () => {
    const m = measure(observations({ history: undefined }));
    expect(failed(m)).toEqual(['rows-on-final-history']);
  });

  test('a leader that should stay but moved; a rejoin that never came', () => {
    const m = measure(observations({ expectsSameLeader: true, rejoinedAt: undefined, restartError: 'boom' }));
    expect(failed(m)).toEqual(['old-primary-rejoined', 'leader-unchanged']);
    expect(m.checks.find((c) => c.id === 'old-primary-rejoined')?.detail).toBe(
      'pg-1 not streaming (restart failed: boom)',
    );
  });

  test('an acknowledgement received while the promotion sample was still out is not after the promotion', () => {
    // The first sample showing pg-2 alone was sent at +9.0 s and its answers were in at +9.3 s: pg-2 became
    // primary somewhere in between. A direct ack of pg-1 received at +9.1 s may be of a commit pg-2 confirmed
    // before it promoted; one received at +9.4 s is after a promotion already certain.
    const withAnswers = samples().map((s) => ({ ...s, answeredAt: s.at + 300 }));
    const inWindow = measure(
      observations({ samples: withAnswers, direct: { attempted: 10, acks: [T0 + 9100] } }),
    );
    expect(inWindow.promotedAtMs).toBe(9000);
    expect(inWindow.writes.acknowledgedAfterPromotion).toBe(0);
    expect(failed(inWindow)).toEqual([]);
    const after = measure(
      observations({ samples: withAnswers, direct: { attempted: 10, acks: [T0 + 9400] } }),
    );
    expect(after.writes.acknowledgedAfterPromotion).toBe(1);
    expect(failed(after)).toEqual(['no-write-acknowledged-after-promotion']);
  });

  test('an ack after the promotion of a write the new primary has before its switch point is not late', () => {
    // pg-1's writes through the load balancer acknowledged at +9.5 s, after pg-2 answered /primary (+9.0 s):
    // on timeline 1 before its end (0/4000000) they are in pg-2's history, committed before it promoted;
    // past the end they were written on a branch pg-2 never had: acknowledged after the promotion.
    const base = acks();
    const early = {
      id: 9001,
      at: T0 + 9500,
      client: 1,
      server: hostOf('pg-1'),
      timeline: 1,
      lsn: '0/3FFFF00',
    };
    const branch = {
      id: 9002,
      at: T0 + 9500,
      client: 2,
      server: hostOf('pg-1'),
      timeline: 1,
      lsn: '0/4000100',
    };
    const before = measure(
      observations({ workload: workload([...base, early]), rows: rowsOf([...base, early]) }),
    );
    expect(before.writes.acknowledgedAfterPromotion).toBe(0);
    expect(failed(before)).toEqual([]);
    const after = measure(
      observations({ workload: workload([...base, branch]), rows: rowsOf([...base, branch]) }),
    );
    expect(after.writes.acknowledgedAfterPromotion).toBe(1);
    expect(failed(after)).toContain('no-write-acknowledged-after-promotion');
  });

  test("a scenario's own verdict joins the checks: the freeze's writes after SIGCONT", () => {
    const healedAt = T0 + 10_000;
    const o = observations({ healedAt, direct: { attempted: 40, acks: [T0 - 500, T0 + 10_250] } });
    const m = measure(o, freeze.verdict);
    expect(failed(m)).toEqual(['no-write-acknowledged-after-promotion', 'no-writes-after-resume']);
    expect(m.writes.acknowledgedAfterPromotion).toBe(1);
    expect(m.oldPrimaryDirectWrites).toEqual({
      attempted: 40,
      acknowledged: 2,
      acknowledgedAfterPromotion: 1,
      lastAcknowledgedAtMs: 10_250,
    });
    expect(m.ok).toBe(false);
  });
});
