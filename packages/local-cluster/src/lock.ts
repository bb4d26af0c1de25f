import { link, mkdir, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { LocalClusterError } from './errors.js';
import type { Layout } from './layout.js';
import { procStat } from './process.js';

/** Who holds a deployment's lock: a process, by PID and kernel start time (so a reused PID is no holder). */
export interface LockHolder {
  readonly pid: number;
  readonly startTime: string;
  readonly operation: string;
  readonly since: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

/** The lock files this process holds now, each with the holder text it wrote. */
const held = new Map<string, string>();

/**
 * Take the deployment's lock (one deploy or destroy at a time per cluster), or refuse with STATE_LOCKED (exit 2)
 * naming the holder. A lock whose process is gone (crashed, killed) or whose PID now belongs to another
 * process is stale and taken over. `takeOverOwn`: a process that stops its own interrupted operation (the
 * drill's Ctrl-C) takes the lock from itself; never from another live process.
 */
export async function acquireLock(
  layout: Layout,
  operation: string,
  options: { readonly takeOverOwn?: boolean } = {},
): Promise<HeldLock> {
  const file = layout.lockFile;
  const self = await procStat(process.pid);
  const holder: LockHolder = {
    pid: process.pid,
    startTime: self?.startTime ?? '',
    operation,
    since: new Date().toISOString(),
  };
  const text = `${JSON.stringify(holder)}\n`;
  // A state dir made only for the lock goes with it: a deploy refused later (preflight) leaves nothing behind.
  const made = (await mkdir(layout.stateDir, { recursive: true, mode: 0o700 })) !== undefined;
  // Written whole to a file of our own, then linked into place: link fails when the lock exists, and no reader
  // ever sees half a holder.
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, text, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, file);
        held.set(file, text);
        return {
          release: async () => {
            await releaseLock(file, text);
            if (made) await rmdir(layout.stateDir).catch(() => undefined); // not empty: a deployment now
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readFile(file, 'utf8').catch(() => undefined);
      if (current === undefined) continue; // released meanwhile
      const other = parseHolder(current);
      const ownInterrupted = options.takeOverOwn === true && other?.pid === process.pid;
      if (other !== undefined && !ownInterrupted && (await holds(file, other, current))) {
        throw new LocalClusterError(
          'STATE_LOCKED',
          `cluster "${layout.cluster}" in ${layout.stateDir} is busy: PID ${other.pid} runs ${other.operation} on it (since ${other.since}); ${operation} refused, nothing was changed`,
          {
            hint: `wait for it to finish, or stop it (kill ${other.pid}); one deploy or destroy at a time per cluster`,
          },
        );
      }
      await takeOver(file, current);
    }
    throw new LocalClusterError(
      'STATE_LOCKED',
      `cannot take the lock ${file}: other processes keep taking it; ${operation} refused, nothing was changed`,
      { hint: 'another pgha runs on this cluster: wait for it, then run the command again' },
    );
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Whether the recorded holder still holds the lock: its process runs (same start time) and, when it is this
 * process, the lock is one it holds now (a lock this process once took and lost track of is stale).
 */
async function holds(file: string, holder: LockHolder, text: string): Promise<boolean> {
  if (holder.pid === process.pid) return held.get(file) === text;
  const stat = await procStat(holder.pid);
  return stat !== undefined && stat.startTime === holder.startTime && stat.state !== 'Z';
}

/**
 * Move a stale lock aside (rename is atomic: of two processes taking over, one moves it), then make sure what
 * was moved is the stale lock read, not a fresh one another process linked meanwhile (that goes back).
 */
async function takeOver(file: string, stale: string): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== undefined && moved !== stale) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

async function releaseLock(file: string, text: string): Promise<void> {
  if (held.get(file) === text) held.delete(file);
  // Only our own lock: one taken over from us (we were thought dead) belongs to its new holder.
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === text) await unlink(file).catch(() => undefined);
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.startTime !== 'string') return undefined;
    return {
      pid: value.pid,
      startTime: value.startTime,
      operation: String(value.operation ?? 'an operation'),
      since: String(value.since ?? 'an unknown time'),
    };
  } catch {
    return undefined;
  }
}
