import { expect, test } from 'vitest';
import { haproxySettleMs, LOCAL_HEALTH_CHECK } from './render.js';

test("HAProxy's first checks have marked every wrong server down after 750 ms", () => {
  // first check at 500 ms, the second (fall 2) at the fast interval, 250 ms later
  expect(haproxySettleMs(LOCAL_HEALTH_CHECK)).toBe(750);
});
