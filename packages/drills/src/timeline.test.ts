import { describe, expect, test } from 'vitest';
import { historyFileName, lsnToBigInt, onHistory, parseTimelineHistory } from './timeline.js';

describe('timeline history', () => {
  // What PostgreSQL 15 wrote in pg_wal/00000003.history after two promotions.
  const text = '1\t0/5000148\tno recovery target specified\n\n2\t0/7A0000A0\tno recovery target specified\n';
  const history = parseTimelineHistory(3, text);

  test('parses the ancestors and their end positions', () => {
    expect(history).toEqual({
      current: 3,
      ancestors: [
        { timeline: 1, endLsn: '0/5000148' },
        { timeline: 2, endLsn: '0/7A0000A0' },
      ],
    });
    expect(parseTimelineHistory(1, '')).toEqual({ current: 1, ancestors: [] });
  });

  test('a write is on the history when on the current timeline or before its ancestor ended', () => {
    expect(onHistory(history, 3, 'FF/0')).toBe(true);
    expect(onHistory(history, 1, '0/5000100')).toBe(true);
    expect(onHistory(history, 2, '0/79FFFFFF')).toBe(true);
    // Written on timeline 1 after timeline 2 branched off: a branch the primary never replayed.
    expect(onHistory(history, 1, '0/5000148')).toBe(false);
    expect(onHistory(history, 1, '0/6000000')).toBe(false);
    // A timeline that is not in the history at all (a sibling branch).
    expect(onHistory(history, 4, '0/1')).toBe(false);
  });

  test('LSNs compare as 64-bit positions, not as strings', () => {
    expect(lsnToBigInt('1/0')).toBe(2n ** 32n);
    expect(lsnToBigInt('0/FFFFFFFF') < lsnToBigInt('1/0')).toBe(true);
    expect(() => lsnToBigInt('5000148')).toThrow(/not a WAL position/);
    expect(() => parseTimelineHistory(2, 'one\ttwo\n')).toThrow(/cannot read line/);
  });

  test('history file names are 8 upper-case hex digits', () => {
    expect(historyFileName(2)).toBe('00000002.history');
    expect(historyFileName(26)).toBe('0000001A.history');
  });
});
