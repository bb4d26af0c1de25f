import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

// The example config, Terraform's presence and the isolated environment are @pgha/aws-deploy's test support,
// shared with its own tests.
export {
  AWS_EXAMPLE,
  isolatedEnv,
  type Json,
  terraformForTests,
  terraformMissing,
} from '../../../packages/aws-deploy/test/support.js';

/** Every file under dir (recursively) with its bytes. */
export async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.set(path, await readFile(path));
    }
  };
  await walk(dir);
  return out;
}

/** Every string leaf of a JSON value. */
export function* stringLeaves(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringLeaves(v);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) yield* stringLeaves(v);
}

/**
 * Where any of `secrets` or a PEM private key occurs in `text`, also inside base64-encoded strings of a JSON
 * document (user-data hides text that way). Returns descriptions, never the secret.
 */
export function secretHits(name: string, text: string, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  const texts = [text];
  try {
    for (const s of stringLeaves(JSON.parse(text))) {
      if (s.length >= 16 && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s))
        texts.push(Buffer.from(s, 'base64').toString('utf8'));
    }
  } catch {
    // not JSON: the raw text is what there is
  }
  for (const t of texts) {
    if (t.includes('PRIVATE KEY')) hits.push(`${name}: a private key`);
    secrets.forEach((secret, i) => {
      if (t.includes(secret)) hits.push(`${name}: secret #${i + 1}`);
    });
  }
  return hits;
}

/**
 * The files inside a zip archive (a Terraform plan file is one), uncompressed, so a test can search what is
 * really stored rather than deflated bytes. Reads the central directory; stored and deflated entries.
 */
export function zipEntries(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}
