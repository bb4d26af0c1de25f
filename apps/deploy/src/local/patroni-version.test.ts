import { expect, test } from 'vitest';
import { patroniAtLeast } from './patroni-version.js';

test.each([
  ['3.0.2', [3, 0, 2], true],
  ['3.0.3', [3, 0, 2], true],
  ['3.0.1', [3, 0, 2], false],
  ['3.1', [3, 1, 0], true],
  ['3', [3, 0, 1], false],
  ['4.0.0', [3, 9, 9], true],
  ['2.1.4', [3, 0, 0], false],
  ['unknown', [0, 0, 1], false],
] as const)('Patroni %s at least %j: %s', (version, least, expected) => {
  expect(patroniAtLeast(version, least)).toBe(expected);
});
