import { PassThrough } from 'node:stream';
import { run } from '../src/cli.js';

export { exec, traversableTempDir } from '../../../packages/aws-deploy/test/support.js';

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
