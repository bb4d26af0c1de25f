import { killEtcdMembers } from '../etcd-fault.js';
import { defineScenario } from '../scenario.js';

export const etcdMember = defineScenario({
  name: 'etcd-member',
  fault: 'SIGKILL the etcd raft leader (one of 3 members); restart it later',
  expectsRejoin: false,
  expectsSameLeader: true,
  requires: ['processes'],
  async inject(ctx) {
    const { ttl, loopWait } = ctx.timing;
    await killEtcdMembers(ctx, 1, Math.max(15_000, (ttl + loopWait + 5) * 1000));
  },
});
