import { type HaproxyCheckTiming, LOCAL_HEALTH_CHECK } from '../local/render.js';
import type { ProfileName } from '../options.js';

/** A drill profile: the deploy profile (Patroni timings) plus the load balancer's check timing. */
export type DrillProfileName = 'fast' | 'safe' | 'guide';

export const DRILL_PROFILE_NAMES: readonly DrillProfileName[] = ['fast', 'safe', 'guide'];

export interface DrillProfile {
  readonly name: DrillProfileName;
  /** The deploy profile whose Patroni timings the drill cluster gets. */
  readonly deployProfile: ProfileName;
  readonly haproxy: HaproxyCheckTiming;
  readonly description: string;
}

const LOCAL_LB: HaproxyCheckTiming = LOCAL_HEALTH_CHECK;

/**
 * - `fast`: the deploy's fast timings (10/2/4 on Patroni < 3.2) and the local load balancer
 *   (500 ms, 250 ms while changing or down, fall 2, rise 1).
 * - `safe`: Patroni's defaults 30/10/10 and the local load balancer.
 * - `guide`: what the hand-written HOWTO gives: Patroni's defaults and a load balancer that checks every
 *   10 s and needs 3 checks to flip (HAProxy `inter 10s fall 3 rise 3`, like an NLB at 10 s x 3).
 */
export const DRILL_PROFILES: Readonly<Record<DrillProfileName, DrillProfile>> = {
  fast: {
    name: 'fast',
    deployProfile: 'fast',
    haproxy: LOCAL_LB,
    description: 'deploy profile fast, HAProxy inter 500ms fastinter/downinter 250ms fall 2 rise 1',
  },
  safe: {
    name: 'safe',
    deployProfile: 'safe',
    haproxy: LOCAL_LB,
    description:
      'deploy profile safe (30/10/10), HAProxy inter 500ms fastinter/downinter 250ms fall 2 rise 1',
  },
  guide: {
    name: 'guide',
    deployProfile: 'safe',
    haproxy: { intervalMs: 10_000, rise: 3, fall: 3 },
    description: 'Patroni defaults 30/10/10, HAProxy inter 10s fall 3 rise 3',
  },
};

export function isDrillProfileName(value: unknown): value is DrillProfileName {
  return typeof value === 'string' && (DRILL_PROFILE_NAMES as readonly string[]).includes(value);
}
