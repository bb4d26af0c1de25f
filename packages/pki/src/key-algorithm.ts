/** RSA key sizes this package generates, smallest first. */
export const KEY_SIZES = [2048, 3072, 4096] as const;
/** RSA key sizes this package generates. */
export type KeyBits = (typeof KEY_SIZES)[number];

/** Every `KeyAlgorithm`, the default (`rsa`) first. */
export const KEY_ALGORITHMS = ['rsa', 'ecdsa-p256'] as const;
/**
 * The kind of key this package generates (and accepts): `rsa` (RSA, `keyBits` long, signs with
 * sha256WithRSAEncryption) or `ecdsa-p256` (ECDSA on NIST P-256 alias prime256v1, signs with ecdsa-with-SHA256).
 */
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
