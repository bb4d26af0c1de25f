import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PkiError } from '../errors.js';
import { PrivateKey } from '../private-key.js';

export const DIR_MODE = 0o700;
export const KEY_MODE = 0o600;
export const CERT_MODE = 0o644;

function code(error: unknown): string | undefined {
  const c = (error as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function ioError(action: string, path: string, cause: unknown, fix: string): PkiError {
  return new PkiError('IO_ERROR', `${path}: cannot ${action} (${code(cause) ?? 'error'}). ${fix}`, {
    item: path,
    cause,
  });
}

/** Reads a text file; undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    if (code(cause) === 'ENOENT') return undefined;
    throw ioError(
      'read the file',
      path,
      cause,
      'Check that it is a readable file for the user running this.',
    );
  }
}

/**
 * Reads a private key file; undefined when it does not exist.
 * @throws PkiError `KEY_FILE_PERMISSIONS` when group or others have any access; `KEY_UNREADABLE` when unparsable.
 */
export async function readKeyOptional(path: string): Promise<PrivateKey | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (cause) {
    if (code(cause) === 'ENOENT') return undefined;
    throw ioError('stat the key file', path, cause, 'Check that the bundle directory is accessible.');
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new PkiError(
      'KEY_FILE_PERMISSIONS',
      `${path}: private key file has mode ${octal}, so group or others can access it; it must be 0600. ` +
        `Run: chmod 600 '${path}' (and consider the key exposed if others could read it).`,
      { item: path },
    );
  }
  const pem = await readOptional(path);
  return pem === undefined ? undefined : PrivateKey.fromPem(pem, path);
}

export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: DIR_MODE });
    await chmod(path, DIR_MODE);
  } catch (cause) {
    throw ioError(
      'create the directory (mode 0700)',
      path,
      cause,
      'Check the parent directory exists and is writable.',
    );
  }
}

/** Writes a file atomically (temporary file + rename) with exactly `mode`, whatever the umask. */
export async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(
      'write the file',
      path,
      cause,
      'Check that the bundle directory is writable and the disk not full.',
    );
  }
}

export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (cause) {
    if (code(cause) !== 'ENOENT')
      throw ioError('delete the file', path, cause, 'Check the directory permissions.');
  }
}

/** Removes the file's directory when it is empty (and not `stop`). */
export async function removeEmptyDir(file: string, stop: string): Promise<void> {
  const dir = dirname(file);
  if (dir === stop) return;
  await rmdir(dir).catch(() => undefined);
}
