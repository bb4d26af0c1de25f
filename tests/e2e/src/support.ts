import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueCertificate } from '@pgha/pki';
import type { CliIo } from '@pgha/verify';

export const asRoot = process.getuid?.() === 0;

/** A temp directory every user can traverse (services run as `postgres` when the tests run as root). */
export function traversableTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A CliIo that records what the verify CLI writes. */
export function captureIo(opts: { env?: Record<string, string | undefined>; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A client certificate (clientAuth) from a CA of its own, written to dir: what an intruder would hold. */
export async function foreignClientCertificate(dir: string): Promise<{ crt: string; key: string }> {
  const ca = await createCa({ commonName: 'someone else CA', validityDays: 30 });
  const leaf = await issueCertificate(ca, {
    commonName: 'intruder',
    extendedKeyUsage: ['clientAuth'],
    validityDays: 30,
  });
  const crt = join(dir, 'foreign.crt');
  const key = join(dir, 'foreign.key');
  writeFileSync(crt, leaf.certPem, { mode: 0o644 });
  writeFileSync(key, leaf.key.toPem(), { mode: 0o600 });
  return { crt, key };
}
