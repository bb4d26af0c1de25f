import { type Problem, UserdataError } from './errors.js';
import { atLeast, parseVersion, type Version } from './private/version.js';

/** Names of the built-in timing profiles. */
export type TimingProfileName = 'safe' | 'fast';

/** Patroni's three leader-election timings, in seconds. */
export interface PatroniTiming {
  /** Leader key lifetime (`ttl`). */
  readonly ttl: number;
  /** Seconds between HA loops (`loop_wait`). */
  readonly loopWait: number;
  /** Seconds a DCS or PostgreSQL operation is retried before giving up (`retry_timeout`). */
  readonly retryTimeout: number;
}

/** A resolved profile: its timings for one Patroni version and what it gives. */
export interface TimingProfile extends PatroniTiming {
  readonly name: TimingProfileName;
  /** The Patroni version the timings were chosen for. */
  readonly patroniVersion: string;
  /** What the profile gives, in one or two sentences. */
  readonly description: string;
}

export const TIMING_PROFILE_NAMES: readonly TimingProfileName[] = ['safe', 'fast'];

/**
 * Timings for a named profile, valid for the given Patroni version.
 *
 * - `safe`: Patroni's defaults, 30/10/10, for every version.
 * - `fast`: 10/2/4 before Patroni 3.2; from 3.2 on Patroni raises a ttl under 20 to 20 (and loop_wait to
 *   at least 1, retry_timeout to at least 3) with only a warning, so `fast` there is 20/2/5.
 *
 * Every profile keeps `loop_wait + 2 * retry_timeout <= ttl`.
 */
export function timingProfile(name: TimingProfileName, patroniVersion: string): TimingProfile {
  const problems: Problem[] = [];
  if (!TIMING_PROFILE_NAMES.includes(name)) {
    problems.push({
      path: 'name',
      value: name,
      message: `unknown timing profile; use one of ${TIMING_PROFILE_NAMES.map((n) => `"${n}"`).join(', ')}`,
    });
  }
  const version = parseVersion(patroniVersion);
  if (version === undefined) {
    problems.push({
      path: 'patroniVersion',
      value: patroniVersion,
      message: 'not a Patroni version; give major.minor[.patch], e.g. "3.0.2"',
    });
  }
  if (problems.length > 0 || version === undefined) {
    throw UserdataError.fromProblems('INVALID_TIMING', 'cannot choose a timing profile', problems);
  }
  const clamps = patroniClampsTimings(version);
  if (name === 'safe') {
    return {
      name,
      patroniVersion,
      ttl: 30,
      loopWait: 10,
      retryTimeout: 10,
      description:
        "Patroni's defaults (ttl 30, loop_wait 10, retry_timeout 10): a crashed primary is replaced after " +
        'about ttl plus one loop (measured write gap through HAProxy on Patroni 3.0.2: about 21 s).',
    };
  }
  if (clamps) {
    return {
      name,
      patroniVersion,
      ttl: 20,
      loopWait: 2,
      retryTimeout: 5,
      description:
        'Patroni >= 3.2 raises ttl to at least 20, so this is the fastest it accepts (ttl 20, loop_wait 2, ' +
        'retry_timeout 5): a crashed primary is replaced after about 20 s; failure detection is not faster ' +
        'than safe by much, only the loop is.',
    };
  }
  return {
    name,
    patroniVersion,
    ttl: 10,
    loopWait: 2,
    retryTimeout: 4,
    description:
      'Short timings for Patroni < 3.2 (ttl 10, loop_wait 2, retry_timeout 4): a crashed primary is replaced ' +
      'after about 10 s (measured write gap through HAProxy on Patroni 3.0.2: about 9.5 s); a DCS or network ' +
      'stall longer than 4 s demotes the primary.',
  };
}

/** Patroni 3.2 and later raise ttl < 20, loop_wait < 1 and retry_timeout < 3 with only a warning. */
export function patroniClampsTimings(version: Version): boolean {
  return atLeast(version, 3, 2);
}

/** Rules on a set of timings; `path` is where the timings sit in the caller's input. */
export function checkTiming(timing: PatroniTiming, version: Version | undefined, path: string): Problem[] {
  const problems: Problem[] = [];
  const fields = [
    ['ttl', 'ttl'],
    ['loopWait', 'loop_wait'],
    ['retryTimeout', 'retry_timeout'],
  ] as const;
  let numeric = true;
  for (const [key, patroniName] of fields) {
    const value: unknown = timing[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push({
        path: `${path}.${key}`,
        value,
        message: `${patroniName} must be a whole number of seconds, at least 1`,
      });
      numeric = false;
    }
  }
  if (!numeric) return problems;
  const { ttl, loopWait, retryTimeout } = timing;
  if (loopWait + 2 * retryTimeout > ttl) {
    problems.push({
      path,
      value: { ttl, loopWait, retryTimeout },
      message:
        `loop_wait + 2 * retry_timeout (${loopWait + 2 * retryTimeout}) must not exceed ttl (${ttl}): ` +
        'raise ttl or lower loop_wait/retry_timeout, or use timingProfile("safe" | "fast", version)',
    });
  }
  if (version !== undefined && patroniClampsTimings(version)) {
    const floors = [
      ['ttl', 'ttl', 20],
      ['loopWait', 'loop_wait', 1],
      ['retryTimeout', 'retry_timeout', 3],
    ] as const;
    for (const [key, patroniName, floor] of floors) {
      if (timing[key] < floor) {
        problems.push({
          path: `${path}.${key}`,
          value: timing[key],
          message:
            `Patroni ${version.major}.${version.minor} raises ${patroniName} below ${floor} to ${floor} ` +
            `(only a warning), so the cluster would not run with this value; use at least ${floor}`,
        });
      }
    }
  }
  return problems;
}
