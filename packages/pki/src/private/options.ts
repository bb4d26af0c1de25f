import type { PkiIssue } from '../errors.js';
import { show } from './names.js';

export const KEY_SIZES = [2048, 3072, 4096] as const;
export type KeyBits = (typeof KEY_SIZES)[number];

export function checkKeyBits(value: unknown, path: string, issues: PkiIssue[]): KeyBits | undefined {
  if (value === undefined) return 2048;
  if ((KEY_SIZES as readonly unknown[]).includes(value)) return value as KeyBits;
  issues.push({
    code: 'INVALID_KEY_SIZE',
    path,
    value,
    message: `${show(value)} is not a supported RSA key size; use 2048, 3072 or 4096`,
  });
  return undefined;
}

/** A distinguished-name attribute value: 1-64 printable characters (X.520 upper bound for CN). */
export function checkDnValue(value: unknown, path: string, issues: PkiIssue[]): string | undefined {
  if (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 64 &&
    ![...value].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f')
  ) {
    return value;
  }
  issues.push({
    code: 'INVALID_VALUE',
    path,
    value,
    message: `${show(value)} is not a valid name attribute; use 1-64 characters without control characters`,
  });
  return undefined;
}

export function checkDate(value: unknown, path: string, issues: PkiIssue[]): Date | undefined {
  if (value === undefined) return new Date();
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  issues.push({ code: 'INVALID_VALUE', path, value, message: `${show(value)} is not a valid Date` });
  return undefined;
}
