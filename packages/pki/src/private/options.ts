import type { PkiProblem } from '../errors.js';
import { KEY_ALGORITHMS, KEY_SIZES, type KeyBits } from '../key-algorithm.js';
import type { PrivateKey } from '../private-key.js';
import { show } from './names.js';

/** What a new key should be. */
export type KeySpec =
  | { readonly algorithm: 'rsa'; readonly bits: KeyBits }
  | { readonly algorithm: 'ecdsa-p256' };

/** `rsa-2048`, `ecdsa-p256`: how keys are named in messages and in inspection output. */
export function keySpecName(spec: KeySpec): string {
  return spec.algorithm === 'rsa' ? `rsa-${spec.bits}` : spec.algorithm;
}

/**
 * Validates `keyAlgorithm` (default `rsa`) and `keyBits` (RSA only, default 2048) together.
 * @param prefix prepended to the field names in issues (e.g. `etcd.etcd-1.`).
 */
export function checkKeySpec(
  algorithm: unknown,
  bits: unknown,
  prefix: string,
  issues: PkiProblem[],
): KeySpec | undefined {
  if (algorithm !== undefined && !(KEY_ALGORITHMS as readonly unknown[]).includes(algorithm)) {
    issues.push({
      code: 'INVALID_KEY_ALGORITHM',
      path: `${prefix}keyAlgorithm`,
      value: algorithm,
      message: `${show(algorithm)} is not a supported key algorithm; use "rsa" (the default) or "ecdsa-p256"`,
    });
    return undefined;
  }
  if (algorithm === 'ecdsa-p256') {
    if (bits === undefined) return { algorithm };
    issues.push({
      code: 'INVALID_KEY_SIZE',
      path: `${prefix}keyBits`,
      value: bits,
      message:
        `${show(bits)} applies to RSA keys only, but ${prefix}keyAlgorithm is "ecdsa-p256" (P-256 keys are ` +
        `always 256 bits); remove ${prefix}keyBits, or use ${prefix}keyAlgorithm "rsa"`,
    });
    return undefined;
  }
  if (bits === undefined) return { algorithm: 'rsa', bits: 2048 };
  if ((KEY_SIZES as readonly unknown[]).includes(bits)) return { algorithm: 'rsa', bits: bits as KeyBits };
  issues.push({
    code: 'INVALID_KEY_SIZE',
    path: `${prefix}keyBits`,
    value: bits,
    message: `${show(bits)} is not a supported RSA key size; use 2048, 3072 or 4096`,
  });
  return undefined;
}

/** A `key` passed in together with a `keyAlgorithm` it is not: the caller asked for two different things. */
export function checkGivenKey(
  key: PrivateKey | undefined,
  algorithm: unknown,
  prefix: string,
  issues: PkiProblem[],
): void {
  if (key === undefined || !(KEY_ALGORITHMS as readonly unknown[]).includes(algorithm)) return;
  if (key.algorithm === algorithm) return;
  issues.push({
    code: 'INVALID_KEY_ALGORITHM',
    path: `${prefix}keyAlgorithm`,
    value: algorithm,
    message:
      `"${String(algorithm)}" does not match the given ${prefix}key, which is ${key.algorithm}; ` +
      `${prefix}keyAlgorithm applies to new keys only, so leave it out when passing a key`,
  });
}

/** A distinguished-name attribute value: 1-64 printable characters (X.520 upper bound for CN). */
export function checkDnValue(value: unknown, path: string, issues: PkiProblem[]): string | undefined {
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

export function checkDate(value: unknown, path: string, issues: PkiProblem[]): Date | undefined {
  if (value === undefined) return new Date();
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  issues.push({ code: 'INVALID_VALUE', path, value, message: `${show(value)} is not a valid Date` });
  return undefined;
}
