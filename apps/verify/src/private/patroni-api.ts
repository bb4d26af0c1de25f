import { type PatroniMember, parsePatroniMembers } from '@pgha/clients';
import { jsonCall } from './json-call.js';
import { ProbeFailure, type TlsClient } from './probe-failure.js';

// The member type, its parser, restBase and the transport (rest, with an AbortSignal) are @pgha/clients' (shared
// with deploy and the drills); failures are classified for the report here.
export { type PatroniMember, restBase } from '@pgha/clients';

/** The parts of `GET /patroni` (the node's own status) verify uses. */
export interface PatroniNodeStatus {
  readonly state: string;
  /** `master`/`primary` or `replica` (as PostgreSQL is, not as the DCS says). */
  readonly role: string;
  readonly timeline?: number;
  /** `pg_stat_replication` rows, on a primary only. */
  readonly replication: readonly { readonly applicationName: string; readonly state: string }[];
}

type Obj = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function patroniApi(tls: TlsClient, timeoutMs: number) {
  const get = async (base: string, path: string, signal: AbortSignal): Promise<Obj> => {
    const url = `${base}${path}`;
    // GET /patroni answers 503 on a replica (with the same JSON body); the body is what counts.
    const res = await jsonCall(url, tls, { signal, timeoutMs });
    if (typeof res.body !== 'object' || res.body === null) {
      throw new ProbeFailure(
        `${url}: HTTP ${res.status} without a JSON object (is this Patroni's REST API?)`,
        'protocol',
        undefined,
        url,
      );
    }
    return res.body as Obj;
  };
  return {
    async cluster(base: string, signal: AbortSignal): Promise<PatroniMember[]> {
      const members = parsePatroniMembers(await get(base, '/cluster', signal));
      if (!members) {
        throw new ProbeFailure(
          `${base}/cluster: no "members" in the answer (is this Patroni 2.1 or later?)`,
          'protocol',
          undefined,
          `${base}/cluster`,
        );
      }
      return members;
    },
    async status(base: string, signal: AbortSignal): Promise<PatroniNodeStatus> {
      const b = await get(base, '/patroni', signal);
      const timeline = num(b.timeline);
      const replication = (Array.isArray(b.replication) ? (b.replication as Obj[]) : []).map((r) => ({
        applicationName: str(r.application_name),
        state: str(r.state),
      }));
      return {
        state: str(b.state),
        role: str(b.role),
        replication,
        ...(timeline !== undefined ? { timeline } : {}),
      };
    },
  };
}

export type PatroniApi = ReturnType<typeof patroniApi>;
