import { expect, test } from 'vitest';
import { haproxySettleMs, healthCheckMethod, LOCAL_HEALTH_CHECK } from './render.js';

test.each([
  ['3.0.2', 'OPTIONS'],
  ['3.0.4', 'OPTIONS'],
  ['3.1.0', 'GET'],
  ['3.3.2', 'GET'],
  ['4.0.4', 'GET'],
] as const)('HAProxy checks Patroni %s with %s (3.0.x logs a traceback per GET)', (version, method) => {
  expect(healthCheckMethod(version)).toBe(method);
});

test("HAProxy's first checks have marked every wrong server down after 750 ms", () => {
  // first check at 500 ms, the second (fall 2) at the fast interval, 250 ms later
  expect(haproxySettleMs(LOCAL_HEALTH_CHECK)).toBe(750);
});
