import { defineScenario } from '../scenario.js';

/**
 * The primary's instance is terminated (EC2 TerminateInstances, or the hardware under it gone): Patroni,
 * PostgreSQL and everything else on it end at once and the node never comes back. A replica must take over
 * within ttl + loop_wait, and the load balancer must move port 5432 to it once its health check sees the new
 * primary. Nothing rejoins: on AWS the instance is gone until Terraform launches a new one.
 */
export const instanceTerminated = defineScenario({
  name: 'instance-terminated',
  fault: "terminate the primary's instance (every process on it at once; it does not come back)",
  expectsRejoin: false,
  expectsSameLeader: false,
  requires: ['instances'],
  async inject(ctx) {
    const old = ctx.oldPrimary;
    const terminate = ctx.target.terminateInstance?.bind(ctx.target);
    if (terminate === undefined)
      throw new Error('instance-terminated: the target cannot terminate instances');
    ctx.markFault();
    await terminate(old);
    ctx.note(`terminated ${old}'s instance`);
    if (await ctx.waitNewLeader()) await ctx.sleep(1000);
  },
});
