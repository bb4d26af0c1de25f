import { converge, heal, holdPastTtlMs, stoppedWithinTtl } from '../partition.js';
import { defineScenario } from '../scenario.js';
import type { Heal } from '../target.js';

/** What the issue asks: 30% loss and 200 ms delay on the primary's link, no clean cut. */
const LOSS_PCT = 30;
const DELAY_MS = 200;

export const lossyPrimary = defineScenario({
  name: 'lossy-primary',
  fault: `${LOSS_PCT}% loss both ways and ${DELAY_MS} ms delay on what the primary sends, past the ttl; then heal`,
  expectsRejoin: true,
  expectsSameLeader: false,
  requires: ['network'],
  async inject(ctx) {
    const net = ctx.network;
    const old = ctx.oldPrimary;
    const host = net.hostOf(old);
    ctx.startDirectProbe(old);
    ctx.markFault();
    // netlab delays with netem, or with its delay line on a kernel without netem (this machine's).
    const undo: Heal = await net.degrade(host, { delayMs: DELAY_MS, lossPct: LOSS_PCT });
    ctx.note(`${old}: ${LOSS_PCT}% loss both ways and ${DELAY_MS} ms delay on what it sends`);
    let healedAt: number;
    try {
      await ctx.sleep(holdPastTtlMs(ctx));
    } finally {
      healedAt = await heal(ctx, undo, `${old}'s link`);
    }
    const leader = ctx.sampler.current(ctx.t0);
    if (leader !== undefined && leader !== old) {
      ctx.promotedAt = ctx.sampler.firstSoleAnswer(leader, ctx.t0)?.at;
      ctx.note(`${leader} was promoted at +${ctx.since(ctx.promotedAt)} s`);
    }
    // A lossy link is not a lost one: Patroni may keep its key. The figure is an observation here.
    stoppedWithinTtl(ctx, healedAt, false, 'degraded');
    await converge(ctx, healedAt);
  },
});
