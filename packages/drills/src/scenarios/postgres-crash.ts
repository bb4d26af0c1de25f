import { defineScenario } from '../scenario.js';

export const postgresCrash = defineScenario({
  name: 'postgres-crash',
  fault: "SIGKILL the primary's postmaster only (Patroni restarts it or fails over)",
  expectsRejoin: false,
  expectsSameLeader: false,
  requires: ['processes'],
  async inject(ctx) {
    const pm = await ctx.process(ctx.oldPrimary, 'postmaster');
    const t0 = ctx.markFault();
    await ctx.kill(pm, 'SIGKILL');
    ctx.note(`SIGKILL ${ctx.oldPrimary} postmaster PID ${pm.pid}`);
    const back = await ctx.until(
      () => (ctx.writesAfter(t0 + 200) && ctx.sampler.current(t0) !== undefined ? true : undefined),
      ctx.waitMs,
    );
    if (!back) ctx.observe(`writes did not resume within ${ctx.waitMs / 1000} s`);
    const leader = ctx.sampler.current(t0);
    const again = (await ctx.processes(ctx.oldPrimary, 'postmaster'))[0];
    ctx.observe(
      leader === ctx.oldPrimary
        ? `Patroni restarted PostgreSQL on ${ctx.oldPrimary} (new postmaster PID ${again?.pid ?? '?'}) and kept the leader key`
        : `failover to ${leader ?? 'nobody'}`,
    );
    await ctx.followLeader();
  },
});
