import { cutPrimary } from '../partition.js';
import { defineScenario } from '../scenario.js';

export const primaryEtcdSplit = defineScenario({
  name: 'primary-etcd-split',
  fault:
    'cut the primary off from every etcd member, both ways (replicas, load balancer and clients still reach it), past the ttl; then heal',
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['network'],
  async inject(ctx) {
    await cutPrimary(ctx, ctx.manifest.etcd.names ?? [], 'both', {
      expectPromotion: false,
      keyExpiryRequired: ctx.synchronousMode,
    });
  },
});
