import { describe, expect, test } from 'vitest';
import { DrillContext } from './context.js';
import { stoppedWithinTtl } from './partition.js';
import { SCENARIO_NAMES, SCENARIOS } from './registry.js';
import type { Workload } from './workload.js';

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

/**
 * A context for the measurement alone: pg-1 (10.0.0.1) the old primary, ttl 20 s, the fault at t0. Nothing it
 * holds is called but what stoppedWithinTtl reads (members, t0, timing, the probe's and the writers' acks).
 */
const T0 = 1_000_000;
/** The heal, 60 s after the fault. */
const HEALED = T0 + 60_000;

function measuredContext(acks: { direct?: number[]; viaLb?: { server: string; at: number }[] }) {
  const writer = {
    acked: (acks.viaLb ?? []).map((a, i) => ({ id: i, client: 0, timeline: 1, lsn: '0/0', ...a })),
  };
  const ctx = new DrillContext({
    target: {} as never,
    manifest: {} as never,
    members: ['pg-1', 'pg-2', 'pg-3'].map((name, i) => ({
      name,
      host: `10.0.0.${i + 1}`,
      rest: `https://10.0.0.${i + 1}:8008`,
    })),
    restTls: { ca: '' },
    etcdTls: { ca: '' },
    loadBalancer: {} as never,
    timing: { ttl: 20, loopWait: 2, retryTimeout: 5, maximumLagOnFailover: 1_048_576 },
    synchronousMode: true,
    failsafe: false,
    waitMs: 60_000,
    sampler: {} as never,
    workload: { writers: [writer] } as unknown as Workload,
    signal: undefined,
    restAuth: 'patroni:unused',
    onEvent: () => {},
  });
  ctx.t0 = T0;
  ctx.oldPrimary = 'pg-1';
  if (acks.direct) ctx.probe = { acks: acks.direct } as never;
  return ctx;
}

describe('no-ack-after-leader-key-expiry: the cut-off primary acknowledged nothing after fault + ttl', () => {
  const check = (ctx: DrillContext, id = 'no-ack-after-leader-key-expiry') =>
    ctx.checks.find((c) => c.id === id);

  test('acknowledgements up to the ttl pass, straight and through the load balancer', () => {
    const ctx = measuredContext({
      direct: [T0 + 1_000, T0 + 20_000],
      viaLb: [{ server: '10.0.0.1', at: T0 + 19_000 }],
    });
    stoppedWithinTtl(ctx, HEALED, true);
    expect(check(ctx)).toMatchObject({ ok: true, required: true });
    expect(ctx.notes.join('\n')).toContain(
      'last write acknowledged at +20.0 s (ttl 20 s; 2 straight, 1 through',
    );
  });

  test('one acknowledgement after the ttl, straight or through the load balancer, fails it and is counted', () => {
    for (const acks of [{ direct: [T0 + 20_001] }, { viaLb: [{ server: '10.0.0.1', at: T0 + 25_000 }] }]) {
      const ctx = measuredContext(acks);
      stoppedWithinTtl(ctx, HEALED, true);
      expect(check(ctx), JSON.stringify(acks)).toMatchObject({ ok: false, required: true });
      expect(check(ctx)?.detail).toMatch(/^1 writes acknowledged by pg-1 after \+20 s/);
    }
  });

  test('what the new primary acknowledged, what came before the fault and after the heal do not count', () => {
    const ctx = measuredContext({
      direct: [T0 - 5_000, HEALED + 1_000],
      viaLb: [
        { server: '10.0.0.2', at: T0 + 30_000 },
        { server: '10.0.0.1', at: HEALED + 2_000 },
      ],
    });
    stoppedWithinTtl(ctx, HEALED, false);
    expect(check(ctx)).toMatchObject({ ok: true, required: false });
    expect(ctx.notes.join('\n')).toContain('no write acknowledged after the cut');
  });

  test('over a degraded link the key may have been renewed: the same count, under its own id', () => {
    const ctx = measuredContext({ direct: [T0 + 30_000] });
    stoppedWithinTtl(ctx, HEALED, false, 'degraded');
    expect(check(ctx)).toBeUndefined();
    expect(check(ctx, 'acks-after-ttl')).toMatchObject({ ok: false, required: false });
  });
});
