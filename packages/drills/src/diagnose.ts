import { type RestTls, rest } from '@pgha/clients';
import type { Manifest } from '@pgha/verify';
import type { Member } from './sampler.js';
import type { DrillTarget } from './target.js';

/** How many lines of each member's service log a diagnosis carries. */
export const LOG_LINES = 15;

/** What {@link diagnose} looks at. */
export interface DiagnoseInput {
  readonly target: Pick<DrillTarget, 'logTail'>;
  readonly manifest: Manifest;
  readonly members: readonly Member[];
  readonly restTls: RestTls;
  readonly etcdTls: RestTls;
}

const brief = (error: unknown) => (error as Error).message.split('\n')[0] ?? String(error);

/**
 * What the cluster looks like right now, for an error that says the drill could not go on (the rows cannot be
 * read back, the cluster never settled): each Patroni member's own `GET /patroni` (role, state, timeline,
 * when it last saw etcd), each etcd member's `/health`, and the tail of every member's service log when the
 * target can give it. One line per finding; never throws, never waits longer than a few seconds per member.
 * Secrets never appear: the REST answers and logs carry none (Patroni logs no passwords).
 */
export async function diagnose(input: DiagnoseInput): Promise<string[]> {
  const lines: string[] = [`at ${new Date().toISOString()}`];
  await Promise.all([
    ...input.members.map(async (m) => {
      try {
        const r = await rest(`${m.rest}/patroni`, input.restTls, { timeoutMs: 3000 });
        const s = JSON.parse(r.body) as Record<string, unknown>;
        const seen =
          typeof s.dcs_last_seen === 'number'
            ? `${Math.round(Date.now() / 1000 - s.dcs_last_seen)} s ago`
            : '?';
        return `${m.name} (${m.host}): HTTP ${r.status} role ${String(s.role)} state ${String(s.state)} timeline ${String(s.timeline ?? '-')} last saw etcd ${seen}${s.failsafe_mode_is_active === true ? ' failsafe active' : ''}${s.pause === true ? ' paused' : ''}`;
      } catch (error) {
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
  return lines;
}
