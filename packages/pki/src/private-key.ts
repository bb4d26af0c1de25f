import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { PkiError } from './errors.js';

const REDACTED = '[PrivateKey: redacted]';

/**
 * An RSA private key. The PEM text is held in a private field: it never shows up in `console.log`,
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
   * Parses a PEM private key (PKCS#8 or PKCS#1, unencrypted, RSA).
   * @param item names the key in error messages (a file path, a bundle entry).
   * @throws PkiError `KEY_UNREADABLE` when it is not an unencrypted RSA private key.
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
          'Provide an unencrypted PKCS#8 or PKCS#1 RSA key, or delete the file so a new key is issued.',
        { item, cause },
      );
    }
    if (keyObject.asymmetricKeyType !== 'rsa') {
      throw new PkiError(
        'KEY_UNREADABLE',
        `${item}: is a ${String(keyObject.asymmetricKeyType)} key; @pgha/pki signs and issues RSA keys only. ` +
          'Use an RSA key, or delete the file so a new key is issued.',
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

  /** Key size in bits. */
  get bits(): number {
    return this.toKeyObject().asymmetricKeyDetails?.modulusLength ?? 0;
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
