import { cutPrimary, everyPeerOf } from '../partition.js';
import { defineScenario } from '../scenario.js';

export const asymmetricPrimaryReverse = defineScenario({
  name: 'asymmetric-primary-reverse',
  fault:
    'the primary receives from etcd, the other members and the load balancer but sends them nothing, until a replica is promoted; then heal',
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['network'],
  async inject(ctx) {
    await cutPrimary(ctx, everyPeerOf(ctx, ctx.oldPrimary), 'outbound', {
      expectPromotion: true,
      keyExpiryRequired: ctx.synchronousMode,
    });
  },
});
