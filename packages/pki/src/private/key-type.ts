import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../key-algorithm.js';

/** OpenSSL curve names and how this package names them, with the curve's size in bits. */
const CURVES: Readonly<Record<string, { readonly name: string; readonly bits: number }>> = {
  prime256v1: { name: 'ecdsa-p256', bits: 256 },
  secp384r1: { name: 'ecdsa-p384', bits: 384 },
  secp521r1: { name: 'ecdsa-p521', bits: 521 },
};

/** What a public or private key is, for messages and inspection: `rsa-2048`, `ecdsa-p256`, `ed25519`, ... */
export function keyTypeOf(key: KeyObject): string {
  const type = String(key.asymmetricKeyType);
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') return `${type}-${details.modulusLength ?? 0}`;
  if (type === 'ec') {
    const curve = String(details.namedCurve);
    return CURVES[curve]?.name ?? `ec-${curve}`;
  }
  return type;
}

/** The `KeyAlgorithm` of a key, or undefined for a kind of key this package does not make or accept. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ecdsa-p256';
  return undefined;
}

/** RSA modulus length, or the size of an EC key's curve (256 for P-256); 0 when unknown. */
export function keyBitsOf(key: KeyObject): number {
  const details = key.asymmetricKeyDetails ?? {};
  if (details.modulusLength !== undefined) return details.modulusLength;
  return CURVES[String(details.namedCurve)]?.bits ?? 0;
}
