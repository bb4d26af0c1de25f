import { defineScenario } from '../scenario.js';

export const freeze = defineScenario({
  name: 'freeze',
  fault:
    "SIGSTOP the primary's Patroni and PostgreSQL until a replica is promoted (past the ttl), then SIGCONT",
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['processes'],
  async inject(ctx) {
    const old = ctx.oldPrimary;
    const frozen = [
      await ctx.process(old, 'patroni'),
      await ctx.process(old, 'postmaster'),
      ...(await ctx.processes(old, 'postgres-child')),
    ];
    ctx.markFault();
    await ctx.signalAll(frozen, 'SIGSTOP');
    ctx.startDirectProbe(old);
    ctx.note(`SIGSTOP ${old}: Patroni, postmaster and ${frozen.length - 2} PostgreSQL processes`);
    let leader: string | undefined;
    try {
      leader = await ctx.waitNewLeader();
      await ctx.sleep(1000);
    } finally {
      await ctx.signalAll(frozen, 'SIGCONT');
    }
    ctx.healedAt = Date.now();
    ctx.note(`SIGCONT ${old} ${ctx.since(ctx.healedAt)} s after the freeze (ttl ${ctx.timing.ttl} s)`);
    if (!leader) await ctx.restart(old);
    await ctx.waitRejoin();
  },
  verdict(o) {
    if (o.healedAt === undefined) return [];
    const healedAt = o.healedAt;
    const after = (o.direct?.acks ?? []).filter((t) => t > healedAt);
    return [
      {
        id: 'no-writes-after-resume',
        ok: after.length === 0,
        required: true,
        detail: `${after.length} writes sent straight to ${o.oldPrimary} acknowledged after SIGCONT`,
      },
    ];
  },
});
