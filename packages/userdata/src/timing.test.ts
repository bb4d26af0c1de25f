import { describe, expect, test } from 'vitest';
import { isUserdataError } from './errors.js';
import { parseVersion } from './private/version.js';
import { checkTiming, timingProfile } from './timing.js';

describe('timingProfile', () => {
  test.each([
    ['safe', '3.0.2', 30, 10, 10],
    ['safe', '3.3.2', 30, 10, 10],
    ['fast', '3.0.2', 10, 2, 4],
    ['fast', '3.1.2', 10, 2, 4],
    ['fast', '3.2.0', 20, 2, 5],
    ['fast', '4.0.4', 20, 2, 5],
  ] as const)(
    '%s on Patroni %s is %i/%i/%i and keeps the rule',
    (name, version, ttl, loopWait, retryTimeout) => {
      const p = timingProfile(name, version);
      expect({ ttl: p.ttl, loopWait: p.loopWait, retryTimeout: p.retryTimeout }).toEqual({
        ttl,
        loopWait,
        retryTimeout,
      });
      expect(p.loopWait + 2 * p.retryTimeout).toBeLessThanOrEqual(p.ttl);
      // Every profile is valid for the version it was made for, including Patroni >= 3.2's floors.
      expect(checkTiming(p, parseVersion(version), 'timing')).toEqual([]);
      expect(p.description).toMatch(
        new RegExp(`ttl ${ttl}, loop_wait ${loopWait}, retry_timeout ${retryTimeout}`),
      );
    },
  );

  test('an unknown name and a malformed version are both reported', () => {
    let caught: unknown;
    try {
      timingProfile('turbo' as 'fast', 'three');
    } catch (e) {
      caught = e;
    }
    expect(isUserdataError(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'INVALID_TIMING',
      problems: [
        { path: 'name', value: 'turbo', message: 'unknown timing profile; use one of "safe", "fast"' },
        {
          path: 'patroniVersion',
          value: 'three',
          message: 'not a Patroni version; give major.minor[.patch], e.g. "3.0.2"',
        },
      ],
    });
  });
});

describe('checkTiming', () => {
  test('the rule loop_wait + 2 * retry_timeout <= ttl holds at the boundary and fails past it', () => {
    const v = parseVersion('3.0.2');
    expect(checkTiming({ ttl: 10, loopWait: 2, retryTimeout: 4 }, v, 't')).toEqual([]);
    expect(checkTiming({ ttl: 6, loopWait: 1, retryTimeout: 2 }, v, 't')).toEqual([]);
    expect(checkTiming({ ttl: 9, loopWait: 2, retryTimeout: 4 }, v, 't')).toEqual([
      {
        path: 't',
        value: { ttl: 9, loopWait: 2, retryTimeout: 4 },
        message:
          'loop_wait + 2 * retry_timeout (10) must not exceed ttl (9): raise ttl or lower loop_wait/retry_timeout, or use timingProfile("safe" | "fast", version)',
      },
    ]);
  });

  test('Patroni 3.0.2 accepts a ttl under 20 that 3.2 would raise', () => {
    const t = { ttl: 10, loopWait: 2, retryTimeout: 4 };
    expect(checkTiming(t, parseVersion('3.0.2'), 't')).toEqual([]);
    expect(checkTiming(t, parseVersion('3.2.1'), 't').map((p) => p.path)).toEqual(['t.ttl']);
  });
});
