import { inspect } from 'node:util';
import { expect, test } from 'vitest';
import { Secret } from './index.js';

test('a Secret shows [secret] in JSON, inspect, interpolation and errors; reveal() gives the value', () => {
  const value = 'hunter2-Very-Secret';
  const s = new Secret(value);
  const shown = [
    JSON.stringify({ password: s, list: [s] }),
    inspect({ password: s }, { depth: 5, showHidden: true }),
    `${s}`,
    String(s),
    new Error(`login with ${s} failed`).message,
  ];
  for (const text of shown) {
    expect(text).not.toContain(value);
    expect(text).toContain('[secret]');
  }
  expect(Object.keys(s)).toEqual([]);
  expect(s.reveal()).toBe(value);
});
