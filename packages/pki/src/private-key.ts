import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { PkiError } from './errors.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { keyAlgorithmOf, keyBitsOf, keyTypeOf } from './private/key-type.js';

const REDACTED = '[PrivateKey: redacted]';

/**
 * An RSA or ECDSA P-256 private key. The PEM text is held in a private field: it never shows up in `console.log`,
 * `util.inspect`, `JSON.stringify`, `String(key)` or error messages. Call `toPem()` when you really mean to
 * write the key somewhere (a 0600 file, a secrets store).
 */
export class PrivateKey {
  readonly #pem: string;
  #keyObject: KeyObject | undefined;

  private constructor(pem: string, keyObject: KeyObject | undefined) {
    this.#pem = pem;
    this.#keyObject = keyObject;
  }

  /**
   * Parses an unencrypted PEM private key: RSA (PKCS#8 or PKCS#1 `RSA PRIVATE KEY`) or ECDSA on P-256 alias
   * prime256v1 (PKCS#8 or SEC1 `EC PRIVATE KEY`). `toPem()` gives the text back as it was.
   * @param item names the key in error messages (a file path, a bundle entry).
   * @throws PkiError `KEY_UNREADABLE` when it is not such a key (another curve or key type, encrypted, garbage).
   */
  static fromPem(pem: string, item = 'private key'): PrivateKey {
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({ key: pem, format: 'pem' });
    } catch (cause) {
      // The cause from OpenSSL names no key material, only the decoder's complaint.
      throw new PkiError(
        'KEY_UNREADABLE',
        `${item}: not a readable unencrypted PEM private key (${describe(cause)}). ` +
          'Provide an unencrypted RSA or ECDSA P-256 key (PKCS#8, PKCS#1 or SEC1 PEM), or delete the file so ' +
          'a new key is issued.',
        { item, cause },
      );
    }
    if (keyAlgorithmOf(keyObject) === undefined) {
      throw new PkiError(
        'KEY_UNREADABLE',
        `${item}: is a ${keyTypeOf(keyObject)} key; @pgha/pki signs and issues RSA and ECDSA P-256 ` +
          '(prime256v1) keys only. Use such a key, or delete the file so a new key is issued.',
        { item },
      );
    }
    return new PrivateKey(pem, keyObject);
  }

  /** @internal Wraps a PEM just produced by `generateKeyPair` (no need to re-validate). */
  static fromTrustedPem(pem: string): PrivateKey {
    return new PrivateKey(pem, undefined);
  }

  /** The key as PEM text. The only way to get the key material out. */
  toPem(): string {
    return this.#pem;
  }

  /** The key as a `node:crypto` `KeyObject` (parsed once). */
  toKeyObject(): KeyObject {
    this.#keyObject ??= createPrivateKey({ key: this.#pem, format: 'pem' });
    return this.#keyObject;
  }

  /** The public half as SPKI PEM. */
  publicKeyPem(): string {
    return createPublicKey(this.toKeyObject()).export({ type: 'spki', format: 'pem' }).toString();
  }

  /** `rsa` or `ecdsa-p256`. */
  get algorithm(): KeyAlgorithm {
    const algorithm = keyAlgorithmOf(this.toKeyObject());
    if (algorithm === undefined) throw new Error('internal: a PrivateKey holds a key of an unsupported type');
    return algorithm;
  }

  /** Key size in bits: the RSA modulus length, or 256 for a P-256 key (the size of the curve). */
  get bits(): number {
    return keyBitsOf(this.toKeyObject());
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** True when `value` is a `PrivateKey` (of this copy of the package). */
export function isPrivateKey(value: unknown): value is PrivateKey {
  return value instanceof PrivateKey;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? code : (cause.message.split('\n')[0] ?? 'unknown error');
  }
  return 'unknown error';
}
