import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { LocalClusterError } from './errors.js';

/** A process this tool started, identified by PID and its kernel start time (guards against PID reuse). */
export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  readonly startTime: string;
  readonly command: readonly string[];
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd: string;
  /** The complete environment: nothing is inherited (an inherited PGPASSWORD breaks pg_basebackup). */
  readonly env: Readonly<Record<string, string>>;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /**
   * Start the command under a subreaper (see SUBREAPER) and record the command's own PID: the processes it
   * orphans are reaped at once, as systemd reaps them on a real host.
   */
  readonly subreaper?: boolean | undefined;
  /**
   * netns mode: the command line that runs `command args` inside the node's network namespace as uid/gid (an
   * nsenter that execs without forking, see @pgha/netlab `Network.enter`). The spawned PID stays the
   * command's own, so the record and every later check by PID and start time are unchanged.
   * @default - the command runs in this process's network namespace
   */
  readonly enter?:
    | ((
        command: string,
        args: readonly string[],
        ids: { uid?: number | undefined; gid?: number | undefined },
      ) => { readonly command: string; readonly args: readonly string[] })
    | undefined;
}

/**
 * A child subreaper in a few lines of the Python that Patroni needs anyway: it forks the command, forwards
 * SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it, reaps whatever is orphaned below it the moment it
 * exits, and exits with the command's status once nothing is left below it. Why: Patroni starts the postmaster
 * through a short-lived intermediate process, so the postmaster is orphaned and its exit is reaped by whoever
 * adopts it. Under systemd (EC2) that is at once; this machine's init reaps orphans about every 2 s, and while
 * the exited postmaster is an unreaped zombie Patroni's graceful demote believes it still runs
 * (psutil's is_running), polls pg_controldata once more a second later, sleeps 1 s "to give replicas some more
 * time" and only then releases the leader key: 2 s of a switchover's write gap that no real host has.
 */
export const SUBREAPER = [
  'import ctypes, os, signal, sys',
  'if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:',
  "    sys.exit('pgha subreaper: prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d' % ctypes.get_errno())",
  'child = os.fork()',
  'if child == 0:',
  '    os.execvp(sys.argv[1], sys.argv[1:])',
  'def forward(signum, frame):',
  '    try:',
  '        os.kill(child, signum)',
  '    except ProcessLookupError:',
  '        pass',
  'for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):',
  '    signal.signal(s, forward)',
  'code = 0',
  'while True:',
  '    try:',
  '        pid, status = os.wait()',
  '    except ChildProcessError:',
  '        break',
  '    if pid == child:',
  '        code = os.waitstatus_to_exitcode(status)',
  'sys.exit(code if code >= 0 else 128 - code)',
].join('\n');

/**
 * The one child a subreaper forks, by /proc/PID/task/PID/children; the subreaper's own PID when it exits first
 * (a failed start: the caller's liveness check then reads the log).
 */
async function forkedChild(pid: number): Promise<number> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => undefined);
    if (children === undefined) return pid;
    const first = Number.parseInt(children.trim().split(' ')[0] ?? '', 10);
    if (Number.isInteger(first) && first > 0) return first;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return pid;
}

/** State, parent PID and start time (clock ticks) from /proc/PID/stat, or undefined when the process is gone. */
export async function procStat(
  pid: number,
): Promise<{ state: string; ppid: number; startTime: string } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const ppid = rest[1];
    const startTime = rest[19];
    if (state === undefined || ppid === undefined || startTime === undefined) return undefined;
    return { state, ppid: Number(ppid), startTime };
  } catch {
    return undefined;
  }
}

/** Alive means: the PID exists, is the process we started (same start time) and is not a zombie. */
export async function isAlive(record: Pick<ProcessRecord, 'pid' | 'startTime'>): Promise<boolean> {
  const stat = await procStat(record.pid);
  return (
    stat !== undefined && stat.startTime === record.startTime && stat.state !== 'Z' && stat.state !== 'X'
  );
}

/** Start a long-running service detached from this process, its output appended to logFile. */
export async function startService(options: StartOptions): Promise<ProcessRecord> {
  const log = openSync(options.logFile, 'a', 0o640);
  try {
    const [inner, innerArgs] = options.subreaper
      ? ['python3', ['-c', SUBREAPER, options.command, ...options.args]]
      : [options.command, [...options.args]];
    // Entered into a namespace: the entering command (root) drops to uid/gid itself before it execs.
    const entered = options.enter?.(inner, innerArgs, { uid: options.uid, gid: options.gid });
    const [command, args] = entered ? [entered.command, [...entered.args]] : [inner, innerArgs];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...options.env },
      detached: true,
      stdio: ['ignore', log, log],
      ...(entered || options.uid === undefined ? {} : { uid: options.uid }),
      ...(entered || options.gid === undefined ? {} : { gid: options.gid }),
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    const recorded = options.subreaper ? await forkedChild(pid) : pid;
    const stat = await procStat(recorded);
    return {
      name: options.name,
      pid: recorded,
      startTime: stat?.startTime ?? '',
      command: [options.command, ...options.args],
    };
  } finally {
    closeSync(log);
  }
}

export async function writeRecord(file: string, record: ProcessRecord): Promise<void> {
  await writeFile(file, `${JSON.stringify(record)}\n`, { mode: 0o644 });
}

/**
 * The record of a process this tool started, or undefined when there is none. A record that is not one
 * (truncated, edited) is STATE_DAMAGED: the error names the file, the processes that work in the node dir
 * `nodeDir` (what the record probably named) and how to recover.
 */
export async function readRecord(file: string, nodeDir?: string): Promise<ProcessRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let problem: string;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    problem = recordProblem(value);
    if (problem === '') return value as unknown as ProcessRecord;
  } catch (error) {
    problem = `not JSON (${(error as Error).message})`;
  }
  const candidates = nodeDir === undefined ? [] : await processesIn(nodeDir);
  const running =
    candidates.length > 0
      ? `processes working in ${nodeDir} now: ${candidates.map((p) => `PID ${p.pid} (${p.command})`).join(', ')}; stop them by PID (kill PID)`
      : `if the process it named still runs, stop it by PID (ps -ef shows it${nodeDir === undefined ? '' : `; it works in ${nodeDir}`})`;
  throw new LocalClusterError('STATE_DAMAGED', `${file} is damaged: ${problem}`, {
    hint: `pgha wrote it when it started that process and cannot tell from it whether it runs: ${running}, then remove ${file} and run the command again (the other processes are kept track of as before)`,
  });
}

/** What is wrong with a parsed process record ('' when nothing). */
function recordProblem(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.name !== 'string' || r.name === '') return 'no "name"';
  if (!Number.isInteger(r.pid) || (r.pid as number) <= 0)
    return `"pid" ${JSON.stringify(r.pid)} is not a PID`;
  if (typeof r.startTime !== 'string' || !/^\d*$/.test(r.startTime))
    return `"startTime" ${JSON.stringify(r.startTime)} is not a start time in clock ticks`;
  if (!Array.isArray(r.command) || !r.command.every((c) => typeof c === 'string'))
    return '"command" is not a list of strings';
  return '';
}

/** A process's working directory, when /proc lets this user see it. */
export async function cwdOf(pid: number): Promise<string | undefined> {
  return readlink(`/proc/${pid}/cwd`).catch(() => undefined);
}

/**
 * The processes whose working directory is `dir` or below it (the services run in their node dirs), as far as
 * /proc lets this user see: for messages about processes nothing records any more.
 */
export async function processesIn(dir: string): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = (await cwdOf(Number(entry))) ?? '';
    if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    found.push({ pid: Number(entry), command: cmdline.split('\0').filter(Boolean).join(' ') });
  }
  return found;
}

export async function removeRecord(file: string): Promise<void> {
  await rm(file, { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stop processes we started, together: SIGTERM to all, wait up to graceMs, then SIGKILL to what is left.
 * Returns the records that were still alive after SIGKILL (should be none).
 */
export async function stopAll(
  records: readonly ProcessRecord[],
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<ProcessRecord[]> {
  const alive = [];
  for (const record of records) if (await isAlive(record)) alive.push(record);
  for (const record of alive) sendSignal(record.pid, signal);
  const deadline = Date.now() + graceMs;
  let remaining = alive;
  while (remaining.length > 0 && Date.now() < deadline) {
    await sleep(100);
    remaining = await filterAlive(remaining);
  }
  if (remaining.length > 0) {
    for (const record of remaining) sendSignal(record.pid, 'SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (remaining.length > 0 && Date.now() < killDeadline) {
      await sleep(100);
      remaining = await filterAlive(remaining);
    }
  }
  return remaining;
}

async function filterAlive(records: readonly ProcessRecord[]): Promise<ProcessRecord[]> {
  const out = [];
  for (const record of records) if (await isAlive(record)) out.push(record);
  return out;
}

/** Send a signal by PID; a process that is already gone is not an error. */
export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The PostgreSQL postmaster's PID from its data directory (first line of postmaster.pid), if running. */
export async function postmasterRecord(dataDir: string, name: string): Promise<ProcessRecord | undefined> {
  let text: string;
  try {
    text = await readFile(`${dataDir}/postmaster.pid`, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = await procStat(pid);
  if (stat === undefined || stat.state === 'Z') return undefined;
  // A stale postmaster.pid can name a PID that now belongs to something else: check the command line.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.split('\0').includes(dataDir)) return undefined;
  return { name, pid, startTime: stat.startTime, command: ['postgres', '-D', dataDir] };
}
