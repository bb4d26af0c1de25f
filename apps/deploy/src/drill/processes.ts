import { readdir, readFile } from 'node:fs/promises';
import { isAlive, type ProcessRecord, procStat } from '../local/process.js';

/** PIDs whose parent is `pid` (PostgreSQL's backends and auxiliary processes under the postmaster). */
export async function childrenOf(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await procStat(Number(entry)))?.ppid !== pid) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
      out.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until none of the records is alive (zombies count as dead); false when time ran out. */
export async function waitDead(records: readonly ProcessRecord[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let alive = false;
    for (const r of records) if (await isAlive(r)) alive = true;
    if (!alive) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}
