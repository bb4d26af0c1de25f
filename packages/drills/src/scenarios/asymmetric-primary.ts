import { cutPrimary, everyPeerOf } from '../partition.js';
import { defineScenario } from '../scenario.js';

export const asymmetricPrimary = defineScenario({
  name: 'asymmetric-primary',
  fault:
    'the primary can send to etcd, the other members and the load balancer but receives nothing from them, until a replica is promoted; then heal',
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['network'],
  async inject(ctx) {
    await cutPrimary(ctx, everyPeerOf(ctx, ctx.oldPrimary), 'inbound', {
      expectPromotion: true,
      keyExpiryRequired: ctx.synchronousMode,
    });
  },
});
