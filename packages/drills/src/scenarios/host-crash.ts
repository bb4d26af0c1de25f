import { defineScenario } from '../scenario.js';

export const hostCrash = defineScenario({
  name: 'host-crash',
  fault: "SIGKILL the primary's Patroni and postmaster; restart its Patroni once a replica is promoted",
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['processes'],
  async inject(ctx) {
    await ctx.crashHost();
    if (await ctx.waitNewLeader()) await ctx.sleep(1000);
    await ctx.restart(ctx.oldPrimary);
    await ctx.waitRejoin();
  },
});
