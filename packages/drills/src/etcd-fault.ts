import { etcdIsLeader } from '@pgha/clients';
import type { DrillContext } from './context.js';

/** Which etcd member leads raft now, by asking each member's status over TLS (client certificate). */
export async function etcdRaftLeader(ctx: DrillContext): Promise<string> {
  const { names = [], endpoints } = ctx.manifest.etcd;
  const status = await Promise.all(
    endpoints.map(async (endpoint, i) => {
      const name = names[i] ?? endpoint;
      const leader = await etcdIsLeader(endpoint, ctx.etcdTls, 3000).catch(() => false);
      return { name, leader };
    }),
  );
  return status.find((s) => s.leader)?.name ?? names[0] ?? 'etcd-1';
}

/**
 * SIGKILL `count` etcd members (the raft leader first) for a window, under the workload; then restart them
 * the way deploy does and follow the Patroni leader if it moved.
 */
export async function killEtcdMembers(ctx: DrillContext, count: number, windowMs: number): Promise<void> {
  const names = ctx.manifest.etcd.names ?? [];
  const raftLeader = await etcdRaftLeader(ctx);
  const victims = [raftLeader, ...names.filter((n) => n !== raftLeader)].slice(0, count);
  const processes = (await Promise.all(victims.map((v) => ctx.processes(v, 'etcd')))).flat();
  const t0 = ctx.markFault();
  await ctx.signalAll(processes, 'SIGKILL');
  ctx.note(`SIGKILL ${victims.join(' and ')} (raft leader ${raftLeader})`);
  await ctx.sleep(windowMs);
  const during = ctx.sampler.samples.filter((s) => s.at >= t0 && s.at <= t0 + windowMs);
  const noPrimary = during.filter((s) => s.primaries.length === 0).sort((a, b) => a.at - b.at);
  const firstNone = noPrimary[0];
  const acksDuring = ctx.workload.ackedBetween(t0 + windowMs / 2, t0 + windowMs);
  ctx.observe(
    `${victims.length} of ${names.length} etcd members down for ${windowMs / 1000} s (failsafe_mode ${ctx.failsafe}): ` +
      (firstNone
        ? `no member answered /primary in ${noPrimary.length} of ${during.length} samples, first at +${ctx.since(firstNone.at)} s`
        : `${ctx.oldPrimary} answered /primary in every sample`) +
      `; ${acksDuring} writes acknowledged in the second half of the window`,
  );
  await ctx.restart(victims.join(', '));
  await ctx.until(() => (ctx.writesAfter(Date.now() - 200) ? true : undefined), ctx.waitMs);
  await ctx.followLeader();
}
