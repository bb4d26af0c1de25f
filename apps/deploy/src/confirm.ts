import { createInterface } from 'node:readline/promises';
import { DeployError } from './errors.js';
import type { Io } from './reporter.js';

/** Whether a person can be asked: stdin and stderr (where the question goes) are terminals. */
export function canAsk(io: Io): boolean {
  return io.stdin?.isTTY === true && io.stderr.isTTY === true;
}

/**
 * Commands that change or remove cloud resources need a yes: `--yes`, or a person at a terminal. Without
 * either, refuse (exit 2) before anything is done.
 */
export function requireConfirmable(io: Io, yes: boolean, what: string): void {
  if (yes || canAsk(io)) return;
  throw new DeployError('USAGE', `${what} needs a confirmation, and there is no terminal to ask on`, {
    hint: 'pass --yes to confirm in advance (in scripts and CI), or run it in a terminal',
  });
}

/** Asks `question` on stderr and reads one line from stdin; true when the answer is exactly `expected`. */
export async function confirmByTyping(io: Io, question: string, expected: string): Promise<boolean> {
  const input = io.stdin;
  if (input === undefined) return false;
  const rl = createInterface({ input, output: io.stderr, terminal: false });
  try {
    // End of input (Ctrl-D) is a no, not a wait forever.
    const answer = await new Promise<string | undefined>((resolve) => {
      rl.once('close', () => resolve(undefined));
      rl.question(question).then(resolve, () => resolve(undefined));
    });
    return answer?.trim() === expected;
  } finally {
    rl.close();
  }
}
