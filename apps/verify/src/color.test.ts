import { expect, test } from 'vitest';
import { useColor } from './color.js';

test.each([
  ['a TTY', true, {}, true],
  ['not a TTY', false, {}, false],
  ['NO_COLOR=1', true, { NO_COLOR: '1' }, false],
  ['NO_COLOR=0 (any non-empty value turns colour off)', true, { NO_COLOR: '0' }, false],
  ['NO_COLOR empty (colour stays on)', true, { NO_COLOR: '' }, true],
  ['NO_COLOR=1 without a TTY', false, { NO_COLOR: '1' }, false],
  ['TERM=dumb', true, { TERM: 'dumb' }, false],
])('colour: %s', (_, isTTY, env: Record<string, string>, want) => {
  expect(useColor({ isTTY }, env)).toBe(want);
});
