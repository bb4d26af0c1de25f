import { expect, test } from 'vitest';
import { isCodedError, isRehearsalError, RehearsalError } from './errors.js';

test('codes keep the kinds of the libraries whose errors a rehearsal re-wraps', () => {
  const kinds = (['USAGE', 'STATE_CONFLICT', 'PROCESS_DIED', 'TERRAFORM_FAILED', 'INTERRUPTED'] as const).map(
    (code) => new RehearsalError(code, 'x').kind,
  );
  expect(kinds).toEqual(['usage', 'usage', 'external', 'external', 'interrupted']);
});

test('the guard goes by the shared brand and the name, not the class: another copy counts, a look-alike not', () => {
  const error = new RehearsalError('USAGE', 'x', { reason: 'needs-root', cleanup: 'c', leftBehind: ['y'] });
  expect([error.reason, error.cleanup, error.leftBehind, error.problems]).toEqual([
    'needs-root',
    'c',
    ['y'],
    [],
  ]);
  const copy = Object.defineProperty(
    Object.assign(new Error('x'), { name: 'RehearsalError' }),
    Symbol.for('pgha.error'),
    {
      value: 'rehearsal',
    },
  );
  expect(isRehearsalError(copy)).toBe(true);
  expect(isCodedError(copy)).toBe(true);
  expect(isRehearsalError(Object.assign(new Error('x'), { name: 'RehearsalError' }))).toBe(false);
});
