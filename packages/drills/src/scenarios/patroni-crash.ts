import { pgOnce } from '../private/pg.js';
import { defineScenario } from '../scenario.js';

export const patroniCrash = defineScenario({
  name: 'patroni-crash',
  fault: "SIGKILL the primary's Patroni only; its PostgreSQL is orphaned",
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['processes'],
  async inject(ctx) {
    const old = ctx.oldPrimary;
    const p = await ctx.process(old, 'patroni');
    ctx.markFault();
    await ctx.kill(p, 'SIGKILL');
    const probe = ctx.startDirectProbe(old);
    ctx.note(`SIGKILL ${old} Patroni PID ${p.pid}; its PostgreSQL keeps running`);
    await ctx.waitNewLeader();
    await ctx.sleep(5000); // watch the orphan next to the new primary
    const orphan = (await ctx.processes(old, 'postmaster'))[0];
    if (orphan) {
      const readOnly = await pgOnce<{ r: boolean }>(ctx.direct(old), 'select pg_is_in_recovery() as r', 2000)
        .then((rows) => (rows[0]?.r ? 'in recovery' : 'still a read-write primary'))
        .catch((error: Error) => `not answering (${error.message})`);
      ctx.observe(
        `orphaned postmaster PID ${orphan.pid} of ${old} still runs ${ctx.since()} s after the crash: ${readOnly}; stopping it (SIGINT) so its Patroni can start`,
      );
      await ctx.kill(orphan, 'SIGINT');
      if (!(await ctx.waitExited([orphan], 30_000))) await ctx.kill(orphan, 'SIGKILL');
      await ctx.waitExited([orphan], 10_000);
    } else ctx.observe(`the orphaned PostgreSQL of ${old} was gone when the new primary was up`);
    await probe.stop();
    await ctx.restart(old);
    await ctx.waitRejoin();
  },
  verdict(o, m) {
    return [
      {
        id: 'orphan-refuses-writes',
        ok: m.oldPrimaryDirectWrites.acknowledgedAfterPromotion === 0,
        required: false,
        detail: `${m.oldPrimaryDirectWrites.acknowledgedAfterPromotion} writes sent straight to the orphaned PostgreSQL acknowledged after ${m.newPrimary ?? 'a replica'} was promoted (of ${o.direct?.attempted ?? 0} tried)`,
      },
    ];
  },
});
