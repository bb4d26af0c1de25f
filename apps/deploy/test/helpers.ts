import { execFile } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { run } from '../src/cli.js';

export const exec = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the CLI in-process, as `pnpm run deploy -- ...` would, capturing its output. `signal` stands for the
 * bin's Ctrl-C; `onStderr` sees stderr as it is written.
 */
export async function cli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { signal?: AbortSignal; onStderr?: (text: string) => void } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
    options.onStderr?.(err);
  });
  const code = await run(args, {
    stdout,
    stderr,
    env,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout: out, stderr: err };
}

/** A temporary directory every user can traverse (the services run as postgres when the tests run as root). */
export async function traversableTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}
