import { killEtcdMembers } from '../etcd-fault.js';
import { defineScenario } from '../scenario.js';

export const etcdQuorum = defineScenario({
  name: 'etcd-quorum',
  fault: 'SIGKILL 2 of 3 etcd members for 2 x ttl + 10 s; restart them',
  expectsRejoin: false,
  expectsSameLeader: false,
  requires: ['processes'],
  async inject(ctx) {
    await killEtcdMembers(ctx, 2, (2 * ctx.timing.ttl + 10) * 1000);
  },
});
