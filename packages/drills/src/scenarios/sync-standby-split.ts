import { DrillError } from '../errors.js';
import { applyCuts, converge, heal, holdPastTtlMs } from '../partition.js';
import { defineScenario } from '../scenario.js';

/** PostgreSQL's default wal_sender_timeout; the rendered configuration does not set one. */
const WAL_SENDER_TIMEOUT_MS = 60_000;

export const syncStandbySplit = defineScenario({
  name: 'sync-standby-split',
  fault:
    'cut the synchronous standby off from the primary, both ways (both still reach etcd), past the ttl; then heal',
  expectsRejoin: false,
  expectsSameLeader: true,
  requires: ['network'],
  async inject(ctx) {
    const standby =
      ctx.view.find((m) => m.role === 'sync_standby')?.name ??
      (ctx.synchronousMode ? undefined : ctx.view.find((m) => m.name !== ctx.oldPrimary)?.name);
    if (!standby)
      throw new DrillError('FAULT_FAILED', `no sync standby in /cluster: ${JSON.stringify(ctx.view)}`);
    const undo = await applyCuts(ctx, [{ from: standby, to: [ctx.oldPrimary], direction: 'both' }]);
    // The primary's commits wait for the lost standby until Patroni names another one, and Patroni names
    // another only once PostgreSQL dropped the lost standby's walsender: silent loss shows after
    // wal_sender_timeout (PostgreSQL's default 60 s; pgha sets none). Held that long, a loop and a margin more.
    const holdMs = Math.max(
      holdPastTtlMs(ctx),
      WAL_SENDER_TIMEOUT_MS + (2 * ctx.timing.loopWait + 10) * 1000,
    );
    let healedAt: number;
    try {
      const resumed = await ctx.until(
        () => (ctx.writesAfter(ctx.t0 + 500) ? Date.now() : undefined),
        holdMs,
        100,
      );
      ctx.observe(
        resumed === undefined
          ? `writes did not resume while ${standby} was cut off from ${ctx.oldPrimary}`
          : `writes resumed ${ctx.since(resumed)} s after ${standby} lost ${ctx.oldPrimary}`,
      );
      // /cluster names the new sync standby once Patroni wrote it to etcd: up to a loop after the writes resume.
      const now = await ctx.until(
        async () =>
          (await ctx.clusterView()).find((m) => m.role === 'sync_standby' && m.name !== standby)?.name,
        (2 * ctx.timing.loopWait + 5) * 1000,
        250,
      );
      ctx.checks.push({
        id: 'sync-standby-replaced',
        ok: !ctx.synchronousMode || (now !== undefined && now !== standby),
        required: ctx.synchronousMode,
        detail: `sync standby before the cut ${standby}, during it ${now ?? 'none'}`,
      });
      // Past the ttl in any case: the cut standby must not take the leader key either.
      await ctx.sleep(Math.max(0, ctx.t0 + holdPastTtlMs(ctx) - Date.now()));
    } finally {
      healedAt = await heal(ctx, undo, `${standby} <-> ${ctx.oldPrimary}`);
    }
    await converge(ctx, healedAt);
  },
});
