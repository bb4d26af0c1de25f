import { DrillError } from '../errors.js';
import { pgOnce } from '../private/pg.js';
import { defineScenario } from '../scenario.js';

export const laggingReplica = defineScenario({
  name: 'lagging-replica',
  fault:
    'stop WAL receipt and replay on one replica until it lags beyond maximum_lag_on_failover, then crash the primary host',
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['processes'],
  async inject(ctx) {
    const { maximumLagOnFailover, loopWait } = ctx.timing;
    const replicas = ctx.view.filter((m) => m.name !== ctx.oldPrimary);
    const lagger = (ctx.synchronousMode ? replicas.find((m) => m.role !== 'sync_standby') : replicas[0])
      ?.name;
    if (!lagger)
      throw new DrillError('FAULT_FAILED', `no replica to make lag in /cluster: ${JSON.stringify(ctx.view)}`);
    await pgOnce(ctx.direct(lagger), 'select pg_wal_replay_pause()', 5000);
    // Patroni 3.0.2 ranks replicas by max(received, replayed) WAL: a paused replay alone does not make a
    // replica lag in its eyes, so the WAL receiver is stopped too.
    const receiver = (await ctx.processes(lagger, 'postgres-child')).find((c) =>
      c.command.includes('walreceiver'),
    );
    if (receiver) await ctx.kill(receiver, 'SIGSTOP');
    else ctx.observe(`${lagger}: no walreceiver process found to stop; only replay is paused`);
    const rows = Math.ceil((4 * maximumLagOnFailover) / 1000) + 1000;
    await pgOnce(
      ctx.loadBalancer,
      `create table pgha_drill_bulk as select g, repeat('x', 1000) as pad from generate_series(1, ${rows}) g`,
      120_000,
    );
    const lag = await ctx.until(
      async () => {
        const m = (await ctx.clusterView()).find((x) => x.name === lagger);
        const bytes = typeof m?.lag === 'number' ? m.lag : undefined;
        return bytes !== undefined && bytes > maximumLagOnFailover ? bytes : undefined;
      },
      (3 * loopWait + 10) * 1000,
      500,
    );
    ctx.observe(
      `${lagger}: replay paused${receiver ? ', WAL receiver stopped' : ''}; Patroni lag ${lag ?? 'not above the limit'} bytes (maximum_lag_on_failover ${maximumLagOnFailover})`,
    );
    await ctx.crashHost();
    const leader = await ctx.waitNewLeader();
    if (receiver) await ctx.kill(receiver, 'SIGCONT');
    await pgOnce(ctx.direct(lagger), 'select pg_wal_replay_resume()', 5000).catch(() => {});
    ctx.checks.push({
      id: 'lagging-replica-not-promoted',
      ok: leader !== undefined && leader !== lagger,
      required: true,
      detail: `${lagger} lagged; ${leader ?? 'nobody'} was promoted`,
    });
    if (leader) await ctx.sleep(1000);
    await ctx.restart(ctx.oldPrimary);
    await ctx.waitRejoin();
  },
});
