/** How the load balancer checks Patroni's REST API: how often, and how many answers flip a server. */
export interface LoadBalancerCheck {
  readonly intervalMs: number;
  /** While a server changes state (HAProxy `fastinter`). @default - intervalMs */
  readonly fastIntervalMs?: number;
  /** While a server is down (HAProxy `downinter`). @default - intervalMs */
  readonly downIntervalMs?: number;
  readonly rise: number;
  readonly fall: number;
}

/** A drill profile: the Patroni timings the throwaway cluster gets plus the load balancer's check timing. */
export type DrillProfileName = 'fast' | 'safe' | 'guide';

export const DRILL_PROFILE_NAMES: readonly DrillProfileName[] = ['fast', 'safe', 'guide'];

export interface DrillProfile {
  readonly name: DrillProfileName;
  /** The deploy timing profile (Patroni ttl/loop_wait/retry_timeout) the target deploys with. */
  readonly patroniTiming: 'fast' | 'safe';
  /**
   * The load balancer's health checks.
   * @default - the target's own (the local target: 500 ms, 250 ms while changing or down, fall 2, rise 1)
   */
  readonly loadBalancerCheck?: LoadBalancerCheck;
  readonly description: string;
}

/**
 * - `fast`: the deploy's fast timings (10/2/4 on Patroni < 3.2, raised to ttl 20 by later versions) and the
 *   target's load balancer.
 * - `safe`: Patroni's defaults 30/10/10 and the target's load balancer.
 * - `guide`: what the hand-written HOWTO gives: Patroni's defaults and a load balancer that checks every
 *   10 s and needs 3 checks to flip (HAProxy `inter 10s fall 3 rise 3`, like an NLB at 10 s x 3).
 */
export const DRILL_PROFILES: Readonly<Record<DrillProfileName, DrillProfile>> = {
  fast: {
    name: 'fast',
    patroniTiming: 'fast',
    description: 'deploy profile fast, HAProxy inter 500ms fastinter/downinter 250ms fall 2 rise 1',
  },
  safe: {
    name: 'safe',
    patroniTiming: 'safe',
    description:
      'deploy profile safe (30/10/10), HAProxy inter 500ms fastinter/downinter 250ms fall 2 rise 1',
  },
  guide: {
    name: 'guide',
    patroniTiming: 'safe',
    loadBalancerCheck: { intervalMs: 10_000, rise: 3, fall: 3 },
    description: 'Patroni defaults 30/10/10, HAProxy inter 10s fall 3 rise 3',
  },
};

export function isDrillProfileName(value: unknown): value is DrillProfileName {
  return typeof value === 'string' && (DRILL_PROFILE_NAMES as readonly string[]).includes(value);
}
