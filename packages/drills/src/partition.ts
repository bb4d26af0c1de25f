import { rest } from '@pgha/clients';
import type { DrillContext } from './context.js';
import { diagnose } from './diagnose.js';
import { pgOnce } from './private/pg.js';
import type { Heal, LinkDirection } from './target.js';

/**
 * What the partition scenarios share (issue 15): cut links under the workload, hold, heal, and measure what
 * the issue asks beside the common figures: when the cut-off primary stopped acknowledging writes (against
 * the ttl), writes it acknowledged after its leader key must have expired, and the time the cluster took to
 * converge after the heal (one leader, every other member streaming from it).
 *
 * The drill's clients (workload, sampler, direct probe) run on the `clients` host. A cut never includes it:
 * the direct probe stands for a client on the cut-off primary's side of the partition, the one that would
 * see a stale primary's acknowledgements. The workload goes through the load balancer, whose links are cut.
 */

/** One set of cuts: `from` loses `to` (member names, `load-balancer`) in `direction` as seen from `from`. */
export interface Cut {
  readonly from: string;
  readonly to: readonly string[];
  readonly direction: LinkDirection;
}

/** Every other host a member has: the etcd members, the other Patroni members, the load balancer. */
export function everyPeerOf(ctx: DrillContext, member: string): string[] {
  return [...(ctx.manifest.etcd.names ?? []), ...ctx.members.map((m) => m.name), 'load-balancer'].filter(
    (name) => name !== member,
  );
}

/** Apply the cuts, marking the fault; returns one heal for all of them (idempotent). */
export async function applyCuts(ctx: DrillContext, cuts: readonly Cut[]): Promise<Heal> {
  const net = ctx.network;
  const heals: Heal[] = [];
  ctx.markFault();
  try {
    for (const cut of cuts) {
      for (const to of cut.to) heals.push(await net.cut(net.hostOf(cut.from), net.hostOf(to), cut.direction));
    }
  } catch (error) {
    for (const heal of heals) await heal();
    throw error;
  }
  ctx.note(
    cuts
      .map(
        (c) =>
          `${c.from} loses ${c.to.join(', ')} (${c.direction === 'both' ? 'both ways' : c.direction === 'inbound' ? 'it sends, receives nothing' : 'it receives, sends nothing'})`,
      )
      .join('; '),
  );
  return async () => {
    for (const heal of heals) await heal();
  };
}

/** Heal, and record when. */
export async function heal(ctx: DrillContext, undo: Heal, what: string): Promise<number> {
  await undo();
  ctx.healedAt = Date.now();
  ctx.note(`healed ${what} at +${ctx.since(ctx.healedAt)} s`);
  return ctx.healedAt;
}

/**
 * When the cut-off primary stopped acknowledging writes, from what was acknowledged between the fault and the
 * heal: straight to it (the direct probe, from the clients' side) and through the load balancer. Its leader
 * key was last renewed at the fault at the latest, so it expired by `fault + ttl`: an acknowledgement after
 * that is one by a node whose leader key had expired. `required` makes the check fail the drill.
 */
export function stoppedWithinTtl(
  ctx: DrillContext,
  healedAt: number,
  required: boolean,
  fault: 'cut' | 'degraded' = 'cut',
): void {
  const old = ctx.oldPrimary;
  const oldMember = ctx.members.find((m) => m.name === old);
  const host = oldMember?.address ?? oldMember?.host;
  const direct = (ctx.probe?.acks ?? []).filter((t) => t >= ctx.t0 && t <= healedAt);
  const viaLb = ctx.workload.writers
    .flatMap((w) => w.acked)
    .filter((a) => a.server === host && a.at >= ctx.t0 && a.at <= healedAt)
    .map((a) => a.at);
  const acks = [...direct, ...viaLb].sort((a, b) => a - b);
  const expiry = ctx.t0 + ctx.timing.ttl * 1000;
  const late = acks.filter((t) => t > expiry).length;
  const last = acks.at(-1);
  const stoppedAt =
    last === undefined
      ? 'no write acknowledged after the cut'
      : `last write acknowledged at +${ctx.since(last)} s`;
  ctx.observe(
    `${old} while ${fault === 'cut' ? 'cut off' : 'degraded'}: ${stoppedAt} (ttl ${ctx.timing.ttl} s; ${direct.length} straight, ${viaLb.length} through the load balancer)`,
  );
  // Cut off from etcd, the key cannot have been renewed since the fault; over a lossy link it may have been.
  ctx.checks.push(
    fault === 'cut'
      ? {
          id: 'no-ack-after-leader-key-expiry',
          ok: late === 0,
          required,
          detail: `${late} writes acknowledged by ${old} after +${ctx.timing.ttl} s (ttl: its leader key had expired); ${stoppedAt}`,
        }
      : {
          id: 'acks-after-ttl',
          ok: late === 0,
          required,
          detail: `${late} writes acknowledged by ${old} after +${ctx.timing.ttl} s (it may have renewed its key over the lossy link); ${stoppedAt}`,
        },
  );
}

/**
 * Wait until the cluster converged after the heal: one leader in /cluster, and every other member streaming
 * from it (by application_name in its pg_stat_replication). Records the figure as a check.
 */
export async function converge(ctx: DrillContext, healedAt: number): Promise<number | undefined> {
  const names = ctx.members.map((m) => m.name);
  let last = '';
  const at = await ctx.until(
    async () => {
      const view = await ctx.clusterView();
      const leaders = view.filter((m) => m.role === 'leader' && m.state === 'running');
      const leader = leaders[0];
      if (leaders.length !== 1 || !leader) {
        last = `${leaders.length} running leaders`;
        return undefined;
      }
      const rows = await pgOnce<{ application_name: string }>(
        ctx.direct(leader.name),
        "select application_name from pg_stat_replication where state = 'streaming'",
        2000,
      );
      const missing = names.filter((n) => n !== leader.name && !rows.some((r) => r.application_name === n));
      if (missing.length > 0) {
        last = `leader ${leader.name}; not streaming: ${missing.join(', ')}`;
        return undefined;
      }
      return Date.now();
    },
    ctx.waitMs,
    250,
  );
  if (at !== undefined && ctx.oldPrimary !== '' && ctx.rejoinedAt === undefined) {
    const leader = ctx.sampler.current(ctx.t0);
    if (leader !== undefined && leader !== ctx.oldPrimary) ctx.rejoinedAt = at;
  }
  ctx.checks.push({
    id: 'converged-after-heal',
    ok: at !== undefined,
    required: true,
    detail:
      at === undefined
        ? `not converged ${ctx.waitMs / 1000} s after the heal: ${last}`
        : `one leader, every other member streaming from it ${((at - healedAt) / 1000).toFixed(1)} s after the heal`,
  });
  if (at !== undefined) ctx.note(`converged ${((at - healedAt) / 1000).toFixed(1)} s after the heal`);
  else for (const line of await diagnose(ctx)) ctx.observe(`not converged: ${line}`);
  return at;
}

/** How long a partition that should move the leader is held after the promotion: the old side shows itself. */
export const HOLD_AFTER_PROMOTION_MS = 3000;

/** How long a partition that should not move the leader is held: past the ttl and two loops. */
export function holdPastTtlMs(ctx: DrillContext): number {
  return (ctx.timing.ttl + 2 * ctx.timing.loopWait + 5) * 1000;
}

/**
 * With failsafe_mode on, wait until the leader can use it: Patroni keeps a primary that lost etcd only when
 * its `/failsafe` key (the member topology, `<namespace>/<scope>/failsafe`) names it, and the leader reads that
 * key back a loop after writing it (ha.py `check_failsafe_topology`). A fault earlier than that measures
 * the race, not the mode. Waits up to three loops and 10 s, then one loop more.
 */
export async function failsafeSettled(ctx: DrillContext): Promise<void> {
  if (!ctx.failsafe) return;
  const key = Buffer.from(`/service/${ctx.manifest.patroni.scope}/failsafe`).toString('base64');
  const found = await ctx.until(
    async () => {
      for (const endpoint of ctx.manifest.etcd.endpoints) {
        const r = await rest(`${endpoint}/v3/kv/range`, ctx.etcdTls, {
          method: 'POST',
          body: { key },
          timeoutMs: 2000,
        }).catch(() => undefined);
        if (r?.status !== 200) continue;
        const kvs = (JSON.parse(r.body) as { kvs?: { value?: string }[] }).kvs ?? [];
        const value = kvs[0]?.value;
        return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
      }
      return undefined;
    },
    (3 * ctx.timing.loopWait + 10) * 1000,
    250,
  );
  ctx.note(
    found === undefined
      ? 'failsafe_mode on, but no /failsafe key in etcd'
      : `failsafe topology in etcd: ${found}`,
  );
  await ctx.sleep((ctx.timing.loopWait + 0.5) * 1000);
}

/**
 * Cut the primary off from `peers` in `direction`, hold until another member is the one primary (and a moment
 * more) or past the ttl, heal, and measure: the isolated-primary figures, the rejoin, the convergence.
 */
export async function cutPrimary(
  ctx: DrillContext,
  peers: readonly string[],
  direction: LinkDirection,
  options: { readonly expectPromotion: boolean; readonly keyExpiryRequired: boolean },
): Promise<void> {
  const old = ctx.oldPrimary;
  await failsafeSettled(ctx);
  ctx.startDirectProbe(old);
  const undo = await applyCuts(ctx, [{ from: old, to: peers, direction }]);
  let healedAt: number;
  try {
    if (options.expectPromotion) {
      if (await ctx.waitNewLeader()) await ctx.sleep(HOLD_AFTER_PROMOTION_MS);
    } else {
      await ctx.sleep(holdPastTtlMs(ctx));
      const leader = ctx.sampler.current(ctx.t0);
      if (leader !== undefined && leader !== old) {
        ctx.promotedAt = ctx.sampler.firstSoleAnswer(leader, ctx.t0)?.at;
        ctx.note(`${leader} was promoted at +${ctx.since(ctx.promotedAt)} s`);
      }
    }
  } finally {
    healedAt = await heal(ctx, undo, `${old}'s links`);
  }
  stoppedWithinTtl(ctx, healedAt, options.keyExpiryRequired);
  await converge(ctx, healedAt);
}
