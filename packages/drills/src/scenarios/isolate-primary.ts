import { cutPrimary, everyPeerOf } from '../partition.js';
import { defineScenario } from '../scenario.js';

export const isolatePrimary = defineScenario({
  name: 'isolate-primary',
  fault:
    'cut the primary off from etcd, the other members and the load balancer, both ways, until a replica is promoted; then heal',
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['network'],
  async inject(ctx) {
    await cutPrimary(ctx, everyPeerOf(ctx, ctx.oldPrimary), 'both', {
      expectPromotion: true,
      keyExpiryRequired: ctx.synchronousMode,
    });
  },
});
