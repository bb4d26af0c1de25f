import { open, stat } from 'node:fs/promises';
import { type Layout, patroniLayout } from './layout.js';
import { isAlive, readRecord, sendSignal } from './process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A line Python's faulthandler writes: a thread's heading or one of its frames. */
const FAULTHANDLER_LINE = /^(Current thread|Thread) 0x[0-9a-f]+|^ {2}File "/;

/**
 * Every thread's stack of a running Patroni member of a local cluster: where its HA loop, REST API and etcd
 * watcher are right now, for the diagnosis of a member that stopped reaching etcd or answering.
 *
 * Sends SIGUSR2 to the member's recorded process (its subreaper, which forwards it to Patroni). The Python shim
 * every local Patroni starts with (`renderPatroniPythonShim()` of `@pgha/userdata`) has faulthandler print the
 * stacks to Patroni's log; this returns those lines (file, line and function names, never a value) of what the log
 * gained until it stopped growing, within `timeoutMs`. Undefined when the member runs no Patroni or printed nothing.
 * Patroni goes on running.
 */
export async function patroniThreadDump(
  layout: Layout,
  member: string,
  options: { readonly timeoutMs?: number | undefined } = {},
): Promise<string | undefined> {
  const l = patroniLayout(layout, member);
  const record = await readRecord(l.recordFile);
  if (!record || !(await isAlive(record))) return undefined;
  const sizeOf = async () => (await stat(l.logFile).catch(() => undefined))?.size ?? 0;
  const before = await sizeOf();
  sendSignal(record.pid, 'SIGUSR2');
  let size = before;
  for (const deadline = Date.now() + (options.timeoutMs ?? 3000); Date.now() < deadline; ) {
    await sleep(200);
    const now = await sizeOf();
    if (now > before && now === size) break;
    size = now;
  }
  if (size <= before) return undefined;
  const handle = await open(l.logFile, 'r');
  try {
    const length = Math.min(size - before, 256 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, before);
    // Only faulthandler's lines: the log goes on meanwhile (PostgreSQL writes to it too).
    const stacks = buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => FAULTHANDLER_LINE.test(line));
    return stacks.length > 0 ? stacks.join('\n') : undefined;
  } finally {
    await handle.close();
  }
}
