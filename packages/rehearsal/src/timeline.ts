import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inContainer } from './boot.js';

/** One event of an instance's boot, `at` seconds after its container started. */
export interface BootEvent {
  readonly at: number;
  readonly what: string;
}

/**
 * The cloud-init stages from its log (`... Cloud-init v. X running 'init' at ...` and `... finished at ...`,
 * stamped `YYYY-MM-DD HH:MM:SS,mmm` in UTC), as [epoch ms, text].
 */
export function cloudInitStages(log: string): [number, string][] {
  const out: [number, string][] = [];
  for (const line of log.split('\n')) {
    const stamp = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})/.exec(line);
    if (stamp === null) continue;
    const ms = Date.parse(`${stamp[1]?.replace(' ', 'T')}.${stamp[2]}Z`);
    const running = /Cloud-init v\. \S+ running '([^']+)'/.exec(line);
    if (running) out.push([ms, `cloud-init ${running[1]}`]);
    else if (/Cloud-init v\. \S+ finished at/.test(line)) out.push([ms, 'cloud-init finished']);
  }
  return out;
}

/** pgha-boot's own lines (`pgha-boot: ...`, `pgha-components: ...`) from `journalctl -o short-unix`. */
export function bootSteps(journal: string): [number, string][] {
  const out: [number, string][] = [];
  for (const line of journal.split('\n')) {
    const m = /^(\d+\.\d+) \S+ [^:]+: (pgha-(?:boot|components): .*)$/.exec(line);
    if (m) out.push([Math.round(Number(m[1]) * 1000), m[2] as string]);
  }
  return out;
}

/** An instance's boot timeline: cloud-init's stages and pgha-boot's steps, in order. */
export async function bootTimeline(root: string, startedAt: number): Promise<BootEvent[]> {
  const log = await readFile(join(root, 'var/log/cloud-init.log'), 'utf8').catch(() => '');
  const journal =
    (await inContainer(root, ['journalctl', '-o', 'short-unix', '--no-pager', '-u', 'pgha-boot.service'])) ??
    '';
  return [...cloudInitStages(log), ...bootSteps(journal)]
    .sort((a, b) => a[0] - b[0])
    .map(([ms, what]) => ({ at: Math.round((ms - startedAt) / 100) / 10, what }));
}
