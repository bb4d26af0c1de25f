// Real processes for integration tests: started by us, stopped by PID only.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Proc {
  readonly pid: number;
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `cmd` with a clean environment (plus `env`), output to `log`, as `owner` when given (we are root then). */
export function start(
  cmd: string,
  args: readonly string[],
  log: string,
  owner?: { uid: number; gid: number },
  env: Readonly<Record<string, string>> = {},
): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, [...args], {
    stdio: ['ignore', fd, fd],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env },
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  if (child.pid === undefined) throw new Error(`${cmd} did not start`);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid,
    child,
    async stop(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await Promise.race([exited, sleep(10_000)]);
    },
  };
}

/** Polls `probe` until it returns true or `ms` pass. */
export async function waitFor(
  what: string,
  ms: number,
  probe: () => Promise<boolean> | boolean,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`${what}: not ready within ${ms} ms`);
}
