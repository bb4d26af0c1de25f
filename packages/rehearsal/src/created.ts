import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { sendSignal } from '@pgha/local-cluster';
import { teardownRecorded } from '@pgha/netlab';

const exec = promisify(execFile);

/**
 * What a rehearsal made outside its work dir's files, recorded in `<work>/created.jsonl` one line each
 * BEFORE it is made, so that `--destroy` after any interruption finds it: the VPC's network (`@pgha/netlab`'s
 * record, and the VPC namespace's `/etc/netns/<name>` dir), overlay mounts, loop devices (found again by their
 * backing file). `netns` is what rehearsals before the netlab network recorded: still undone.
 */
export type Created =
  | { readonly kind: 'network'; readonly recordFile: string; readonly namespace: string }
  | { readonly kind: 'netns'; readonly name: string }
  | { readonly kind: 'mount'; readonly target: string }
  | { readonly kind: 'loop'; readonly backingFile: string };

export const createdFile = (workDir: string) => join(workDir, 'created.jsonl');

export async function recordCreated(workDir: string, item: Created): Promise<void> {
  await appendFile(createdFile(workDir), `${JSON.stringify(item)}\n`, { mode: 0o600 });
}

export async function readCreated(workDir: string): Promise<Created[]> {
  const text = await readFile(createdFile(workDir), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Created);
}

/** Run a command; its stderr in the error. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, [...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The PIDs that run inside the container whose root is the overlay mounted at `root` (its upper layer is
 * `<dirname(root)>/upper`): processes whose own root mount is an overlay with that upper dir. (Their
 * /proc/PID/root reads "/" from here: they live in a mount namespace of their own.)
 */
export async function processesRootedIn(root: string): Promise<number[]> {
  const upper = `upperdir=${join(dirname(root), 'upper')}`;
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = await readFile(`/proc/${entry}/mountinfo`, 'utf8').catch(() => '');
    const rootMount = info.split('\n').find((l) => l.split(' ')[4] === '/');
    if (rootMount?.split(' - ')[1]?.split(' ')[2]?.split(',').includes(upper)) out.push(Number(entry));
  }
  return out;
}

/** Mount points at or below `dir` (deepest first), from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const targets = info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((t): t is string => t !== undefined)
    .map((t) => t.replace(/\\040/g, ' '))
    .filter((t) => t === dir || t.startsWith(`${dir}/`));
  return [...new Set(targets)].sort((a, b) => b.length - a.length);
}

/** The loop devices backed by `file` (losetup -j). */
export async function loopsOf(file: string): Promise<string[]> {
  if (!existsSync(file)) return [];
  const out = await run('losetup', ['-j', file]).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.split(':')[0] ?? '')
    .filter((d) => d.startsWith('/dev/loop'));
}

/**
 * Undo everything recorded, last made first: whatever still runs inside an overlay root is killed (the
 * containers' processes, when their nspawn was killed before it could stop them), mounts are lazily
 * unmounted, loop devices detached, namespaces deleted. Already-gone items are skipped. Returns what was
 * removed, one line each.
 */
export async function undoCreated(workDir: string): Promise<string[]> {
  const done: string[] = [];
  const items = (await readCreated(workDir)).reverse();
  for (const item of items) {
    if (item.kind !== 'mount') continue;
    for (let i = 0; i < 50; i++) {
      const pids = await processesRootedIn(item.target);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          sendSignal(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      if (i === 0) done.push(`killed ${pids.length} process(es) left in ${item.target}`);
      await sleep(100);
    }
  }
  for (const item of items) {
    if (item.kind === 'mount') {
      for (const target of await mountsUnder(item.target)) {
        await run('umount', ['-l', target]);
        done.push(`unmounted ${target}`);
      }
    } else if (item.kind === 'loop') {
      for (const device of await loopsOf(item.backingFile)) {
        await run('losetup', ['-d', device]);
        done.push(`detached ${device} (${item.backingFile})`);
      }
    } else if (item.kind === 'network') {
      // Refuses (BUSY, naming the PIDs) while anything still runs in its namespaces: stopped above.
      for (const namespace of (await teardownRecorded(item.recordFile)).removed)
        done.push(`deleted network namespace ${namespace}`);
      if (existsSync(`/etc/netns/${item.namespace}`)) {
        await rm(`/etc/netns/${item.namespace}`, { recursive: true, force: true });
        done.push(`removed /etc/netns/${item.namespace}`);
      }
    } else {
      if (existsSync(`/run/netns/${item.name}`)) {
        await run('ip', ['netns', 'delete', item.name]);
        done.push(`deleted network namespace ${item.name}`);
      }
      if (existsSync(`/etc/netns/${item.name}`)) {
        await rm(`/etc/netns/${item.name}`, { recursive: true, force: true });
        done.push(`removed /etc/netns/${item.name}`);
      }
    }
  }
  return done;
}
