import { etcdRaftLeader } from '../etcd-fault.js';
import { applyCuts, converge, heal, holdPastTtlMs } from '../partition.js';
import { defineScenario } from '../scenario.js';

export const etcdLeaderIsolated = defineScenario({
  name: 'etcd-leader-isolated',
  fault:
    'cut the etcd raft leader off from its peers, both ways (Patroni and the clients still reach it), past the ttl; then heal',
  expectsRejoin: false,
  expectsSameLeader: true,
  requires: ['network'],
  async inject(ctx) {
    const leader = await etcdRaftLeader(ctx);
    const peers = (ctx.manifest.etcd.names ?? []).filter((n) => n !== leader);
    const undo = await applyCuts(ctx, [{ from: leader, to: peers, direction: 'both' }]);
    let healedAt: number;
    try {
      await ctx.sleep(holdPastTtlMs(ctx));
      const after = await etcdRaftLeader(ctx).catch(() => 'unknown');
      ctx.observe(`etcd raft leader before the cut ${leader}, at the end of it ${after}`);
      const t0 = ctx.t0;
      const during = ctx.sampler.samples.filter((s) => s.at >= t0);
      const none = during.filter((s) => s.primaries.length === 0).length;
      ctx.observe(`no member answered /primary in ${none} of ${during.length} samples during the cut`);
    } finally {
      healedAt = await heal(ctx, undo, `${leader} <-> ${peers.join(', ')}`);
    }
    await converge(ctx, healedAt);
    await ctx.followLeader();
  },
});
