import type { CliIo } from '../src/cli.js';

/** A CliIo that records what the CLI writes. */
export function captureIo(
  opts: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    tty?: boolean;
    stderrTty?: boolean;
    signal?: AbortSignal;
  } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => err.push(s), isTTY: opts.stderrTty ?? false },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  return {
    io,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
