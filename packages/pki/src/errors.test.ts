import { describe, expect, test } from 'vitest';
import { isPkiError, PkiError } from './index.js';

describe('PkiError / isPkiError', () => {
  test('carries code, item, problems and cause', () => {
    const cause = new Error('EACCES');
    const error = new PkiError('IO_ERROR', 'x: cannot read', { item: '/x', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PkiError');
    expect(error.code).toBe('IO_ERROR');
    expect(error.item).toBe('/x');
    expect(error.problems).toEqual([]);
    expect(error.cause).toBe(cause);
  });

  test('recognises errors by brand, also from another copy of the package, and nothing else', () => {
    expect(isPkiError(new PkiError('KEY_UNREADABLE', 'm'))).toBe(true);
    const fromOtherCopy = Object.assign(new Error('m'), { code: 'KEY_UNREADABLE' });
    Object.defineProperty(fromOtherCopy, Symbol.for('pgha.error'), { value: 'pki' });
    expect(isPkiError(fromOtherCopy)).toBe(true);
    const otherPackage = Object.assign(new Error('m'), { code: 'X' });
    Object.defineProperty(otherPackage, Symbol.for('pgha.error'), { value: 'userdata' });
    expect(isPkiError(otherPackage)).toBe(false);
    expect(isPkiError(Object.assign(new Error('m'), { code: 'KEY_UNREADABLE' }))).toBe(false);
    expect(isPkiError(null)).toBe(false);
    expect(isPkiError('KEY_UNREADABLE')).toBe(false);
  });

  test('fromProblems lists each problem, {code, path, value, message}, on its own line', () => {
    const problem = {
      code: 'INVALID_NAME',
      path: 'clients[0].name',
      value: 'a b',
      message: '"a b" is not a valid name; use ...',
    } as const;
    const error = PkiError.fromProblems('bundle spec', [problem]);
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.problems).toEqual([problem]);
    expect(error.message).toBe(
      'Invalid bundle spec (1 problem):\n  - clients[0].name: "a b" is not a valid name; use ...',
    );
    // The names before the one problem shape still answer, with the same objects.
    expect(error.issues).toBe(error.problems);
    expect(PkiError.fromIssues('bundle spec', [problem]).problems).toEqual([problem]);
    expect(new PkiError('INVALID_SPEC', 'm', { issues: [problem] }).problems).toEqual([problem]);
  });
});
