import { type RestTls, rest } from '@pgha/clients';
import type { Manifest } from '@pgha/verify';
import type { Member } from './sampler.js';
import type { DrillTarget } from './target.js';

/** How many lines of each member's service log a diagnosis carries. */
export const LOG_LINES = 15;

/**
 * A Patroni member that has not seen etcd for longer than this (or whose REST API does not answer) gets its
 * thread stacks in the diagnosis, when the target can dump them: Patroni's HA loop reaches etcd every
 * `loop_wait`, so this long means the loop is stuck or etcd is gone; the stacks tell which.
 */
export const STALE_DCS_SECONDS = 30;

/** What {@link diagnose} looks at. */
export interface DiagnoseInput {
  readonly target: Pick<DrillTarget, 'logTail' | 'threadDump'>;
  readonly manifest: Manifest;
  readonly members: readonly Member[];
  readonly restTls: RestTls;
  readonly etcdTls: RestTls;
}

const brief = (error: unknown) => (error as Error).message.split('\n')[0] ?? String(error);

/**
 * What the cluster looks like right now, for an error that says the drill could not go on (the rows cannot be
 * read back, the cluster never settled): each Patroni member's own `GET /patroni` (role, state, timeline,
 * when it last saw etcd), each etcd member's `/health`, the thread stacks of every Patroni that has not seen etcd
 * for {@link STALE_DCS_SECONDS} or did not answer, and the tail of every member's service log, when the target can
 * give them. One line per finding; never throws, never waits longer than a few seconds per member.
 * Secrets never appear: the REST answers and logs carry none (Patroni logs no passwords).
 */
export async function diagnose(input: DiagnoseInput): Promise<string[]> {
  const lines: string[] = [`at ${new Date().toISOString()}`];
  const stuck = new Map<string, string>();
  await Promise.all([
    ...input.members.map(async (m) => {
      try {
        const r = await rest(`${m.rest}/patroni`, input.restTls, { timeoutMs: 3000 });
        const s = JSON.parse(r.body) as Record<string, unknown>;
        const ago =
          typeof s.dcs_last_seen === 'number' ? Math.round(Date.now() / 1000 - s.dcs_last_seen) : undefined;
        if (ago === undefined || ago > STALE_DCS_SECONDS)
          stuck.set(m.name, ago === undefined ? 'no dcs_last_seen' : `last saw etcd ${ago} s ago`);
        return `${m.name} (${m.host}): HTTP ${r.status} role ${String(s.role)} state ${String(s.state)} timeline ${String(s.timeline ?? '-')} last saw etcd ${ago === undefined ? '?' : `${ago} s ago`}${s.failsafe_mode_is_active === true ? ' failsafe active' : ''}${s.pause === true ? ' paused' : ''}`;
      } catch (error) {
        stuck.set(m.name, 'its REST API did not answer');
        return `${m.name} (${m.host}): REST API ${m.rest} did not answer: ${brief(error)}`;
      }
    }),
    ...input.manifest.etcd.endpoints.map(async (endpoint) => {
      try {
        const r = await rest(`${endpoint}/health`, input.etcdTls, { timeoutMs: 3000 });
        return `etcd ${endpoint}: HTTP ${r.status} ${r.body.trim()}`;
      } catch (error) {
        return `etcd ${endpoint}: did not answer: ${brief(error)}`;
      }
    }),
  ]).then((found) => lines.push(...found));
  if (input.target.logTail) {
    const names = [...input.members.map((m) => m.name), ...(input.manifest.etcd.names ?? [])];
    for (const name of names) {
      const tail = await input.target.logTail(name, LOG_LINES).catch((error: unknown) => `(${brief(error)})`);
      if (tail === undefined) continue;
      lines.push(
        `${name} log, last ${LOG_LINES} lines:`,
        ...tail
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => `  ${l}`),
      );
    }
  }
  // After the log tails: the stacks are appended to the very log those read.
  if (input.target.threadDump) {
    for (const [name, why] of [...stuck].sort(([a], [b]) => a.localeCompare(b))) {
      const dump = await input.target.threadDump(name).catch((error: unknown) => `(${brief(error)})`);
      if (dump === undefined) continue;
      lines.push(
        `${name}: Patroni's threads (${why}):`,
        ...dump
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => `  ${l}`),
      );
    }
  }
  return lines;
}
