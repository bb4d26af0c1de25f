import { DrillError } from '../errors.js';
import { defineScenario } from '../scenario.js';

export const switchover = defineScenario({
  name: 'switchover',
  fault: 'POST /switchover to a replica (the sync standby in synchronous mode)',
  expectsRejoin: true,
  expectsSameLeader: false,
  async inject(ctx) {
    const candidate = ctx.synchronousMode
      ? ctx.view.find((m) => m.role === 'sync_standby')?.name
      : ctx.view.find((m) => m.name !== ctx.oldPrimary && m.role !== 'leader')?.name;
    if (!candidate) {
      throw new DrillError(
        'FAULT_FAILED',
        `no switchover candidate in /cluster: ${JSON.stringify(ctx.view)}`,
      );
    }
    ctx.markFault();
    const r = await ctx.rest(ctx.oldPrimary, '/switchover', {
      method: 'POST',
      body: { leader: ctx.oldPrimary, candidate },
      timeoutMs: 60_000,
    });
    ctx.note(`POST /switchover ${ctx.oldPrimary} -> ${candidate}: HTTP ${r.status} ${r.body.trim()}`);
    if (r.status !== 200) ctx.observe(`switchover refused: HTTP ${r.status} ${r.body.trim()}`);
    await ctx.waitNewLeader();
    await ctx.waitRejoin();
  },
});
